"""Co-owners (seed 002: "there can be multiple owners"; API.md "Workspace lifecycle"):
the rank rules where `settings.maxOwners` allows more than one owner.

As in test_rank_rules, the expected verdicts are the rules restated here in plain Python
over literal tables: an owner reaches a co-owner (demote, suspend, remove) while the
workspace keeps more than one owner, never the primary owner (`ownerId`, who changes
only by transfer); admins and everyone below never touch an owner; an owner makes an
active member owner only while there is room under maxOwners; a co-owner may leave,
the primary owner never.
"""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    MemberStatus,
    Owners,
    check_leave,
    check_owner_limit,
    check_removal,
    check_role_change,
    check_suspension,
)
from tests.unit.permissions.role_table import HOLDERS, RANKS, ROLES
from tests.unit.permissions.test_rank_rules import (
    ALLOWED,
    OWNER_CANNOT_LEAVE,
    OWNER_IMMUTABLE,
    PERMISSION_DENIED,
    ROLE_RANK_TOO_LOW,
    member,
    outcome,
    role,
)

OWNER_LIMIT_REACHED = (False, "OWNER_LIMIT_REACHED")
NOMINEE_NOT_ACTIVE = (False, "NOMINEE_NOT_ACTIVE")
MAX_OWNERS_TOO_LOW = (False, "MAX_OWNERS_TOO_LOW")
CLIENT_OWNED_BY_AGENCY = (False, "CLIENT_OWNED_BY_AGENCY")

PRIMARY = "u-primary"
# (owners the workspace has, how many it allows): one owner of one, one of three,
# two of two (full), two of five
WORKSPACES = [(1, 1), (1, 3), (2, 2), (2, 5)]
# Who is acted on: the primary owner, or anyone else with each role.
TARGETS = [("owner", True), *((key, False) for key in ROLES)]
TARGET_IDS = [f"{key}{'-primary' if primary else ''}" for key, primary in TARGETS]
ROLE_CASES = [
    (a, t, p, n, c, lim) for a in ROLES for t, p in TARGETS for n in ROLES for c, lim in WORKSPACES
]


def expected_on_other(
    actor: str, target: str, needs: str, *, target_primary: bool, count: int
) -> tuple[bool, str]:
    if actor not in HOLDERS[needs]:
        return PERMISSION_DENIED
    if target == "owner":
        if actor != "owner" or target_primary or count <= 1:
            return OWNER_IMMUTABLE
        return ALLOWED
    if RANKS[target] >= RANKS[actor]:
        return ROLE_RANK_TOO_LOW
    return ALLOWED


def expected_role_change(
    actor: str, target: str, new_role: str, *, primary: bool, count: int, limit: int, active: bool
) -> tuple[bool, str]:
    first = expected_on_other(
        actor, target, "members:change_role", target_primary=primary, count=count
    )
    if first != ALLOWED:
        return first
    if new_role == "owner":
        if actor != "owner" or limit <= 1:
            return OWNER_IMMUTABLE
        if target == "owner":
            return ALLOWED
        if not active:
            return NOMINEE_NOT_ACTIVE
        if count >= limit:
            return OWNER_LIMIT_REACHED
        return ALLOWED
    if RANKS[new_role] >= RANKS[actor]:
        return ROLE_RANK_TOO_LOW
    return ALLOWED


def people(actor_key: str, target_key: str, *, target_primary: bool, active: bool = True):
    """The actor (never the primary owner unless the target is not) and the target."""
    actor_id = "u-actor" if target_primary else PRIMARY
    status = MemberStatus.ACTIVE if active else MemberStatus.SUSPENDED
    actor = member(actor_key, actor_id)
    target = member(target_key, PRIMARY if target_primary else "u-target", status=status)
    return actor, target


@pytest.mark.parametrize(
    ("actor_key", "target_key", "target_primary", "new_key", "count", "limit"),
    ROLE_CASES,
    ids=[
        f"{a}-sets-{t}{'-primary' if p else ''}-to-{n}-{c}-of-{m}"
        for a, t, p, n, c, m in ROLE_CASES
    ],
)
def test_role_change_with_co_owners(actor_key, target_key, target_primary, new_key, count, limit):
    actor, target = people(actor_key, target_key, target_primary=target_primary)
    expected = expected_role_change(
        actor_key,
        target_key,
        new_key,
        primary=target_primary,
        count=count,
        limit=limit,
        active=True,
    )
    verdict = check_role_change(actor, target, role(new_key), Owners(PRIMARY, count, limit))
    assert outcome(verdict) == expected


