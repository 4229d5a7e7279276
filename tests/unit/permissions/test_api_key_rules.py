"""Which role an API key may act with, for every built-in creator and key role (issue 6).

The table is written out by hand, from the rule in plain words: the creator holds
api_keys:manage (owner and admin); no key is an owner; the key's role grants nothing
its creator lacks. Rank plays no part. Below the table, the cases the built-in roles
cannot show: toggles, agent restriction, suspension, custom roles.
"""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    BUILTIN_ROLES,
    MemberStatus,
    Permission,
    RoleDefinition,
    Subject,
    Toggles,
    check_api_key_role,
)

P = Permission
Y = ""  # allowed
NO = "PERMISSION_DENIED"
OWN = "API_KEY_ROLE_NOT_ALLOWED"
EXC = "GRANT_EXCEEDS_OWN"

KEY_ROLES = [
    "owner",
    "admin",
    "manager",
    "developer",
    "billing",
    "support_agent",
    "member",
    "viewer",
]
# creator role -> the verdict for each key role, in KEY_ROLES order
# fmt: off
TABLE = {
    "owner":         [OWN, Y,   Y,   Y,   Y,   Y,   Y,   Y],
    "admin":         [OWN, Y,   Y,   Y,   EXC, Y,   Y,   Y],  # admin lacks billing rights
    "manager":       [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "developer":     [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "billing":       [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "support_agent": [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "member":        [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "viewer":        [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
}
# fmt: on
CASES = [
    (creator, key_role, code)
    for creator, row in TABLE.items()
    for key_role, code in zip(KEY_ROLES, row, strict=True)
]


def test_the_table_covers_every_built_in_role_both_ways():
    assert set(TABLE) == set(BUILTIN_ROLES) == set(KEY_ROLES)


@pytest.mark.parametrize(("creator", "key_role", "code"), CASES)
def test_creator_role_times_key_role(creator, key_role, code):
    actor = Subject(user_id="actor", role=BUILTIN_ROLES[creator])
    verdict = check_api_key_role(actor, BUILTIN_ROLES[key_role])
    assert verdict.allowed is (code == Y)
    assert verdict.code == code
    if code:
        assert verdict.reason


def custom(*permissions: Permission, key: str = "crm_sync") -> RoleDefinition:
    return RoleDefinition(
        key=key, name=key, rank=20, permissions=frozenset(permissions), builtin=False
    )


ADMIN = BUILTIN_ROLES["admin"]


def test_a_custom_role_within_the_creators_permissions_is_allowed():
    actor = Subject(user_id="a", role=ADMIN)
    assert check_api_key_role(actor, custom(P.CALLS_VIEW, P.CONTACTS_MANAGE))


def test_a_custom_role_beyond_the_creator_is_refused_naming_the_permission():
    actor = Subject(user_id="a", role=ADMIN)
    verdict = check_api_key_role(actor, custom(P.CALLS_VIEW, P.USAGE_VIEW))
    assert verdict.code == EXC
    assert "usage:view" in verdict.reason


def test_toggles_count_both_ways():
    granted = Subject(user_id="a", role=ADMIN, toggles=Toggles(canViewBillableMinutes=True))
    assert check_api_key_role(granted, custom(P.BILLING_MINUTES_VIEW))
    taken = Subject(user_id="a", role=ADMIN, toggles=Toggles(canViewRecordings=False))
    assert check_api_key_role(taken, BUILTIN_ROLES["developer"]).code == EXC
    assert check_api_key_role(taken, BUILTIN_ROLES["viewer"])


def test_a_creator_limited_to_some_agents_cannot_make_a_key_that_reaches_them_all():
    actor = Subject(user_id="a", role=ADMIN, agent_ids=frozenset({"agent-1"}))
    assert check_api_key_role(actor, BUILTIN_ROLES["viewer"]).code == EXC  # calls:view
    assert check_api_key_role(actor, custom(P.WORKSPACE_VIEW, P.MEMBERS_VIEW))


def test_a_suspended_creator_holds_nothing():
    actor = Subject(user_id="a", role=ADMIN, status=MemberStatus.SUSPENDED)
    assert check_api_key_role(actor, BUILTIN_ROLES["viewer"]).code == NO


def test_a_custom_role_holding_api_keys_manage_may_make_keys_up_to_its_own_permissions():
    lead = custom(P.API_KEYS_MANAGE, P.WORKSPACE_VIEW, P.CALLS_VIEW, key="integrator")
    actor = Subject(user_id="a", role=lead)
    assert check_api_key_role(actor, custom(P.WORKSPACE_VIEW))
    assert check_api_key_role(actor, lead)  # its own role: rank does not matter
    assert check_api_key_role(actor, BUILTIN_ROLES["viewer"]).code == EXC
