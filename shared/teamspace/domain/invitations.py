"""Invitations: create (one or many), list, resend, revoke; accept and decline by link;
the caller's own pending invitations; and the link the mailer issues for each send.

A link's token is 256 random bits; only its SHA-256 is stored, under its own item, so
a replaced or used link still answers 410. The invitation, its pending-email lock, the
workspace counters, the inviter's hourly send counter and the event are one
transaction: the limits hold under concurrency, and nothing is half-done.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from teamspace import permissions
from teamspace.clock import Clock, iso
from teamspace.domain.access import Access, enforce, enter_workspace, role_of
from teamspace.domain.events import Actor, DetailType
from teamspace.domain.idempotency import IdempotencyRequest, commit_once, prior_result
from teamspace.domain.identity import Caller
from teamspace.domain.records import (
    Invitation,
    InvitationStatus,
    Member,
    Page,
    Workspace,
)
from teamspace.domain.service import DomainService
from teamspace.domain.tokens import hash_token, looks_like_token, new_token
from teamspace.errors import (
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    TeamspaceError,
)
from teamspace.ids import IdGenerator
from teamspace.permissions import MemberStatus, Permission, RoleDefinition, Toggles
from teamspace.store import codec, custom_roles, keys, writes
from teamspace.store.table import TeamspaceStore
from teamspace.store.writes import WriteOp

EXPIRY_ACTOR = Actor(type="system", id="invitation-expiry")


@dataclass(frozen=True, slots=True)
class InvitationLimits:
    """Stage parameters (template.yaml), read once per cold start."""

    ttl_days: int = 7
    max_pending_per_workspace: int = 100
    sends_per_inviter_per_hour: int = 50
    accept_url_base: str = "http://127.0.0.1:3000/accept"

    def accept_url(self, token: str) -> str:
        return f"{self.accept_url_base}?token={token}"


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


@dataclass(frozen=True, slots=True)
class Acceptance:
    workspace_id: str
    member: Member


@dataclass(frozen=True, slots=True)
class IssuedLink:
    invitation: Invitation
    accept_url: str


class _CountersRefused(Conflict):
    """Internal: the workspace counters refused the change; which limit is found after."""


class _InvitationMoved(Conflict):
    """Internal: the invitation changed between read and write; the answer is re-read."""


def invitation_not_found() -> NotFound:
    return NotFound("INVITATION_NOT_FOUND", "No such invitation")


class InvitationService(DomainService):
    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        limits: InvitationLimits | None = None,
    ) -> None:
        super().__init__(store, clock, ids)
        self.limits = limits or InvitationLimits()

    # ---- inviting ------------------------------------------------------------------

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
                outcomes.append(BulkOutcome(request.email, self._create(access, caller, request)))
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
            return IssuedInvitation(codec.invitation_from_item(replayed["invitation"]))
        role = _role(access, request.role)
        enforce(permissions.check_email_domain(access.workspace.policy, request.email))
        enforce(
            permissions.check_invitation(
                access.subject, role, Toggles(**request.toggles), request.agent_ids
            )
        )
        workspace = access.workspace
        self._check_room(workspace.pending_invites, workspace.seats_used, workspace.max_members)
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
            writes.require_not_member(workspace.workspace_id, invitation.email),
            writes.lock_pending_email(
                workspace.workspace_id, invitation.email, invitation.invitation_id
            ),
            self._take_seat(workspace.workspace_id),
            writes.count_invite_sent(caller.user_id, now, self.limits.sends_per_inviter_per_hour),
            *access.guards(),
            writes.create_invitation(invitation),
            *custom_roles.take_role(workspace, invitation.role),
            *token_ops,
            self.event(
                DetailType.INVITATION_CREATED,
                workspace.workspace_id,
                access.by,
                _event_data(invitation),
                now,
            ),
        ]
        first = self._commit_counting(
            ops,
            workspace.workspace_id,
            idempotency=idempotency,
            caller=caller,
            result={"invitation": codec.invitation_item(invitation)},
        )
        if first is not None:
            # A replay. The link of a sendEmail:false invitation was shown once and is
            # stored nowhere: a replay returns the invitation, and resend makes a new link.
            return IssuedInvitation(codec.invitation_from_item(first["invitation"]))
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
        return self.store.list_invitations(
            workspace_id, status.value if status else None, limit=limit, cursor=cursor
        )

    def resend(self, caller: Caller, workspace_id: str, invitation_id: str) -> IssuedInvitation:
        """A fresh link and expiry; the old link stops working. Revives an expired one."""
        access = enter_workspace(self.store, caller, workspace_id, invitations=[invitation_id])
        current = _invitation(access, invitation_id)
        enforce(permissions.check_email_domain(access.workspace.policy, current.email))
        enforce(
            permissions.check_invitation(
                access.subject,
                _role(access, current.role),
                Toggles(**current.toggles),
                current.agent_ids,
            )
        )
        if current.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
            raise _not_pending(current, answering=False)
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
            self._check_room(workspace.pending_invites, workspace.seats_used, workspace.max_members)
            ops += [
                writes.require_not_member(workspace_id, current.email),
                writes.lock_pending_email(workspace_id, current.email, invitation_id),
                self._take_seat(workspace_id),
                *custom_roles.take_role(workspace, current.role),
            ]
        ops += [
            writes.count_invite_sent(caller.user_id, now, self.limits.sends_per_inviter_per_hour),
            *access.guards(),
            writes.replace_invitation(
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
            ops.append(writes.supersede_token(current.token_hash, current))
        self._commit_counting(ops, workspace_id)
        return IssuedInvitation(renewed, self.limits.accept_url(token) if token else None)

    def revoke(self, caller: Caller, workspace_id: str, invitation_id: str) -> None:
        access = enter_workspace(self.store, caller, workspace_id, invitations=[invitation_id])
        current = _invitation(access, invitation_id)
        access.require(Permission.MEMBERS_INVITE)
        enforce(permissions.may_grant_role(access.subject, _role(access, current.role)))
        if current.status is InvitationStatus.REVOKED:
            return  # already revoked: nothing changes, nothing is announced
        if not current.is_pending:
            raise _not_pending(current, answering=False)
        now = self.clock.now()
        try:
            self._close(
                current,
                InvitationStatus.REVOKED,
                now,
                access.by,
                DetailType.INVITATION_REVOKED,
                access.guards(),
            )
        except Conflict:
            # Lost a race (an accept, a decline, the expiry job): say what won it.
            moved = self.store.get_invitation(workspace_id, invitation_id)
            if moved is not None and moved.status is InvitationStatus.REVOKED:
                return
            if moved is not None and not moved.is_pending:
                raise _not_pending(moved, answering=False) from None
            raise

    def pending_for(self, caller: Caller, *, limit: int, cursor: str | None) -> Page[Invitation]:
        """Pending, unexpired invitations addressed to the caller's verified email."""
        email = _verified_email(caller)
        page = self.store.list_pending_for_email(email, limit=limit, cursor=cursor)
        now = self.clock.now()
        live = self.store.active_workspace_ids({i.workspace_id for i in page.items})
        return Page(
            [i for i in page.items if i.expires_at > now and i.workspace_id in live],
            page.next_cursor,
        )

    # ---- answering a link ----------------------------------------------------------

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
            enforce(permissions.check_email_domain(workspace.policy, invitation.email))
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
                role_definition=role_of(invitation.role, workspace),
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
                writes.replace_invitation(
                    accepted,
                    invitation.version,
                    unexpired_at=now,
                    on_failed=_InvitationMoved("INVITATION_CHANGED", "retry"),
                ),
                writes.set_token_state(token_hash, "USED"),
                writes.create_member(joined),
                writes.claim_member_email(ws, joined.email, joined.user_id),
                writes.release_pending_email(ws, invitation.email),
                writes.adjust_counters(ws, members=1, pending=-1),
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
                    raise writes.already_member(joined.email) from error
                raise
            return Acceptance(ws, joined)
        raise Conflict("CONCURRENT_UPDATE", "The invitation kept changing; retry")

    def decline(self, caller: Caller, token: str) -> None:
        token_hash = _token_hash(token)
        invitation, _, _ = self._open_link(caller, token_hash)
        now = self.clock.now()
        self._check_answerable(caller, invitation, now)
        self._close(
            invitation,
            InvitationStatus.DECLINED,
            now,
            caller,
            DetailType.INVITATION_DECLINED,
            [writes.set_token_state(token_hash, "USED")],
        )

    def _open_link(
        self, caller: Caller, token_hash: str
    ) -> tuple[Invitation, Member | None, Workspace]:
        link = self.store.get_token(token_hash)
        if link is None:
            raise invitation_not_found()
        snapshot = self.store.load(link.workspace_id, [caller.user_id], [link.invitation_id])
        invitation = snapshot.invitations.get(link.invitation_id)
        if invitation is None or snapshot.workspace is None or not snapshot.workspace.is_active:
            raise Gone("INVITATION_REVOKED", "This invitation is no longer valid")
        if link.state == "SUPERSEDED":
            raise Gone("INVITATION_LINK_REPLACED", "A newer link was sent for this invitation")
        if link.state == "USED" and invitation.status is not InvitationStatus.ACCEPTED:
            raise _not_pending(invitation)
        return invitation, snapshot.members.get(caller.user_id), snapshot.workspace

    @staticmethod
    def _already_accepted(
        caller: Caller, invitation: Invitation, member: Member | None, workspace: Workspace
    ) -> Acceptance:
        if invitation.accepted_by == caller.user_id and member is not None:
            resolved = replace(member, role_definition=role_of(member.role, workspace))
            return Acceptance(invitation.workspace_id, resolved)
        raise Gone("INVITATION_ALREADY_USED", "This invitation has already been accepted")

    @staticmethod
    def _check_answerable(caller: Caller, invitation: Invitation, now: datetime) -> None:
        if not invitation.is_pending:
            raise _not_pending(invitation)
        if invitation.expires_at <= now:
            raise Gone("INVITATION_EXPIRED", "This invitation has expired; ask for a new one")
        if _verified_email(caller) != invitation.email:
            raise Forbidden("EMAIL_MISMATCH", "This invitation was sent to another email address")

    # ---- the mailer's link, the expiry job --------------------------------------------

    def issue_link(self, workspace_id: str, invitation_id: str, send_id: int) -> IssuedLink | None:
        """A fresh token for the send `send_id` of an invitation, for the mailer to send.

        The token exists only in the mail: the invitation keeps its hash. None when the
        invitation moved on (accepted, revoked, or sent again since), so a late or
        repeated event never issues a link for an older send.
        """
        invitation = self.store.get_invitation(workspace_id, invitation_id)
        if invitation is None or not invitation.is_pending or invitation.send_id != send_id:
            return None
        token = new_token()
        updated = replace(
            invitation,
            token_hash=hash_token(token),
            updated_at=self.clock.now(),
            version=invitation.version + 1,
        )
        ops = [
            writes.replace_invitation(updated, invitation.version),
            writes.put_token(hash_token(token), updated),
        ]
        if invitation.token_hash:  # an earlier attempt of this send issued one
            ops.append(writes.supersede_token(invitation.token_hash, invitation))
        self.store.commit(ops)
        return IssuedLink(updated, self.limits.accept_url(token))

    def expire_due(self, now: datetime, *, page_size: int = 100) -> ExpiryReport:
        """Expire every pending invitation due by `now`. Reads only the due ones."""
        report = ExpiryReport()
        for shard in range(keys.EXPIRY_SHARDS):
            cursor = None
            while True:
                page = self.store.due_invitations(shard, iso(now), limit=page_size, cursor=cursor)
                report.read += len(page.items)
                for invitation in page.items:
                    try:
                        self._expire(invitation, now)
                        report.expired += 1
                    except Conflict:
                        report.lost_races += 1  # accepted or revoked since it was read
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        return report

    # ---- shared steps -------------------------------------------------------------

    def _expire(self, invitation: Invitation, now: datetime) -> None:
        expire = (InvitationStatus.EXPIRED, now, EXPIRY_ACTOR, DetailType.INVITATION_EXPIRED, [])
        try:
            self._close(invitation, *expire)
        except NotFound:
            # Its workspace was deleted: there are no counters left to free, but the
            # invitation must still leave the index, or every run would trip on it.
            self._close(invitation, *expire, counters=False)

    def _close(
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
                writes.replace_invitation(closed, invitation.version),
                writes.release_pending_email(ws, invitation.email),
                *([writes.adjust_counters(ws, pending=-1)] if counters else []),
                *custom_roles.give_back_role(ws, invitation.role),
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

    def _manual_link(self, invitation: Invitation) -> tuple[Invitation, str | None, list[WriteOp]]:
        """Without email, the link is made now and returned once to the inviter."""
        if invitation.send_email:
            return invitation, None, []
        token = new_token()
        linked = replace(invitation, token_hash=hash_token(token))
        return linked, token, [writes.put_token(hash_token(token), linked)]

    def _check_room(self, pending: int, seats_used: int, max_members: int | None) -> None:
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

    def _take_seat(self, workspace_id: str) -> WriteOp:
        return writes.adjust_counters(
            workspace_id,
            pending=1,
            max_pending=self.limits.max_pending_per_workspace,
            seat_limit=True,
            on_failed=_CountersRefused("COUNTERS", "refused"),
        )

    def _commit_counting(
        self,
        ops: list[WriteOp],
        workspace_id: str,
        *,
        idempotency: IdempotencyRequest | None = None,
        caller: Caller | None = None,
        result: dict[str, object] | None = None,
    ) -> dict[str, object] | None:
        """Commit (once per Idempotency-Key); when the counters refused, say which limit
        was hit, as now read."""
        try:
            if idempotency is None or caller is None:
                self.store.commit(ops)
                return None
            return commit_once(
                self.store,
                ops,
                idempotency=idempotency,
                caller=caller,
                operation=f"CreateInvitation:{workspace_id}",
                result=result or {},
                at=self.clock.now(),
            )
        except _CountersRefused:
            snapshot = self.store.load(workspace_id)
            workspace = snapshot.workspace
            if workspace is None or not workspace.is_active:
                raise invitation_workspace_gone() from None
            self._check_room(workspace.pending_invites, workspace.seats_used, workspace.max_members)
            raise Conflict("CONCURRENT_UPDATE", "The workspace changed; retry") from None


@dataclass
class ExpiryReport:
    read: int = 0
    expired: int = 0
    lost_races: int = 0


def invitation_workspace_gone() -> NotFound:
    return NotFound("WORKSPACE_NOT_FOUND", "No such workspace, or you are not a member of it")


def _role(access: Access, key: str) -> RoleDefinition:
    role = access.workspace.role(key)
    if role is None:
        raise custom_roles.unknown_role(key)
    return role


def _invitation(access: Access, invitation_id: str) -> Invitation:
    access.require(Permission.MEMBERS_INVITE)
    invitation = access.invitations.get(invitation_id)
    if invitation is None:
        raise invitation_not_found()
    return invitation


def _not_pending(invitation: Invitation, *, answering: bool = True) -> TeamspaceError:
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


def _verified_email(caller: Caller) -> str:
    if not caller.email or not caller.email_verified:
        raise Forbidden("EMAIL_NOT_VERIFIED", "Verify your email address first")
    return caller.email


def _token_hash(token: str) -> str:
    if not looks_like_token(token):
        raise invitation_not_found()
    return hash_token(token)


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
