"""Sign-ins: `SIGNIN#<userId>` / `<at>#<id>`, newest first, kept 90 days by TTL. The
post-authentication trigger writes one per sign-in; a workspace reads those of its
members (the route checks the membership)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from teamspace.core.clock import iso, parse_iso
from teamspace.core.records import Page, SignIn
from teamspace.store import codec, keys
from teamspace.store.ops import WriteOp
from teamspace.store.table import TeamspaceStore

RETENTION_SECONDS = 90 * 24 * 3600


def sign_ins_pk(user_id: str) -> str:
    return f"SIGNIN#{user_id}"


def sign_in_item(sign_in: SignIn, sign_in_id: str) -> dict[str, Any]:
    return {
        keys.PK: sign_ins_pk(sign_in.user_id),
        keys.SK: f"{iso(sign_in.at)}#{sign_in_id}",
        "entity": "sign_in",
        "userId": sign_in.user_id,
        "at": iso(sign_in.at),
        "source": sign_in.source,
        keys.TTL: int(sign_in.at.timestamp()) + RETENTION_SECONDS,
    }


def sign_in_from_item(item: dict[str, Any]) -> SignIn:
    return SignIn(user_id=item["userId"], at=parse_iso(item["at"]), source=item["source"])


def put_sign_in(sign_in: SignIn, sign_in_id: str) -> WriteOp:
    return WriteOp("Put", {"Item": codec.to_attributes(sign_in_item(sign_in, sign_in_id))})


def list_sign_ins(
    store: TeamspaceStore, user_id: str, since: datetime, *, limit: int, cursor: str | None
) -> Page[SignIn]:
    """A user's sign-ins from `since` on, newest first (one Query)."""
    pk = sign_ins_pk(user_id)
    request = {
        "KeyConditionExpression": "PK = :pk AND SK >= :since",
        "ExpressionAttributeValues": {":pk": {"S": pk}, ":since": {"S": iso(since)}},
        "ConsistentRead": True,
        "ScanIndexForward": False,
    }
    return store.query_page(
        request,
        limit,
        cursor,
        {keys.PK: pk},
        sign_in_from_item,
        None,
        None,
        floors={keys.SK: iso(since)},
    )
