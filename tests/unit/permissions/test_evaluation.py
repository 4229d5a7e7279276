"""Effective permissions and decide(): toggles, suspension and agent scoping."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from teamspace.permissions import (
    AGENT_SCOPED,
    TOGGLE_PERMISSIONS,
    MemberStatus,
    Permission,
    Subject,
    Toggles,
    builtin_role,
    decide,
    effective_permissions,
    holds,
)

ROLES = ("owner", "admin", "manager", "developer", "billing", "support_agent", "member", "viewer")

# The seeds' member form (seed 004), each toggle with the permission it stands for.
EXPECTED_TOGGLES = {
    "canEditAgents": "agents:edit",
    "canUseAdvancedEditor": "agents:advanced_editor",
    "canAccessCrm": "crm:access",
    "canViewBillableMinutes": "billing:minutes_view",
    "canViewRecordings": "recordings:view",
}

# The permissions an agent assignment narrows (catalogue: "Agents").
EXPECTED_AGENT_SCOPED = {
    "agents:view",
    "agents:test",
    "agents:edit",
    "agents:advanced_editor",
    "calls:view",
    "recordings:view",
}
NOT_AGENT_SCOPED = sorted(str(p) for p in Permission if str(p) not in EXPECTED_AGENT_SCOPED)


def member(role_key: str, **fields) -> Subject:
    role = builtin_role(role_key)
    assert role is not None, f"no built-in role {role_key!r}"
    return Subject(user_id=f"u-{role_key}", role=role, **fields)


def as_strings(permissions) -> set[str]:
    return {str(p) for p in permissions}


# The toggle and agent-scope catalogues ---------------------------------------------


def test_toggles_are_the_five_from_the_member_form():
    assert {name: str(p) for name, p in TOGGLE_PERMISSIONS.items()} == EXPECTED_TOGGLES
    assert set(Toggles.model_fields) == set(EXPECTED_TOGGLES)


def test_an_unknown_toggle_is_rejected():
    with pytest.raises(ValidationError):
        Toggles(canDeleteWorkspace=True)


def test_agent_scoped_permissions_are_the_agent_and_call_ones():
    assert as_strings(AGENT_SCOPED) == EXPECTED_AGENT_SCOPED


# effective_permissions with toggles ------------------------------------------------

TOGGLE_CASES = [
    (role_key, toggle, value)
    for role_key in ROLES
    for toggle in EXPECTED_TOGGLES
    for value in (True, False, None)
]


@pytest.mark.parametrize(
    ("role_key", "toggle", "value"),
    TOGGLE_CASES,
    ids=[f"{r}-{t}-{v}" for r, t, v in TOGGLE_CASES],
)
def test_a_toggle_adds_removes_or_follows_the_role(role_key, toggle, value):
    subject = member(role_key, toggles=Toggles(**{toggle: value}))
    from_role = as_strings(subject.role.permissions)
    permission = EXPECTED_TOGGLES[toggle]
    if value is True:
        expected = from_role | {permission}
    elif value is False:
        expected = from_role - {permission}
    else:
        expected = from_role
    # Exactly that one permission moves; everything else is the role's.
    assert as_strings(effective_permissions(subject)) == expected
    assert holds(subject, Permission(permission)) is (permission in expected)
    assert decide(subject, Permission(permission)).allowed is (permission in expected)


def test_toggles_combine():
    subject = member(
        "member",
        toggles=Toggles(canEditAgents=True, canViewRecordings=True, canAccessCrm=False),
    )
    held = as_strings(effective_permissions(subject))
    assert {"agents:edit", "recordings:view"} <= held
    assert "crm:access" not in held
    assert "agents:advanced_editor" not in held  # left unset, member's role lacks it
    assert "billing:minutes_view" not in held


def test_a_toggle_taken_away_beats_the_role():
    developer = member("developer", toggles=Toggles(canEditAgents=False))
    decision = decide(developer, Permission.AGENTS_EDIT, "agent-1")
    assert decision.allowed is False
    assert decision.reason


def test_a_toggle_grant_is_named_as_the_source():
    viewer = member("viewer", toggles=Toggles(canViewRecordings=True))
    decision = decide(viewer, Permission.RECORDINGS_VIEW)
    assert decision.allowed is True
    assert "canViewRecordings" in decision.reason


# Suspension --------------------------------------------------------------------------


@pytest.mark.parametrize("role_key", ROLES)
def test_a_suspended_member_has_no_permissions(role_key):
    subject = member(
        role_key,
        status=MemberStatus.SUSPENDED,
        toggles=Toggles(**dict.fromkeys(EXPECTED_TOGGLES, True)),
    )
    assert effective_permissions(subject) == frozenset()
    assert [p for p in Permission if holds(subject, p)] == []


@pytest.mark.parametrize("permission", list(Permission), ids=str)
def test_decide_denies_a_suspended_owner_everything_and_says_why(permission):
    owner = member("owner", status=MemberStatus.SUSPENDED)
    decision = decide(owner, permission, "agent-1")
    assert decision.allowed is False
    assert "suspended" in decision.reason


def test_reactivation_restores_the_roles_permissions():
    suspended = member("admin", status=MemberStatus.SUSPENDED)
    active = suspended.model_copy(update={"status": MemberStatus.ACTIVE})
    assert decide(suspended, Permission.MEMBERS_INVITE).allowed is False
    assert decide(active, Permission.MEMBERS_INVITE).allowed is True


# Agent scoping -----------------------------------------------------------------------

AGENT_SCOPE_CASES = [
    # (assigned agents, resourceId asked about, allowed)
    pytest.param(None, "agent-1", True, id="all-agents-named-agent"),
    pytest.param(None, None, True, id="all-agents-no-agent-named"),
    pytest.param({"agent-1", "agent-2"}, "agent-1", True, id="assigned-named-agent"),
    pytest.param({"agent-1", "agent-2"}, "agent-3", False, id="assigned-other-agent"),
    pytest.param({"agent-1", "agent-2"}, None, True, id="assigned-no-agent-named"),
    pytest.param(set(), "agent-1", False, id="none-assigned-named-agent"),
    pytest.param(set(), None, False, id="none-assigned-no-agent-named"),
]


@pytest.mark.parametrize("permission", sorted(EXPECTED_AGENT_SCOPED))
@pytest.mark.parametrize(("agent_ids", "resource_id", "allowed"), AGENT_SCOPE_CASES)
def test_agent_scoped_permission_follows_the_assignment(
    permission, agent_ids, resource_id, allowed
):
    assigned = None if agent_ids is None else frozenset(agent_ids)
    admin = member("admin", agent_ids=assigned)  # admin holds every agent-scoped permission
    decision = decide(admin, Permission(permission), resource_id)
    assert decision.allowed is allowed, decision.reason
    assert decision.reason


@pytest.mark.parametrize("permission", NOT_AGENT_SCOPED)
@pytest.mark.parametrize(
    ("agent_ids", "resource_id"),
    [
        pytest.param(set(), None, id="none-assigned"),
        pytest.param(set(), "agent-1", id="none-assigned-resource"),
        pytest.param({"agent-1"}, "something-else", id="assigned-other-resource"),
    ],
)
def test_other_permissions_ignore_the_agent_assignment(permission, agent_ids, resource_id):
    owner = member("owner", agent_ids=frozenset(agent_ids))
    decision = decide(owner, Permission(permission), resource_id)
    assert decision.allowed is True, decision.reason


def test_an_assigned_agent_does_not_grant_what_the_role_lacks():
    viewer = member("viewer", agent_ids=frozenset({"agent-1"}))
    assert decide(viewer, Permission.AGENTS_EDIT, "agent-1").allowed is False
    assert decide(viewer, Permission.AGENTS_VIEW, "agent-1").allowed is True


def test_holds_ignores_the_agent_assignment():
    admin = member("admin", agent_ids=frozenset())
    assert holds(admin, Permission.AGENTS_EDIT) is True
    assert decide(admin, Permission.AGENTS_EDIT).allowed is False


def test_a_toggled_agent_permission_is_still_scoped():
    member_ = member(
        "member", toggles=Toggles(canEditAgents=True), agent_ids=frozenset({"agent-1"})
    )
    assert decide(member_, Permission.AGENTS_EDIT, "agent-1").allowed is True
    assert decide(member_, Permission.AGENTS_EDIT, "agent-2").allowed is False
