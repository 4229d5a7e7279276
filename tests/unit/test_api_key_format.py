"""API keys as text: `tsk_<stage>_<body><check>`, told from typos without a table read."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teamspace.domain import key_format
from teamspace.domain.key_format import ALPHABET, generate_key, parse_key

STAGE = "test"


def test_a_generated_key_has_the_documented_shape_and_parses():
    issued = generate_key(STAGE)
    assert re.fullmatch(r"tsk_test_[0-9A-Za-z]{60}", issued.text)
    assert re.search(key_format.SCANNER_PATTERN, f"leaked: {issued.text}.")
    parsed = parse_key(issued.text, STAGE)
    assert parsed is not None
    assert parsed.key_hash == issued.key_hash == hashlib.sha256(issued.text.encode()).hexdigest()
    assert parsed.prefix == issued.prefix == issued.text[: len("tsk_test_") + 8]


def test_keys_are_random_and_their_repr_hides_them():
    keys = {generate_key(STAGE).text for _ in range(200)}
    assert len(keys) == 200
    issued = generate_key(STAGE)
    assert issued.text not in repr(issued)
    assert issued.text[len(issued.prefix) :] not in repr(issued)


def test_the_body_carries_320_random_bits():
    assert 62**key_format.BODY_LENGTH >= 2**320 > 62 ** (key_format.BODY_LENGTH - 1)
    assert key_format.RANDOM_BYTES * 8 == 320


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_single_character_change_is_refused(data):
    text = generate_key(STAGE).text
    position = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET + "_-"))
    changed = text[:position] + replacement + text[position + 1 :]
    if changed != text:
        assert parse_key(changed, STAGE) is None


def test_every_single_character_change_of_one_key_is_refused():
    text = generate_key(STAGE).text
    for position in range(len(text)):
        for replacement in ALPHABET:
            changed = text[:position] + replacement + text[position + 1 :]
            if changed != text:
                assert parse_key(changed, STAGE) is None, (position, replacement)


def test_two_swapped_neighbours_are_refused():
    text = generate_key(STAGE).text
    body = len("tsk_test_")
    for i in range(body, len(text) - 1):
        if text[i] != text[i + 1]:
            swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            assert parse_key(swapped, STAGE) is None


def test_a_key_of_another_stage_is_refused():
    assert parse_key(generate_key("prod").text, STAGE) is None
    assert parse_key(generate_key(STAGE).text, "prod") is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],  # too short
        lambda t: t + "A",  # too long
        lambda t: t[:20] + "é" + t[21:],  # outside the alphabet
        lambda t: t[:20] + "-" + t[21:],
        lambda t: t.replace("tsk_", "tsx_", 1),
        lambda t: t.upper(),
        lambda t: " " + t[1:],
        lambda t: t[:0],  # empty
    ],
)
def test_wrong_length_charset_or_scheme_is_refused(mangle):
    assert parse_key(mangle(generate_key(STAGE).text), STAGE) is None


def test_anything_but_text_is_refused():
    assert parse_key(None, STAGE) is None
    assert parse_key(b"tsk_test_", STAGE) is None


def test_a_stage_name_must_fit_the_format():
    with pytest.raises(ValueError, match="stage"):
        generate_key("Prod_1")
