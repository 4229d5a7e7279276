"""Pagination cursors: opaque, checked on the way in, bound to the partition being listed."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from teamspace.core.errors import InvalidInput
from teamspace.store.cursor import decode_cursor, encode_cursor

BOUND = {"PK": "WS#ws_a"}
KEY = {"PK": "WS#ws_a", "SK": "MEMBER#u-07"}
GSI_KEY = {
    "PK": "WS#ws_a",
    "SK": "MEMBER#u-07",
    "GSI2PK": "WS#ws_a#NAMES",
    "GSI2SK": "åsa lind#u-07",
}


def _raw(payload: bytes) -> str:
    """A cursor-shaped string around arbitrary bytes (what an attacker can send)."""
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _json_cursor(value: Any) -> str:
    return _raw(json.dumps(value).encode())


def _assert_invalid(cursor: str, bound: dict[str, str] = BOUND) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(cursor, bound)
    assert raised.value.code == "INVALID_CURSOR"
    assert [f.field for f in raised.value.fields] == ["cursor"]


# ---- round trip ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "bound"),
    [
        (KEY, BOUND),
        (GSI_KEY, {"GSI2PK": "WS#ws_a#NAMES"}),
        ({"PK": "WS#ws_a", "SK": "MEMBER#u", "GSI1PK": "USER#u", "GSI1SK": "JOINED#x"}, {}),
    ],
)
def test_round_trip_returns_the_key(key: dict[str, str], bound: dict[str, str]) -> None:
    cursor = encode_cursor(key)
    assert cursor is not None
    assert decode_cursor(cursor, bound) == key


def test_cursor_is_url_safe_without_padding() -> None:
    cursor = encode_cursor(GSI_KEY)
    assert cursor is not None
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_cursor_is_stable_for_the_same_key() -> None:
    reordered = dict(reversed(list(KEY.items())))
    assert encode_cursor(KEY) == encode_cursor(reordered)


@pytest.mark.parametrize("last_key", [None, {}])
def test_no_last_key_means_no_cursor(last_key: dict[str, str] | None) -> None:
    assert encode_cursor(last_key) is None


def test_no_cursor_means_start_from_the_beginning() -> None:
    assert decode_cursor(None, BOUND) is None


# ---- refused cursors -----------------------------------------------------------------


def _tampered_cases() -> list[Any]:
    valid = encode_cursor(KEY)
    assert valid is not None
    return [
        pytest.param(valid[:-6], id="truncated"),
        pytest.param("x" + valid[1:], id="first-byte-changed"),
        pytest.param(valid + "AAAA", id="bytes-appended"),
        pytest.param(valid[::-1], id="reversed"),
        pytest.param(_raw(json.dumps(KEY).encode().replace(b"}", b",}")), id="trailing-comma-json"),
    ]


@pytest.mark.parametrize("cursor", _tampered_cases())
def test_tampered_cursor_is_refused(cursor: str) -> None:
    _assert_invalid(cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("", id="empty"),
        pytest.param("!!!!", id="not-base64"),
        pytest.param("not a cursor", id="words"),
        pytest.param("%7B%7D", id="url-encoded"),
        pytest.param("A", id="impossible-length"),
        pytest.param(_raw(b"hello world"), id="base64-not-json"),
        pytest.param(_raw(b"\xff\xfe\xfd\x00"), id="base64-not-utf8"),
        pytest.param(_raw(b'{"PK": "WS#ws_a"'), id="unterminated-json"),
    ],
)
def test_garbage_cursor_is_refused(cursor: str) -> None:
    _assert_invalid(cursor)


def test_oversized_cursor_is_refused() -> None:
    _assert_invalid("A" * 2049)


def test_oversized_cursor_is_refused_even_when_well_formed() -> None:
    cursor = encode_cursor({"PK": "WS#ws_a", "SK": "MEMBER#" + "u" * 2000})
    assert cursor is not None
    assert len(cursor) > 2048
    _assert_invalid(cursor)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(["PK", "WS#ws_a"], id="list"),
        pytest.param("WS#ws_a", id="string"),
        pytest.param(42, id="number"),
        pytest.param(None, id="null"),
        pytest.param(True, id="bool"),
        pytest.param({}, id="empty-object"),
    ],
)
def test_non_dict_cursor_is_refused(value: Any) -> None:
    _assert_invalid(_json_cursor(value))


@pytest.mark.parametrize(
    "key",
    [
        pytest.param({"PK": "WS#ws_a", "role": "owner"}, id="non-key-attribute"),
        pytest.param({"pk": "WS#ws_a", "sk": "MEMBER#u"}, id="wrong-case"),
        pytest.param({"PK": "WS#ws_a", "SK": "META", "ttl": "1"}, id="ttl"),
        pytest.param({"PK": "WS#ws_a", "__proto__": "x"}, id="junk-name"),
    ],
)
def test_cursor_with_an_unknown_attribute_is_refused(key: dict[str, Any]) -> None:
    _assert_invalid(_json_cursor(key))


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1, id="number"),
        pytest.param(None, id="null"),
        pytest.param(True, id="bool"),
        pytest.param(["MEMBER#u"], id="list"),
        pytest.param({"S": "MEMBER#u"}, id="typed-attribute-value"),
        pytest.param("", id="empty-string"),
    ],
)
def test_cursor_with_a_non_string_value_is_refused(value: Any) -> None:
    _assert_invalid(_json_cursor({"PK": "WS#ws_a", "SK": value}))


def test_cursor_of_another_workspace_is_refused() -> None:
    theirs = encode_cursor({"PK": "WS#ws_b", "SK": "MEMBER#u-01"})
    assert theirs is not None
    _assert_invalid(theirs, {"PK": "WS#ws_a"})


def test_cursor_of_another_workspace_name_index_is_refused() -> None:
    theirs = encode_cursor({**GSI_KEY, "GSI2PK": "WS#ws_b#NAMES"})
    assert theirs is not None
    _assert_invalid(theirs, {"GSI2PK": "WS#ws_a#NAMES"})


def test_cursor_missing_the_bound_attribute_is_refused() -> None:
    # A table-partition cursor (PK/SK only) offered to the name index list.
    cursor = encode_cursor(KEY)
    assert cursor is not None
    _assert_invalid(cursor, {"GSI2PK": "WS#ws_a#NAMES"})


def test_cursor_with_the_partition_rewritten_is_refused() -> None:
    """Decoding, editing the partition and re-encoding does not reach another tenant."""
    mine = encode_cursor(KEY)
    assert mine is not None
    decoded = json.loads(base64.urlsafe_b64decode(mine + "=" * (-len(mine) % 4)))
    decoded["PK"] = "WS#ws_b"
    _assert_invalid(_json_cursor(decoded), BOUND)


# Regression (fixed in teamspace/store/cursor.py:44-45): json.loads raises RecursionError for
# deeply nested JSON, and decode_cursor catches only binascii.Error, ValueError and
# UnicodeDecodeError. A 2048-character cursor (within both _MAX_LENGTH and the API's
# max_length) of 1536 '[' therefore escapes as RecursionError (an HTTP 500) instead of
# INVALID_CURSOR.
def test_deeply_nested_cursor_is_refused() -> None:
    cursor = _raw(b"[" * 1536)
    assert len(cursor) <= 2048
    _assert_invalid(cursor)


def test_cursor_below_the_range_floor_is_refused() -> None:
    """A sign-in list starts at the member's joining: a cursor pointing before it would
    make DynamoDB fail ("starting key outside query boundaries") or, worse, list what
    the range hides."""
    floor = {"SK": "2026-11-20T00:00:00Z"}
    bound = {"PK": "SIGNIN#u"}
    inside = encode_cursor({"PK": "SIGNIN#u", "SK": "2026-11-21T00:00:00Z#si_1"})
    below = encode_cursor({"PK": "SIGNIN#u", "SK": "2026-11-19T00:00:00Z#si_1"})
    assert inside is not None
    assert below is not None
    assert decode_cursor(inside, bound, floors=floor) is not None
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(below, bound, floors=floor)
    assert raised.value.code == "INVALID_CURSOR"
