"""Idempotency records: the first result of a create sent with an `Idempotency-Key`
(`IDEMPOTENCY#<sha256 of caller, operation, key>` / `IDEMPOTENCY`, expiring by TTL),
written in the create's own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from teamspace.core.clock import iso
from teamspace.core.errors import TeamspaceError
from teamspace.core.records import ApiKey, Invitation, Member, Workspace
from teamspace.store import api_keys, invitations, keys, members, workspaces
from teamspace.store.ops import WriteOp, put_new
from teamspace.store.table import TeamspaceStore

IDEMPOTENCY_RETENTION_SECONDS = 24 * 3600

# What a create hands back, and so what a replay must hand back again.
Result = Workspace | Invitation | ApiKey | Member


@dataclass(frozen=True, slots=True)
class FirstResult:
    """What an Idempotency-Key's record says: the body it was first sent with (its
    fingerprint) and the result it got."""

    request_fingerprint: str
    result: Result


def idempotency_key(fingerprint_of_scope: str) -> keys.Key:
    return {keys.PK: f"IDEMPOTENCY#{fingerprint_of_scope}", keys.SK: "IDEMPOTENCY"}


def result_value(result: Result) -> dict[str, Any]:
    """A first result as its record keeps it (an API key without the key or its hash)."""
    if isinstance(result, Workspace):
        return {"workspace": workspaces.workspace_item(result)}
    if isinstance(result, Invitation):
        return {"invitation": invitations.invitation_item(result)}
    if isinstance(result, Member):
        return {"member": members.member_item(result)}
    return {"apiKey": api_keys.result_value(result)}


def result_from_value(value: dict[str, Any]) -> Result:
    if "workspace" in value:
        return workspaces.workspace_from_item(value["workspace"])
    if "invitation" in value:
        return invitations.invitation_from_item(value["invitation"])
    if "member" in value:
        return members.member_from_item(value["member"])
    return api_keys.result_from_value(value["apiKey"])


def put_idempotency_record(
    scope_fingerprint: str,
    request_fingerprint: str,
    result: dict[str, Any],
    at: datetime,
    on_replay: TeamspaceError,
) -> WriteOp:
    """Remember the first result of an Idempotency-Key (as `result_value` makes it), in
    the same transaction."""
    item = {
        **idempotency_key(scope_fingerprint),
        "entity": "idempotency",
        "requestFingerprint": request_fingerprint,
        "result": result,
        "createdAt": iso(at),
        keys.TTL: int(at.timestamp()) + IDEMPOTENCY_RETENTION_SECONDS,
    }
    return put_new(item, on_replay)


def get_idempotency_record(store: TeamspaceStore, scope_fingerprint: str) -> dict[str, Any] | None:
    """The record's item as it is stored (one GetItem)."""
    return store.get(idempotency_key(scope_fingerprint))


def first_result(store: TeamspaceStore, scope_fingerprint: str) -> FirstResult | None:
    """The record of an Idempotency-Key, read (one GetItem); None when there is none."""
    found = get_idempotency_record(store, scope_fingerprint)
    if found is None:
        return None
    return FirstResult(found["requestFingerprint"], result_from_value(found["result"]))
