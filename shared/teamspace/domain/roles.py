"""Roles: the catalogue a workspace offers, and changing a member's role.

Every rank rule of ARCHITECTURE.md is checked by the permission layer
(`check_role_change`); the change itself is one transaction that re-checks the caller
and the target as they were read, so a decision taken on stale data is never written.
"""

from __future__ import annotations

from dataclasses import replace

from teamspace import permissions
from teamspace.domain.access import enforce, enter_workspace, subject_of
from teamspace.domain.events import DetailType
from teamspace.domain.identity import Caller
from teamspace.domain.membership import resolve_user_id, target_member
from teamspace.domain.records import Member
from teamspace.domain.service import DomainService
from teamspace.errors import InvalidInput
from teamspace.permissions import Permission, RoleDefinition
from teamspace.store import writes


class RoleService(DomainService):
    def catalogue(self, caller: Caller, workspace_id: str) -> list[RoleDefinition]:
        """The roles members of this workspace can hold, highest rank first."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.WORKSPACE_VIEW)
        return sorted(permissions.BUILTIN_ROLES.values(), key=lambda r: (-r.rank, r.key))

    def change_role(self, caller: Caller, workspace_id: str, user_id: str, role_key: str) -> Member:
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id])
        target = target_member(access, user_id)
        role = permissions.builtin_role(role_key)
        if role is None:
            raise InvalidInput("UNKNOWN_ROLE", f"No role is called {role_key!r}")
        enforce(permissions.check_role_change(access.subject, subject_of(target), role))
        if target.role == role.key:
            return target  # already so: nothing changes, nothing is announced
        now = self.clock.now()
        changed = replace(target, role=role.key, updated_at=now, version=target.version + 1)
        self.store.commit(
            [
                writes.replace_member(changed, expected_version=target.version),
                writes.require_member_unchanged(access.actor),
                self.event(
                    DetailType.MEMBER_ROLE_CHANGED,
                    workspace_id,
                    caller,
                    {"userId": target.user_id, "previousRole": target.role, "role": role.key},
                    now,
                ),
            ]
        )
        return changed
