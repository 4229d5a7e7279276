"""What is kept of removed members: `WS#<workspaceId>` / `REMOVED#<email>`, one per
address, expiring by TTL after the stage's retention period. Keyed by address, so that
inviting the address again replaces it (the invitation's transaction deletes it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from teamspace.core.clock import iso, parse_iso
from teamspace.core.records import Page, RemovedMember
from teamspace.store import codec, keys, workspaces
from teamspace.store.ops import WriteOp
from teamspace.store.table import TeamspaceStore

REMOVED_PREFIX = "REMOVED#"


def removed_member_key(workspace_id: str, email: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: f"{REMOVED_PREFIX}{email}"}


def removed_member_item(removed: RemovedMember, kept_for: timedelta) -> dict[str, Any]:
    return {
        **removed_member_key(removed.workspace_id, removed.email),
        "entity": "removed_member",
        "workspaceId": removed.workspace_id,
        "userId": removed.user_id,
        "email": removed.email,
        "name": removed.name,
        "jobTitle": removed.job_title,
        "role": removed.role,
        "managed": removed.managed,
        "joinedAt": iso(removed.joined_at),
        "removedAt": iso(removed.removed_at),
        "removedBy": removed.removed_by,
        keys.TTL: int((removed.removed_at + kept_for).timestamp()),
    }


def removed_member_from_item(item: dict[str, Any]) -> RemovedMember:
    return RemovedMember(
        workspace_id=item["workspaceId"],
        user_id=item["userId"],
        email=item["email"],
        name=item.get("name"),
        job_title=item.get("jobTitle"),
        role=item["role"],
        managed=bool(item.get("managed")),
        joined_at=parse_iso(item["joinedAt"]),
        removed_at=parse_iso(item["removedAt"]),
        removed_by=item["removedBy"],
    )


def keep_removed_member(removed: RemovedMember, kept_for: timedelta) -> WriteOp:
    """The record of a removal, replacing any earlier one of the same address."""
    return WriteOp("Put", {"Item": codec.to_attributes(removed_member_item(removed, kept_for))})


def forget_removed_member(workspace_id: str, email: str) -> WriteOp:
    """The address is invited again: its removal is no longer listed (a no-op if none)."""
    return WriteOp("Delete", {"Key": codec.to_attributes(removed_member_key(workspace_id, email))})


def list_removed_members(
    store: TeamspaceStore, workspace_id: str, now: datetime, *, limit: int, cursor: str | None
) -> Page[RemovedMember]:
    """A workspace's removed members, by address, still within their retention (TTL
    deletes late, so expired ones are dropped from the page)."""
    page = store.partition_page(
        workspaces.workspace_pk(workspace_id),
        REMOVED_PREFIX,
        lambda item: item,
        limit,
        cursor,
    )
    kept = [
        removed_member_from_item(item)
        for item in page.items
        if item.get(keys.TTL, 0) > int(now.timestamp())
    ]
    return Page(kept, page.next_cursor)
