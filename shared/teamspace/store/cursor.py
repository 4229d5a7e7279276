"""Opaque pagination cursors: a DynamoDB LastEvaluatedKey, bound to the query it came from.

A cursor is base64url JSON. Decoding checks every attribute and that the partition it
points into is the one being listed, so a crafted cursor can neither fail inside
DynamoDB nor read another workspace's partition.
"""

from __future__ import annotations

import base64
import binascii
import json

from teamspace.core.errors import FieldError, InvalidInput
from teamspace.store.keys import GSI1PK, GSI1SK, GSI2PK, GSI2SK, GSI3PK, GSI3SK, PK, SK

_ALLOWED = {PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK, GSI3PK, GSI3SK}
_MAX_LENGTH = 2048


def encode_cursor(last_key: dict[str, str] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid() -> InvalidInput:
    return InvalidInput(
        "INVALID_CURSOR",
        "The cursor is not one this list returned",
        fields=[FieldError("cursor", "not a cursor returned by this list")],
    )


def decode_cursor(
    cursor: str | None,
    bound: dict[str, str],
    required: frozenset[str] | None = None,
    prefixes: dict[str, str] | None = None,
    floors: dict[str, str] | None = None,
) -> dict[str, str] | None:
    """The key to resume from.

    `bound` holds attributes that must equal the query's (its partition); `required`
    the exact attribute names the query's key needs; `prefixes` what the sort keys of
    the listed items start with; `floors` the least sort key the query's range allows.
    Anything else is refused before DynamoDB sees it.
    """
    if cursor is None:
        return None
    if not cursor or len(cursor) > _MAX_LENGTH:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise _invalid() from None
    if not isinstance(key, dict) or not key or not set(key) <= _ALLOWED:
        raise _invalid()
    if not all(isinstance(v, str) and v for v in key.values()):
        raise _invalid()
    if any(key.get(name) != value for name, value in bound.items()):
        raise _invalid()
    if required is not None and set(key) != required:
        raise _invalid()
    if any(not key.get(name, "").startswith(start) for name, start in (prefixes or {}).items()):
        raise _invalid()
    if any(key.get(name, "") < floor for name, floor in (floors or {}).items()):
        raise _invalid()
    return key
