"""The suspension gate (permissions/standing.py), as a table: each workspace status by
each use a request makes of it, and what the gate answers."""

from __future__ import annotations

import pytest

from teamspace.permissions import Use, check_standing

ALLOWED = None
REFUSED = "WORKSPACE_SUSPENDED"

TABLE = {
    # status: {use: the refusal's code, or ALLOWED}
    "ACTIVE": dict.fromkeys(Use, ALLOWED),
    "SUSPENDED": {
        Use.READ_WORKSPACE: ALLOWED,
        Use.ACT: REFUSED,
        Use.JOIN: REFUSED,
        Use.TAKE_OVER: REFUSED,
        Use.THROUGH_AGENCY: REFUSED,
        Use.WITHDRAW: ALLOWED,
    },
    # A deleted workspace is refused before the gate (404); an agency deleted under a
    # client leaves its owner the client (tests/functions/test_clients.py).
    "DELETED": dict.fromkeys(Use, ALLOWED),
}


def test_the_table_covers_every_use():
    for uses in TABLE.values():
        assert set(uses) == set(Use)


@pytest.mark.parametrize(
    ("status", "use", "code"),
    [(status, use, code) for status, uses in TABLE.items() for use, code in uses.items()],
)
def test_the_gate(status, use, code):
    verdict = check_standing(status, use)
    assert bool(verdict) is (code is ALLOWED)
    assert (verdict.code or None) == code
    if code is not None:
        assert "suspended" in verdict.reason
