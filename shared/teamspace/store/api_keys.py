"""API keys in the table: the items, the write operations, and the reads.

A key has two items. Its listing item (`WS#<ws>` / `APIKEY#<keyId>`) is what the key
list shows; its lookup item (`APIKEY#<sha256>` / `APIKEY`) is what the authorizer
reads with one GetItem, knowing only the key. The workspace item counts the keys
(`apiKeys`), so creating one is conditional on there being fewer than the domain's
limit, and a workspace deletion can check that no key was created since it read them.

Revoking a key deletes its listing item (revoked keys leave the list) and marks its
lookup item REVOKED, kept 30 days by TTL; deleting the workspace marks every lookup
item's `workspaceStatus` DELETED. The key itself is stored nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from teamspace.core import errors
from teamspace.core.clock import iso, parse_iso
from teamspace.core.errors import version_conflict
from teamspace.core.records import ApiKey, ApiKeySecret, ApiKeyStatus, Page
from teamspace.store import codec, keys, workspaces
from teamspace.store.ops import WriteOp, attribute_values, put_new
from teamspace.store.snapshots import Snapshot
from teamspace.store.table import TeamspaceStore

API_KEY_PREFIX = "APIKEY#"


def api_key_key(workspace_id: str, key_id: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: f"{API_KEY_PREFIX}{key_id}"}


def api_key_lookup_key(key_hash: str) -> keys.Key:
    return {keys.PK: f"{API_KEY_PREFIX}{key_hash}", keys.SK: "APIKEY"}


# A revoked key's lookup item stays this long, then TTL removes it.
REVOKED_RETENTION_SECONDS = 30 * 24 * 3600


def listing_item(key: ApiKey) -> dict[str, Any]:
    return {
        **api_key_key(key.workspace_id, key.key_id),
        "entity": "api_key",
        "workspaceId": key.workspace_id,
        "keyId": key.key_id,
        "name": key.name,
        "prefix": key.prefix,
        "role": key.role,
        "permissions": sorted(key.permissions),
        "createdBy": key.created_by,
        "createdAt": iso(key.created_at),
        "expiresAt": iso(key.expires_at) if key.expires_at else None,
        "lastUsedAt": iso(key.last_used_at) if key.last_used_at else None,
        "keyHash": key.key_hash,
    }


def listing_from_item(item: dict[str, Any]) -> ApiKey:
    return ApiKey(
        workspace_id=item["workspaceId"],
        key_id=item["keyId"],
        name=item["name"],
        prefix=item["prefix"],
        role=item["role"],
        permissions=frozenset(item.get("permissions", [])),
        created_by=item["createdBy"],
        created_at=parse_iso(item["createdAt"]),
        key_hash=item["keyHash"],
        expires_at=parse_iso(item["expiresAt"]) if item.get("expiresAt") else None,
        last_used_at=parse_iso(item["lastUsedAt"]) if item.get("lastUsedAt") else None,
    )


def lookup_item(key: ApiKey) -> dict[str, Any]:
    return {
        **api_key_lookup_key(key.key_hash),
        "entity": "api_key_secret",
        "workspaceId": key.workspace_id,
        "keyId": key.key_id,
        "role": key.role,
        "permissions": sorted(key.permissions),
        "expiresAt": iso(key.expires_at) if key.expires_at else None,
        "status": ApiKeyStatus.ACTIVE.value,
        "workspaceStatus": "ACTIVE",
    }


def secret_from_item(item: dict[str, Any]) -> ApiKeySecret:
    return ApiKeySecret(
        key_hash=item[keys.PK].removeprefix(API_KEY_PREFIX),
        workspace_id=item["workspaceId"],
        key_id=item["keyId"],
        role=item["role"],
        permissions=frozenset(item.get("permissions", [])),
        status=ApiKeyStatus(item["status"]),
        workspace_status=item.get("workspaceStatus", "ACTIVE"),
        expires_at=parse_iso(item["expiresAt"]) if item.get("expiresAt") else None,
        last_used_at=parse_iso(item["lastUsedAt"]) if item.get("lastUsedAt") else None,
    )


def result_value(key: ApiKey) -> dict[str, Any]:
    """A created key as an idempotency record keeps it: its description, never the key
    or its hash."""
    return {
        "keyId": key.key_id,
        "name": key.name,
        "prefix": key.prefix,
        "role": key.role,
        "permissions": sorted(key.permissions),
        "expiresAt": iso(key.expires_at) if key.expires_at else None,
        "createdBy": key.created_by,
        "createdAt": iso(key.created_at),
    }


def result_from_value(value: dict[str, Any]) -> ApiKey:
    """The key a record keeps, without its workspace (the record does not keep it: the
    service replaying it knows it, from the route)."""
    return ApiKey(
        workspace_id="",
        key_id=value["keyId"],
        name=value["name"],
        prefix=value["prefix"],
        role=value["role"],
        permissions=frozenset(value["permissions"]),
        created_by=value["createdBy"],
        created_at=parse_iso(value["createdAt"]),
        key_hash="",  # not kept in the idempotency record, and never shown
        expires_at=parse_iso(value["expiresAt"]) if value.get("expiresAt") else None,
    )


def create_key(key: ApiKey, limit: int) -> list[WriteOp]:
    """A new key: both items, and one more on the workspace's counter (fewer than
    `limit` before it, while the workspace is active)."""
    conflict = version_conflict("API key")
    return [
        put_new(listing_item(key), conflict),
        put_new(lookup_item(key), conflict),
        WriteOp(
            "Update",
            {
                "Key": codec.to_attributes(workspaces.workspace_key(key.workspace_id)),
                "UpdateExpression": "ADD apiKeys :one",
                "ConditionExpression": "#status = :active AND "
                "(attribute_not_exists(apiKeys) OR apiKeys < :max)",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": attribute_values(one=1, active="ACTIVE", max=limit),
            },
            errors.api_key_limit(limit),
        ),
    ]


def revoke_keys(revoked: Sequence[ApiKey], at: datetime, *, count: bool = True) -> list[WriteOp]:
    """Revoke each key of `revoked` (listing items as read): its listing item goes, its
    lookup item turns REVOKED. With `count`, the workspace's counter goes down too;
    without, the caller moves it in its own update of the workspace item (one
    transaction cannot write an item twice)."""
    ops: list[WriteOp] = []
    for key in revoked:
        ops += [
            WriteOp(
                "Delete",
                {
                    "Key": codec.to_attributes(api_key_key(key.workspace_id, key.key_id)),
                    "ConditionExpression": "attribute_exists(PK)",
                },
                errors.api_key_not_found(),
            ),
            WriteOp(
                "Update",
                {
                    "Key": codec.to_attributes(api_key_lookup_key(key.key_hash)),
                    "UpdateExpression": "SET #status = :revoked, revokedAt = :at, #ttl = :ttl",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeNames": {"#status": "status", "#ttl": keys.TTL},
                    "ExpressionAttributeValues": attribute_values(
                        revoked=ApiKeyStatus.REVOKED.value,
                        at=iso(at),
                        ttl=int(at.timestamp()) + REVOKED_RETENTION_SECONDS,
                    ),
                },
                errors.api_key_not_found(),
            ),
        ]
    if count and revoked:
        ops.append(
            WriteOp(
                "Update",
                {
                    "Key": codec.to_attributes(workspaces.workspace_key(revoked[0].workspace_id)),
                    "UpdateExpression": "ADD apiKeys :minus",
                    "ConditionExpression": "#status = :active AND apiKeys >= :n",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": attribute_values(
                        minus=-len(revoked), n=len(revoked), active="ACTIVE"
                    ),
                },
                version_conflict("workspace's API keys"),
            )
        )
    return ops


def retire_keys(retired: Sequence[ApiKey]) -> list[WriteOp]:
    """The workspace of these keys is being deleted: the authorizer refuses them from the
    deletion's write on. (The listing items stay, like the member items, unreachable.)"""
    return mark_keys_standing(retired, "DELETED")


