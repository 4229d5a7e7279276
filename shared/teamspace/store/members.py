"""Members in the table: the item (`WS#<workspaceId>` / `MEMBER#<userId>`; GSI1, a user's
workspaces, `USER#<userId>` / `JOINED#<joinedAt>#<workspaceId>`; GSI2, name search,
`WS#<workspaceId>#NAMES` / `<case-folded name>\x01<userId>`), the claim on its address
(`MEMBER_EMAIL#<email>`: one member per address), and their reads and writes. A member
and the claim on their address are written and removed together."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from teamspace.core import errors
from teamspace.core.clock import iso, parse_iso
from teamspace.core.errors import version_conflict
from teamspace.core.records import Member, Membership, Page
from teamspace.store import codec, keys, workspaces
from teamspace.store.ops import WriteOp, attribute_values, put_new
from teamspace.store.table import TeamspaceStore

MEMBER_PREFIX = "MEMBER#"


def member_key(workspace_id: str, user_id: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: f"{MEMBER_PREFIX}{user_id}"}


def user_memberships_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def user_membership_sk(joined_at: str, workspace_id: str) -> str:
    return f"JOINED#{joined_at}#{workspace_id}"


def member_names_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#NAMES"


def name_search_key(text: str) -> str:
    """The case-insensitive form names are indexed and searched by."""
    return unicodedata.normalize("NFKC", text).casefold().strip()[:200]


# Sorts before every character a name can hold, so "Jo" comes before "Jo Smith".
NAME_SEPARATOR = "\x01"


def member_name_sk(name_key: str, user_id: str) -> str:
    return f"{name_key}{NAME_SEPARATOR}{user_id}"


def member_email_key(workspace_id: str, email: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: f"MEMBER_EMAIL#{email}"}


def member_item(member: Member) -> dict[str, Any]:
    joined = iso(member.joined_at)
    name_key = name_search_key(member.name or member.email)
    return {
        **member_key(member.workspace_id, member.user_id),
        keys.GSI1PK: user_memberships_pk(member.user_id),
        keys.GSI1SK: user_membership_sk(joined, member.workspace_id),
        keys.GSI2PK: member_names_pk(member.workspace_id),
        keys.GSI2SK: member_name_sk(name_key, member.user_id),
        "entity": "member",
        "workspaceId": member.workspace_id,
        "userId": member.user_id,
        "email": member.email,
        "name": member.name,
        "jobTitle": member.job_title,
        "role": member.role,
        "status": member.status,
        "toggles": member.toggles,
        "agentIds": list(member.agent_ids) if member.agent_ids is not None else None,
        "joinedAt": joined,
        "updatedAt": iso(member.updated_at),
        "version": member.version,
        "via": member.via,
        "managedBy": member.managed_by,
        "sessionsValidFrom": _iso_or_none(member.sessions_valid_from),
        "lastSignInAt": _iso_or_none(member.last_sign_in_at),
    }


def member_from_item(item: dict[str, Any]) -> Member:
    agent_ids = item.get("agentIds")
    return Member(
        workspace_id=item["workspaceId"],
        user_id=item["userId"],
        email=item["email"],
        name=item.get("name"),
        job_title=item.get("jobTitle"),
        role=item["role"],
        status=item["status"],
        toggles=item.get("toggles", {}),
        agent_ids=tuple(agent_ids) if agent_ids is not None else None,
        joined_at=parse_iso(item["joinedAt"]),
        updated_at=parse_iso(item["updatedAt"]),
        version=item["version"],
        via=item.get("via"),
        managed_by=item.get("managedBy"),
        sessions_valid_from=_parsed_or_none(item.get("sessionsValidFrom")),
        last_sign_in_at=_parsed_or_none(item.get("lastSignInAt")),
    )


def _iso_or_none(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def _parsed_or_none(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


def record_sign_in(workspace_id: str, user_id: str, at: datetime) -> WriteOp:
    """The member's `lastSignInAt`, never moved back (a late trigger of an earlier
    sign-in leaves it), and without moving their version: a sign-in must not make an
    administrator's change to the member fail. Two sign-ins of the same instant both
    pass, so that neither falls back to the slow path of a refused stamp."""
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(member_key(workspace_id, user_id)),
            "UpdateExpression": "SET lastSignInAt = :at",
            "ConditionExpression": "attribute_exists(PK) AND "
            "(attribute_not_exists(lastSignInAt) OR lastSignInAt <= :at)",
            "ExpressionAttributeValues": attribute_values(at=iso(at)),
        },
        version_conflict("member's last sign-in"),
    )


def require_member_unchanged(member: Member) -> WriteOp:
    """Re-check what a permission decision relied on: the caller's item as it was read."""
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(member_key(member.workspace_id, member.user_id)),
            "ConditionExpression": "version = :version AND #status = :status AND #role = :role",
            "ExpressionAttributeNames": {"#status": "status", "#role": "role"},
            "ExpressionAttributeValues": attribute_values(
                version=member.version, status=member.status, role=member.role
            ),
        },
        version_conflict("caller's membership"),
    )


def create_member(member: Member) -> WriteOp:
    return put_new(member_item(member), version_conflict("member"))


def replace_member(member: Member, expected_version: int) -> WriteOp:
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(member_item(member)),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": attribute_values(expected=expected_version),
        },
        version_conflict("member"),
    )


