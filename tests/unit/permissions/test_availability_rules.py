"""Who may set their availability for escalations (issue 20; docs/decisions.md, "Matrix
holes, avatars and availability"): every active member their own, whatever their role,
with no permission asked; never a suspended member, never an API key."""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    BUILTIN_ROLES,
    MemberStatus,
    Subject,
    check_availability,
    key_subject,
)
from tests.unit.permissions.role_table import ROLES


@pytest.mark.parametrize("role", ROLES)
def test_every_active_member_sets_their_own_whatever_their_role(role):
    verdict = check_availability(Subject(user_id="u", role=BUILTIN_ROLES[role]))
    assert (verdict.allowed, verdict.code) == (True, "")


@pytest.mark.parametrize("role", ROLES)
def test_a_suspended_member_sets_nothing(role):
    subject = Subject(user_id="u", role=BUILTIN_ROLES[role], status=MemberStatus.SUSPENDED)
    verdict = check_availability(subject)
    assert (verdict.allowed, verdict.code) == (False, "PERMISSION_DENIED")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "owner"])
def test_a_key_has_no_availability_whatever_it_holds(role):
    held = {str(p) for p in BUILTIN_ROLES[role].permissions}
    verdict = check_availability(key_subject("key_1", BUILTIN_ROLES[role], held))
    assert (verdict.allowed, verdict.code) == (False, "API_KEY_NOT_ALLOWED")