def mark_keys_standing(listed: Sequence[ApiKey], workspace_status: str) -> list[WriteOp]:
    """The workspace of these keys is suspended or reactivated: the authorizer refuses
    them, or takes them again, from this write on (their `workspaceStatus`)."""
    return [
        WriteOp(
            "Update",
            {
                "Key": codec.to_attributes(api_key_lookup_key(key.key_hash)),
                "UpdateExpression": "SET workspaceStatus = :status",
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeValues": attribute_values(status=workspace_status),
            },
            version_conflict("workspace's API keys"),
        )
        for key in listed
    ]


# Per-key use counters live on the lookup item, read by the same UpdateItem that counts
# a request (no round trip of their own): `u<minute>` counts the calls of one UTC minute
# (epoch minutes), `r<window>` holds the route keys of one 5-minute window (epoch
# minutes // 5). A window's attributes leave with the write that records it.
MINUTES_PER_WINDOW = 5


def count_use(key_hash: str, minute: int, route: str) -> WriteOp:
    """The authorizer's one round trip for a key: count this request in its minute and
    its route in its window, on an active key only (a revoked or unknown key is not
    counted; the caller reads it from the failed condition)."""
    window = minute // MINUTES_PER_WINDOW
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(api_key_lookup_key(key_hash)),
            "UpdateExpression": "ADD #calls :one, #routes :route",
            "ConditionExpression": "attribute_exists(PK) AND #status = :active",
            "ExpressionAttributeNames": {
                "#calls": f"u{minute}",
                "#routes": f"r{window}",
                "#status": "status",
            },
            "ExpressionAttributeValues": {
                ":one": {"N": "1"},
                ":route": {"SS": [route]},
                ":active": {"S": ApiKeyStatus.ACTIVE.value},
            },
        },
        version_conflict("API key"),
    )


