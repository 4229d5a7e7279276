"""Who may give an agency's staff which role in a client: every built-in assigner against
every built-in role, and custom roles at the edges."""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    BUILTIN_ROLES,
    Permission,
    RoleDefinition,
    Subject,
    check_client_assignment,
    effective_permissions,
)


def subject(role: RoleDefinition) -> Subject:
    return Subject(user_id="assigner", role=role)


def expected(assigner: RoleDefinition, role: RoleDefinition) -> str:
    held = effective_permissions(subject(assigner))
    if Permission.CLIENTS_MANAGE not in held:
        return "PERMISSION_DENIED"
    if role.key == "owner":
        return "OWNER_IMMUTABLE"
    if not role.permissions <= held:
        return "GRANT_EXCEEDS_OWN"
    return ""


@pytest.mark.parametrize("assigner", sorted(BUILTIN_ROLES))
@pytest.mark.parametrize("role", sorted(BUILTIN_ROLES))
def test_builtin_assigners_and_roles(assigner, role):
    verdict = check_client_assignment(subject(BUILTIN_ROLES[assigner]), BUILTIN_ROLES[role])
    assert verdict.code == expected(BUILTIN_ROLES[assigner], BUILTIN_ROLES[role])
    assert verdict.allowed is (verdict.code == "")


def test_the_table_is_not_vacuous():
    """Owner and admin assign admin; nobody else assigns anything."""
    owner, admin, member = (BUILTIN_ROLES[k] for k in ("owner", "admin", "member"))
    assert check_client_assignment(subject(owner), BUILTIN_ROLES["admin"])
    assert check_client_assignment(subject(admin), BUILTIN_ROLES["admin"])
    assert not check_client_assignment(subject(admin), BUILTIN_ROLES["billing"])
    assert not check_client_assignment(subject(member), BUILTIN_ROLES["viewer"])


def custom(*permissions: Permission) -> RoleDefinition:
    return RoleDefinition(
        key="lead", name="Lead", rank=50, permissions=frozenset(permissions), builtin=False
    )


def test_a_custom_role_holding_clients_manage_assigns_within_its_own_permissions():
    lead = custom(Permission.CLIENTS_MANAGE, Permission.WORKSPACE_VIEW, Permission.AGENTS_VIEW)
    assert check_client_assignment(subject(lead), custom(Permission.AGENTS_VIEW))
    verdict = check_client_assignment(subject(lead), BUILTIN_ROLES["viewer"])
    assert verdict.code == "GRANT_EXCEEDS_OWN"
