"""What every side of an invitation shares: the stage's limits, the errors of a link that
no longer works, and closing a pending invitation (revoked by the inviter, declined by
the invitee, expired by the scheduler) with its seat, email lock and role hold freed.

The sides are a module each: `invitations` (the inviter: create, bulk, list, resend,
revoke, with the seats they take in `invitation_seats`), `invitation_answers` (the
invitee: their pending invitations, a link's preview, accept, decline, each opening the
link with `opened_links`), `invitation_links` (the mailer: a link per send) and
`invitation_expiry` (the scheduled job).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from teamspace.core.clock import Clock
from teamspace.core.errors import Conflict, Gone, NotFound, TeamspaceError
from teamspace.core.events import Actor, DetailType
from teamspace.core.identity import Caller
from teamspace.core.ids import IdGenerator
from teamspace.core.records import Invitation, InvitationStatus
from teamspace.domain import role_holders
from teamspace.domain.service import DomainService
from teamspace.store import invitations as invitation_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp
from teamspace.store.table import TeamspaceStore


@dataclass(frozen=True, slots=True)
class InvitationLimits:
    """Stage parameters (template.yaml), read once per cold start."""

    ttl_days: int = 7
    max_pending_per_workspace: int = 100
    sends_per_inviter_per_hour: int = 50
    accept_url_base: str = "http://127.0.0.1:3000/accept"

    def accept_url(self, token: str) -> str:
        return f"{self.accept_url_base}?token={token}"


class InvitationSteps(DomainService):
    """A service with the stage's invitation limits."""

    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        limits: InvitationLimits | None = None,
    ) -> None:
        super().__init__(store, clock, ids)
        self.limits = limits or InvitationLimits()

    def close(
        self,
        invitation: Invitation,
        status: InvitationStatus,
        now: datetime,
        actor: Caller | Actor,
        detail_type: DetailType,
        extra: list[WriteOp],
        *,
        counters: bool = True,
    ) -> None:
        """Move a pending invitation to a final state, freeing its seat and email lock."""
        closed = replace(invitation, status=status, updated_at=now, version=invitation.version + 1)
        ws = invitation.workspace_id
        self.store.commit(
            [
                invitation_store.replace_invitation(closed, invitation.version),
                invitation_store.release_pending_email(ws, invitation.email),
                *([workspace_store.adjust_counters(ws, pending=-1)] if counters else []),
                *role_holders.give_back_role(ws, invitation.role),
                *extra,
                self.event(
                    detail_type,
                    ws,
                    actor,
                    {
                        "invitationId": invitation.invitation_id,
                        "email": invitation.email,
                        "role": invitation.role,
                    },
                    now,
                ),
            ]
        )


def invitation_not_found() -> NotFound:
    return NotFound("INVITATION_NOT_FOUND", "No such invitation")


def not_pending(invitation: Invitation, *, answering: bool = True) -> TeamspaceError:
    """410 for a link that no longer works; 409 for managing an invitation that moved on."""
    codes = {
        InvitationStatus.ACCEPTED: ("INVITATION_ALREADY_USED", "has already been accepted"),
        InvitationStatus.REVOKED: ("INVITATION_REVOKED", "was revoked"),
        InvitationStatus.EXPIRED: ("INVITATION_EXPIRED", "has expired"),
        InvitationStatus.DECLINED: ("INVITATION_DECLINED", "was declined"),
    }
    code, what = codes.get(invitation.status, ("INVITATION_NOT_PENDING", "is not pending"))
    if answering:
        return Gone(code, f"This invitation {what}")
    return Conflict("INVITATION_NOT_PENDING", f"This invitation {what}")
