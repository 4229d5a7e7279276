"""Rate limits kept in the table: invitations sent per inviter per hour
(`RATE#INVITES#<userId>#<hour>` / `RATE`, expiring by TTL)."""

from __future__ import annotations

from datetime import datetime

from teamspace.core import errors
from teamspace.store import codec, keys
from teamspace.store.ops import WriteOp, attribute_values


def invite_rate_key(user_id: str, hour: str) -> keys.Key:
    return {keys.PK: f"RATE#INVITES#{user_id}#{hour}", keys.SK: "RATE"}


def count_invite_sent(user_id: str, at: datetime, limit: int) -> WriteOp:
    """The inviter's sends this hour, refused past `limit` (a fixed one-hour window)."""
    hour = at.strftime("%Y-%m-%dT%H")
    retry_after = 3600 - (at.minute * 60 + at.second)
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(invite_rate_key(user_id, hour)),
            "UpdateExpression": "ADD sent :one SET #ttl = if_not_exists(#ttl, :ttl)",
            "ConditionExpression": "attribute_not_exists(sent) OR sent < :limit",
            "ExpressionAttributeNames": {"#ttl": keys.TTL},
            "ExpressionAttributeValues": attribute_values(
                one=1, limit=limit, ttl=int(at.timestamp()) + 2 * 3600
            ),
        },
        errors.invite_rate_limited(limit, retry_after),
    )