@pytest.mark.parametrize(("count", "limit"), WORKSPACES)
@pytest.mark.parametrize("target_key", ROLES)
def test_only_an_active_member_becomes_owner(target_key, count, limit):
    owner, target = people("owner", target_key, target_primary=False, active=False)
    expected = expected_role_change(
        "owner", target_key, "owner", primary=False, count=count, limit=limit, active=False
    )
    verdict = check_role_change(owner, target, role("owner"), Owners(PRIMARY, count, limit))
    assert outcome(verdict) == expected


@pytest.mark.parametrize(("count", "limit"), WORKSPACES)
@pytest.mark.parametrize(
    ("check", "needs"),
    [(check_removal, "members:remove"), (check_suspension, "members:suspend")],
    ids=["remove", "suspend"],
)
@pytest.mark.parametrize(("target_key", "target_primary"), TARGETS, ids=TARGET_IDS)
@pytest.mark.parametrize("actor_key", ROLES)
def test_removal_and_suspension_with_co_owners(
    actor_key, target_key, target_primary, check, needs, count, limit
):
    actor, target = people(actor_key, target_key, target_primary=target_primary)
    expected = expected_on_other(
        actor_key, target_key, needs, target_primary=target_primary, count=count
    )
    assert outcome(check(actor, target, Owners(PRIMARY, count, limit))) == expected


@pytest.mark.parametrize(
    ("role_key", "primary", "count", "expected"),
    [
        ("owner", True, 1, OWNER_CANNOT_LEAVE),  # the one owner
        ("owner", True, 3, OWNER_CANNOT_LEAVE),  # the primary owner: transfer first
        ("owner", False, 2, ALLOWED),  # a co-owner, another stays
        ("owner", False, 1, OWNER_CANNOT_LEAVE),  # the last owner, whoever it is
        ("admin", False, 1, ALLOWED),
        ("viewer", False, 3, ALLOWED),
    ],
)
def test_who_may_leave_with_co_owners(role_key, primary, count, expected):
    leaver = member(role_key, PRIMARY if primary else "u-leaver")
    assert outcome(check_leave(leaver, Owners(PRIMARY, count, max(count, 3)))) == expected


@pytest.mark.parametrize(
    ("count", "new_limit", "client", "expected"),
    [
        (1, 1, False, ALLOWED),
        (1, 5, False, ALLOWED),
        (3, 3, False, ALLOWED),  # down to exactly the owners it has
        (3, 2, False, MAX_OWNERS_TOO_LOW),
        (2, 1, False, MAX_OWNERS_TOO_LOW),
        (1, 1, True, ALLOWED),
        (1, 2, True, CLIENT_OWNED_BY_AGENCY),  # a client is its agency's owner's alone
    ],
)
def test_max_owners_never_below_the_owners(count, new_limit, client, expected):
    verdict = check_owner_limit(Owners(PRIMARY, count, 5), new_limit, client=client)
    assert outcome(verdict) == expected
    assert verdict.conflict == (not verdict.allowed)  # 409s, not 403s


def test_owner_limit_and_inactive_nominee_are_conflicts_and_rank_refusals_are_not():
    owner, viewer = people("owner", "viewer", target_primary=False)
    full = check_role_change(owner, viewer, role("owner"), Owners(PRIMARY, 2, 2))
    assert (full.code, full.conflict) == ("OWNER_LIMIT_REACHED", True)
    admin, co_owner = people("admin", "owner", target_primary=False)
    refused = check_role_change(admin, co_owner, role("viewer"), Owners(PRIMARY, 2, 2))
    assert (refused.code, refused.conflict) == ("OWNER_IMMUTABLE", False)


def test_without_the_workspaces_owners_every_owner_is_the_one_owner():
    """The checks called as before co-owners existed keep the single-owner rules."""
    owner, co_owner = people("owner", "owner", target_primary=False)
    assert outcome(check_removal(owner, co_owner)) == OWNER_IMMUTABLE
    assert outcome(check_leave(co_owner)) == OWNER_CANNOT_LEAVE
    viewer = member("viewer", "u-viewer")
    assert outcome(check_role_change(owner, viewer, role("owner"))) == OWNER_IMMUTABLE