def calls_in_minute(item: dict[str, Any], minute: int) -> int:
    return int(item.get(f"u{minute}", 0))


def closed_windows(item: dict[str, Any], minute: int) -> dict[int, tuple[int, list[str]]]:
    """The windows before `minute`'s that the item still counts: window -> (calls,
    routes), oldest first."""
    current = minute // MINUTES_PER_WINDOW
    found: dict[int, tuple[int, list[str]]] = {}
    for name, value in item.items():
        if name[:1] in ("u", "r") and name[1:].isdigit():
            number = int(name[1:])
            window = number // MINUTES_PER_WINDOW if name[0] == "u" else number
            if window >= current:
                continue
            calls, routes = found.get(window, (0, []))
            if name[0] == "u":
                calls += int(value)
            else:
                routes = sorted(set(routes) | {str(r) for r in value})
            found[window] = (calls, routes)
    return dict(sorted(found.items()))


def _counter_names(item: dict[str, Any], windows: Sequence[int]) -> list[str]:
    wanted = set(windows)
    names = []
    for name in item:
        if name[:1] in ("u", "r") and name[1:].isdigit():
            number = int(name[1:])
            if (number // MINUTES_PER_WINDOW if name[0] == "u" else number) in wanted:
                names.append(name)
    return sorted(names)


def record_use(
    secret: ApiKeySecret,
    at: datetime,
    cutoff: datetime,
    item: dict[str, Any] | None = None,
    windows: Sequence[int] = (),
) -> list[WriteOp]:
    """`lastUsedAt` on both items, and the closed `windows`' counters of `item` removed,
    only if no other request did it first: with windows to close, only if the oldest's
    routes are still there; without, only if `lastUsedAt` is unset or older than
    `cutoff`. Of several requests at once, one writes and the others' conditions fail
    (which is fine). The caller adds the ApiKeyUsed events to the same transaction."""
    names = _counter_names(item or {}, windows)
    attribute_names: dict[str, str] = {f"#c{i}": name for i, name in enumerate(names)}
    update = "SET lastUsedAt = :at"
    if names:
        update += " REMOVE " + ", ".join(attribute_names)
    if windows:
        attribute_names["#oldest"] = f"r{min(windows)}"
        condition = "attribute_exists(PK) AND attribute_exists(#oldest)"
        values = attribute_values(at=iso(at))
    else:
        condition = (
            "attribute_exists(PK) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :cutoff)"
        )
        values = attribute_values(at=iso(at), cutoff=iso(cutoff))
    request: dict[str, Any] = {
        "Key": codec.to_attributes(api_key_lookup_key(secret.key_hash)),
        "UpdateExpression": update,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    if attribute_names:
        request["ExpressionAttributeNames"] = attribute_names
    return [
        WriteOp("Update", request, version_conflict("API key's last use")),
        WriteOp(
            "Update",
            {
                # A revoked key's listing item is gone: never write a stub back.
                "Key": codec.to_attributes(api_key_key(secret.workspace_id, secret.key_id)),
                "UpdateExpression": "SET lastUsedAt = :at",
                "ConditionExpression": "attribute_exists(PK)",
                "ExpressionAttributeValues": attribute_values(at=iso(at)),
            },
            version_conflict("API key's last use"),
        ),
    ]


def record_rejection(secret: ApiKeySecret, at: datetime, cutoff: datetime) -> WriteOp:
    """`lastRejectedAt` on the key's lookup item, only if unset or older than `cutoff`:
    whatever the rate of attempts with a dead key, one rejection per key per period
    reaches the log (the caller adds the ApiKeyRejected event to the transaction)."""
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(api_key_lookup_key(secret.key_hash)),
            "UpdateExpression": "SET lastRejectedAt = :at",
            "ConditionExpression": "attribute_exists(PK) AND "
            "(attribute_not_exists(lastRejectedAt) OR lastRejectedAt < :cutoff)",
            "ExpressionAttributeValues": attribute_values(at=iso(at), cutoff=iso(cutoff)),
        },
        version_conflict("API key's last rejection"),
    )


