"""The pending ownership transfer of a workspace (`WS#<workspaceId>` / `TRANSFER`): one at
a time, until accepted, declined, cancelled or lapsed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from teamspace.core import errors
from teamspace.core.clock import iso, parse_iso
from teamspace.core.errors import version_conflict
from teamspace.core.records import OwnershipTransfer
from teamspace.store import codec, keys, workspaces
from teamspace.store.ops import WriteOp, attribute_values


def transfer_key(workspace_id: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: "TRANSFER"}


def transfer_item(transfer: OwnershipTransfer) -> dict[str, Any]:
    return {
        **transfer_key(transfer.workspace_id),
        "entity": "ownership_transfer",
        "workspaceId": transfer.workspace_id,
        "fromUserId": transfer.from_user_id,
        "toUserId": transfer.to_user_id,
        "requestedAt": iso(transfer.requested_at),
        "expiresAt": iso(transfer.expires_at),
        "version": transfer.version,
        # Gone by itself a day after it lapses; until then it reads as expired.
        keys.TTL: int(transfer.expires_at.timestamp()) + 24 * 3600,
    }


def transfer_from_item(item: dict[str, Any]) -> OwnershipTransfer:
    return OwnershipTransfer(
        workspace_id=item["workspaceId"],
        from_user_id=item["fromUserId"],
        to_user_id=item["toUserId"],
        requested_at=parse_iso(item["requestedAt"]),
        expires_at=parse_iso(item["expiresAt"]),
        version=item["version"],
    )


def put_transfer(transfer: OwnershipTransfer, at: datetime) -> WriteOp:
    """The one pending transfer of a workspace; a lapsed one may be replaced."""
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(transfer_item(transfer)),
            "ConditionExpression": "attribute_not_exists(PK) OR expiresAt <= :now",
            "ExpressionAttributeValues": attribute_values(now=iso(at)),
        },
        errors.transfer_pending(),
    )


def end_transfer(transfer: OwnershipTransfer) -> WriteOp:
    """Remove the transfer that was read, and no other (a newer one stays)."""
    return WriteOp(
        "Delete",
        {
            "Key": codec.to_attributes(transfer_key(transfer.workspace_id)),
            "ConditionExpression": "version = :version AND toUserId = :to",
            "ExpressionAttributeValues": attribute_values(
                version=transfer.version, to=transfer.to_user_id
            ),
        },
        version_conflict("ownership transfer"),
    )
