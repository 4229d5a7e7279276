"""The audit log: one record per event, appended to its workspace's hash chain, and the
reads owners and admins (`audit:view`) make of it: pages, verification and export.

Appends are idempotent on the event id and never fork the chain, whatever the order or
number of deliveries: the chain's correctness never depends on the queue. The queue is a
standard one (docs/decisions.md, "Audit"): consumers append to one chain concurrently, so
an append that loses a race (the head moved, DynamoDB cancelled the transaction for a
conflict, or throttled) reads the head again and retries, jittered, within a budget; past
it the record fails alone and the queue brings it back.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import takewhile
from typing import Any

from teamspace.core.audit import AuditRecord, Head, Progress, Verification, sealed, verify
from teamspace.core.audit_intake import IntakeRefused, occurred_at, parse_platform_event
from teamspace.core.clock import Clock, iso, parse_iso
from teamspace.core.errors import Conflict, FieldError, InvalidInput, Unavailable
from teamspace.core.events import EVENT_SOURCE
from teamspace.core.identity import Caller
from teamspace.core.records import LogQuery, Page, WorkspaceStatus
from teamspace.domain.access import Access, admit, enter_workspace
from teamspace.domain.audit_entries import summary_of, target_of
from teamspace.permissions import Feature, Permission
from teamspace.store import audit as audit_store
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.audit import AlreadyRecorded, ChainMoved
from teamspace.store.table import TeamspaceStore

# How long one event's append may keep retrying (seconds), and the jittered pause
# between tries: the consumer's Timeout covers a whole batch of them
# (tests/unit/template: BatchSize x APPEND_BUDGET_SECONDS < Timeout).
APPEND_BUDGET_SECONDS = 2.0
BACKOFF_BASE_SECONDS = 0.005
BACKOFF_CAP_SECONDS = 0.2
# What a fresh read and another try get past: DynamoDB cancelled the transaction for a
# conflict with another one (TransactionConflict), or it throttled.
TRANSIENT = frozenset({"CONCURRENT_UPDATE", "STORE_BUSY"})
# The most records one verification request checks: 100 Queries of 500 and their hashes,
# well inside the audit function's timeout (docs/performance.md, "Limits at scale");
# a longer chain is verified in several requests, each going on from `nextCursor`.
VERIFY_LIMIT = 50_000
# How far after the intake's clock another service's event may say it happened: beyond
# it the record's expiry, which every later record of the chain inherits as its floor,
# could pin a workspace's whole log past its retention.
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Appended:
    record: AuditRecord | None  # None: the event had its record already


class AuditService:
    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock,
        retention_days: int,
        verify_limit: int = VERIFY_LIMIT,
    ) -> None:
        self.store = store
        self.clock = clock
        self.retention = timedelta(days=retention_days)
        self.verify_limit = verify_limit

    # ---- writing -------------------------------------------------------------------

    def record(self, event: dict[str, Any]) -> Appended:
        """Append the record of one of Teamspace's own EventBridge events
        (`detail-type`, `detail`)."""
        detail = event["detail"]
        workspace_id, event_id = detail["workspaceId"], detail["eventId"]
        data = detail["data"]

        def entry(head: Head) -> AuditRecord:
            return self._record(
                head,
                workspace_id=workspace_id,
                event_id=event_id,
                occurred_at=detail["occurredAt"],
                actor=dict(detail["actor"]),
                action=event["detail-type"],
                target=target_of(event["detail-type"], workspace_id, data),
                summary=summary_of(data),
                source=EVENT_SOURCE,
            )

        def attempt() -> Appended | None:
            head, recorded = audit_store.head(self.store, workspace_id, event_id)
            if recorded:
                return Appended(None)
            return self._append(entry(head), head)

        return self._retrying(attempt)

    def record_platform(self, event: dict[str, Any]) -> Appended:
        """Append the record of an event another service put on the bus (the intake):
        checked against the published schema, for a workspace that exists, once per
        `(source, eventId)`. IntakeRefused when it may not be written."""
        parsed = parse_platform_event(event)
        detail = parsed.detail
        moment = occurred_at(detail)
        if moment > self.clock.now() + MAX_CLOCK_SKEW:
            raise IntakeRefused("occurred_in_future", "occurredAt is ahead of the intake's clock")
        workspace_id = detail.workspaceId
        marker = audit_store.marker_of(parsed.source, detail.eventId)
        workspace_key = workspace_store.workspace_key(workspace_id)

        def attempt() -> Appended | None:
            head, recorded, found = audit_store.head_and(
                self.store, workspace_id, marker, [workspace_key]
            )
            if recorded:
                return Appended(None)
            if not any(item.get("status") != WorkspaceStatus.DELETED.value for item in found):
                # A deleted workspace's chain is closed; one that never existed has none.
                # A suspended one still exists: what the platform does to it is recorded.
                raise IntakeRefused("unknown_workspace", "No workspace has this id (or deleted)")
            record = self._record(
                head,
                workspace_id=workspace_id,
                event_id=detail.eventId,
                occurred_at=iso(moment),
                actor=detail.actor.model_dump(),
                action=parsed.detail_type,
                target=detail.target.model_dump(),
                summary=detail.summary,
                source=parsed.source,
            )
            return self._append(record, head)

        return self._retrying(attempt)

    def _retrying(self, attempt: Callable[[], Appended | None]) -> Appended:
        """Run the read-decide-append `attempt` until it lands (or finds the event
        recorded), reading the head again after each lost race: the chain moved
        (`attempt` answers None), DynamoDB cancelled the transaction for a conflict, or
        it throttled. Jittered exponential pauses, within APPEND_BUDGET_SECONDS; then
        AUDIT_BUSY, and the queue redelivers the event."""
        deadline = time.monotonic() + APPEND_BUDGET_SECONDS
        tries = 0
        while True:
            try:
                appended = attempt()
            except (Conflict, Unavailable) as lost:
                if lost.code not in TRANSIENT:
                    raise
                appended = None
            if appended is not None:
                return appended
            pause = random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**tries))  # noqa: S311 - jitter, not a secret
            tries += 1
            if time.monotonic() + pause >= deadline:
                raise _busy()
            time.sleep(pause)

    def _record(self, head: Head, *, occurred_at: str, **fields: Any) -> AuditRecord:
        """The sealed record that extends the chain after `head`."""
        expires = int((parse_iso(occurred_at) + self.retention).timestamp())
        return sealed(
            AuditRecord(
                seq=head.seq + 1,
                occurred_at=occurred_at,
                prev_hash=head.hash,
                expires_at=max(expires, head.expires_at),
                prev_expires_at=head.expires_at,
                **fields,
            )
        )

    def _append(self, record: AuditRecord, head: Head) -> Appended | None:
        """The append, done or found done already; None when the chain moved (read the
        head again and retry)."""
        try:
            audit_store.append(self.store, record, head)
        except AlreadyRecorded:
            return Appended(None)
        except ChainMoved:
            return None
        return Appended(record)

    # ---- reading -------------------------------------------------------------------

    def page(
        self, caller: Caller, workspace_id: str, query: LogQuery, *, limit: int, cursor: str | None
    ) -> Page[AuditRecord]:
        self._enter(caller, workspace_id)
        return audit_store.page(self.store, workspace_id, query, limit=limit, cursor=cursor)

    def verify(self, caller: Caller, workspace_id: str, cursor: str | None = None) -> Verification:
        """Recompute the chain up to the head as it is now (later appends wait), at most
        `verify_limit` records this time: from the start, or from where the verification
        a `cursor` (`progress_cursor`) comes from stopped. The head comes with the read
        under the request (one round trip, not two)."""
        since = _progress(cursor) if cursor is not None else None
        wanted = audit_store.audit_head_key(workspace_id)
        snapshot = snapshots.load(self.store, workspace_id, [caller.user_id], also=[wanted])
        admit(self.store, caller, snapshot).require(Permission.AUDIT_VIEW)
        head = audit_store.head_in(snapshot, workspace_id)
        after = audit_store.position_after(workspace_id, since.seq) if since else None
        walked = audit_store.walk(self.store, workspace_id, after=after)
        records = takewhile(lambda r: r.seq <= head.seq, walked)
        now = int(self.clock.now().timestamp())
        return verify(records, head, now, since=since, limit=self.verify_limit)

    def export(
        self, caller: Caller, workspace_id: str, cursor: str | None = None
    ) -> Iterator[AuditRecord]:
        """The log, oldest first, from the start or from just after the record a cursor
        names (`resume_after`), read a page at a time as it is written out; the caller
        stops reading where its page is full. Needs a plan with auditExport (the log
        itself stays readable and verifiable on every plan)."""
        self._enter(caller, workspace_id).entitled(Feature.AUDIT_EXPORT)
        return audit_store.walk(self.store, workspace_id, after=cursor)

    @staticmethod
    def resume_after(record: AuditRecord) -> str:
        """The cursor of the export's next page, after `record`."""
        return audit_store.cursor_after(record)

    def _enter(self, caller: Caller, workspace_id: str) -> Access:
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.AUDIT_VIEW)
        return access


def _busy() -> Unavailable:
    return Unavailable("AUDIT_BUSY", "The audit chain kept moving; retry", retry_after=1)


def progress_cursor(progress: Progress) -> str:
    """The cursor a verification goes on from: where it stopped, all good so far. It
    vouches for nothing: whoever passes one back is told whether the chain holds after
    the record it names, so a made-up one fools only its maker."""
    raw = json.dumps([progress.seq, progress.hash, progress.checked], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _progress(cursor: str) -> Progress:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        seq, digest, checked = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise _bad_cursor() from None
    fine = (
        type(seq) is int
        and type(checked) is int
        and seq >= 1
        and 1 <= checked <= seq
        and isinstance(digest, str)
        and re.fullmatch(r"[0-9a-f]{64}", digest)
    )
    if not fine:
        raise _bad_cursor()
    return Progress(seq, digest, checked)


def _bad_cursor() -> InvalidInput:
    return InvalidInput(
        "INVALID_CURSOR",
        "The cursor is not one this verification returned",
        fields=[FieldError("cursor", "not a cursor returned by this verification")],
    )
