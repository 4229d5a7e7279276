"""Invitations, as the invitee sees and answers them: their own pending invitations, the
preview of a link (no caller: the link is the capability, and it is not used up), and
accept or decline by link. Opening a link is one read (`opened_links`), an answer one
transaction more; a replaced or used link still answers 410."""

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
from teamspace.domain.invitation_steps import InvitationSteps, not_pending
from teamspace.domain.opened_links import open_link
from teamspace.domain.workspace_roles import policy_of, role_of
from teamspace.permissions import MemberStatus, RoleDefinition, Use
from teamspace.store import invitations as invitation_store
from teamspace.store import members as member_store
from teamspace.store import workspaces as workspace_store


@dataclass(frozen=True, slots=True)
class Acceptance:
    workspace_id: str
    member: ResolvedMember


@dataclass(frozen=True, slots=True)
class InvitationPreview:
    """What the holder of a live link may see before signing in: never the address in
    full (`email_hint`), never anything of the workspace beyond its name, logo and
    accent colour (its branding, which its mail shows too)."""

    workspace_name: str
    workspace_logo_url: str | None
    invited_by_name: str | None
    role: RoleDefinition
    email_hint: str
    expires_at: datetime
    accent_color: str | None = None


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

    def preview(self, token: str) -> InvitationPreview:
        """What a live link invites to, for whoever holds it: one read, nothing written
        (previewing never uses the link up). A link that no longer works answers 410
        with one of the four codes the contract names (a declined one is used)."""
        opened = open_link(self.store, token)
        invitation, workspace = opened.invitation, opened.workspace
        if invitation.status is InvitationStatus.DECLINED:
            raise Gone("INVITATION_ALREADY_USED", "This invitation was declined")
        if not invitation.is_pending:
            raise not_pending(invitation)
        if invitation.expires_at <= self.clock.now():
            raise _expired()
        return InvitationPreview(
            workspace_name=workspace.name,
            workspace_logo_url=_logo_of(workspace),
            invited_by_name=invitation.inviter_name,
            role=role_of(invitation.role, workspace),
            email_hint=email_hint(invitation.email),
            expires_at=invitation.expires_at,
            accent_color=workspace.branding.accent_color,
        )

    def accept(self, caller: Caller, token: str) -> Acceptance:
        """Join the workspace; the membership is created in the transaction that marks
        the invitation accepted. Accepting twice returns the same member."""
        for _ in range(2):  # once more after a race, to answer from what won it
            opened = open_link(self.store, token, [caller.user_id])
            invitation, workspace = opened.invitation, opened.workspace
            if invitation.status is InvitationStatus.ACCEPTED:
                member = opened.members.get(caller.user_id)
                return self._already_accepted(caller, invitation, member, workspace)
            now = self.clock.now()
            self._check_answerable(caller, invitation, now)
            enforce(permissions.check_standing(workspace.status.value, Use.JOIN))
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
                invitation_store.set_token_state(opened.token_hash, "USED"),
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
        opened = open_link(self.store, token)
        now = self.clock.now()
        self._check_answerable(caller, opened.invitation, now)
        self.close(
            opened.invitation,
            InvitationStatus.DECLINED,
            now,
            caller,
            DetailType.INVITATION_DECLINED,
            [invitation_store.set_token_state(opened.token_hash, "USED")],
        )

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
            raise _expired()
        if _verified_email(caller) != invitation.email:
            raise Forbidden("EMAIL_MISMATCH", "This invitation was sent to another email address")


def _verified_email(caller: Caller) -> str:
    if not caller.email or not caller.email_verified:
        raise Forbidden("EMAIL_NOT_VERIFIED", "Verify your email address first")
    return caller.email


def _expired() -> Gone:
    return Gone("INVITATION_EXPIRED", "This invitation has expired; ask for a new one")


def email_hint(email: str) -> str:
    """The address with its local part masked after the first character:
    `bob@example.com` is `b***@example.com` (always three stars, so the length of the
    name is not told either)."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"


def _logo_of(workspace: Workspace) -> str | None:
    """The logo shown with the workspace's invitations: the white-label one
    (`settings.branding.logoUrl`) when set, else the workspace's own."""
    return workspace.branding.logo_url or workspace.logo_url
