"""Workspaces in the table: the item (`WS#<workspaceId>` / `META`, a client also in GSI1
under `CLIENTS#<agencyId>` / `<createdAt>#<clientId>`), its custom roles' map, the
counters it keeps (members, pending invitations, seats, API keys, an agency's minutes),
and their reads and write operations.

One module, though long: the custom roles' map and every counter are attributes of the
one `META` item, which a transaction may update only once, so the operations that move
them are made to combine (`adjust_counters` takes the API key counter too,
`change_owner` the member count)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from teamspace.core import errors
from teamspace.core.clock import iso, parse_iso
from teamspace.core.errors import TeamspaceError, version_conflict, workspace_not_found
from teamspace.core.records import CustomRole, Page, Workspace, WorkspaceStatus, WorkspaceType
from teamspace.store import codec, keys
from teamspace.store.ops import WriteOp, attribute_values, put_new
from teamspace.store.table import TeamspaceStore

META = "META"


def workspace_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}"


def workspace_key(workspace_id: str) -> keys.Key:
    return {keys.PK: workspace_pk(workspace_id), keys.SK: META}


def clients_pk(agency_id: str) -> str:
    return f"CLIENTS#{agency_id}"


def workspace_item(workspace: Workspace) -> dict[str, Any]:
    item = {
        **workspace_key(workspace.workspace_id),
        "entity": "workspace",
        "workspaceId": workspace.workspace_id,
        "name": workspace.name,
        "description": workspace.description,
        "logoUrl": workspace.logo_url,
        "type": workspace.type.value,
        "ownerId": workspace.owner_id,
        "parentWorkspaceId": workspace.parent_workspace_id,
        "settings": workspace.settings,
        "status": workspace.status.value,
        "memberCount": workspace.member_count,
        "pendingInvites": workspace.pending_invites,
        "seatsUsed": workspace.seats_used,
        "minutesAssigned": workspace.minutes_assigned if workspace.is_agency else None,
        "customRoles": {key: custom_role_value(c) for key, c in workspace.custom_roles.items()},
        "createdAt": iso(workspace.created_at),
        "updatedAt": iso(workspace.updated_at),
        "version": workspace.version,
    }
    if workspace.plan is not None:
        item["plan"] = workspace.plan
    if workspace.parent_workspace_id is not None:  # a client, listed under its agency
        item[keys.GSI1PK] = clients_pk(workspace.parent_workspace_id)
        item[keys.GSI1SK] = f"{iso(workspace.created_at)}#{workspace.workspace_id}"
    return item


def workspace_from_item(item: dict[str, Any]) -> Workspace:
    return Workspace(
        workspace_id=item["workspaceId"],
        name=item["name"],
        description=item.get("description"),
        logo_url=item.get("logoUrl"),
        type=WorkspaceType(item["type"]),
        owner_id=item["ownerId"],
        parent_workspace_id=item.get("parentWorkspaceId"),
        settings=item.get("settings", {}),
        status=WorkspaceStatus(item["status"]),
        member_count=item.get("memberCount", 0),
        pending_invites=item.get("pendingInvites", 0),
        seats_used=item.get("seatsUsed", 0),
        minutes_assigned=item.get("minutesAssigned") or 0,
        custom_roles={
            key: custom_role_from_value(key, value)
            for key, value in item.get("customRoles", {}).items()
        },
        created_at=parse_iso(item["createdAt"]),
        updated_at=parse_iso(item["updatedAt"]),
        version=item["version"],
        api_keys=item.get("apiKeys") or 0,
        plan=item.get("plan"),
        owner_count=item.get("ownerCount") or 1,
    )


def create_workspace(workspace: Workspace) -> WriteOp:
    return put_new(workspace_item(workspace), version_conflict("workspace"))


def update_workspace(
    workspace: Workspace,
    expected_version: int,
    *,
    assigned_at_most: int | None = None,
    owners_at_most: int | None = None,
) -> WriteOp:
    """Profile fields only: the member counter and status are not touched here.

    With `assigned_at_most` (an agency's new minute pool), the minutes its clients hold
    must not exceed it at the write; with `owners_at_most` (a new settings.maxOwners),
    neither must its owners (a promotion racing the change loses, or makes this fail).
    """
    item = workspace_item(workspace)
    sets = ["#name = :name", "#settings = :settings", "updatedAt = :updatedAt", "version = :next"]
    removes = []
    values: dict[str, Any] = {
        "name": item["name"],
        "settings": item["settings"],
        "updatedAt": item["updatedAt"],
        "next": expected_version + 1,
        "expected": expected_version,
        "active": "ACTIVE",
    }
    for attribute in ("description", "logoUrl"):
        if item[attribute] is None:
            removes.append(attribute)
        else:
            sets.append(f"{attribute} = :{attribute}")
            values[attribute] = item[attribute]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    condition = "version = :expected AND #status = :active"
    if assigned_at_most is not None:
        condition += " AND (attribute_not_exists(minutesAssigned) OR minutesAssigned <= :pool)"
        values["pool"] = assigned_at_most
    if owners_at_most is not None:
        condition += " AND (attribute_not_exists(ownerCount) OR ownerCount <= :ownersMax)"
        values["ownersMax"] = owners_at_most
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspace_key(workspace.workspace_id)),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {
                "#name": "name",
                "#settings": "settings",
                "#status": "status",
            },
            "ExpressionAttributeValues": attribute_values(**values),
        },
        version_conflict("workspace"),
    )


def set_plan(workspace_id: str, plan: str, expected_version: int, at: datetime) -> WriteOp:
    """The workspace's plan (billing's WorkspacePlanChanged), conditional on the version
    read, so that no settings change decided on the plan before slips past it. Not on a
    deleted workspace; a suspended one keeps its plan like any other."""
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspace_key(workspace_id)),
            "UpdateExpression": "SET #plan = :plan, updatedAt = :at, version = :next",
            "ConditionExpression": "version = :expected AND #status <> :deleted",
            "ExpressionAttributeNames": {"#plan": "plan", "#status": "status"},
            "ExpressionAttributeValues": attribute_values(
                plan=plan,
                at=iso(at),
                next=expected_version + 1,
                expected=expected_version,
                deleted="DELETED",
            ),
        },
        version_conflict("workspace"),
    )


def delete_workspace(
    workspace_id: str, owner_id: str, at: datetime, *, api_keys: int | None = None
) -> WriteOp:
    """A tombstone: the workspace and everything in it is unreachable from this write on.

    Member items stay behind until the purge; every read path checks the workspace's
    status first, so they are never served. With `api_keys` (how many keys the caller
    read, to retire them in the same transaction), the tombstone is written only while
    the workspace still has exactly that many, so a key created meanwhile cannot
    outlive it.
    """
    condition = "#status = :active AND ownerId = :owner"
    values: dict[str, Any] = {}
    if api_keys is not None:
        condition += f" AND {_api_key_count_is(api_keys)}"
        values["apiKeysRead"] = api_keys
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspace_key(workspace_id)),
            "UpdateExpression": "SET #status = :deleted, deletedAt = :at, updatedAt = :at "
            "ADD version :one",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(
                deleted="DELETED", active="ACTIVE", at=iso(at), one=1, owner=owner_id, **values
            ),
        },
        # A retry reads the keys again, or answers 404 if the workspace is gone by then.
        workspace_not_found() if api_keys is None else version_conflict("workspace's API keys"),
    )


def set_standing(
    workspace_id: str,
    expected: WorkspaceStatus,
    status: WorkspaceStatus,
    at: datetime,
    *,
    api_keys: int,
    reason: str | None = None,
) -> WriteOp:
    """The billing service's suspension or reactivation: `status` from `expected` (as
    read), while the workspace still holds the `api_keys` keys whose lookup items the
    same transaction marks (so that no key escapes the change)."""
    sets = "#status = :status, updatedAt = :at"
    values: dict[str, Any] = {
        "status": status.value,
        "expected": expected.value,
        "at": iso(at),
        "one": 1,
        "apiKeysRead": api_keys,
    }
    if status is WorkspaceStatus.SUSPENDED and reason:
        sets += ", suspendedAt = :at, suspensionReason = :reason"
        values["reason"] = reason
        expression = f"SET {sets} ADD version :one"
    elif status is WorkspaceStatus.SUSPENDED:  # the billing service gave no reason
        expression = f"SET {sets}, suspendedAt = :at REMOVE suspensionReason ADD version :one"
    else:
        expression = f"SET {sets} REMOVE suspendedAt, suspensionReason ADD version :one"
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspace_key(workspace_id)),
            "UpdateExpression": expression,
            "ConditionExpression": f"#status = :expected AND {_api_key_count_is(api_keys)}",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(**values),
        },
        version_conflict("workspace's standing"),
    )


def _api_key_count_is(count: int) -> str:
    """The condition that the workspace holds `count` API keys (`:apiKeysRead`); a
    workspace that never had one has no counter."""
    if count == 0:
        return "(attribute_not_exists(apiKeys) OR apiKeys = :apiKeysRead)"
    return "apiKeys = :apiKeysRead"


def _owner_count_moves(owners: int, values: dict[str, Any]) -> tuple[str, str]:
    """The SET clause and the condition that move `ownerCount` by one (`owners`: 1 or -1),
    adding to `values`: growing, it stays within settings.maxOwners as it is at the write;
    shrinking, at least one owner is left. An absent counter is the one owner every
    workspace starts with."""
    if owners not in (1, -1):
        raise ValueError(f"owners move one at a time, not by {owners}")
    values.update(owners=owners, oneOwner=1)
    update = "SET ownerCount = if_not_exists(ownerCount, :oneOwner) + :owners"
    if owners > 0:
        return update, (
            "((attribute_not_exists(ownerCount) AND settings.maxOwners > :oneOwner)"
            " OR ownerCount < settings.maxOwners)"
        )
    return update, "ownerCount > :oneOwner"


def count_owners(workspace_id: str, owners: int, on_failed: TeamspaceError) -> WriteOp:
    """One more owner (a co-owner made) or fewer (one demoted), alone on the item."""
    values: dict[str, Any] = {"active": "ACTIVE"}
    update, condition = _owner_count_moves(owners, values)
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspace_key(workspace_id)),
            "UpdateExpression": update,
            "ConditionExpression": f"#status = :active AND {condition}",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(**values),
        },
        on_failed,
    )


def adjust_counters(
    workspace_id: str,
    *,
    members: int = 0,
    pending: int = 0,
    max_pending: int | None = None,
    seat_limit: bool = False,
    seat_ceiling: int | None = None,
    on_failed: TeamspaceError | None = None,
    api_keys: int = 0,
    api_keys_read: int | None = None,
    owners: int = 0,
) -> WriteOp:
    """Move the workspace's counters: members, pending invitations, and the seats both use.

    `seatsUsed` is members plus pending invitations, kept as one attribute so that a
    condition can hold it under the seat limit (a condition cannot add two attributes).
    Limits apply only when counts grow. The seat limit is compared with the workspace's
    own `settings.maxMembers` as it is at the write, not as it was read, and with
    `seat_ceiling` (its plan's seats) too.

    `api_keys` moves the API key counter too (a removal that revokes the member's keys:
    one transaction cannot update the workspace item twice), on the condition, with
    `api_keys_read`, that the workspace still holds the keys that were read. `owners` (-1:
    an owner removed or leaving) moves the owner count, never below one.
    """
    seats = members + pending
    # What only frees seats or keys lands on a suspended workspace too: the system's
    # clean-ups (the expiry job, staff withdrawn from a client, a declined invitation)
    # go on while it is suspended, and nothing grows in it meanwhile.
    growing = members > 0 or pending > 0 or api_keys > 0
    conditions = ["#status = :active" if growing else "#status IN (:active, :suspended)"]
    values: dict[str, Any] = {"members": members, "pending": pending, "seats": seats}
    if not growing:
        values["suspended"] = WorkspaceStatus.SUSPENDED.value
    if max_pending is not None and pending > 0:
        conditions.append("(attribute_not_exists(pendingInvites) OR pendingInvites < :maxPending)")
        values["maxPending"] = max_pending
    if seat_limit and seats > 0:
        conditions.append(
            "(attribute_not_exists(settings.maxMembers) OR seatsUsed < settings.maxMembers)"
        )
        if seat_ceiling is not None:
            conditions.append("(attribute_not_exists(seatsUsed) OR seatsUsed < :ceiling)")
            values["ceiling"] = seat_ceiling
    adds = "ADD memberCount :members, pendingInvites :pending, seatsUsed :seats"
    if api_keys:
        adds += ", apiKeys :apiKeys"
        values["apiKeys"] = api_keys
    if api_keys_read is not None:
        conditions.append(_api_key_count_is(api_keys_read))
        values["apiKeysRead"] = api_keys_read
    if owners:
        owner_update, owner_condition = _owner_count_moves(owners, values)
        adds = f"{owner_update} {adds}"
        conditions.append(owner_condition)
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspace_key(workspace_id)),
            "UpdateExpression": adds,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(active="ACTIVE", **values),
        },
        on_failed or workspace_not_found(),
    )


def take_minutes(agency_id: str, minutes: int, pool: int) -> WriteOp:
    """Move the minutes an agency's clients hold (`minutesAssigned`) by `minutes`.

    Growing, it must stay within the pool as read (`pool`): the condition holds the pool
    unchanged and the count at most `pool - minutes`, so two budgets granted at once can
    never add up past it (one of them fails and nothing of it is written).
    """
    # Minutes given back (a smaller budget, a deleted client) need no live agency.
    conditions = ["attribute_exists(PK)"]
    names: dict[str, str] = {}
    values: dict[str, Any] = {"minutes": minutes}
    if minutes > 0:
        conditions.append("#status = :active")
        names["#status"] = "status"
        values["active"] = "ACTIVE"
        conditions.append("settings.minutePool = :pool")
        conditions.append("(attribute_not_exists(minutesAssigned) OR minutesAssigned <= :room)")
        values.update(pool=pool, room=pool - minutes)
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspace_key(agency_id)),
            "UpdateExpression": "ADD minutesAssigned :minutes",
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeValues": attribute_values(**values),
            **({"ExpressionAttributeNames": names} if names else {}),
        },
        errors.minute_pool_changed(),
    )


def require_workspace_active(workspace_id: str) -> WriteOp:
    """A check that the workspace is live, for a change that writes nothing of it (no
    service needs one today: each already moves the workspace's counters or item, whose
    conditions hold it live; the store's tests keep it working)."""
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(workspace_key(workspace_id)),
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(active="ACTIVE"),
        },
        workspace_not_found(),
    )


