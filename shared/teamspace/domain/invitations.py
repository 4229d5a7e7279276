"""Invitations, as the inviter sends them: create (one or many), list, resend, revoke.

The invitation, its pending-email lock, the workspace counters, the inviter's hourly
send counter and the event are one transaction: the limits hold under concurrency, and
nothing is half-done. A link's token names its invitation and carries 256 random bits
(`tokens`); only its SHA-256 is stored (invitations without mail get theirs here, the
others from the mailer: `invitation_links`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import cast

from teamspace import permissions
from teamspace.core import errors
from teamspace.core.clock import iso
from teamspace.core.errors import Conflict, TeamspaceError
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.records import Invitation, InvitationStatus, Page
from teamspace.domain import role_holders
from teamspace.domain.access import Access, enforce, enter_workspace
from teamspace.domain.idempotency import IdempotencyRequest, prior_result
from teamspace.domain.invitation_seats import SeatKeeping
from teamspace.domain.invitation_steps import invitation_not_found, not_pending
from teamspace.domain.tokens import hash_token, new_token
from teamspace.domain.workspace_roles import policy_of, role_named
from teamspace.permissions import Permission, RoleDefinition, Toggles
from teamspace.store import invitations as invitation_store
from teamspace.store import members as member_store
from teamspace.store import rate_limits as rate_store
from teamspace.store import removed_members as removed_store
from teamspace.store.ops import WriteOp


@dataclass(frozen=True, slots=True)
class InvitationRequest:
    email: str
    role: str
    name: str | None = None
    job_title: str | None = None
    toggles: dict[str, bool] = field(default_factory=dict)
    agent_ids: tuple[str, ...] | None = None
    send_email: bool = True


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    # Only when the inviter passes the link on themselves (sendEmail false), this once.
    accept_url: str | None = None


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    email: str
    issued: IssuedInvitation | None = None
    error: TeamspaceError | None = None


class InvitationService(SeatKeeping):
    """The inviter's side of invitations (`members:invite`)."""

    def create(
        self,
        caller: Caller,
        workspace_id: str,
        request: InvitationRequest,
        idempotency: IdempotencyRequest | None = None,
    ) -> IssuedInvitation:
        access = enter_workspace(self.store, caller, workspace_id)
        return self._create(access, caller, request, idempotency)

    def bulk(
        self,
        caller: Caller,
        workspace_id: str,
        requests: list[InvitationRequest | TeamspaceError],
    ) -> list[BulkOutcome]:
        """Each invitation is created or refused on its own, with its reason."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.MEMBERS_INVITE)
        outcomes = []
        for request in requests:
            if isinstance(request, TeamspaceError):
                outcomes.append(BulkOutcome(request.subject, error=request))
                continue
            try:
                # Each item its own change, retried on its own (core/retry.py): running
                # the whole bulk again would find the ones made already pending.
                created = self.retrying.run(
                    lambda r=request: self._create(access, caller, r)  # type: ignore[misc]
                )
                outcomes.append(BulkOutcome(request.email, created))
            except TeamspaceError as error:
                outcomes.append(BulkOutcome(request.email, error=error))
        return outcomes

    def _create(
        self,
        access: Access,
        caller: Caller,
        request: InvitationRequest,
        idempotency: IdempotencyRequest | None = None,
    ) -> IssuedInvitation:
        operation = f"CreateInvitation:{access.workspace.workspace_id}"
        replayed = prior_result(self.store, idempotency, caller=caller, operation=operation)
        if replayed is not None:
            return IssuedInvitation(cast(Invitation, replayed))
        role = _role(access, request.role)
        enforce(permissions.check_email_domain(policy_of(access.workspace), request.email))
        enforce(
            permissions.check_invitation(
                access.subject, role, Toggles(**request.toggles), request.agent_ids
            )
        )
        workspace = access.workspace
        self.check_room(workspace)
        now = self.clock.now()
        invitation = Invitation(
            workspace_id=workspace.workspace_id,
            invitation_id=self.ids.new("inv"),
            email=request.email,
            role=role.key,
            status=InvitationStatus.PENDING,
            invited_by=caller.user_id,
            inviter_name=caller.name or caller.email,
            workspace_name=workspace.name,
            name=request.name,
            job_title=request.job_title,
            toggles=dict(request.toggles),
            agent_ids=request.agent_ids,
            send_email=request.send_email,
            created_at=now,
            expires_at=now + timedelta(days=self.limits.ttl_days),
            updated_at=now,
        )
        invitation, token, token_ops = self._manual_link(invitation)
        ops = [
            member_store.require_not_member(workspace.workspace_id, invitation.email),
            # Invited again: the address is no longer listed among the removed.
            removed_store.forget_removed_member(workspace.workspace_id, invitation.email),
            invitation_store.lock_pending_email(
                workspace.workspace_id, invitation.email, invitation.invitation_id
            ),
            self.take_seat(workspace),
            rate_store.count_invite_sent(
                caller.user_id, now, self.limits.sends_per_inviter_per_hour
            ),
            *access.guards(),
            invitation_store.create_invitation(invitation),
            *role_holders.take_role(workspace, invitation.role),
            *token_ops,
            self.event(
                DetailType.INVITATION_CREATED,
                workspace.workspace_id,
                access.by,
                _event_data(invitation),
                now,
            ),
        ]
        first = self.commit_counting(
            ops,
            workspace.workspace_id,
            idempotency=idempotency,
            caller=caller,
            result=invitation,
        )
        if first is not None:
            # A replay. The link of a sendEmail:false invitation was shown once and is
            # stored nowhere: a replay returns the invitation, and resend makes a new link.
            return IssuedInvitation(first)
        return IssuedInvitation(invitation, self.limits.accept_url(token) if token else None)

    def list(
        self,
        caller: Caller,
        workspace_id: str,
        status: InvitationStatus | None,
        *,
        limit: int,
        cursor: str | None,
    ) -> Page[Invitation]:
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.MEMBERS_INVITE)
        return invitation_store.list_invitations(
            self.store, workspace_id, status.value if status else None, limit=limit, cursor=cursor
        )

    def resend(self, caller: Caller, workspace_id: str, invitation_id: str) -> IssuedInvitation:
        """A fresh link and expiry; the old link stops working. Revives an expired one."""
        access = enter_workspace(self.store, caller, workspace_id, invitations=[invitation_id])
        current = _invitation(access, invitation_id)
        enforce(permissions.check_email_domain(policy_of(access.workspace), current.email))
        enforce(
            permissions.check_invitation(
                access.subject,
                _role(access, current.role),
                Toggles(**current.toggles),
                current.agent_ids,
            )
        )
        if current.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
            raise not_pending(current, answering=False)
        now = self.clock.now()
        renewed = replace(
            current,
            status=InvitationStatus.PENDING,
            send_id=current.send_id + 1,
            expires_at=now + timedelta(days=self.limits.ttl_days),
            updated_at=now,
            token_hash=None,
            version=current.version + 1,
        )
        renewed, token, token_ops = self._manual_link(renewed)
        ops: list[WriteOp] = []
        if current.status is InvitationStatus.EXPIRED:
            workspace = access.workspace
            self.check_room(workspace)
            ops += [
                member_store.require_not_member(workspace_id, current.email),
                invitation_store.lock_pending_email(workspace_id, current.email, invitation_id),
                self.take_seat(workspace),
                *role_holders.take_role(workspace, current.role),
            ]
        ops += [
            rate_store.count_invite_sent(
                caller.user_id, now, self.limits.sends_per_inviter_per_hour
            ),
            *access.guards(),
            invitation_store.replace_invitation(
                renewed,
                current.version,
                still_pending=current.status is InvitationStatus.PENDING,
            ),
            *token_ops,
            self.event(
                DetailType.INVITATION_RESENT, workspace_id, access.by, _event_data(renewed), now
            ),
        ]
        if current.token_hash:
            ops.append(invitation_store.supersede_token(current.token_hash, current))
        self.commit_counting(ops, workspace_id)
        return IssuedInvitation(renewed, self.limits.accept_url(token) if token else None)

    def revoke(self, caller: Caller, workspace_id: str, invitation_id: str) -> None:
        access = enter_workspace(self.store, caller, workspace_id, invitations=[invitation_id])
        current = _invitation(access, invitation_id)
        access.require(Permission.MEMBERS_INVITE)
        enforce(permissions.may_grant_role(access.subject, _role(access, current.role)))
        if current.status is InvitationStatus.REVOKED:
            return  # already revoked: nothing changes, nothing is announced
        if not current.is_pending:
            raise not_pending(current, answering=False)
        now = self.clock.now()
        try:
            self.close(
                current,
                InvitationStatus.REVOKED,
                now,
                access.by,
                DetailType.INVITATION_REVOKED,
                access.guards(),
            )
        except Conflict:
            # Lost a race (an accept, a decline, the expiry job): say what won it.
            moved = invitation_store.get_invitation(self.store, workspace_id, invitation_id)
            if moved is not None and moved.status is InvitationStatus.REVOKED:
                return
            if moved is not None and not moved.is_pending:
                raise not_pending(moved, answering=False) from None
            raise

    def _manual_link(self, invitation: Invitation) -> tuple[Invitation, str | None, list[WriteOp]]:
        """Without email, the link is made now and returned once to the inviter."""
        if invitation.send_email:
            return invitation, None, []
        token = new_token(invitation.workspace_id, invitation.invitation_id)
        linked = replace(invitation, token_hash=hash_token(token))
        return linked, token, [invitation_store.put_token(hash_token(token), linked)]


def _role(access: Access, key: str) -> RoleDefinition:
    role = role_named(access.workspace, key)
    if role is None:
        raise errors.unknown_role(key)
    return role


def _invitation(access: Access, invitation_id: str) -> Invitation:
    access.require(Permission.MEMBERS_INVITE)
    invitation = access.invitations.get(invitation_id)
    if invitation is None:
        raise invitation_not_found()
    return invitation


def _event_data(invitation: Invitation) -> dict[str, object]:
    """What an invitation event says: never the token or its hash."""
    return {
        "invitationId": invitation.invitation_id,
        "email": invitation.email,
        "role": invitation.role,
        "invitedBy": invitation.invited_by,
        "expiresAt": iso(invitation.expires_at),
        "sendId": invitation.send_id,
        "sendEmail": invitation.send_email,
    }
