"""The audit log: one record per event, appended to its workspace's hash chain, and the
reads owners and admins (`audit:view`) make of it: pages, verification and export.

Appends are idempotent on the event id and never fork the chain, whatever the order or
number of deliveries: the chain's correctness never depends on the queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import takewhile
from typing import Any

from teamspace.core.audit import AuditRecord, Verification, sealed, verify
from teamspace.core.clock import Clock, parse_iso
from teamspace.core.errors import Unavailable
from teamspace.core.identity import Caller
from teamspace.core.records import LogQuery, Page
from teamspace.domain.access import admit, enter_workspace
from teamspace.domain.audit_entries import summary_of, target_of
from teamspace.permissions import Permission
from teamspace.store import audit as audit_store
from teamspace.store import snapshots
from teamspace.store.audit import AlreadyRecorded, ChainMoved
from teamspace.store.table import TeamspaceStore

# Concurrent writers of one chain (a FIFO group has one; a redelivery may race it).
APPEND_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Appended:
    record: AuditRecord | None  # None: the event had its record already


class AuditService:
    def __init__(self, store: TeamspaceStore, clock: Clock, retention_days: int) -> None:
        self.store = store
        self.clock = clock
        self.retention = timedelta(days=retention_days)

    # ---- writing -------------------------------------------------------------------

    def record(self, event: dict[str, Any]) -> Appended:
        """Append the record of one EventBridge event (`detail-type`, `detail`)."""
        detail = event["detail"]
        workspace_id, event_id = detail["workspaceId"], detail["eventId"]
        for _ in range(APPEND_ATTEMPTS):
            head, recorded = audit_store.head(self.store, workspace_id, event_id)
            if recorded:
                return Appended(None)
            expires = int((parse_iso(detail["occurredAt"]) + self.retention).timestamp())
            record = sealed(
                AuditRecord(
                    workspace_id=workspace_id,
                    seq=head.seq + 1,
                    event_id=event_id,
                    occurred_at=detail["occurredAt"],
                    actor=dict(detail["actor"]),
                    action=event["detail-type"],
                    target=target_of(event["detail-type"], workspace_id, detail["data"]),
                    summary=summary_of(detail["data"]),
                    prev_hash=head.hash,
                    expires_at=max(expires, head.expires_at),
                    prev_expires_at=head.expires_at,
                )
            )
            try:
                audit_store.append(self.store, record, head)
            except AlreadyRecorded:
                return Appended(None)
            except ChainMoved:
                continue
            return Appended(record)
        raise Unavailable("AUDIT_BUSY", "The audit chain kept moving; retry", retry_after=1)

    # ---- reading -------------------------------------------------------------------

    def page(
        self, caller: Caller, workspace_id: str, query: LogQuery, *, limit: int, cursor: str | None
    ) -> Page[AuditRecord]:
        self._enter(caller, workspace_id)
        return audit_store.page(self.store, workspace_id, query, limit=limit, cursor=cursor)

    def verify(self, caller: Caller, workspace_id: str) -> Verification:
        """Recompute the chain up to the head as it is now (later appends wait). The head
        comes with the read under the request (one round trip, not two)."""
        wanted = audit_store.audit_head_key(workspace_id)
        snapshot = snapshots.load(self.store, workspace_id, [caller.user_id], also=[wanted])
        admit(self.store, caller, snapshot).require(Permission.AUDIT_VIEW)
        head = audit_store.head_in(snapshot, workspace_id)
        records = takewhile(lambda r: r.seq <= head.seq, audit_store.walk(self.store, workspace_id))
        return verify(records, head, int(self.clock.now().timestamp()))

    def export(self, caller: Caller, workspace_id: str) -> Iterator[AuditRecord]:
        """The whole log, oldest first, read a page at a time as it is written out."""
        self._enter(caller, workspace_id)
        return audit_store.walk(self.store, workspace_id)

    def _enter(self, caller: Caller, workspace_id: str) -> None:
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.AUDIT_VIEW)
