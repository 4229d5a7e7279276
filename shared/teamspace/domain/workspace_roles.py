"""What a workspace's roles and policy mean, read off its record: the built-in roles,
its custom roles as the permission layer sees them, and its security policy.

Records are plain data (`teamspace.core.records`); this is where the permission layer's
types are made from them. Custom keys never shadow built-in ones.
"""

from __future__ import annotations

from teamspace import permissions
from teamspace.core.records import CustomRole, Workspace
from teamspace.permissions import BUILTIN_ROLES, RoleDefinition, SecurityPolicy


def definition_of(custom: CustomRole) -> RoleDefinition:
    """A custom role as the permission layer sees it; a permission the catalogue no
    longer knows grants nothing rather than failing the read."""
    known = (permissions.parse_permission(p) for p in custom.permissions)
    return RoleDefinition(
        key=custom.key,
        name=custom.name,
        rank=custom.rank,
        permissions=frozenset(p for p in known if p is not None),
        builtin=False,
    )


def role_named(workspace: Workspace, key: str) -> RoleDefinition | None:
    """The built-in or custom role called `key` in the workspace, or None."""
    builtin = BUILTIN_ROLES.get(key)
    if builtin is not None:
        return builtin
    custom = workspace.custom_roles.get(key)
    return definition_of(custom) if custom is not None else None


def role_of(key: str, workspace: Workspace) -> RoleDefinition:
    """The role `key` as the workspace defines it; a role that does not resolve grants
    nothing."""
    return role_named(workspace, key) or permissions.unknown_role(key)


def roles_of(workspace: Workspace) -> list[RoleDefinition]:
    """Every role a member of the workspace can hold, highest rank first."""
    custom = [definition_of(c) for c in workspace.custom_roles.values()]
    return sorted([*BUILTIN_ROLES.values(), *custom], key=lambda r: (-r.rank, r.key))


def policy_of(workspace: Workspace) -> SecurityPolicy:
    """The security policy the workspace's settings describe (allowed domains, MFA)."""
    return SecurityPolicy.of(workspace.settings)


def is_custom(key: str) -> bool:
    """Whether `key` names a custom role (whose holders are counted), not a built-in."""
    return key not in BUILTIN_ROLES
