"""The line on what a role allows (the invitation mail shows it beside the role's name):
every built-in role has its own, and a custom role is described by what it holds."""

from __future__ import annotations

import pytest

from teamspace.permissions import BUILTIN_ROLES, Permission, RoleDefinition, role_summary
from tests.unit.permissions.role_table import ROLES

# Words each built-in role's line must hold, from ARCHITECTURE.md's "Roles" table and
# the seed lines issue 20 added to the matrix (tests/unit/permissions/test_matrix.py).
SAYS = {
    "owner": ("billing", "white-label", "deleting"),
    "admin": ("members", "no billing", "flows", "channels", "integrations", "workflows"),
    "manager": ("campaigns", "contacts"),
    "developer": ("agents", "knowledge"),
    "billing": ("invoices", "no agents"),
    "support_agent": ("escalation", "whisper", "live space"),
    "member": ("test agents", "playground", "campaigns", "live space"),
    "viewer": ("read-only", "knowledge"),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_builtin_role_has_its_own_line(role):
    line = role_summary(BUILTIN_ROLES[role])
    assert line.endswith(".")
    for word in SAYS[role]:
        assert word in line.lower(), (role, line)


def test_no_two_builtin_roles_share_a_line():
    lines = [role_summary(BUILTIN_ROLES[role]) for role in ROLES]
    assert len(set(lines)) == len(lines)


def custom(*held: Permission, key: str = "qa") -> RoleDefinition:
    return RoleDefinition(key=key, name="QA", rank=5, permissions=frozenset(held), builtin=False)


def test_a_custom_role_is_described_by_what_it_holds_in_catalogue_order():
    line = role_summary(custom(Permission.CALLS_VIEW, Permission.WORKSPACE_VIEW))
    assert line == "See the workspace's name, type and settings; View call logs and conversations."


def test_a_custom_role_with_many_permissions_names_three_and_counts_the_rest():
    held = [Permission.WORKSPACE_VIEW, Permission.MEMBERS_VIEW, Permission.CALLS_VIEW]
    line = role_summary(custom(*held, Permission.DASHBOARD_VIEW, Permission.ANALYTICS_VIEW))
    assert line.count(";") == 3
    assert line.endswith("; and 2 more.")


def test_a_custom_role_named_like_a_builtin_one_is_not_described_as_it():
    """The key alone never borrows a built-in role's line: only what the role holds."""
    line = role_summary(custom(Permission.WORKSPACE_VIEW, key="owner"))
    assert "billing" not in line


def test_a_role_that_holds_nothing_says_so():
    assert role_summary(custom()) == "No permissions in this workspace yet."
