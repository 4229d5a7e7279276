"""The write operations a transaction is made of.

A service composes a change from these (the state change, the re-checks its permission
decision relied on, the outbox record) and the store commits them in one
TransactWriteItems. Each operation names the domain error to raise when its condition
fails, so the cancellation reasons map back to what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from teamspace.clock import iso
from teamspace.domain.events import OutboxEvent
from teamspace.domain.records import Member, Workspace
from teamspace.errors import TeamspaceError, version_conflict, workspace_not_found
from teamspace.store import codec, keys

OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600
IDEMPOTENCY_RETENTION_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class WriteOp:
    """One item of a TransactWriteItems, without the table name."""

    kind: str  # Put | Update | Delete | ConditionCheck
    request: dict[str, Any]
    on_condition_failed: TeamspaceError | None = None

    def key(self) -> tuple[str, str]:
        if self.kind == "Put":
            item = self.request["Item"]
            return item[keys.PK]["S"], item[keys.SK]["S"]
        key = self.request["Key"]
        return key[keys.PK]["S"], key[keys.SK]["S"]


def _values(**values: Any) -> dict[str, Any]:
    return codec.to_attributes({f":{name}": value for name, value in values.items()})


def create_workspace(workspace: Workspace) -> WriteOp:
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(codec.workspace_item(workspace)),
            "ConditionExpression": "attribute_not_exists(PK)",
        },
        version_conflict("workspace"),
    )


def update_workspace(workspace: Workspace, expected_version: int) -> WriteOp:
    """Profile fields only: the member counter and status are not touched here."""
    item = codec.workspace_item(workspace)
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
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace.workspace_id)),
            "UpdateExpression": expression,
            "ConditionExpression": "version = :expected AND #status = :active",
            "ExpressionAttributeNames": {
                "#name": "name",
                "#settings": "settings",
                "#status": "status",
            },
            "ExpressionAttributeValues": _values(**values),
        },
        version_conflict("workspace"),
    )


def delete_workspace(workspace_id: str, owner_id: str, at: datetime) -> WriteOp:
    """A tombstone: the workspace and everything in it is unreachable from this write on.

    Member items stay behind until the purge; every read path checks the workspace's
    status first, so they are never served.
    """
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
            "UpdateExpression": "SET #status = :deleted, deletedAt = :at, updatedAt = :at "
            "ADD version :one",
            "ConditionExpression": "#status = :active AND ownerId = :owner",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": _values(
                deleted="DELETED", active="ACTIVE", at=iso(at), one=1, owner=owner_id
            ),
        },
        workspace_not_found(),
    )


def adjust_member_count(workspace_id: str, delta: int) -> WriteOp:
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
            "UpdateExpression": "ADD memberCount :delta",
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": _values(delta=delta, active="ACTIVE"),
        },
        workspace_not_found(),
    )


def require_workspace_active(workspace_id: str) -> WriteOp:
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": _values(active="ACTIVE"),
        },
        workspace_not_found(),
    )


def require_member_unchanged(member: Member) -> WriteOp:
    """Re-check what a permission decision relied on: the caller's item as it was read."""
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(keys.member_key(member.workspace_id, member.user_id)),
            "ConditionExpression": "version = :version AND #status = :status AND #role = :role",
            "ExpressionAttributeNames": {"#status": "status", "#role": "role"},
            "ExpressionAttributeValues": _values(
                version=member.version, status=member.status, role=member.role
            ),
        },
        version_conflict("caller's membership"),
    )


def create_member(member: Member) -> WriteOp:
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(codec.member_item(member)),
            "ConditionExpression": "attribute_not_exists(PK)",
        },
        version_conflict("member"),
    )


def replace_member(member: Member, expected_version: int) -> WriteOp:
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(codec.member_item(member)),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": _values(expected=expected_version),
        },
        version_conflict("member"),
    )


def delete_member(member: Member) -> WriteOp:
    return WriteOp(
        "Delete",
        {
            "Key": codec.to_attributes(keys.member_key(member.workspace_id, member.user_id)),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": _values(expected=member.version),
        },
        version_conflict("member"),
    )


def put_outbox(event: OutboxEvent, at: datetime) -> WriteOp:
    """The event of a change, written with it; the stream publisher sends it on."""
    detail = event.detail
    item = {
        **keys.outbox_key(detail.eventId),
        "entity": "outbox",
        "detailType": event.detail_type.value,
        "workspaceId": detail.workspaceId,
        "detail": detail.model_dump_json(),
        keys.TTL: int(at.timestamp()) + OUTBOX_RETENTION_SECONDS,
    }
    return WriteOp(
        "Put",
        {"Item": codec.to_attributes(item), "ConditionExpression": "attribute_not_exists(PK)"},
        version_conflict("event"),
    )


def put_idempotency_record(
    scope_fingerprint: str,
    request_fingerprint: str,
    result: dict[str, Any],
    at: datetime,
    on_replay: TeamspaceError,
) -> WriteOp:
    """Remember the first result of an Idempotency-Key, in the same transaction."""
    item = {
        **keys.idempotency_key(scope_fingerprint),
        "entity": "idempotency",
        "requestFingerprint": request_fingerprint,
        "result": result,
        "createdAt": iso(at),
        keys.TTL: int(at.timestamp()) + IDEMPOTENCY_RETENTION_SECONDS,
    }
    return WriteOp(
        "Put",
        {"Item": codec.to_attributes(item), "ConditionExpression": "attribute_not_exists(PK)"},
        on_replay,
    )
