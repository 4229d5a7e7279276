"""Whether a workspace controls a member's account at the identity provider: it made the
account, and the person belongs to no other workspace (`permissions.controls_account`).
Asked before a password is set, and before a removal, suspension or sign-out reaches the
provider."""

from __future__ import annotations

from teamspace import permissions
from teamspace.core.records import Member
from teamspace.store import members as member_store
from teamspace.store.table import TeamspaceStore


def controls(store: TeamspaceStore, workspace_id: str, member: Member) -> bool:
    """One Query (GSI1), and none for a member whose account no workspace made."""
    if member.managed_by != workspace_id:
        return False
    workspaces = member_store.count_memberships(store, member.user_id, at_most=2)
    return bool(permissions.controls_account(workspace_id, member.managed_by, workspaces))
