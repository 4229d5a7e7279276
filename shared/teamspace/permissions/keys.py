"""What an API key may do: the role it was created with, never more, and never what
only a person may do.

A key acts as a `Subject` built here from what the key carries: the role it was created
with (its rank, as the workspace defines that role now) and the permissions copied onto
it at creation. The rules:

- it never holds a permission it was not created with, whatever its role grants later;
- it never holds `KEY_NEVER` (deleting the workspace, transferring ownership): those
  are a person's, even for a key whose role would grant them;
- it never creates a key above its own role (`check_api_key_role` reads `api_key`);
- it has no toggles and reaches every agent its permissions name.
"""

from __future__ import annotations

from collections.abc import Iterable

from teamspace.permissions.catalogue import Permission, parse_permission
from teamspace.permissions.grants import Subject
from teamspace.permissions.roles import RoleDefinition

# What a key never does, whatever role it was created with.
KEY_NEVER: frozenset[Permission] = frozenset(
    {Permission.WORKSPACE_DELETE, Permission.OWNERSHIP_TRANSFER}
)


def key_permissions(granted: Iterable[str]) -> frozenset[Permission]:
    """The permissions a key holds: those copied onto it at creation that the catalogue
    still knows, less `KEY_NEVER`."""
    held: set[Permission] = set()
    for name in granted:
        permission = parse_permission(name)
        if permission is not None:
            held.add(permission)
    return frozenset(held) - KEY_NEVER


def key_subject(key_id: str, role: RoleDefinition, granted: Iterable[str]) -> Subject:
    """A key as the permission layer sees it: `role` (as the workspace defines it now)
    for its rank and name, with only the permissions the key was created with (a custom
    role redefined later changes nothing a key may do: records.ApiKey)."""
    acting = RoleDefinition(
        key=role.key,
        name=role.name,
        rank=role.rank,
        permissions=key_permissions(granted),
        builtin=role.builtin,
    )
    return Subject(user_id=key_id, role=acting, api_key=True)