def list_keys(
    store: TeamspaceStore, workspace_id: str, *, limit: int, cursor: str | None
) -> Page[ApiKey]:
    """A workspace's keys by id (creation order), from its own partition."""
    return store.partition_page(
        workspaces.workspace_pk(workspace_id), API_KEY_PREFIX, listing_from_item, limit, cursor
    )


def keys_of(
    store: TeamspaceStore, workspace_id: str, page_size: int, created_by: str | None = None
) -> list[ApiKey]:
    """Every key of a workspace (or only those `created_by` made), `page_size` at a
    time: with the workspace's limit as the page size, one Query, or a few when
    filtered."""
    pk = workspaces.workspace_pk(workspace_id)
    request = {
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": API_KEY_PREFIX}},
        "ConsistentRead": True,
    }
    equals = {"createdBy": created_by} if created_by is not None else None
    found: list[ApiKey] = []
    cursor: str | None = None
    while True:
        page = store.query_page(
            request,
            page_size,
            cursor,
            {keys.PK: pk},
            listing_from_item,
            None,
            None,
            prefixes={keys.SK: API_KEY_PREFIX},
            equals=equals,
        )
        found += page.items
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def key_in(snapshot: Snapshot, workspace_id: str, key_id: str) -> ApiKey | None:
    """The key a workspace read brought along (`snapshots.load(..., also=[api_key_key])`)."""
    found = snapshot.other(api_key_key(workspace_id, key_id))
    return listing_from_item(found) if found else None


def get_key(store: TeamspaceStore, workspace_id: str, key_id: str) -> ApiKey | None:
    """One key by its id (one GetItem). The services read a key with the request's own
    read instead (`key_in`); the store's tests read it with this."""
    item = store.get(api_key_key(workspace_id, key_id))
    return listing_from_item(item) if item else None


def get_secret(store: TeamspaceStore, key_hash: str) -> ApiKeySecret | None:
    """The lookup item of the key with this hash: one strongly consistent GetItem, so a
    revocation holds from the next request on."""
    item = store.get(api_key_lookup_key(key_hash))
    return secret_from_item(item) if item else None


def require_key_listed(workspace_id: str, key_id: str) -> WriteOp:
    """Re-check, in the transaction of a change a key makes, that the key is still
    listed: a revocation (which deletes the listing item) racing the change fails it."""
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(api_key_key(workspace_id, key_id)),
            "ConditionExpression": "attribute_exists(PK)",
        },
        errors.api_key_not_found(),
    )
