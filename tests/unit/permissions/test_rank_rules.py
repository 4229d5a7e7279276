"""Rank rules (ARCHITECTURE.md, "Roles"): who may grant, change, suspend or remove whom.

The systematic tests walk every built-in actor x target pair and compute the expected
verdict from the small literal tables below plus the rule, restated here in plain
Python; they never call the code's own helpers to decide what is expected.
"""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    MemberStatus,
    Permission,
    RoleDefinition,
    Subject,
    Toggles,
    builtin_role,
    check_grants_update,
    check_leave,
    check_profile_update,
    check_removal,
    check_role_change,
    check_suspension,
    may_grant_role,
)
from tests.unit.permissions.role_table import HOLDERS, RANKS, ROLES

ALLOWED = (True, "")
PERMISSION_DENIED = (False, "PERMISSION_DENIED")
ROLE_RANK_TOO_LOW = (False, "ROLE_RANK_TOO_LOW")
CANNOT_CHANGE_SELF = (False, "CANNOT_CHANGE_SELF")
OWNER_IMMUTABLE = (False, "OWNER_IMMUTABLE")
OWNER_CANNOT_LEAVE = (False, "OWNER_CANNOT_LEAVE")
GRANT_EXCEEDS_OWN = (False, "GRANT_EXCEEDS_OWN")

PAIRS = [(actor, target) for actor in ROLES for target in ROLES]
PAIR_IDS = [f"{actor}-on-{target}" for actor, target in PAIRS]


def role(key: str) -> RoleDefinition:
    found = builtin_role(key)
    assert found is not None, f"no built-in role {key!r}"
    return found


def member(role_key: str, user_id: str | None = None, **fields) -> Subject:
    return Subject(user_id=user_id or f"u-{role_key}", role=role(role_key), **fields)


def actor_and_target(actor_key: str, target_key: str) -> tuple[Subject, Subject]:
    """Two different people, even when they hold the same role."""
    return member(actor_key, "u-actor"), member(target_key, "u-target")


def custom(key: str, rank: int, *permissions: Permission) -> RoleDefinition:
    return RoleDefinition(
        key=key, name=key.title(), rank=rank, permissions=frozenset(permissions), builtin=False
    )


def outcome(verdict) -> tuple[bool, str]:
    return verdict.allowed, verdict.code


def case_id(value) -> str:
    """Readable ids: role keys as they are, checks by name, outcomes by code."""
    if callable(value):
        return value.__name__
    if isinstance(value, tuple):
        return value[1] or "ALLOWED"
    return str(value)


# The rules restated ------------------------------------------------------------------


def expected_change_of_other(actor: str, target: str, needs: str) -> tuple[bool, str]:
    """Changing or removing someone else: the permission, then the owner, then rank."""
    if actor not in HOLDERS[needs]:
        return PERMISSION_DENIED
    if target == "owner":  # the owner changes only through ownership transfer
        return OWNER_IMMUTABLE
    if RANKS[target] >= RANKS[actor]:  # equal or above: hands off
        return ROLE_RANK_TOO_LOW
    return ALLOWED


def expected_grant(actor: str, new_role: str) -> tuple[bool, str]:
    """Handing out a role: never owner (transfer only), never at or above your rank."""
    if new_role == "owner":
        return OWNER_IMMUTABLE
    if RANKS[new_role] >= RANKS[actor]:
        return ROLE_RANK_TOO_LOW
    return ALLOWED


def expected_role_change(actor: str, target: str, new_role: str) -> tuple[bool, str]:
    first = expected_change_of_other(actor, target, "members:change_role")
    if first != ALLOWED:
        return first
    return expected_grant(actor, new_role)


# check_role_change -------------------------------------------------------------------

TRIPLES = [(a, t, n) for a in ROLES for t in ROLES for n in ROLES]


@pytest.mark.parametrize(
    ("actor_key", "target_key", "new_key"),
    TRIPLES,
    ids=[f"{a}-sets-{t}-to-{n}" for a, t, n in TRIPLES],
)
def test_role_change_every_actor_target_and_new_role(actor_key, target_key, new_key):
    actor, target = actor_and_target(actor_key, target_key)
    verdict = check_role_change(actor, target, role(new_key))
    assert outcome(verdict) == expected_role_change(actor_key, target_key, new_key)