def require_status(workspace: Workspace) -> WriteOp:
    """A check that the workspace's status is still the one read, for a change that
    relies on it and writes nothing of the workspace."""
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(workspace_key(workspace.workspace_id)),
            "ConditionExpression": "#status = :status",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(status=workspace.status.value),
        },
        version_conflict("workspace's standing"),
    )


def change_owner(
    workspace_id: str,
    previous: str,
    new: str,
    at: datetime,
    *,
    members: int = 0,
    owners: int = 0,
    while_suspended: bool = False,
) -> WriteOp:
    """The workspace's owner field, moved only from the owner that was read, while the
    workspace is active; with `while_suspended` also while it is suspended (a client
    follows its agency's owner whatever its standing; a transfer never completes in a
    suspended workspace, even one that read it active).

    `members` moves the member count (and the seats) with it, for a hand-over that
    removes or adds a member item, and `owners` the owner count (-1: the primary owner
    handed over to a co-owner): one transaction cannot update the workspace twice.
    """
    adds = "ADD version :one"
    sets = "SET ownerId = :new, updatedAt = :at"
    standing = "#status IN (:active, :suspended)" if while_suspended else "#status = :active"
    condition = f"ownerId = :previous AND {standing}"
    values: dict[str, Any] = {}
    if members:
        adds += ", memberCount :members, seatsUsed :members"
        values["members"] = members
    if owners:
        owner_update, owner_condition = _owner_count_moves(owners, values)
        sets += ", " + owner_update.removeprefix("SET ")
        condition += f" AND {owner_condition}"
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(workspace_key(workspace_id)),
            "UpdateExpression": f"{sets} {adds}",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(
                new=new,
                previous=previous,
                at=iso(at),
                one=1,
                active="ACTIVE",
                suspended=WorkspaceStatus.SUSPENDED.value,
                **values,
            ),
        },
        version_conflict("workspace's owner"),
    )


