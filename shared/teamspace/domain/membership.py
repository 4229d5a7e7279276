"""Membership: list and search, read, update, suspend and reactivate, remove and leave,
and the caller's own permissions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from teamspace import permissions
from teamspace.core.clock import Clock
from teamspace.core.errors import FieldError, InvalidInput, member_not_found
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.ids import IdGenerator
from teamspace.core.records import Availability, Member, Page
from teamspace.domain.access import Access, ResolvedMember, enforce, enter_workspace
from teamspace.domain.account_control import controls
from teamspace.domain.identity_provider import IdentityProvider
from teamspace.domain.service import DomainService
from teamspace.permissions import Decision, MemberStatus, Permission, Toggles
from teamspace.store import members as member_store
from teamspace.store.table import TeamspaceStore

ME = "me"
_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class MemberChanges:
    """A PATCH of a member: only the fields the client sent.

    `toggles` merges into the member's toggles (a None value resets one to the role's
    default); `agent_ids` replaces the assignment (None: every agent).
    """

    name: str | None = _UNSET
    job_title: str | None = _UNSET
    avatar_url: str | None = _UNSET
    toggles: dict[str, bool | None] = _UNSET
    agent_ids: tuple[str, ...] | None = _UNSET

    @property
    def touches_profile(self) -> bool:
        return any(v is not _UNSET for v in (self.name, self.job_title, self.avatar_url))

    @property
    def touches_grants(self) -> bool:
        return self.toggles is not _UNSET or self.agent_ids is not _UNSET


@dataclass(frozen=True, slots=True)
class EffectivePermissions:
    member: Member
    permissions: frozenset[Permission]


class MembershipService(DomainService):
    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        *,
        idp: IdentityProvider | None = None,
    ) -> None:
        super().__init__(store, clock, ids)
        # Suspending a member whose account this workspace controls signs them out there.
        self.idp = idp

    def list(
        self,
        caller: Caller,
        workspace_id: str,
        *,
        limit: int,
        cursor: str | None,
        name_prefix: str | None = None,
        role: str | None = None,
        status: str | None = None,
    ) -> Page[Member]:
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.MEMBERS_VIEW)
        if name_prefix:
            if not member_store.name_search_key(name_prefix):
                raise InvalidInput(
                    "VALIDATION_FAILED",
                    "The name to search for is empty",
                    fields=[FieldError("q", "must contain a letter or digit")],
                )
            page = member_store.search_members(
                self.store,
                workspace_id,
                name_prefix,
                limit=limit,
                cursor=cursor,
                role=role,
                status=status,
            )
        else:
            page = member_store.list_members(
                self.store, workspace_id, limit=limit, cursor=cursor, role=role, status=status
            )
        return Page([access.resolved(m) for m in page.items], page.next_cursor)

    def get(self, caller: Caller, workspace_id: str, user_id: str) -> Member:
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id])
        if user_id != caller.user_id:
            access.require(Permission.MEMBERS_VIEW)
        return access.resolved(target_member(access, user_id))

    def update(
        self, caller: Caller, workspace_id: str, user_id: str, changes: MemberChanges
    ) -> Member:
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id])
        target = target_member(access, user_id)
        target_subject = access.subject_of(target)
        if changes.touches_profile:
            enforce(permissions.check_profile_update(access.subject, target_subject))
        toggles = dict(target.toggles)
        if changes.toggles is not _UNSET:
            for name, value in changes.toggles.items():
                if value is None:
                    toggles.pop(name, None)
                else:
                    toggles[name] = value
        if changes.touches_grants:
            granted = (
                Toggles(**{k: v for k, v in changes.toggles.items() if v})
                if changes.toggles is not _UNSET
                else None
            )
            enforce(
                permissions.check_grants_update(
                    access.subject,
                    target_subject,
                    granted,
                    None if changes.agent_ids is _UNSET else changes.agent_ids,
                    agent_ids_given=changes.agent_ids is not _UNSET,
                )
            )
        now = self.clock.now()
        updated = replace(
            target,
            name=target.name if changes.name is _UNSET else changes.name,
            job_title=target.job_title if changes.job_title is _UNSET else changes.job_title,
            avatar_url=target.avatar_url if changes.avatar_url is _UNSET else changes.avatar_url,
            toggles=toggles,
            agent_ids=target.agent_ids if changes.agent_ids is _UNSET else changes.agent_ids,
            updated_at=now,
            version=target.version + 1,
        )
        changed = _changed_fields(target, updated)
        if not changed:
            return access.resolved(target)
        ops = [
            member_store.replace_member(updated, expected_version=target.version),
            *access.guards(actor=target.user_id != caller.user_id),
        ]
        ops.append(
            self.event(
                DetailType.MEMBER_UPDATED,
                workspace_id,
                access.by,
                {"userId": target.user_id, "changes": changed},
                now,
            )
        )
        self.store.commit(ops)
        return access.resolved(updated)

    def suspend(self, caller: Caller, workspace_id: str, user_id: str) -> Member:
        return self._set_status(caller, workspace_id, user_id, MemberStatus.SUSPENDED)

    def reactivate(self, caller: Caller, workspace_id: str, user_id: str) -> Member:
        return self._set_status(caller, workspace_id, user_id, MemberStatus.ACTIVE)

    def _set_status(
        self, caller: Caller, workspace_id: str, user_id: str, status: MemberStatus
    ) -> Member:
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id], with_transfer=True)
        target = target_member(access, user_id)
        enforce(
            permissions.check_suspension(access.subject, access.subject_of(target), access.owners)
        )
        if target.status == status:
            return access.resolved(target)  # already so: nothing changes or is announced
        now = self.clock.now()
        updated = replace(target, status=status, updated_at=now, version=target.version + 1)
        if status is MemberStatus.SUSPENDED:  # their tokens stay refused once reactivated
            updated = replace(updated, sessions_valid_from=now)
        detail_type = (
            DetailType.MEMBER_SUSPENDED
            if status is MemberStatus.SUSPENDED
            else DetailType.MEMBER_REACTIVATED
        )
        self.store.commit(
            [
                member_store.replace_member(updated, expected_version=target.version),
                *access.guards(),
                *(
                    self.nomination_ends(access, target.user_id, access.by, now)
                    if status is MemberStatus.SUSPENDED
                    else []
                ),
                self.event(
                    detail_type,
                    workspace_id,
                    access.by,
                    {"userId": target.user_id, "role": target.role},
                    now,
                ),
            ]
        )
        suspended = status is MemberStatus.SUSPENDED
        if suspended and self.idp is not None and controls(self.store, workspace_id, target):
            self.idp.sign_out(target.user_id)
        return access.resolved(updated)

    def set_availability(
        self, caller: Caller, workspace_id: str, availability: Availability
    ) -> ResolvedMember:
        """The caller's own availability for escalations (any active member; a key has
        none). Saying what is already so changes and announces nothing.

        It moves the member's version like any change of the item: an administrator's
        edit read before it would otherwise write the old availability back."""
        access = enter_workspace(self.store, caller, workspace_id)
        enforce(permissions.check_availability(access.subject))
        me = access.actor
        if me.availability == availability:
            return access.resolved(me)
        now = self.clock.now()
        updated = replace(
            me, availability=availability.value, updated_at=now, version=me.version + 1
        )
        data = {
            "userId": me.user_id,
            "availability": availability.value,
            "previousAvailability": me.availability,
        }
        self.store.commit(
            [
                member_store.replace_member(updated, expected_version=me.version),
                *access.guards(actor=False),
                self.event(
                    DetailType.MEMBER_AVAILABILITY_CHANGED, workspace_id, access.by, data, now
                ),
            ]
        )
        return access.resolved(updated)

    def my_permissions(self, caller: Caller, workspace_id: str) -> EffectivePermissions:
        access = enter_workspace(self.store, caller, workspace_id)
        return EffectivePermissions(access.actor, permissions.effective_permissions(access.subject))

    def authorize(
        self, caller: Caller, workspace_id: str, permission: str, resource_id: str | None
    ) -> Decision:
        """The permission layer as a service: may the caller do `permission` here?"""
        access = enter_workspace(self.store, caller, workspace_id)
        known = permissions.parse_permission(permission)
        if known is None:
            raise InvalidInput("UNKNOWN_PERMISSION", f"No permission is called {permission!r}")
        return permissions.decide(access.subject, known, resource_id)


def resolve_user_id(caller: Caller, user_id: str) -> str:
    """`me` in a path means the caller."""
    return caller.user_id if user_id == ME else user_id


def target_member(access: Access, user_id: str) -> Member:
    """The member a request acts on, from what the request's one read brought."""
    if user_id == access.actor.user_id:
        return access.actor
    member = access.members.get(user_id)
    if member is None:
        raise member_not_found()
    return member


def _changed_fields(before: Member, after: Member) -> dict[str, Any]:
    pairs = {
        "name": (before.name, after.name),
        "jobTitle": (before.job_title, after.job_title),
        "avatarUrl": (before.avatar_url, after.avatar_url),
        "permissions": (before.toggles, after.toggles),
        "agentIds": (before.agent_ids, after.agent_ids),
    }
    return {
        name: (list(new) if isinstance(new, tuple) else new)
        for name, (old, new) in pairs.items()
        if old != new
    }
