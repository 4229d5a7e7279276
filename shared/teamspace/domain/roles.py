"""Roles: the catalogue a workspace offers, its custom roles, and changing a member's role.

Every rank rule of ARCHITECTURE.md is checked by the permission layer
(`check_role_change`, `check_custom_role`); each change is one transaction that
re-checks the caller as they were read, so a decision taken on stale data is never
written. Who holds a custom role is counted (`teamspace.store.custom_roles`), so a role
is deleted only once nobody holds it, and never under someone being given it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from teamspace import permissions
from teamspace.core import errors
from teamspace.core.errors import Conflict, NotFound
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.records import CustomRole, Member
from teamspace.domain import role_holders
from teamspace.domain.access import Access, ResolvedMember, enforce, enter_workspace
from teamspace.domain.limits import MAX_CUSTOM_ROLES
from teamspace.domain.membership import resolve_user_id, target_member
from teamspace.domain.service import DomainService
from teamspace.domain.workspace_roles import definition_of, role_named, roles_of
from teamspace.permissions import OWNER, Feature, Permission, RoleDefinition
from teamspace.store import custom_roles as role_store
from teamspace.store import members as member_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class RoleChanges:
    """A PATCH of a custom role: only the fields the client sent."""

    name: str = _UNSET
    rank: int = _UNSET
    permissions: frozenset[Permission] = _UNSET


def role_not_found(key: str) -> NotFound:
    return NotFound("ROLE_NOT_FOUND", f"This workspace has no custom role called {key!r}")


class RoleService(DomainService):
    def catalogue(self, caller: Caller, workspace_id: str) -> list[RoleDefinition]:
        """The roles members of this workspace can hold, highest rank first."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.WORKSPACE_VIEW)
        return roles_of(access.workspace)

    def create(
        self,
        caller: Caller,
        workspace_id: str,
        *,
        key: str,
        name: str,
        permission_set: frozenset[Permission],
        rank: int = permissions.CUSTOM_RANK_DEFAULT,
    ) -> RoleDefinition:
        access = enter_workspace(self.store, caller, workspace_id)
        role = RoleDefinition(
            key=key, name=name, rank=rank, permissions=permission_set, builtin=False
        )
        enforce(permissions.check_custom_role(access.subject, role))
        # Only a new role is refused past the plan's count: those held beyond it after a
        # downgrade keep working, can be changed and deleted.
        access.room_for(Feature.CUSTOM_ROLES, len(access.workspace.custom_roles))
        if role_named(access.workspace, key) is not None:
            raise errors.role_exists(key)
        if len(access.workspace.custom_roles) >= MAX_CUSTOM_ROLES:
            raise Conflict(
                "ROLE_LIMIT_REACHED",
                f"A workspace holds at most {MAX_CUSTOM_ROLES} custom roles",
            )
        now = self.clock.now()
        custom = CustomRole(
            key=key,
            name=name,
            rank=rank,
            permissions=frozenset(str(p) for p in permission_set),
            created_by=caller.user_id,
            created_at=now,
            updated_at=now,
        )
        self.store.commit(
            [
                *role_store.define_role(
                    workspace_id, custom, access.most(Feature.CUSTOM_ROLES, MAX_CUSTOM_ROLES)
                ),
                *access.guards(),
                self.event(DetailType.ROLE_CREATED, workspace_id, access.by, _role_data(role), now),
            ]
        )
        return role

    def update(
        self, caller: Caller, workspace_id: str, key: str, changes: RoleChanges
    ) -> RoleDefinition:
        """A custom role's new name, rank or permissions; its holders have them on their
        next request."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.ROLES_MANAGE)
        current = _custom(access, key)
        before = definition_of(current)
        after = before.model_copy(
            update={
                field: value
                for field, value in (
                    ("name", changes.name),
                    ("rank", changes.rank),
                    ("permissions", changes.permissions),
                )
                if value is not _UNSET
            }
        )
        enforce(permissions.check_custom_role(access.subject, after, before))
        changed = [
            f for f in ("name", "rank", "permissions") if getattr(before, f) != getattr(after, f)
        ]
        if not changed:
            return before
        now = self.clock.now()
        updated = replace(
            current,
            name=after.name,
            rank=after.rank,
            permissions=frozenset(str(p) for p in after.permissions),
            updated_at=now,
            version=current.version + 1,
        )
        self.store.commit(
            [
                *role_store.redefine_role(workspace_id, updated, current.version),
                *access.guards(),
                self.event(
                    DetailType.ROLE_UPDATED,
                    workspace_id,
                    access.by,
                    {"role": _role_data(after), "changed": changed},
                    now,
                ),
            ]
        )
        return after

    def delete(self, caller: Caller, workspace_id: str, key: str) -> None:
        """Delete a custom role; 409 ROLE_IN_USE while members or invitations hold it."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.ROLES_MANAGE)
        current = _custom(access, key)
        enforce(permissions.check_custom_role_delete(access.subject, definition_of(current)))
        now = self.clock.now()
        self.store.commit(
            [
                *role_store.delete_role(workspace_id, current),
                *access.guards(),
                self.event(
                    DetailType.ROLE_DELETED,
                    workspace_id,
                    access.by,
                    {"key": key, "name": current.name},
                    now,
                ),
            ]
        )

    def change_role(
        self, caller: Caller, workspace_id: str, user_id: str, role_key: str
    ) -> ResolvedMember:
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id], with_transfer=True)
        target = target_member(access, user_id)
        role = role_named(access.workspace, role_key)
        if role is None:
            raise errors.unknown_role(role_key)
        enforce(
            permissions.check_role_change(
                access.subject, access.subject_of(target), role, access.owners
            )
        )
        if target.role == role.key:
            return access.resolved(target)  # already so: nothing changes or is announced
        now = self.clock.now()
        changed = replace(target, role=role.key, updated_at=now, version=target.version + 1)
        if role.key == OWNER:  # a co-owner made (an owner's grants are all of them)
            changed = replace(changed, toggles={}, agent_ids=None)
        self.store.commit(
            [
                member_store.replace_member(changed, expected_version=target.version),
                *role_holders.role_holds(access.workspace, take=role.key, give_back=target.role),
                *self._owner_count(access, target, role.key, now),
                *access.guards(),
                self.event(
                    DetailType.MEMBER_ROLE_CHANGED,
                    workspace_id,
                    access.by,
                    {"userId": target.user_id, "previousRole": target.role, "role": role.key},
                    now,
                ),
            ]
        )
        return access.resolved(changed)

    def _owner_count(
        self, access: Access, target: Member, after: str, at: datetime
    ) -> list[WriteOp]:
        """The owner count a role change moves, on the condition that it stays within
        settings.maxOwners (a co-owner made) or above one (an owner demoted) at the write;
        a demoted owner's pending offer of ownership ends with it."""
        if OWNER not in (target.role, after):
            return []
        workspace_id = access.workspace.workspace_id
        if after == OWNER:
            return [workspace_store.count_owners(workspace_id, 1, errors.owner_limit_reached())]
        return [
            workspace_store.count_owners(
                workspace_id, -1, errors.version_conflict("workspace's owners")
            ),
            *self.nomination_ends(access, target.user_id, access.by, at),
        ]


def _custom(access: Access, key: str) -> CustomRole:
    """The workspace's custom role `key`; a built-in key is not one (403, it is fixed)."""
    if key in permissions.BUILTIN_ROLES:
        enforce(permissions.Verdict(False, "BUILTIN_ROLE_IMMUTABLE", f"{key} is a built-in role"))
    current = access.workspace.custom_roles.get(key)
    if current is None:
        raise role_not_found(key)
    return current


def _role_data(role: RoleDefinition) -> dict[str, Any]:
    return {
        "key": role.key,
        "name": role.name,
        "rank": role.rank,
        "permissions": sorted(str(p) for p in role.permissions),
    }
