"""A workspace's plan, set by the platform's billing service (`WorkspacePlanChanged
{workspaceId, plan}` on the bus, taken by the billing consumer).

One transaction: the workspace's `plan` (conditional on the version read), the billing
request's marker (store/billing_requests.py: a redelivery changes nothing), and our own
`WorkspacePlanSet {plan, previousPlan}` for the audit chain and the platform. A plan
the catalogue does not name is refused whole (`UNKNOWN_PLAN`): nothing is written, and
the consumer's failure sends the event to its dead-letter queue.

A downgrade takes nothing away (permissions/plans.py): what the workspace holds beyond
its new plan stays; the plan's checks stop it growing.
"""

from __future__ import annotations

from typing import Any

from teamspace.core.errors import InvalidInput
from teamspace.core.events import DetailType
from teamspace.core.observability import logger
from teamspace.core.records import WorkspaceStatus
from teamspace.domain.billing import BILLING_ACTOR, commit_request
from teamspace.domain.plans import catalogue
from teamspace.domain.service import DomainService
from teamspace.store import billing_requests, snapshots
from teamspace.store import workspaces as workspace_store

PLAN_CHANGED = "WorkspacePlanChanged"


class PlanChanges(DomainService):
    def change_plan(self, detail: dict[str, Any], event_id: str) -> str:
        """Apply billing's WorkspacePlanChanged `detail`, once per bus event id; what it
        did: `applied` (the plan moved), `unchanged` (already on it), `duplicate` (this
        event was taken before) or `gone` (no such live workspace)."""
        workspace_id, plan = _parsed(detail)
        if not catalogue().knows(plan):
            logger.error(
                "unknown plan: nothing changed, the event goes to the dead-letter queue",
                extra={"workspaceId": workspace_id, "plan": plan, "eventId": event_id},
            )
            raise InvalidInput(
                "UNKNOWN_PLAN",
                f"The plan catalogue has no plan {plan!r}; workspace {workspace_id} keeps its plan",
            )
        mark = billing_requests.request_key(workspace_id, event_id)
        seen = snapshots.load(self.store, workspace_id, also=[mark])
        if seen.other(mark) is not None:
            return "duplicate"
        workspace = seen.workspace
        if workspace is None or workspace.status is WorkspaceStatus.DELETED:
            return "gone"
        now = self.clock.now()
        ops = [billing_requests.take_request(workspace_id, event_id, PLAN_CHANGED, now)]
        outcome = "unchanged"
        if workspace.plan != plan:
            outcome = "applied"
            ops += [
                workspace_store.set_plan(workspace_id, plan, workspace.version, now),
                self.event(
                    DetailType.WORKSPACE_PLAN_SET,
                    workspace_id,
                    BILLING_ACTOR,
                    {"plan": plan, "previousPlan": workspace.plan, "billingEventId": event_id},
                    now,
                ),
            ]
        if not commit_request(self.store, ops):
            return "duplicate"
        return outcome


def _parsed(detail: dict[str, Any]) -> tuple[str, str]:
    """The workspace and plan a WorkspacePlanChanged names; UNKNOWN_PLAN-like refusals
    for a detail without them (dead-lettered: a malformed event is never half applied)."""
    workspace_id, plan = detail.get("workspaceId"), detail.get("plan")
    if not isinstance(workspace_id, str) or not workspace_id:
        raise InvalidInput("MALFORMED_EVENT", f"{PLAN_CHANGED} without a workspaceId")
    if not isinstance(plan, str) or not plan:
        raise InvalidInput("MALFORMED_EVENT", f"{PLAN_CHANGED} without a plan")
    return workspace_id, plan
