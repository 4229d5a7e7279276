"""Identifiers, injected like the clock.

Ids are a short type prefix and a ULID-style body: 48 bits of milliseconds and 80
random bits in Crockford base32, lower case. They sort by creation time, which keeps
outbox records and list orders stable, and their shape is checkable at the edge.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Protocol

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_BODY = f"[{_ALPHABET}]{{26}}"

WORKSPACE_ID = re.compile(rf"^ws_{_BODY}$")
EVENT_ID = re.compile(rf"^evt_{_BODY}$")
INVITATION_ID = re.compile(rf"^inv_{_BODY}$")
API_KEY_ID = re.compile(rf"^key_{_BODY}$")


class IdGenerator(Protocol):
    def new(self, prefix: str) -> str: ...


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class UlidGenerator:
    """Time-ordered random ids."""

    def new(self, prefix: str) -> str:
        millis = time.time_ns() // 1_000_000
        body = _encode(millis, 10) + _encode(secrets.randbits(80), 16)
        return f"{prefix}_{body}"


def is_workspace_id(value: str) -> bool:
    return bool(WORKSPACE_ID.match(value))
