"""Who holds a custom role, as each change moves it (`teamspace.store.custom_roles` keeps
the counts). Built-in roles are not counted: only custom ones can be deleted, and only
while nobody holds them."""

from __future__ import annotations

from teamspace.core.records import Workspace
from teamspace.domain.workspace_roles import is_custom
from teamspace.store import custom_roles as role_store
from teamspace.store.ops import WriteOp


def take_role(workspace: Workspace, key: str) -> list[WriteOp]:
    """Someone (a member, a pending invitation) takes role `key`, resolved in
    `workspace`: one more holder of a custom role, on the definition read."""
    return role_store.take_role(workspace, key)


def give_back_role(workspace_id: str, key: str) -> list[WriteOp]:
    """Someone gives role `key` up: one holder fewer, for a custom role."""
    return role_store.give_back_role(workspace_id, key) if is_custom(key) else []


def role_holds(workspace: Workspace, *, take: str, give_back: str) -> list[WriteOp]:
    """The holder counts a change of role from `give_back` to `take` moves."""
    if take == give_back:
        return []
    return [*take_role(workspace, take), *give_back_role(workspace.workspace_id, give_back)]
