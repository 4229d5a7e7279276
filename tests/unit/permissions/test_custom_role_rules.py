"""Who may define, change and delete a custom role (issue 4; docs/decisions.md).

Every built-in role defines a set of candidate roles; the expected verdict is restated
here from the rule in plain words: the actor holds roles:manage; the role ranks from 1 to
79 and below the actor; it grants nothing owner-only and nothing the actor lacks; a role
being changed or deleted is itself below the actor.
"""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    BUILTIN_ROLES,
    Permission,
    RoleDefinition,
    Subject,
    check_custom_role,
    check_custom_role_delete,
)

P = Permission


def custom(rank: int, *permissions: Permission, key: str = "qa") -> RoleDefinition:
    return RoleDefinition(
        key=key, name=key, rank=rank, permissions=frozenset(permissions), builtin=False
    )


def subject(role: RoleDefinition) -> Subject:
    return Subject(user_id="actor", role=role)


CANDIDATES = {
    "low-and-plain": custom(10, P.WORKSPACE_VIEW),
    "just-below-admin": custom(79, P.WORKSPACE_VIEW),
    "at-admin-rank": custom(80, P.WORKSPACE_VIEW),
    "rank-zero": custom(0, P.WORKSPACE_VIEW),
    "billing-rights": custom(20, P.BILLING_MANAGE),
    "workspace-delete": custom(20, P.WORKSPACE_DELETE),
    "ownership-transfer": custom(20, P.OWNERSHIP_TRANSFER),
    "recordings": custom(20, P.RECORDINGS_VIEW, P.CALLS_VIEW),
    "role-managers": custom(50, P.ROLES_MANAGE, P.MEMBERS_VIEW),
    # Issue 20's strings are in the catalogue, so a custom role may hold them.
    "flows-channels-workflows": custom(
        30, P.FLOWS_MANAGE, P.CHANNELS_MANAGE, P.WORKFLOWS_DEPLOY, P.INTEGRATIONS_MANAGE
    ),
    "campaigns-live-knowledge": custom(20, P.CAMPAIGNS_USE, P.LIVE_VIEW, P.KNOWLEDGE_VIEW),
}


def expected(actor: RoleDefinition, role: RoleDefinition) -> tuple[bool, str]:
    if P.ROLES_MANAGE not in actor.permissions:
        return False, "PERMISSION_DENIED"
    if not 1 <= role.rank <= 79 or role.rank >= actor.rank:
        return False, "ROLE_RANK_TOO_LOW"
    if role.permissions & {P.WORKSPACE_DELETE, P.OWNERSHIP_TRANSFER}:
        return False, "OWNER_ONLY_PERMISSION"
    if not role.permissions <= actor.permissions:
        return False, "GRANT_EXCEEDS_OWN"
    return True, ""


@pytest.mark.parametrize("actor_key", sorted(BUILTIN_ROLES))
@pytest.mark.parametrize("candidate", sorted(CANDIDATES))
def test_defining_a_role(actor_key: str, candidate: str) -> None:
    actor, role = BUILTIN_ROLES[actor_key], CANDIDATES[candidate]
    verdict = check_custom_role(subject(actor), role)
    assert (verdict.allowed, verdict.code) == expected(actor, role)


MANAGER_OF_ROLES = custom(50, P.ROLES_MANAGE, P.MEMBERS_VIEW, P.WORKSPACE_VIEW, key="lead")


@pytest.mark.parametrize(
    ("role", "allowed", "code"),
    [
        (custom(49, P.MEMBERS_VIEW), True, ""),
        (custom(50, P.MEMBERS_VIEW), False, "ROLE_RANK_TOO_LOW"),
        (custom(10, P.CALLS_VIEW), False, "GRANT_EXCEEDS_OWN"),
        (custom(10, P.ROLES_MANAGE), True, ""),
    ],
    ids=["below", "at-own-rank", "beyond-own", "passes-on-roles-manage"],
)
def test_a_custom_role_that_manages_roles_defines_only_below_itself(role, allowed, code):
    verdict = check_custom_role(subject(MANAGER_OF_ROLES), role)
    assert (verdict.allowed, verdict.code) == (allowed, code)


@pytest.mark.parametrize(
    ("existing_rank", "actor_key", "allowed", "code"),
    [
        (79, "owner", True, ""),
        (79, "admin", True, ""),
        (50, "manager", False, "PERMISSION_DENIED"),
        (60, "lead", False, "ROLE_RANK_TOO_LOW"),
        (50, "lead", False, "ROLE_RANK_TOO_LOW"),
        (49, "lead", True, ""),
    ],
)
def test_changing_or_deleting_needs_the_role_below_the_actor(
    existing_rank, actor_key, allowed, code
):
    actor = MANAGER_OF_ROLES if actor_key == "lead" else BUILTIN_ROLES[actor_key]
    existing = custom(existing_rank, P.WORKSPACE_VIEW)
    renamed = existing.model_copy(update={"name": "renamed", "rank": 10})
    for verdict in (
        check_custom_role(subject(actor), renamed, existing),
        check_custom_role_delete(subject(actor), existing),
    ):
        assert (verdict.allowed, verdict.code) == (allowed, code)


def test_built_in_roles_are_not_custom_roles_to_change():
    owner = subject(BUILTIN_ROLES["owner"])
    viewer = BUILTIN_ROLES["viewer"]
    verdict = check_custom_role_delete(owner, viewer)
    assert (verdict.allowed, verdict.code) == (False, "BUILTIN_ROLE_IMMUTABLE")
    verdict = check_custom_role(owner, viewer.model_copy(update={"name": "x"}), viewer)
    assert (verdict.allowed, verdict.code) == (False, "BUILTIN_ROLE_IMMUTABLE")