@pytest.mark.parametrize(
    ("actor_key", "target_key", "new_key", "expected"),
    [
        # Only the owner promotes to admin.
        ("owner", "member", "admin", ALLOWED),
        ("owner", "developer", "admin", ALLOWED),
        ("admin", "member", "admin", ROLE_RANK_TOO_LOW),
        ("admin", "developer", "admin", ROLE_RANK_TOO_LOW),
        # Admins cannot change other admins, in either direction.
        ("admin", "admin", "member", ROLE_RANK_TOO_LOW),
        ("admin", "admin", "viewer", ROLE_RANK_TOO_LOW),
        ("owner", "admin", "member", ALLOWED),
        # Nobody changes the owner's role, nor hands out "owner".
        ("admin", "owner", "member", OWNER_IMMUTABLE),
        ("owner", "admin", "owner", OWNER_IMMUTABLE),
        ("admin", "member", "owner", OWNER_IMMUTABLE),
        # Admin moves people around below admin.
        ("admin", "member", "developer", ALLOWED),
        ("admin", "manager", "viewer", ALLOWED),
        ("admin", "billing", "support_agent", ALLOWED),
        # Roles without members:change_role are denied, whatever the ranks.
        ("manager", "viewer", "member", PERMISSION_DENIED),
        ("developer", "member", "viewer", PERMISSION_DENIED),
        ("billing", "viewer", "member", PERMISSION_DENIED),
        ("member", "viewer", "viewer", PERMISSION_DENIED),
        ("viewer", "owner", "admin", PERMISSION_DENIED),
    ],
    ids=case_id,
)
def test_role_change_named_cases(actor_key, target_key, new_key, expected):
    actor, target = actor_and_target(actor_key, target_key)
    assert outcome(check_role_change(actor, target, role(new_key))) == expected


@pytest.mark.parametrize("role_key", ROLES)
def test_nobody_changes_their_own_role(role_key: str):
    me = member(role_key, "u-me")
    verdict = check_role_change(me, me, role("viewer"))
    # Without the permission, the first refusal is the missing permission itself.
    holds = role_key in HOLDERS["members:change_role"]
    assert outcome(verdict) == (CANNOT_CHANGE_SELF if holds else PERMISSION_DENIED)


def test_custom_role_with_change_role_cannot_grant_its_own_rank():
    """ "Nobody grants a role at or above their own rank": at the same rank is refused."""
    lead = custom("lead", 60, Permission.MEMBERS_CHANGE_ROLE)
    actor = Subject(user_id="u-actor", role=lead)
    target = member("member", "u-target")
    assert outcome(check_role_change(actor, target, role("developer"))) == ROLE_RANK_TOO_LOW
    assert outcome(check_role_change(actor, target, role("manager"))) == ROLE_RANK_TOO_LOW
    assert outcome(check_role_change(actor, target, role("billing"))) == ALLOWED
    assert outcome(check_role_change(actor, target, role("viewer"))) == ALLOWED
    # ... and cannot touch someone of its own rank either.
    peer = member("developer", "u-peer")
    assert outcome(check_role_change(actor, peer, role("viewer"))) == ROLE_RANK_TOO_LOW


def test_suspended_admin_cannot_change_roles():
    actor = member("admin", "u-actor", status=MemberStatus.SUSPENDED)
    target = member("member", "u-target")
    assert outcome(check_role_change(actor, target, role("viewer"))) == PERMISSION_DENIED


# check_removal and check_suspension ------------------------------------------------


@pytest.mark.parametrize(("actor_key", "target_key"), PAIRS, ids=PAIR_IDS)
def test_removal_every_actor_target_pair(actor_key, target_key):
    actor, target = actor_and_target(actor_key, target_key)
    expected = expected_change_of_other(actor_key, target_key, "members:remove")
    assert outcome(check_removal(actor, target)) == expected


@pytest.mark.parametrize(("actor_key", "target_key"), PAIRS, ids=PAIR_IDS)
def test_suspension_every_actor_target_pair(actor_key, target_key):
    actor, target = actor_and_target(actor_key, target_key)
    expected = expected_change_of_other(actor_key, target_key, "members:suspend")
    assert outcome(check_suspension(actor, target)) == expected


