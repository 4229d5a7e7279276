"""Members whose accounts the workspace manages (API.md, "Managed accounts"): created with
their membership, their password set by an administrator, their sessions ended.

The identity provider is not transactional with the table, so each change orders its
two halves to fail safe:
- creating a member makes the account first (so an address that has one is refused
  before anything is written), then commits the membership; if that commit fails, the
  account it just made is deleted again. An account left behind by a crash in between
  carries the workspace that made it (`custom:workspace`), so a retry finishes the job
  instead of answering ACCOUNT_EXISTS; any other account is never taken over.
- setting a password changes it at the provider first (its policy decides), then
  records, with the event, that the member's earlier sessions are over.

A password is checked, passed on and forgotten: it is never logged, stored, evented,
audited or echoed (docs/security.md).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from typing import cast

from teamspace import permissions
from teamspace.core import errors
from teamspace.core.clock import Clock
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.ids import IdGenerator
from teamspace.core.records import Member
from teamspace.domain import role_holders
from teamspace.domain.access import Access, ResolvedMember, enforce, enter_workspace
from teamspace.domain.account_control import controls
from teamspace.domain.idempotency import IdempotencyRequest, commit_once, prior_result
from teamspace.domain.identity_provider import (
    Account,
    AccountTaken,
    IdentityProvider,
    PasswordRefused,
)
from teamspace.domain.membership import resolve_user_id, target_member
from teamspace.domain.service import DomainService
from teamspace.domain.workspace_roles import policy_of, role_named
from teamspace.permissions import Feature, MemberStatus, Permission, Toggles
from teamspace.store import invitations as invitation_store
from teamspace.store import members as member_store
from teamspace.store import removed_members as removed_store
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore

# Cognito's own limit on a password's length.
MAX_PASSWORD_LENGTH = 256


def temporary_password(min_length: int) -> str:
    """Random, URL-safe, at least 16 characters and never below the stage's minimum."""
    return secrets.token_urlsafe(max(min_length, 16))[: max(min_length, 16)]


@dataclass(frozen=True, slots=True)
class ManagedMemberRequest:
    email: str
    name: str
    role: str
    job_title: str | None = None
    toggles: dict[str, bool] = field(default_factory=dict)
    agent_ids: tuple[str, ...] | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr or a log
    send_email: bool = True


