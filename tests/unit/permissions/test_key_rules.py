"""What an API key acting in its workspace may do (issue 18), as tables written by hand
from the rule in plain words: a key holds the permissions it was created with and
nothing more, never deletes the workspace nor transfers ownership, and never creates a
key above its own role.
"""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    BUILTIN_ROLES,
    KEY_NEVER,
    Permission,
    RoleDefinition,
    Subject,
    check_api_key_role,
    holds,
    key_subject,
)

P = Permission
Y = ""  # allowed
NO = "PERMISSION_DENIED"
OWN = "API_KEY_ROLE_NOT_ALLOWED"
EXC = "GRANT_EXCEEDS_OWN"

KEY_ROLES = ["admin", "manager", "developer", "billing", "support_agent", "member", "viewer"]


def key_of(role: str, granted: frozenset[str] | None = None) -> Subject:
    """A key created with built-in `role`: its permissions copied at creation."""
    definition = BUILTIN_ROLES[role]
    copied = granted if granted is not None else frozenset(str(p) for p in definition.permissions)
    return key_subject("key_1", definition, copied)


# What a key of each role may do, for the permissions that tell the roles apart and the
# two no key ever holds. Columns: workspace:delete, ownership:transfer,
# members:change_role, api_keys:manage, billing:manage, members:view.
COLUMNS = [
    P.WORKSPACE_DELETE,
    P.OWNERSHIP_TRANSFER,
    P.MEMBERS_CHANGE_ROLE,
    P.API_KEYS_MANAGE,
    P.BILLING_MANAGE,
    P.MEMBERS_VIEW,
]
# fmt: off
HOLDS = {
    "admin":         [0, 0, 1, 1, 0, 1],
    "manager":       [0, 0, 0, 0, 0, 1],
    "developer":     [0, 0, 0, 0, 0, 1],
    "billing":       [0, 0, 0, 0, 1, 1],
    "support_agent": [0, 0, 0, 0, 0, 1],
    "member":        [0, 0, 0, 0, 0, 1],
    "viewer":        [0, 0, 0, 0, 0, 1],
}
# fmt: on


@pytest.mark.parametrize("role", KEY_ROLES)
def test_a_key_holds_what_its_role_grants_except_what_only_a_person_may(role):
    subject = key_of(role)
    for permission, held in zip(COLUMNS, HOLDS[role], strict=True):
        assert holds(subject, permission) is bool(held), (role, permission)


@pytest.mark.parametrize("role", KEY_ROLES)
def test_a_key_never_exceeds_the_role_it_was_created_with(role):
    held = {p for p in P if holds(key_of(role), p)}
    assert held == set(BUILTIN_ROLES[role].permissions) - KEY_NEVER


def test_even_an_owners_permissions_copied_onto_a_key_leave_out_deletion_and_transfer():
    everything = frozenset(str(p) for p in P)
    subject = key_of("admin", everything)
    assert not holds(subject, P.WORKSPACE_DELETE)
    assert not holds(subject, P.OWNERSHIP_TRANSFER)
    assert holds(subject, P.BILLING_MANAGE)  # copied at creation: kept


def test_a_role_widened_after_creation_gives_the_key_nothing_more():
    subject = key_of("viewer", frozenset({"workspace:view"}))
    assert holds(subject, P.WORKSPACE_VIEW)
    assert not holds(subject, P.MEMBERS_VIEW)  # the viewer role grants it; the key lacks it


def test_an_unknown_permission_on_a_key_is_ignored():
    assert key_of("viewer", frozenset({"workspace:view", "nuclear:launch"})).role.permissions == {
        P.WORKSPACE_VIEW
    }


# A key creating a key: creator key role -> the verdict for each key role (owner first).
ROWS = ["owner", *KEY_ROLES]
# fmt: off
CREATES = {
    "admin":         [OWN, Y,   Y,   Y,   EXC, Y,   Y,   Y],
    "manager":       [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "developer":     [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "billing":       [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "support_agent": [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "member":        [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
    "viewer":        [NO,  NO,  NO,  NO,  NO,  NO,  NO,  NO],
}
# fmt: on


@pytest.mark.parametrize(
    ("creator", "key_role", "code"),
    [
        (creator, key_role, code)
        for creator, row in CREATES.items()
        for key_role, code in zip(ROWS, row, strict=True)
    ],
)
def test_key_role_times_new_key_role(creator, key_role, code):
    verdict = check_api_key_role(key_of(creator), BUILTIN_ROLES[key_role])
    assert (verdict.allowed, verdict.code) == (code == Y, code)


def test_a_key_never_creates_a_key_above_its_own_role_even_with_the_permissions():
    lead = RoleDefinition(
        key="integrator",
        name="Integrator",
        rank=30,
        permissions=frozenset({P.API_KEYS_MANAGE, P.WORKSPACE_VIEW}),
        builtin=False,
    )
    higher = RoleDefinition(
        key="auditor",
        name="Auditor",
        rank=40,
        permissions=frozenset({P.WORKSPACE_VIEW}),
        builtin=False,
    )
    key = key_subject("key_1", lead, frozenset(str(p) for p in lead.permissions))
    assert check_api_key_role(key, higher).code == EXC
    assert check_api_key_role(key, lead)  # its own role
    # A person with the same role may (rank plays no part for a person).
    assert check_api_key_role(Subject(user_id="u", role=lead), higher)


# Issue 20's strings, as a key of each role holds them (written from the seeds'
# lines in tests/unit/permissions/test_matrix.py, not from roles.py).
ISSUE_20 = [P.FLOWS_MANAGE, P.CHANNELS_MANAGE, P.WORKFLOWS_DEPLOY, P.CAMPAIGNS_USE, P.LIVE_VIEW]
# fmt: off
HOLDS_ISSUE_20 = {
    "admin":         [1, 1, 1, 1, 1],
    "manager":       [0, 0, 0, 1, 1],
    "developer":     [0, 0, 0, 1, 1],
    "billing":       [0, 0, 0, 0, 0],
    "support_agent": [0, 0, 0, 0, 1],
    "member":        [0, 0, 0, 1, 1],
    "viewer":        [0, 0, 0, 0, 0],
}
# fmt: on


@pytest.mark.parametrize("role", KEY_ROLES)
def test_a_key_holds_the_issue_20_permissions_its_role_grants(role):
    key = key_of(role)
    assert [int(holds(key, p)) for p in ISSUE_20] == HOLDS_ISSUE_20[role]


def test_a_key_created_with_only_the_new_strings_holds_them_and_nothing_else():
    key = key_of("viewer", frozenset({"flows:manage", "live:view"}))
    assert holds(key, P.FLOWS_MANAGE)
    assert holds(key, P.LIVE_VIEW)
    assert not holds(key, P.KNOWLEDGE_VIEW)
