"""What shows MFA in a token's claim, in every form an HTTP API can hand it over."""

from __future__ import annotations

import pytest

from teamspace.api.identity import shows_mfa


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("True", True),
        ("false", False),
        ("[pwd mfa]", True),
        ("[pwd]", False),
        ("mfa", True),
        ('["otp","mfa"]', True),
        (["mfa"], True),
        (["pwd"], False),
        ("nomfa", False),
        ("", False),
        (None, False),
        (1, False),
    ],
)
def test_what_shows_mfa(value, shown):
    assert shows_mfa(value) is shown
