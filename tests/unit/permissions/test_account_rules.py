"""Managed accounts (issue 16): who may set a member's password, end their sessions or
delete their account, and the rule that keeps a workspace from taking over a person who
belongs to another workspace.

As in test_rank_rules.py, the expected verdicts come from the small literal tables below
and the rule restated in plain Python, never from the code under test.
"""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    RoleDefinition,
    Subject,
    builtin_role,
    check_account_change,
    check_managed_member,
    check_sign_out,
    controls_account,
)
from tests.unit.permissions.role_table import RANKS, ROLES

# API.md, "Managed accounts": permission `members:manage_accounts` (owner, admin).
HOLDERS = {"owner", "admin"}

ALLOWED = (True, "")
PERMISSION_DENIED = (False, "PERMISSION_DENIED")
ROLE_RANK_TOO_LOW = (False, "ROLE_RANK_TOO_LOW")
CANNOT_CHANGE_SELF = (False, "CANNOT_CHANGE_SELF")
OWNER_IMMUTABLE = (False, "OWNER_IMMUTABLE")
NOT_MANAGED = (False, "MEMBER_NOT_MANAGED")

PAIRS = [(actor, target) for actor in ROLES for target in ROLES]
PAIR_IDS = [f"{actor}-on-{target}" for actor, target in PAIRS]


def role(key: str) -> RoleDefinition:
    found = builtin_role(key)
    assert found is not None
    return found


def subject(role_key: str, user_id: str) -> Subject:
    return Subject(user_id=user_id, role=role(role_key))


def outcome(verdict) -> tuple[bool, str]:
    return verdict.allowed, verdict.code


def expected_change(actor: str, target: str) -> tuple[bool, str]:
    """Setting another member's password: the permission, then the rank rule of removal."""
    if actor not in HOLDERS:
        return PERMISSION_DENIED
    if target == "owner":
        return OWNER_IMMUTABLE
    if RANKS[target] >= RANKS[actor]:
        return ROLE_RANK_TOO_LOW
    return ALLOWED


@pytest.mark.parametrize(("actor", "target"), PAIRS, ids=PAIR_IDS)
def test_setting_another_members_password(actor, target):
    verdict = check_account_change(subject(actor, "u-actor"), subject(target, "u-target"))
    assert outcome(verdict) == expected_change(actor, target)


@pytest.mark.parametrize(("actor", "target"), PAIRS, ids=PAIR_IDS)
def test_signing_another_member_out(actor, target):
    verdict = check_sign_out(subject(actor, "u-actor"), subject(target, "u-target"))
    assert outcome(verdict) == expected_change(actor, target)


@pytest.mark.parametrize("who", ROLES)
def test_nobody_sets_their_own_password_here(who):
    """Not even the owner: a person changes their own password at the identity
    provider, with the old one."""
    me = subject(who, "u-me")
    expected = PERMISSION_DENIED if who not in HOLDERS else CANNOT_CHANGE_SELF
    assert outcome(check_account_change(me, me)) == expected


@pytest.mark.parametrize("who", ROLES)
def test_everyone_may_sign_themselves_out(who):
    me = subject(who, "u-me")
    assert outcome(check_sign_out(me, me)) == ALLOWED


# The workspace's control of an account: it made it, and the person is nowhere else.
CONTROL = [
    # (created by, workspaces the person is a member of, expected)
    ("ws-a", 1, ALLOWED),
    ("ws-a", 2, NOT_MANAGED),  # invited to B since: B's admin must not take them over
    ("ws-a", 3, NOT_MANAGED),
    ("ws-b", 1, NOT_MANAGED),  # another workspace made the account
    ("ws-b", 2, NOT_MANAGED),
    (None, 1, NOT_MANAGED),  # an account the person made themselves (invited)
    (None, 2, NOT_MANAGED),
]


@pytest.mark.parametrize(("managed_by", "workspaces", "expected"), CONTROL)
def test_a_workspace_controls_only_an_account_it_made_for_someone_of_its_own(
    managed_by, workspaces, expected
):
    assert outcome(controls_account("ws-a", managed_by, workspaces)) == expected


@pytest.mark.parametrize("actor", ROLES)
@pytest.mark.parametrize("new_role", [r for r in ROLES if r != "owner"])
def test_creating_a_member_grants_as_an_invitation_would(actor, new_role):
    """Only holders of members:manage_accounts, and only a role below their own (only
    the owner makes an admin)."""
    verdict = check_managed_member(subject(actor, "u-actor"), role(new_role))
    if actor not in HOLDERS:
        assert outcome(verdict) == PERMISSION_DENIED
    elif RANKS[new_role] >= RANKS[actor]:
        assert not verdict.allowed
        assert verdict.code == "ROLE_RANK_TOO_LOW"
    else:
        assert outcome(verdict) == ALLOWED
