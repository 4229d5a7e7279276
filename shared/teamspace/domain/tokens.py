"""Invitation tokens: 256 random bits from `secrets`, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    """A cheap shape check before any table read (43 url-safe base64 characters)."""
    return 40 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)