@pytest.mark.parametrize(
    ("check", "actor_key", "target_key", "expected"),
    [
        (check_removal, "owner", "admin", ALLOWED),
        (check_removal, "admin", "developer", ALLOWED),
        (check_removal, "admin", "admin", ROLE_RANK_TOO_LOW),
        (check_removal, "admin", "owner", OWNER_IMMUTABLE),
        (check_removal, "manager", "viewer", PERMISSION_DENIED),
        (check_suspension, "owner", "admin", ALLOWED),
        (check_suspension, "admin", "viewer", ALLOWED),
        (check_suspension, "admin", "admin", ROLE_RANK_TOO_LOW),
        (check_suspension, "admin", "owner", OWNER_IMMUTABLE),
        (check_suspension, "developer", "viewer", PERMISSION_DENIED),
    ],
    ids=case_id,
)
def test_removal_and_suspension_named_cases(check, actor_key, target_key, expected):
    actor, target = actor_and_target(actor_key, target_key)
    assert outcome(check(actor, target)) == expected


@pytest.mark.parametrize("check", [check_removal, check_suspension], ids=case_id)
@pytest.mark.parametrize("role_key", ["owner", "admin"])
def test_nobody_removes_or_suspends_themselves(check, role_key):
    me = member(role_key, "u-me")
    assert outcome(check(me, me)) == CANNOT_CHANGE_SELF


@pytest.mark.parametrize("check", [check_removal, check_suspension], ids=case_id)
def test_suspended_admin_can_neither_remove_nor_suspend(check):
    actor = member("admin", "u-actor", status=MemberStatus.SUSPENDED)
    assert outcome(check(actor, member("viewer", "u-target"))) == PERMISSION_DENIED


def test_removal_ignores_the_targets_toggles_and_status():
    """Rank comes from the role, not from what the target happens to hold today."""
    actor = member("admin", "u-actor")
    target = member(
        "viewer",
        "u-target",
        status=MemberStatus.SUSPENDED,
        toggles=Toggles(canEditAgents=True, canViewBillableMinutes=True),
    )
    assert outcome(check_removal(actor, target)) == ALLOWED


# check_leave -------------------------------------------------------------------------


@pytest.mark.parametrize("role_key", ROLES)
def test_everyone_but_the_owner_may_leave(role_key: str):
    expected = OWNER_CANNOT_LEAVE if role_key == "owner" else ALLOWED
    assert outcome(check_leave(member(role_key))) == expected


def test_a_suspended_member_may_still_leave():
    assert outcome(check_leave(member("member", status=MemberStatus.SUSPENDED))) == ALLOWED


# check_profile_update ----------------------------------------------------------------


@pytest.mark.parametrize("role_key", ROLES)
def test_anyone_may_update_their_own_profile(role_key: str):
    me = member(role_key, "u-me")
    assert outcome(check_profile_update(me, me)) == ALLOWED


@pytest.mark.parametrize(("actor_key", "target_key"), PAIRS, ids=PAIR_IDS)
def test_profile_update_of_someone_else_every_pair(actor_key, target_key):
    actor, target = actor_and_target(actor_key, target_key)
    expected = expected_change_of_other(actor_key, target_key, "members:update")
    assert outcome(check_profile_update(actor, target)) == expected


@pytest.mark.parametrize(
    ("actor_key", "target_key", "expected"),
    [
        ("admin", "member", ALLOWED),
        ("owner", "admin", ALLOWED),
        ("admin", "admin", ROLE_RANK_TOO_LOW),
        ("admin", "owner", OWNER_IMMUTABLE),
        ("developer", "viewer", PERMISSION_DENIED),
        ("viewer", "viewer", PERMISSION_DENIED),
    ],
    ids=case_id,
)
def test_profile_update_named_cases(actor_key, target_key, expected):
    actor, target = actor_and_target(actor_key, target_key)
    assert outcome(check_profile_update(actor, target)) == expected


# check_grants_update -----------------------------------------------------------------


@pytest.mark.parametrize(("actor_key", "target_key"), PAIRS, ids=PAIR_IDS)
def test_grants_update_rank_rule_every_pair(actor_key, target_key):
    """With nothing to grant, only the permission and the rank rule decide."""
    actor, target = actor_and_target(actor_key, target_key)
    expected = expected_change_of_other(actor_key, target_key, "members:update")
    verdict = check_grants_update(actor, target, None, None, agent_ids_given=False)
    assert outcome(verdict) == expected