def delete_member(member: Member) -> WriteOp:
    return WriteOp(
        "Delete",
        {
            "Key": codec.to_attributes(member_key(member.workspace_id, member.user_id)),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": attribute_values(expected=member.version),
        },
        version_conflict("member"),
    )


def claim_member_email(workspace_id: str, email: str, user_id: str) -> WriteOp:
    """One member per email address in a workspace: the marker invitations check."""
    item = {
        **member_email_key(workspace_id, email),
        "entity": "member_email",
        "userId": user_id,
    }
    return put_new(item, errors.already_member(email))


def release_member_email(workspace_id: str, email: str) -> WriteOp:
    return WriteOp("Delete", {"Key": codec.to_attributes(member_email_key(workspace_id, email))})


def require_not_member(workspace_id: str, email: str) -> WriteOp:
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(member_email_key(workspace_id, email)),
            "ConditionExpression": "attribute_not_exists(PK)",
        },
        errors.already_member(email),
    )


def list_members(
    store: TeamspaceStore,
    workspace_id: str,
    *,
    limit: int,
    cursor: str | None,
    role: str | None = None,
    status: str | None = None,
) -> Page[Member]:
    """Members by user id, from the workspace's partition."""
    return store.partition_page(
        workspaces.workspace_pk(workspace_id),
        MEMBER_PREFIX,
        member_from_item,
        limit,
        cursor,
        role,
        status,
    )


def search_members(
    store: TeamspaceStore,
    workspace_id: str,
    name_prefix: str,
    *,
    limit: int,
    cursor: str | None,
    role: str | None = None,
    status: str | None = None,
) -> Page[Member]:
    """Members whose name starts with `name_prefix`, case-insensitively, by name."""
    prefix = name_search_key(name_prefix)
    if not prefix:  # no letter or digit to search by: the service refuses it first (422)
        return Page([], None)
    gsi_pk = member_names_pk(workspace_id)
    request = {
        "IndexName": keys.GSI2,
        "KeyConditionExpression": "GSI2PK = :pk AND begins_with(GSI2SK, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": {"S": gsi_pk},
            ":prefix": {"S": prefix},
        },
    }
    return store.query_page(
        request,
        limit,
        cursor,
        {keys.GSI2PK: gsi_pk},
        member_from_item,
        role,
        status,
        prefixes={keys.SK: MEMBER_PREFIX, keys.GSI2SK: prefix},
    )


def _memberships_query(user_id: str) -> tuple[str, dict[str, Any]]:
    """The GSI1 partition of a user's memberships, and the Query request that reads it."""
    gsi_pk = user_memberships_pk(user_id)
    return gsi_pk, {
        "IndexName": keys.GSI1,
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": gsi_pk}},
    }


def list_memberships(
    store: TeamspaceStore, user_id: str, *, limit: int, cursor: str | None
) -> Page[Membership]:
    """A user's active memberships (GSI1), joined to their workspaces (BatchGetItem).

    Deleted workspaces are dropped here, so a page can hold fewer items than asked;
    suspended ones stay (their status shows it).
    """
    gsi_pk, request = _memberships_query(user_id)
    page = store.query_page(
        request, limit, cursor, {keys.GSI1PK: gsi_pk}, member_from_item, None, "ACTIVE"
    )
    if not page.items:
        return Page([], page.next_cursor)
    workspace_items = store.batch_get(
        [workspaces.workspace_key(member.workspace_id) for member in page.items]
    )
    found = {ws.workspace_id: ws for ws in map(workspaces.workspace_from_item, workspace_items)}
    memberships = [
        Membership(found[m.workspace_id], m)
        for m in page.items
        if m.workspace_id in found and found[m.workspace_id].is_live
    ]
    return Page(memberships, page.next_cursor)


def assignments_of(store: TeamspaceStore, user_id: str, agency_id: str) -> list[Member]:
    """Every client membership an agency's assignment gave `user_id` (GSI1, the
    user's memberships, filtered on the agency)."""
    gsi_pk, request = _memberships_query(user_id)
    found: list[Member] = []
    cursor: str | None = None
    while True:
        page = store.query_page(
            request,
            100,
            cursor,
            {keys.GSI1PK: gsi_pk},
            member_from_item,
            None,
            None,
            equals={"via": agency_id},
        )
        found += page.items
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def memberships_in(
    store: TeamspaceStore, user_id: str, workspace_ids: Sequence[str]
) -> dict[str, Member]:
    """`user_id`'s member items in these workspaces, by workspace (one strongly
    consistent BatchGetItem, at most 100 ids)."""
    wanted = [member_key(w, user_id) for w in dict.fromkeys(workspace_ids)]
    if not wanted:
        return {}
    found = map(member_from_item, store.batch_get(wanted))
    return {member.workspace_id: member for member in found}


def count_memberships(store: TeamspaceStore, user_id: str, *, at_most: int) -> int:
    """In how many workspaces `user_id` is a member, active or suspended, counted up to
    `at_most` (one Query of GSI1, eventually consistent)."""
    gsi_pk, request = _memberships_query(user_id)
    page = store.query_page(
        request, at_most, None, {keys.GSI1PK: gsi_pk}, lambda item: item, None, None
    )
    return len(page.items)
