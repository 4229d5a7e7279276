"""A workspace's standing with the platform's billing service: suspended or active.

The billing service asks by putting WorkspaceSuspensionRequested or
WorkspaceReactivationRequested `{workspaceId, reason}` on the bus (a source in the
stack's BillingSources); the billing consumer hands each to this service with the bus
event's id. Each request is taken once: a marker per event id is written in the same
transaction as the change, so a redelivered request, or an old one delivered again
after a newer one, changes nothing. A request for the state the workspace is in already
(reactivating an active workspace) changes nothing either, and leaves its marker.

The change is one transaction: the workspace's status, the `workspaceStatus` of each of
its API keys' lookup items (the authorizer refuses a suspended workspace's keys without
reading the workspace), the marker, and WorkspaceSuspended or WorkspaceReactivated in
the outbox (and from there on the workspace's audit chain). What a suspension refuses
is decided in the permission layer (permissions/standing.py) from the workspace item
every request reads.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from teamspace.core.events import DetailType
from teamspace.core.records import Workspace, WorkspaceStatus
from teamspace.domain.billing import BILLING_ACTOR, commit_request
from teamspace.domain.limits import MAX_API_KEYS
from teamspace.domain.service import DomainService
from teamspace.store import api_keys as key_store
from teamspace.store import billing_requests, snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp

# The billing service's detail types this service takes (its own, not Teamspace's), by
# the status each asks for.
REQUESTED_BY = {
    WorkspaceStatus.SUSPENDED: "WorkspaceSuspensionRequested",
    WorkspaceStatus.ACTIVE: "WorkspaceReactivationRequested",
}


class Outcome(StrEnum):
    """What a request did (the consumer logs and returns it)."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"  # the workspace was in that state already
    DUPLICATE = "duplicate"  # this request was taken before
    NO_WORKSPACE = "no_workspace"  # no such workspace, or it is deleted


class WorkspaceStanding(DomainService):
    """Suspends and reactivates workspaces at the billing service's request."""

    def suspend(self, workspace_id: str, reason: str | None, request_id: str) -> Outcome:
        """WorkspaceSuspensionRequested: the workspace SUSPENDED (see module doc)."""
        return self._set(workspace_id, WorkspaceStatus.SUSPENDED, reason, request_id)

    def reactivate(self, workspace_id: str, reason: str | None, request_id: str) -> Outcome:
        """WorkspaceReactivationRequested: the workspace ACTIVE again (see module doc)."""
        return self._set(workspace_id, WorkspaceStatus.ACTIVE, reason, request_id)

    def _set(
        self,
        workspace_id: str,
        status: WorkspaceStatus,
        reason: str | None,
        request_id: str,
    ) -> Outcome:
        marker = billing_requests.request_key(workspace_id, request_id)
        snapshot = snapshots.load(self.store, workspace_id, also=[marker])
        workspace = snapshot.workspace
        if workspace is None or not workspace.is_live:
            return Outcome.NO_WORKSPACE
        if snapshot.other(marker) is not None:
            return Outcome.DUPLICATE
        now = self.clock.now()
        requested = REQUESTED_BY[status]
        take = billing_requests.take_request(workspace_id, request_id, requested, now)
        unchanged = workspace.status is status
        if unchanged:
            ops = [take, workspace_store.require_status(workspace)]
        else:
            ops = self._change(workspace, status, reason, now, take)
        if not commit_request(self.store, ops):
            return Outcome.DUPLICATE
        return Outcome.UNCHANGED if unchanged else Outcome.CHANGED

    def _change(
        self,
        workspace: Workspace,
        status: WorkspaceStatus,
        reason: str | None,
        now: datetime,
        take: WriteOp,
    ) -> list[WriteOp]:
        """The change itself: the status, the keys' copies of it, the marker, the event."""
        listed = (
            key_store.keys_of(self.store, workspace.workspace_id, MAX_API_KEYS)
            if workspace.api_keys
            else []
        )
        suspended = status is WorkspaceStatus.SUSPENDED
        data = {"name": workspace.name, "reason": reason} if reason else {"name": workspace.name}
        return [
            workspace_store.set_standing(
                workspace.workspace_id,
                workspace.status,
                status,
                now,
                api_keys=len(listed),
                reason=reason,
            ),
            *key_store.mark_keys_standing(listed, status.value),
            take,
            self.event(
                DetailType.WORKSPACE_SUSPENDED if suspended else DetailType.WORKSPACE_REACTIVATED,
                workspace.workspace_id,
                BILLING_ACTOR,
                data,
                now,
            ),
        ]
