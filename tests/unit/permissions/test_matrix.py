"""The built-in role x permission matrix, stated independently of roles.py.

The table below is the product decision, written out by hand from ARCHITECTURE.md
("Roles") and the seeds' permission matrix (seeds/000: Owner/Admin/Member). Where the
docs leave a cell open, the table records the choice roles.py makes and says so in a
comment ("roles.py:"). The cells issue 20 added or changed name the seed file and line
they come from (`seed 003 l.25`: /work/shared/seeds/003_*.txt, line 25). It must never
be computed from the code under test.
"""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    ALL_PERMISSIONS,
    BUILTIN_ROLES,
    PERMISSION_INFO,
    Permission,
    Subject,
    builtin_role,
    decide,
    effective_permissions,
)
from tests.unit.permissions.role_table import RANKS, ROLES  # ARCHITECTURE.md, "Roles"

Y, N = True, False

# One row per permission string; columns in the order of ROLES.
# fmt: off
MATRIX: dict[str, tuple[bool, ...]] = {
    #                          own adm mgr dev bil sup mem vwr
    # Workspace
    "workspace:view":         (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y),  # roles.py: every member sees it
    "workspace:update":       (Y,  Y,  N,  N,  N,  N,  N,  N),  # admin: "settings"
    "workspace:delete":       (Y,  N,  N,  N,  N,  N,  N,  N),  # seed 000: "Delete workspace"
    "ownership:transfer":     (Y,  N,  N,  N,  N,  N,  N,  N),  # owner only; moves by transfer
    # Team
    "members:view":           (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y),  # roles.py: everyone sees the team
                                                                # list; "no team"/"no members" is
                                                                # read as no team *management*
    "members:invite":         (Y,  Y,  N,  N,  N,  N,  N,  N),  # seed 000: "Invite team members"
    "members:update":         (Y,  Y,  N,  N,  N,  N,  N,  N),  # admin: "members"
    "members:change_role":    (Y,  Y,  N,  N,  N,  N,  N,  N),  # seed 000: "Change member roles"
    "members:suspend":        (Y,  Y,  N,  N,  N,  N,  N,  N),  # admin: "members"
    "members:remove":         (Y,  Y,  N,  N,  N,  N,  N,  N),  # seed 000: "Remove members"
    "members:manage_accounts": (Y, Y,  N,  N,  N,  N,  N,  N),  # API.md: "(owner, admin)"
    "roles:manage":           (Y,  Y,  N,  N,  N,  N,  N,  N),  # admin: "roles below admin"
    "audit:view":             (Y,  Y,  N,  N,  N,  N,  N,  N),  # roles.py: docs leave it open
    "api_keys:manage":        (Y,  Y,  N,  N,  N,  N,  N,  N),  # roles.py: admin too (seed 002
                                                                # names it among owner rights)
    "clients:manage":         (Y,  Y,  N,  N,  N,  N,  N,  N),  # issue 6: "the agency's owner
                                                                # and admins create clients"
    "integrations:manage":    (Y,  Y,  N,  N,  N,  N,  N,  N),  # API.md: "(owner, admin)";
                                                                # seed 002 l.7: admins manage
                                                                # "integrations"
    # Agents (agent-scoped)
    "agents:view":            (Y,  Y,  Y,  Y,  N,  N,  Y,  Y),  # viewer: "agent configuration";
                                                                # billing: "no agents"; roles.py:
                                                                # not support_agent; member and
                                                                # manager by hierarchy (seed 003)
    "agents:test":            (Y,  Y,  Y,  Y,  N,  N,  Y,  N),  # member: "use/test agents";
                                                                # roles.py: manager by hierarchy
    "agents:edit":            (Y,  Y,  N,  Y,  N,  N,  N,  N),  # manager: "no agent editing"
    "agents:advanced_editor": (Y,  Y,  N,  Y,  N,  N,  N,  N),  # roles.py: part of developer's
                                                                # "create and manage agents"
    "calls:view":             (Y,  Y,  Y,  Y,  N,  Y,  Y,  Y),  # billing: "no conversations";
                                                                # support: "view calls"
    "recordings:view":        (Y,  Y,  N,  Y,  N,  N,  N,  N),  # roles.py: docs leave it open
                                                                # (toggle canViewRecordings)
    # Platform areas
    "dashboard:view":         (Y,  Y,  Y,  Y,  Y,  Y,  Y,  Y),  # roles.py: billing and support too
    "analytics:view":         (Y,  Y,  Y,  Y,  N,  N,  Y,  Y),  # viewer: "analytics"; roles.py:
                                                                # member by hierarchy
    "playground:use":         (Y,  Y,  Y,  Y,  N,  N,  Y,  N),  # member: "playground"; viewer
                                                                # is read-only
    "knowledge:view":         (Y,  Y,  Y,  Y,  N,  N,  Y,  Y),  # seed 001 l.24: viewer reads
                                                                # "knowledge bases" (issue 20);
                                                                # member, manager by hierarchy
                                                                # (seed 003 l.14); developer:
                                                                # seed 001 l.22
    "knowledge:manage":       (Y,  Y,  N,  Y,  N,  N,  N,  N),  # admin: "knowledge"; roles.py:
                                                                # developer manages them
    "numbers:manage":         (Y,  Y,  N,  N,  N,  N,  N,  N),  # seed 000: "Manage phone numbers"
    "campaigns:manage":       (Y,  Y,  Y,  N,  N,  N,  N,  N),  # manager: "campaigns"
    "campaigns:use":          (Y,  Y,  Y,  Y,  N,  N,  Y,  N),  # seed 003 l.25: member "can use
                                                                # campaigns"; l.19 admin "run
                                                                # campaigns"; l.14: higher roles
                                                                # include the lower (manager,
                                                                # developer); seed 003 l.28:
                                                                # viewer "cannot take any action"
    "flows:manage":           (Y,  Y,  N,  N,  N,  N,  N,  N),  # seed 002 l.7: admin manages
                                                                # "flows"; l.8: member "cannot
                                                                # create or modify configurations"
    "channels:manage":        (Y,  Y,  N,  N,  N,  N,  N,  N),  # seed 002 l.7: admin manages
                                                                # "channels"
    "workflows:deploy":       (Y,  Y,  N,  N,  N,  N,  N,  N),  # seed 003 l.19: admin "deploy
                                                                # workflows"; l.22: manager
                                                                # "cannot ... deploy workflows"
    "contacts:manage":        (Y,  Y,  Y,  N,  N,  N,  N,  N),  # manager: "contacts (CSV, tags)"
    "crm:access":             (Y,  Y,  Y,  N,  N,  N,  N,  N),  # roles.py: manager (CRM = contacts,
                                                                # segments, campaigns)
    "escalations:handle":     (Y,  Y,  N,  N,  N,  Y,  N,  N),  # support: "escalation queue";
                                                                # roles.py: admin too
    "live:view":              (Y,  Y,  Y,  Y,  N,  Y,  Y,  N),  # seed 002 l.8: member "monitor
                                                                # Live Space"; l.9: support uses
                                                                # its controls, so watches it;
                                                                # l.10: viewer reads analytics,
                                                                # call history, agent config only
                                                                # (not live calls); manager,
                                                                # developer by hierarchy
    "live:control":           (Y,  Y,  N,  N,  N,  Y,  N,  N),  # support: "whisper, barge";
                                                                # roles.py: admin too
    # Billing
    "billing:manage":         (Y,  N,  N,  N,  Y,  N,  N,  N),  # seed 000: "Access billing"
    "billing:minutes_view":   (Y,  N,  N,  N,  Y,  N,  N,  N),  # admin: "no billing"
    "usage:view":             (Y,  N,  N,  N,  Y,  N,  N,  N),  # billing: "usage"; roles.py counts
                                                                # it as billing, so not admin
}
# fmt: on