@pytest.mark.parametrize("role_key", ["owner", "admin"])
def test_nobody_changes_their_own_grants(role_key: str):
    me = member(role_key, "u-me")
    verdict = check_grants_update(me, me, Toggles(canEditAgents=False), None, False)
    assert outcome(verdict) == CANNOT_CHANGE_SELF


# Which of the toggle permissions the admin holds (seed 000: no billing for admins).
ADMIN_HOLDS_TOGGLE = {
    "canEditAgents": True,
    "canUseAdvancedEditor": True,
    "canAccessCrm": True,
    "canViewBillableMinutes": False,
    "canViewRecordings": True,
}
TOGGLES = tuple(ADMIN_HOLDS_TOGGLE)


@pytest.mark.parametrize("toggle", TOGGLES)
def test_owner_may_grant_every_toggle(toggle: str):
    actor, target = actor_and_target("owner", "viewer")
    verdict = check_grants_update(actor, target, Toggles(**{toggle: True}), None, False)
    assert outcome(verdict) == ALLOWED


@pytest.mark.parametrize("toggle", TOGGLES)
def test_admin_grants_a_toggle_only_if_admin_holds_it(toggle: str):
    actor, target = actor_and_target("admin", "member")
    verdict = check_grants_update(actor, target, Toggles(**{toggle: True}), None, False)
    assert outcome(verdict) == (ALLOWED if ADMIN_HOLDS_TOGGLE[toggle] else GRANT_EXCEEDS_OWN)


@pytest.mark.parametrize("toggle", TOGGLES)
def test_admin_may_take_any_toggle_away_from_someone_below(toggle: str):
    actor, target = actor_and_target("admin", "member")
    verdict = check_grants_update(actor, target, Toggles(**{toggle: False}), None, False)
    assert outcome(verdict) == ALLOWED


@pytest.mark.parametrize("toggle", TOGGLES)
def test_taking_a_toggle_away_still_needs_the_rank_rule(toggle: str):
    actor, target = actor_and_target("admin", "admin")
    verdict = check_grants_update(actor, target, Toggles(**{toggle: False}), None, False)
    assert outcome(verdict) == ROLE_RANK_TOO_LOW


def test_one_toggle_beyond_own_permissions_spoils_the_whole_update():
    actor, target = actor_and_target("admin", "member")
    toggles = Toggles(canEditAgents=True, canViewRecordings=True, canViewBillableMinutes=True)
    assert outcome(check_grants_update(actor, target, toggles, None, False)) == GRANT_EXCEEDS_OWN


def test_unset_toggles_grant_nothing():
    """None means "as the role says": an admin sending an all-None form is fine."""
    actor, target = actor_and_target("admin", "member")
    assert outcome(check_grants_update(actor, target, Toggles(), None, False)) == ALLOWED


def test_a_toggle_the_actor_holds_by_toggle_may_be_granted():
    """The granter's own permissions are their effective ones, toggles included."""
    lead = custom("lead", 70, Permission.MEMBERS_UPDATE)
    target = member("member", "u-target")
    without = Subject(user_id="u-actor", role=lead)
    with_crm = Subject(user_id="u-actor", role=lead, toggles=Toggles(canAccessCrm=True))
    grant = Toggles(canAccessCrm=True)
    assert outcome(check_grants_update(without, target, grant, None, False)) == GRANT_EXCEEDS_OWN
    assert outcome(check_grants_update(with_crm, target, grant, None, False)) == ALLOWED


def test_a_toggle_taken_from_the_actor_can_no_longer_be_granted():
    actor = member("admin", "u-actor", toggles=Toggles(canEditAgents=False))
    target = member("member", "u-target")
    verdict = check_grants_update(actor, target, Toggles(canEditAgents=True), None, False)
    assert outcome(verdict) == GRANT_EXCEEDS_OWN


