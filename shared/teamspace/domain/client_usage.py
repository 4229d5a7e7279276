"""Minutes a client workspace used, reported by the platform (`MinutesUsed`), counted
once per report and added up per budget period; its agency is told when a client
reaches 80% and 100% of its budget (`MinuteBudgetThresholdReached`).

- A budget period is a calendar month in UTC, by when the report is counted. A new
  month starts from zero with no threshold announced; a budget changed within a month
  applies to what is counted from then on (docs/decisions.md, "Usage across clients").
- Each report is one transaction: its marker (a second delivery fails on it and adds
  nothing), the period's count written over the count that was read (a report counted
  meanwhile makes the cycle run again, core/retry.py), and the outbox record of each
  threshold the new total reaches that the period has not announced yet. The count and
  the announcements cannot part: a threshold is announced once, both at once when one
  report goes past both.
- The count is not on the workspace item, which every request reads, and the consumer
  only reads that item (store/usage.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from teamspace.core.errors import Conflict
from teamspace.core.events import DetailType
from teamspace.core.observability import logger
from teamspace.core.records import ClientUsage, WorkspaceStatus
from teamspace.core.usage import minutes_used
from teamspace.domain.billing import BILLING_ACTOR
from teamspace.domain.service import DomainService
from teamspace.store import snapshots
from teamspace.store import usage as usage_store
from teamspace.store.table import TeamspaceStore

# The shares of a client's budget its agency hears of, in percent.
THRESHOLDS = (80, 100)


def budget_period(at: datetime) -> str:
    """The budget period `at` falls in: its calendar month in UTC, `YYYY-MM`."""
    return at.strftime("%Y-%m")


def thresholds_reached(minutes: int, budget: int) -> frozenset[int]:
    """The thresholds `minutes` used of `budget` have reached (none before any use; with
    no budget, any use reaches both)."""
    if minutes <= 0:
        return frozenset()
    return frozenset(p for p in THRESHOLDS if minutes * 100 >= p * budget)


def used_in_period(
    store: TeamspaceStore, at: datetime, client_ids: list[str]
) -> tuple[str, dict[str, int]]:
    """The budget period `at` falls in and what each of these clients used in it, in one
    read whatever their number (a page of the agency's clients, at most 100)."""
    period = budget_period(at)
    return period, usage_store.usage_of(store, client_ids, period)


@dataclass(frozen=True, slots=True)
class UsageCounted:
    """What one report did: `outcome` "counted", "duplicate" (counted before) or
    "no_client" (not a live client's: counted nowhere); `minutes` the period's total
    after it, `announced` the thresholds it reached first."""

    client_id: str
    outcome: str
    minutes: int = 0
    period: str = ""
    announced: tuple[int, ...] = field(default=())

    @property
    def counted(self) -> bool:
        return self.outcome == "counted"

    def __str__(self) -> str:
        return self.outcome


class ClientUsageService(DomainService):
    """The clients' minutes: counted from the platform's reports, shown to the agency."""

    def count(self, detail: Mapping[str, Any]) -> UsageCounted:
        """Count one `MinutesUsed` report (its bus event's `detail`), once per `usageId`."""
        report = minutes_used(detail)
        client_id = report.workspaceId
        now = self.clock.now()
        period = budget_period(now)
        usage_key = usage_store.usage_key(client_id, period)
        counted_key = usage_store.counted_key(client_id, report.usageId)
        read = snapshots.load(self.store, client_id, also=[usage_key, counted_key])
        if read.other(counted_key) is not None:
            return UsageCounted(client_id, "duplicate")
        client = read.workspace
        if (
            client is None
            or client.status is WorkspaceStatus.DELETED
            or client.parent_workspace_id is None
        ):
            # Nothing to add it to: a workspace that is no client has no budget from a
            # pool, and a deleted one is shown to no one. Counted as nothing, not failed:
            # a redelivery would find the same.
            logger.warning("minutes of no live client workspace", extra={"clientId": client_id})
            return UsageCounted(client_id, "no_client")
        item = read.other(usage_key)
        before = (
            usage_store.usage_from_item(item)
            if item is not None
            else ClientUsage(client_id, client.parent_workspace_id, period)
        )
        total = before.minutes + report.minutes
        budget = client.minute_budget
        announced = sorted(thresholds_reached(total, budget) - before.thresholds)
        after = ClientUsage(
            client_id=client_id,
            agency_id=client.parent_workspace_id,
            period=period,
            minutes=total,
            thresholds=before.thresholds | set(announced),
            updated_at=now,
        )
        ops = [
            usage_store.mark_counted(client_id, report.usageId, now),
            usage_store.put_usage(after, before.minutes if item is not None else None),
            *(
                self.event(
                    DetailType.MINUTE_BUDGET_THRESHOLD_REACHED,
                    after.agency_id,
                    BILLING_ACTOR,
                    {
                        "clientId": client_id,
                        "percent": percent,
                        "minutesUsed": total,
                        "minuteBudget": budget,
                        "period": period,
                    },
                    now,
                )
                for percent in announced
            ),
        ]
        try:
            self.store.commit(ops)
        except Conflict as error:
            if error.code != "USAGE_ALREADY_COUNTED":
                raise
            # Another delivery of the same report got there first: it is counted once.
            return UsageCounted(client_id, "duplicate")
        return UsageCounted(client_id, "counted", total, period, tuple(announced))