UNIVERSE = frozenset(MATRIX)
EXPECTED: dict[str, frozenset[str]] = {
    role: frozenset(p for p, row in MATRIX.items() if row[column])
    for column, role in enumerate(ROLES)
}

CASES = [(role, permission) for role in ROLES for permission in MATRIX]


def _subject(role_key: str) -> Subject:
    role = builtin_role(role_key)
    assert role is not None, f"no built-in role {role_key!r}"
    return Subject(user_id=f"u-{role_key}", role=role)


# The table itself -------------------------------------------------------------------


def test_every_row_has_one_cell_per_role():
    bad = {p: len(row) for p, row in MATRIX.items() if len(row) != len(ROLES)}
    assert bad == {}


# Catalogue and table agree ----------------------------------------------------------


def test_every_catalogue_permission_has_a_matrix_decision():
    """A permission added to the catalogue without a row here must fail."""
    missing = sorted(str(p) for p in Permission if str(p) not in UNIVERSE)
    assert missing == [], f"add a row to MATRIX for: {missing}"


def test_every_matrix_row_is_a_published_permission():
    """Published strings are never renamed or dropped (catalogue.py docstring)."""
    unknown = sorted(UNIVERSE - {str(p) for p in Permission})
    assert unknown == []


def test_all_permissions_and_info_cover_the_catalogue():
    assert {str(p) for p in ALL_PERMISSIONS} == UNIVERSE
    assert {str(p) for p in PERMISSION_INFO} == UNIVERSE


# Roles and ranks --------------------------------------------------------------------


def test_builtin_roles_are_exactly_the_eight_documented_ones():
    assert set(BUILTIN_ROLES) == set(ROLES)


@pytest.mark.parametrize("role_key", ROLES)
def test_builtin_role_rank(role_key: str):
    assert _subject(role_key).role.rank == RANKS[role_key]


@pytest.mark.parametrize("role_key", ROLES)
def test_builtin_role_is_marked_builtin_and_keyed_by_its_key(role_key: str):
    role = BUILTIN_ROLES[role_key]
    assert role.key == role_key
    assert role.builtin is True


# The matrix, cell by cell -----------------------------------------------------------


@pytest.mark.parametrize(("role_key", "permission"), CASES, ids=[f"{r}-{p}" for r, p in CASES])
def test_role_holds_permission_exactly_as_the_matrix_says(role_key: str, permission: str):
    expected = permission in EXPECTED[role_key]
    subject = _subject(role_key)
    perm = Permission(permission)

    assert (perm in subject.role.permissions) is expected
    # An active member without toggles or agent assignment gets exactly the role's answer.
    decision = decide(subject, perm)
    assert decision.allowed is expected, decision.reason


@pytest.mark.parametrize("role_key", ROLES)
def test_effective_permissions_of_a_plain_member_equal_the_matrix_row(role_key: str):
    held = {str(p) for p in effective_permissions(_subject(role_key))}
    assert held == EXPECTED[role_key]