def list_clients(
    store: TeamspaceStore, agency_id: str, *, limit: int, cursor: str | None
) -> Page[Workspace]:
    """An agency's live client workspaces (active or suspended), oldest first (GSI1)."""
    gsi_pk = clients_pk(agency_id)
    request = {
        "IndexName": keys.GSI1,
        "KeyConditionExpression": "GSI1PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": gsi_pk}},
    }
    return store.query_page(
        request,
        limit,
        cursor,
        {keys.GSI1PK: gsi_pk},
        workspace_from_item,
        None,
        None,
        not_equals={"status": WorkspaceStatus.DELETED.value},
    )


def active_workspace_ids(store: TeamspaceStore, workspace_ids: set[str]) -> set[str]:
    """Which of these workspaces still exist (one BatchGetItem, at most 100 ids)."""
    if not workspace_ids:
        return set()
    items = store.batch_get([workspace_key(i) for i in sorted(workspace_ids)])
    return {i["workspaceId"] for i in items if i.get("status") == "ACTIVE"}


def custom_role_value(custom: CustomRole) -> dict[str, Any]:
    """A custom role as it sits in the workspace item's `customRoles` map."""
    return {
        "name": custom.name,
        "rank": custom.rank,
        "permissions": sorted(custom.permissions),
        "createdBy": custom.created_by,
        "createdAt": iso(custom.created_at),
        "updatedAt": iso(custom.updated_at),
        "version": custom.version,
    }


def custom_role_from_value(key: str, value: dict[str, Any]) -> CustomRole:
    return CustomRole(
        key=key,
        name=value["name"],
        rank=value["rank"],
        permissions=frozenset(value["permissions"]),
        created_by=value["createdBy"],
        created_at=parse_iso(value["createdAt"]),
        updated_at=parse_iso(value["updatedAt"]),
        version=value["version"],
    )
