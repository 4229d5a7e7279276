"""The read under every request inside a workspace: the workspace with the members,
invitations, pending transfer and any other items the request acts on, in one strongly
consistent BatchGetItem (several workspaces at once for an agency and its client)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from teamspace.core.records import Invitation, Member, OwnershipTransfer, Workspace
from teamspace.store import invitations, keys, members, transfers, workspaces
from teamspace.store.table import TeamspaceStore


@dataclass
class Snapshot:
    """What one read under a request found: the workspace and the items it acts on."""

    workspace: Workspace | None = None
    members: dict[str, Member] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    transfer: OwnershipTransfer | None = None
    # Any other item the read was asked for (`load(..., also=...)`), by (PK, SK).
    others: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def other(self, key: keys.Key) -> dict[str, Any] | None:
        return self.others.get((key[keys.PK], key[keys.SK]))


def load(
    store: TeamspaceStore,
    workspace_id: str,
    user_ids: Sequence[str] = (),
    invitation_ids: Sequence[str] = (),
    *,
    with_transfer: bool = False,
    also: Sequence[keys.Key] = (),
) -> Snapshot:
    """The workspace with the named members and invitations, in one strongly
    consistent BatchGetItem.

    This is the read under every request inside a workspace: the caller's own
    membership comes with it, and so does whatever the request acts on (`also`:
    any other items, such as the API key a revocation names, kept in `others`).
    """
    wanted = [workspaces.workspace_key(workspace_id)]
    wanted += [members.member_key(workspace_id, user_id) for user_id in dict.fromkeys(user_ids)]
    wanted += [invitations.invitation_key(workspace_id, i) for i in dict.fromkeys(invitation_ids)]
    if with_transfer:
        wanted.append(transfers.transfer_key(workspace_id))
    wanted += [key for key in also if key not in wanted]
    snapshot = Snapshot()
    for item in store.batch_get(wanted):
        _absorb(snapshot, item)
    return snapshot


def load_related(store: TeamspaceStore, views: dict[str, Sequence[str]]) -> dict[str, Snapshot]:
    """Several workspaces, each with the named members, in one strongly consistent
    BatchGetItem: an agency with one of its clients, read together."""
    wanted = []
    for workspace_id, user_ids in views.items():
        wanted.append(workspaces.workspace_key(workspace_id))
        wanted += [members.member_key(workspace_id, u) for u in dict.fromkeys(user_ids)]
    snapshots = {workspace_id: Snapshot() for workspace_id in views}
    for item in store.batch_get(wanted):
        _absorb(snapshots[item["workspaceId"]], item)
    return snapshots


def load_workspace(
    store: TeamspaceStore, workspace_id: str, user_ids: Sequence[str] = ()
) -> tuple[Workspace | None, dict[str, Member]]:
    """`load`'s workspace and members alone: what the store's tests check a write by (the
    services read through `load`, which brings the rest a request needs)."""
    snapshot = load(store, workspace_id, user_ids)
    return snapshot.workspace, snapshot.members


def _absorb(snapshot: Snapshot, item: dict[str, Any]) -> None:
    """Place an item a workspace read brought into its snapshot."""
    if item["entity"] == "workspace":
        snapshot.workspace = workspaces.workspace_from_item(item)
    elif item["entity"] == "member":
        member = members.member_from_item(item)
        snapshot.members[member.user_id] = member
    elif item["entity"] == "invitation":
        invitation = invitations.invitation_from_item(item)
        snapshot.invitations[invitation.invitation_id] = invitation
    elif item["entity"] == "ownership_transfer":
        snapshot.transfer = transfers.transfer_from_item(item)
    else:
        snapshot.others[(item[keys.PK], item[keys.SK])] = item