class AccountService(DomainService):
    """Managed accounts, over the identity provider (None: another issuer, so 501)."""

    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        *,
        idp: IdentityProvider | None,
        password_min_length: int,
    ) -> None:
        super().__init__(store, clock, ids)
        self.idp = idp
        self.password_min_length = password_min_length

    # ---- creating a managed member -----------------------------------------------------

    def create_member(
        self,
        caller: Caller,
        workspace_id: str,
        request: ManagedMemberRequest,
        idempotency: IdempotencyRequest | None = None,
    ) -> ResolvedMember:
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.MEMBERS_MANAGE_ACCOUNTS)
        idp = self._provider()
        operation = f"CreateMember:{workspace_id}"
        replayed = prior_result(self.store, idempotency, caller=caller, operation=operation)
        if replayed is not None:  # answered before the checks its own success would fail
            return access.resolved(cast(Member, replayed))
        role = role_named(access.workspace, request.role)
        if role is None:
            raise errors.unknown_role(request.role)
        enforce(
            permissions.check_managed_member(
                access.subject, role, Toggles(**request.toggles), request.agent_ids
            )
        )
        enforce(permissions.check_email_domain(policy_of(access.workspace), request.email))
        access.room_for(Feature.SEATS, access.workspace.seats_used)
        if request.password is not None:
            self._check_length(request.password)
        account = self._new_account(idp, workspace_id, request)
        now = self.clock.now()
        member = Member(
            workspace_id=workspace_id,
            user_id=account.user_id,
            email=request.email,
            name=request.name,
            job_title=request.job_title,
            role=role.key,
            status=MemberStatus.ACTIVE,
            toggles=dict(request.toggles),
            agent_ids=request.agent_ids,
            joined_at=now,
            updated_at=now,
            managed_by=workspace_id,
        )
        ops = [
            member_store.create_member(member),
            member_store.claim_member_email(workspace_id, member.email, member.user_id),
            invitation_store.require_no_pending_invitation(workspace_id, member.email),
            workspace_store.adjust_counters(
                workspace_id,
                members=1,
                seat_limit=True,
                seat_ceiling=access.plan.limit(Feature.SEATS),
                on_failed=errors.Conflict(
                    "SEAT_LIMIT_REACHED", "All of this workspace's seats are taken"
                ),
            ),
            *role_holders.take_role(access.workspace, role.key),
            removed_store.forget_removed_member(workspace_id, member.email),
            *access.guards(),
            self.event(
                DetailType.MEMBER_ACCOUNT_CREATED,
                workspace_id,
                access.by,
                {
                    "userId": member.user_id,
                    "email": member.email,
                    "name": member.name,
                    "role": member.role,
                    "workspaceName": access.workspace.name,
                    "createdBy": caller.user_id,
                    "sendEmail": request.send_email,
                    "passwordSet": request.password is not None,
                },
                now,
            ),
            self.event(
                DetailType.MEMBER_JOINED,
                workspace_id,
                access.by,
                {
                    "userId": member.user_id,
                    "email": member.email,
                    "role": member.role,
                    "invitedBy": caller.user_id,
                },
                now,
            ),
        ]
        try:
            commit_once(
                self.store,
                ops,
                idempotency=idempotency,
                caller=caller,
                operation=operation,
                result=member,
                at=now,
            )
        except Exception:
            idp.delete_account(account.user_id)  # undo the half at the provider
            raise
        return ResolvedMember(member, role)

    def _new_account(
        self, idp: IdentityProvider, workspace_id: str, request: ManagedMemberRequest
    ) -> Account:
        """A new account for the address; ACCOUNT_EXISTS when it has one that is not a
        half-made one of this workspace's (see module doc)."""
        existing = idp.find_account(request.email)
        if existing is not None and existing.created_for != workspace_id:
            raise errors.account_exists()
        try:
            account = existing or idp.create_account(request.email, request.name, workspace_id)
        except AccountTaken:
            raise errors.account_exists() from None
        if request.password is not None:
            try:
                idp.set_password(account.user_id, request.password)
            except PasswordRefused:
                if existing is None:
                    idp.delete_account(account.user_id)
                raise errors.password_too_weak(
                    self.password_min_length, "The identity provider refused this password"
                ) from None
        return account

    # ---- a member's password and sessions -----------------------------------------------

    def set_password(self, caller: Caller, workspace_id: str, user_id: str, password: str) -> None:
        """A new password for a member whose account this workspace controls; their
        earlier sessions end with it, here and at the provider."""
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id])
        access.require(Permission.MEMBERS_MANAGE_ACCOUNTS)
        idp = self._provider()
        target = target_member(access, user_id)
        enforce(permissions.check_account_change(access.subject, access.subject_of(target)))
        self._require_control(access, target)
        self._check_length(password)
        try:
            idp.set_password(target.user_id, password)
        except PasswordRefused:
            raise errors.password_too_weak(
                self.password_min_length, "The identity provider refused this password"
            ) from None
        idp.sign_out(target.user_id)
        self._end_sessions(access, target, DetailType.MEMBER_PASSWORD_SET)

    def sign_out(self, caller: Caller, workspace_id: str, user_id: str) -> None:
        """Tokens issued to the member before now are refused in this workspace; an
        account this workspace controls is signed out at the provider too."""
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id])
        target = target_member(access, user_id)
        enforce(permissions.check_sign_out(access.subject, access.subject_of(target)))
        self._end_sessions(access, target, DetailType.MEMBER_SESSIONS_REVOKED)
        if self.idp is not None and self._controls(access, target):
            self.idp.sign_out(target.user_id)

    def _end_sessions(self, access: Access, target: Member, detail_type: DetailType) -> None:
        now = self.clock.now()
        ended = replace(target, sessions_valid_from=now, updated_at=now, version=target.version + 1)
        self.store.commit(
            [
                member_store.replace_member(ended, expected_version=target.version),
                *access.guards(actor=target.user_id != access.actor.user_id),
                self.event(
                    detail_type, target.workspace_id, access.by, {"userId": target.user_id}, now
                ),
            ]
        )

    # ---- the welcome mail's temporary password -------------------------------------

    def issue_temporary_password(self, workspace_id: str, user_id: str) -> str | None:
        """A temporary password for a managed member whose administrator set none, for
        the mailer to send (the person must change it at first sign-in). None when the
        member is gone, or no longer this workspace's alone: nothing is sent then."""
        if self.idp is None:
            return None
        member = snapshots.load(self.store, workspace_id, [user_id]).members.get(user_id)
        if member is None or not controls(self.store, workspace_id, member):
            return None
        password = temporary_password(self.password_min_length)
        self.idp.set_password(user_id, password, permanent=False)
        return password

    # ---- shared steps ---------------------------------------------------------------

    def _provider(self) -> IdentityProvider:
        if self.idp is None:
            raise errors.identity_provider_unsupported()
        return self.idp

    def _check_length(self, password: str) -> None:
        if len(password) < self.password_min_length:
            raise errors.password_too_weak(self.password_min_length)
        if len(password) > MAX_PASSWORD_LENGTH:  # the identity provider's own limit
            raise errors.InvalidInput(
                "VALIDATION_FAILED",
                "The request has invalid fields: password",
                fields=[errors.FieldError("password", f"at most {MAX_PASSWORD_LENGTH} characters")],
            )

    def _controls(self, access: Access, target: Member) -> bool:
        return controls(self.store, access.workspace.workspace_id, target)

    def _require_control(self, access: Access, target: Member) -> None:
        if not self._controls(access, target):
            raise errors.member_not_managed()
