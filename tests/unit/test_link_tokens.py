"""Invitation link tokens as text (teamspace.domain.tokens): pure, no read."""

from __future__ import annotations

import hashlib

import pytest

from teamspace.domain.tokens import MAX_TOKEN_LENGTH, new_token, parse_token

WS = "ws_01jd0000000000000000000001"
INV = "inv_01jd0000000000000000000002"


def test_a_new_token_names_its_invitation_and_hashes_whole():
    token = new_token(WS, INV)
    workspace_id, invitation_id, secret = token.split(".")
    assert (workspace_id, invitation_id) == (WS, INV)
    assert len(secret) == 43
    assert len(token) <= MAX_TOKEN_LENGTH
    parsed = parse_token(token)
    assert parsed is not None
    assert (parsed.workspace_id, parsed.invitation_id) == (WS, INV)
    assert parsed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert new_token(WS, INV) != token


def test_the_hash_covers_the_locator():
    secret = new_token(WS, INV).rsplit(".", 1)[1]
    other = parse_token(f"ws_01jd0000000000000000000009.{INV}.{secret}")
    mine = parse_token(f"{WS}.{INV}.{secret}")
    assert other is not None
    assert mine is not None
    assert other.token_hash != mine.token_hash


def test_a_token_of_the_earlier_format_is_the_secret_alone():
    secret = "A" * 42 + "_"
    parsed = parse_token(secret)
    assert parsed is not None
    assert (parsed.workspace_id, parsed.invitation_id) == (None, None)
    assert parsed.token_hash == hashlib.sha256(secret.encode()).hexdigest()


SECRET = "s" * 43


@pytest.mark.parametrize(
    "value",
    [
        "",
        "s" * 42,
        "s" * 44,
        "s" * 42 + "=",
        "s" * 42 + "\n",
        f"{WS}.{INV}",
        f"{WS}.{INV}.{SECRET}.",
        f"{WS}.{INV}.{SECRET}\n",
        f"{WS}\n.{INV}.{SECRET}",
        f"{INV}.{WS}.{SECRET}",
        f"{WS.upper()}.{INV}.{SECRET}",
        f"ws_short.{INV}.{SECRET}",
        f"{WS}.{INV}.{SECRET[:-1]}+",
        f"{WS}..{SECRET}",
        "é" * 43,
        SECRET * 4,
    ],
)
def test_anything_else_is_refused_without_a_read(value):
    assert parse_token(value) is None
