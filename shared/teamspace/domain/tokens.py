"""Invitation link tokens: `<workspaceId>.<invitationId>.<secret>`, stored only as the
SHA-256 of the whole token.

The secret is 256 random bits from `secrets` (43 url-safe base64 characters). The ids
before it are a locator, not a secret: they say where the invitation is, so that opening
a link reads the workspace, the invitation and the link's own item in one round trip.
The hash covers the locator too, so the two are bound: change a character of either and
no link has that hash. Links mailed before the locator (the secret alone) keep working
until they expire. `parse_token` tells the shapes apart, and refuses anything else,
without a read. Every character is URL-safe: a link carries the token as it is.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass

from teamspace.core.ids import INVITATION_ID, WORKSPACE_ID

TOKEN_BYTES = 32  # 256 bits
SECRET_LENGTH = 43  # TOKEN_BYTES in url-safe base64, unpadded
SEPARATOR = "."
# Longer than any token we issue (ws_ + 26, inv_ + 26, 43, two separators: 104): a
# value past it is refused before any other work.
MAX_TOKEN_LENGTH = 128
_SECRET_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")


@dataclass(frozen=True, slots=True)
class LinkToken:
    """A well-formed token: its hash, and where it says its invitation is (None for a
    link of the earlier format, which says nothing)."""

    token_hash: str
    workspace_id: str | None = None
    invitation_id: str | None = None

    @property
    def has_locator(self) -> bool:
        return self.workspace_id is not None and self.invitation_id is not None


def new_token(workspace_id: str, invitation_id: str) -> str:
    """A fresh link token for the invitation."""
    return SEPARATOR.join((workspace_id, invitation_id, secrets.token_urlsafe(TOKEN_BYTES)))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(value: str) -> LinkToken | None:
    """The token's hash and locator, or None for a value of neither shape (refused as a
    link never issued, with no read)."""
    if len(value) > MAX_TOKEN_LENGTH:
        return None
    parts = value.split(SEPARATOR)
    if len(parts) == 1:  # the earlier format: the secret alone
        return LinkToken(hash_token(value)) if _is_secret(value) else None
    if len(parts) != 3:
        return None
    workspace_id, invitation_id, secret = parts
    if not (
        WORKSPACE_ID.fullmatch(workspace_id)
        and INVITATION_ID.fullmatch(invitation_id)
        and _is_secret(secret)
    ):
        return None
    return LinkToken(hash_token(value), workspace_id, invitation_id)


def _is_secret(text: str) -> bool:
    return len(text) == SECRET_LENGTH and all(c in _SECRET_CHARACTERS for c in text)
