"""Invitations, as the invitee answers them: their own pending invitations, and accept or
decline by link. A link names only its token; its hash finds the invitation, and a
replaced or used link still answers 410."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from teamspace import permissions
from teamspace.core import errors
from teamspace.core.errors import Conflict, Forbidden, Gone
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.records import Invitation, InvitationStatus, Member, Page, Workspace
from teamspace.domain.access import ResolvedMember, enforce
from teamspace.domain.invitation_steps import InvitationSteps, invitation_not_found, not_pending
from teamspace.domain.tokens import hash_token, looks_like_token
from teamspace.domain.workspace_roles import policy_of, role_of
from teamspace.permissions import MemberStatus
from teamspace.store import invitations as invitation_store
from teamspace.store import members as member_store
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store


@dataclass(frozen=True, slots=True)
class Acceptance:
    workspace_id: str
    member: ResolvedMember


class _InvitationMoved(Conflict):
    """Internal: the invitation changed between read and write; the answer is re-read."""


class InvitationAnswers(InvitationSteps):
    """The invitee's side of invitations: whoever holds the link and the invited address."""

    def pending_for(self, caller: Caller, *, limit: int, cursor: str | None) -> Page[Invitation]:
        """Pending, unexpired invitations addressed to the caller's verified email."""
        email = _verified_email(caller)
        page = invitation_store.list_pending_for_email(
            self.store, email, limit=limit, cursor=cursor
        )
        now = self.clock.now()
        live = workspace_store.active_workspace_ids(
            self.store, {i.workspace_id for i in page.items}
        )
        return Page(
            [i for i in page.items if i.expires_at > now and i.workspace_id in live],
            page.next_cursor,
        )

    def accept(self, caller: Caller, token: str) -> Acceptance:
        """Join the workspace; the membership is created in the transaction that marks
        the invitation accepted. Accepting twice returns the same member."""
        token_hash = _token_hash(token)
        for _ in range(2):  # once more after a race, to answer from what won it
            invitation, member, workspace = self._open_link(caller, token_hash)
            if invitation.status is InvitationStatus.ACCEPTED:
                return self._already_accepted(caller, invitation, member, workspace)
            now = self.clock.now()
            self._check_answerable(caller, invitation, now)
            # The policy in force now, not when the invitation was sent.
            enforce(permissions.check_email_domain(policy_of(workspace), invitation.email))
            joined = Member(
                workspace_id=invitation.workspace_id,
                user_id=caller.user_id,
                email=invitation.email,
                name=invitation.name or caller.name,
                job_title=invitation.job_title,
                role=invitation.role,
                status=MemberStatus.ACTIVE,
                toggles=dict(invitation.toggles),
                agent_ids=invitation.agent_ids,
                joined_at=now,
                updated_at=now,
            )
            accepted = replace(
                invitation,
                status=InvitationStatus.ACCEPTED,
                accepted_by=caller.user_id,
                updated_at=now,
                version=invitation.version + 1,
            )
            ws = invitation.workspace_id
            ops = [
                invitation_store.replace_invitation(
                    accepted,
                    invitation.version,
                    unexpired_at=now,
                    on_failed=_InvitationMoved("INVITATION_CHANGED", "retry"),
                ),
                invitation_store.set_token_state(token_hash, "USED"),
                member_store.create_member(joined),
                member_store.claim_member_email(ws, joined.email, joined.user_id),
                invitation_store.release_pending_email(ws, invitation.email),
                workspace_store.adjust_counters(ws, members=1, pending=-1),
                self.event(
                    DetailType.INVITATION_ACCEPTED,
                    ws,
                    caller,
                    {"invitationId": invitation.invitation_id, "userId": caller.user_id},
                    now,
                ),
                self.event(
                    DetailType.MEMBER_JOINED,
                    ws,
                    caller,
                    {
                        "userId": caller.user_id,
                        "email": joined.email,
                        "role": joined.role,
                        "invitationId": invitation.invitation_id,
                        "invitedBy": invitation.invited_by,
                    },
                    now,
                ),
            ]
            try:
                self.store.commit(ops)
            except _InvitationMoved:
                continue
            except Conflict as error:
                if error.code == "VERSION_CONFLICT":  # a member item with this user id
                    raise errors.already_member(joined.email) from error
                raise
            return Acceptance(ws, ResolvedMember(joined, role_of(joined.role, workspace)))
        raise Conflict("CONCURRENT_UPDATE", "The invitation kept changing; retry")

    def decline(self, caller: Caller, token: str) -> None:
        token_hash = _token_hash(token)
        invitation, _, _ = self._open_link(caller, token_hash)
        now = self.clock.now()
        self._check_answerable(caller, invitation, now)
        self.close(
            invitation,
            InvitationStatus.DECLINED,
            now,
            caller,
            DetailType.INVITATION_DECLINED,
            [invitation_store.set_token_state(token_hash, "USED")],
        )

    def _open_link(
        self, caller: Caller, token_hash: str
    ) -> tuple[Invitation, Member | None, Workspace]:
        link = invitation_store.get_token(self.store, token_hash)
        if link is None:
            raise invitation_not_found()
        snapshot = snapshots.load(
            self.store, link.workspace_id, [caller.user_id], [link.invitation_id]
        )
        invitation = snapshot.invitations.get(link.invitation_id)
        if invitation is None or snapshot.workspace is None or not snapshot.workspace.is_active:
            raise Gone("INVITATION_REVOKED", "This invitation is no longer valid")
        if link.state == "SUPERSEDED":
            raise Gone("INVITATION_LINK_REPLACED", "A newer link was sent for this invitation")
        if link.state == "USED" and invitation.status is not InvitationStatus.ACCEPTED:
            raise not_pending(invitation)
        return invitation, snapshot.members.get(caller.user_id), snapshot.workspace

    @staticmethod
    def _already_accepted(
        caller: Caller, invitation: Invitation, member: Member | None, workspace: Workspace
    ) -> Acceptance:
        if invitation.accepted_by == caller.user_id and member is not None:
            resolved = ResolvedMember(member, role_of(member.role, workspace))
            return Acceptance(invitation.workspace_id, resolved)
        raise Gone("INVITATION_ALREADY_USED", "This invitation has already been accepted")

    @staticmethod
    def _check_answerable(caller: Caller, invitation: Invitation, now: datetime) -> None:
        if not invitation.is_pending:
            raise not_pending(invitation)
        if invitation.expires_at <= now:
            raise Gone("INVITATION_EXPIRED", "This invitation has expired; ask for a new one")
        if _verified_email(caller) != invitation.email:
            raise Forbidden("EMAIL_MISMATCH", "This invitation was sent to another email address")


def _verified_email(caller: Caller) -> str:
    if not caller.email or not caller.email_verified:
        raise Forbidden("EMAIL_NOT_VERIFIED", "Verify your email address first")
    return caller.email


def _token_hash(token: str) -> str:
    if not looks_like_token(token):
        raise invitation_not_found()
    return hash_token(token)
