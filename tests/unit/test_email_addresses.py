"""Which addresses a request may carry (issue 14), decided by `email-validator` with its
deliverability checks off: the edges of that choice, on the request model alone. The
routes themselves (422, nothing written, bulk items refused on their own) are tested
with the invitations function."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from teamspace.api.models.invitations import CreateInvitationRequest


def _email(address: str) -> str:
    return CreateInvitationRequest.model_validate({"email": address, "role": "member"}).email


@pytest.mark.parametrize(
    "address",
    [
        # The special-use names that can never receive mail, and a dotless domain.
        "ann@localhost",
        "ann@printer.local",
        "ann@agency.test",
        "ann@nowhere.invalid",
        "ann@hidden.onion",
        "ann@4.3.2.1.in-addr.arpa",
        "ann@agency",
        # Forms the RFCs allow but no invitation needs.
        "Ann <ann@example.com>",
        '"ann smith"@example.com',
        "ann@[192.0.2.1]",
        "@example.com",
        # As before: at most 64 characters before the @, 254 in all.
        "a" * 65 + "@example.com",
        "a@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 60 + ".com",
        "ann@exam\nple.com",
        "ann@ex_ample.com",
        "",
    ],
)
def test_refused(address: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _email(address)
    (error,) = raised.value.errors()
    assert error["loc"] == ("email",)
    assert "must be an email address" in error["msg"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        # The documentation domains the README and the tests use (RFC 2606 and 6761).
        ("ann@example.com", "ann@example.com"),
        ("ann@agency.example", "ann@agency.example"),
        ("Ann@Mail.EU.Agency.Example", "ann@mail.eu.agency.example"),
        # Trimmed and lower-cased as before, and nothing else rewritten: no Unicode or
        # IDNA normal form replaces the text sent.
        ("  Ann+Team@Example.COM\t", "ann+team@example.com"),
        ("jose\u0301@example.com", "jose\u0301@example.com"),
        ("ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"),
        ("ann@bücher.example", "ann@bücher.example"),
        ("a" * 64 + "@example.com", "a" * 64 + "@example.com"),
        ("o'neil!#$%&*/=?^_`{|}~-x@example.org", "o'neil!#$%&*/=?^_`{|}~-x@example.org"),
    ],
)
def test_accepted(sent: str, kept: str) -> None:
    assert _email(sent) == kept
