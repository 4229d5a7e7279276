"""The room an invitation takes: a pending slot and a seat on the workspace's counters,
within the stage's limit of pending invitations and the workspace's seat limit. The
counters are moved in the invitation's own transaction, on conditions, so the limits
hold under concurrency; when they refuse, the limit that was hit is read and named."""

from __future__ import annotations

from teamspace import permissions
from teamspace.core.errors import Conflict, workspace_not_found
from teamspace.core.identity import Caller
from teamspace.core.records import Invitation, Workspace
from teamspace.domain.access import enforce
from teamspace.domain.idempotency import IdempotencyRequest, commit_once
from teamspace.domain.invitation_steps import InvitationSteps
from teamspace.domain.plans import plan_of
from teamspace.permissions import Feature
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp


class _CountersRefused(Conflict):
    """Internal: the workspace counters refused the change; which limit is found after."""


class SeatKeeping(InvitationSteps):
    """The inviter's seat accounting, shared by creating and resending."""

    def check_room(self, workspace: Workspace) -> None:
        """Room for one more invitation: within the stage's pending limit (409), the
        workspace's own seat limit (409) and its plan's seats (403
        PLAN_UPGRADE_REQUIRED, `seats`: members past it after a downgrade stay)."""
        pending, seats_used = workspace.pending_invites, workspace.seats_used
        max_members = workspace.max_members
        if pending >= self.limits.max_pending_per_workspace:
            raise Conflict(
                "PENDING_INVITATIONS_LIMIT",
                f"This workspace has {pending} pending invitations, the most it may have; "
                "revoke some or wait for answers",
            )
        if max_members is not None and seats_used >= max_members:
            raise Conflict(
                "SEAT_LIMIT_REACHED",
                f"All {max_members} seats are taken by members and pending invitations",
            )
        enforce(permissions.check_room(plan_of(workspace), Feature.SEATS, seats_used))

    def take_seat(self, workspace: Workspace) -> WriteOp:
        return workspace_store.adjust_counters(
            workspace.workspace_id,
            pending=1,
            max_pending=self.limits.max_pending_per_workspace,
            seat_limit=True,
            seat_ceiling=plan_of(workspace).limit(Feature.SEATS),
            on_failed=_CountersRefused("COUNTERS", "refused"),
        )

    def commit_counting(
        self,
        ops: list[WriteOp],
        workspace_id: str,
        *,
        idempotency: IdempotencyRequest | None = None,
        caller: Caller | None = None,
        result: Invitation | None = None,
    ) -> Invitation | None:
        """Commit (once per Idempotency-Key); when the counters refused, say which limit
        was hit, as now read."""
        try:
            if idempotency is None or caller is None or result is None:
                self.store.commit(ops)
                return None
            return commit_once(
                self.store,
                ops,
                idempotency=idempotency,
                caller=caller,
                operation=f"CreateInvitation:{workspace_id}",
                result=result,
                at=self.clock.now(),
            )
        except _CountersRefused:
            snapshot = snapshots.load(self.store, workspace_id)
            workspace = snapshot.workspace
            if workspace is None or not workspace.is_active:
                raise workspace_not_found() from None
            self.check_room(workspace)
            raise Conflict("CONCURRENT_UPDATE", "The workspace changed; retry") from None