AGENT_CASES = [
    # (actor's own assignment, agent_ids sent, agent_ids_given, expected)
    pytest.param(None, None, True, ALLOWED, id="unrestricted-gives-all-agents"),
    pytest.param(None, ["a1", "a9"], True, ALLOWED, id="unrestricted-gives-any-list"),
    pytest.param({"a1", "a2"}, ["a1"], True, ALLOWED, id="restricted-gives-subset"),
    pytest.param({"a1", "a2"}, ["a1", "a2"], True, ALLOWED, id="restricted-gives-own-set"),
    pytest.param({"a1", "a2"}, [], True, ALLOWED, id="restricted-gives-no-agents"),
    pytest.param({"a1", "a2"}, ["a1", "a3"], True, GRANT_EXCEEDS_OWN, id="restricted-gives-other"),
    pytest.param({"a1", "a2"}, None, True, GRANT_EXCEEDS_OWN, id="restricted-gives-all-agents"),
    pytest.param(set(), ["a1"], True, GRANT_EXCEEDS_OWN, id="no-agents-gives-one"),
    pytest.param({"a1", "a2"}, None, False, ALLOWED, id="restricted-leaves-assignment-alone"),
]


@pytest.mark.parametrize(("actor_agents", "agent_ids", "given", "expected"), AGENT_CASES)
def test_agent_assignment_never_beyond_the_actors_own(actor_agents, agent_ids, given, expected):
    own = None if actor_agents is None else frozenset(actor_agents)
    actor = member("admin", "u-actor", agent_ids=own)
    target = member("member", "u-target")
    verdict = check_grants_update(actor, target, None, agent_ids, agent_ids_given=given)
    assert outcome(verdict) == expected


SCOPED_TOGGLE_CASES = [
    # (target's assignment, toggle, expected) for an actor restricted to {a1, a2}
    pytest.param(None, "canEditAgents", GRANT_EXCEEDS_OWN, id="all-agents-target"),
    pytest.param(("a1",), "canEditAgents", ALLOWED, id="target-inside-actor-scope"),
    pytest.param(("a1", "a9"), "canEditAgents", GRANT_EXCEEDS_OWN, id="target-partly-outside"),
    pytest.param(None, "canAccessCrm", ALLOWED, id="toggle-not-agent-scoped"),
]


@pytest.mark.parametrize(("target_agents", "toggle", "expected"), SCOPED_TOGGLE_CASES)
def test_a_restricted_actor_grants_agent_toggles_only_within_their_agents(
    target_agents, toggle, expected
):
    """An agent-scoped toggle reaches as far as the target's agents: never past the actor's."""
    actor = member("owner", "u-actor", agent_ids=frozenset({"a1", "a2"}))
    scope = None if target_agents is None else frozenset(target_agents)
    target = member("member", "u-target", agent_ids=scope)
    verdict = check_grants_update(
        actor, target, Toggles(**{toggle: True}), None, agent_ids_given=False
    )
    assert outcome(verdict) == expected


def test_agent_assignment_still_needs_the_rank_rule():
    actor, target = actor_and_target("admin", "admin")
    verdict = check_grants_update(actor, target, None, ["a1"], agent_ids_given=True)
    assert outcome(verdict) == ROLE_RANK_TOO_LOW


# may_grant_role ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor_key", "role_key"), PAIRS, ids=[f"{a}-grants-{r}" for a, r in PAIRS]
)
def test_may_grant_role_every_actor_and_role(actor_key, role_key):
    verdict = may_grant_role(member(actor_key), role(role_key))
    assert outcome(verdict) == expected_grant(actor_key, role_key)


@pytest.mark.parametrize(
    ("actor_key", "rank", "expected"),
    [
        ("admin", 79, ALLOWED),
        ("admin", 80, ROLE_RANK_TOO_LOW),
        ("admin", 90, ROLE_RANK_TOO_LOW),
        ("owner", 99, ALLOWED),
        ("owner", 100, ROLE_RANK_TOO_LOW),
        ("member", 29, ALLOWED),
        ("member", 30, ROLE_RANK_TOO_LOW),
    ],
    ids=case_id,
)
def test_may_grant_custom_role_only_below_own_rank(actor_key, rank, expected):
    verdict = may_grant_role(member(actor_key), custom("custom", rank, Permission.DASHBOARD_VIEW))
    assert outcome(verdict) == expected


def test_verdict_is_falsy_when_refused_and_carries_a_reason():
    refused = may_grant_role(member("admin"), role("admin"))
    granted = may_grant_role(member("admin"), role("member"))
    assert not refused
    assert refused.reason
    assert granted
    assert granted.code == ""
