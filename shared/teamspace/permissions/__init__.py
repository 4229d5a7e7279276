"""The permission layer: roles, permission strings, rank rules, evaluation. No I/O.

Every HTTP function asks this package before acting; nothing else decides access.
It imports nothing but pydantic and the standard library.

The names below load with the module that defines them, on first use (PEP 562): a
function that needs only the permission catalogue does not load the pydantic models of
roles and grants at its cold start.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from teamspace.permissions.accounts import (
        check_account_change,
        check_managed_member,
        check_sign_out,
        controls_account,
    )
    from teamspace.permissions.availability import check_availability
    from teamspace.permissions.catalogue import (
        AGENT_SCOPED,
        ALL_PERMISSIONS,
        PERMISSION_INFO,
        Permission,
        parse_permission,
    )
    from teamspace.permissions.delegation import check_client_assignment
    from teamspace.permissions.evaluation import Decision, decide, effective_permissions, holds
    from teamspace.permissions.grants import TOGGLE_PERMISSIONS, MemberStatus, Subject, Toggles
    from teamspace.permissions.keys import KEY_NEVER, key_permissions, key_subject
    from teamspace.permissions.owners import MAX_OWNERS_LIMIT, MAX_OWNERS_SETTING, Owners
    from teamspace.permissions.plans import (
        Feature,
        Plan,
        PlanCatalogue,
        check_feature,
        check_plan_settings,
        check_room,
        parse_catalogue,
    )
    from teamspace.permissions.policies import (
        SecurityPolicy,
        check_email_domain,
        check_mfa,
        check_owner_only_settings,
        check_policy_change,
    )
    from teamspace.permissions.rank_rules import (
        Verdict,
        check_api_key_role,
        check_custom_role,
        check_custom_role_delete,
        check_grants_update,
        check_invitation,
        check_leave,
        check_owner_limit,
        check_profile_update,
        check_removal,
        check_role_change,
        check_suspension,
        may_grant_role,
    )
    from teamspace.permissions.roles import (
        ADMIN,
        BUILTIN_ROLES,
        CUSTOM_RANK_DEFAULT,
        CUSTOM_RANK_MAX,
        OWNER,
        OWNER_ONLY,
        RoleDefinition,
        builtin_role,
        role_summary,
        unknown_role,
    )
    from teamspace.permissions.standing import Use, check_standing, is_suspended

_HOME = {
    "check_account_change": "teamspace.permissions.accounts",
    "check_managed_member": "teamspace.permissions.accounts",
    "check_sign_out": "teamspace.permissions.accounts",
    "controls_account": "teamspace.permissions.accounts",
    "check_availability": "teamspace.permissions.availability",
    "AGENT_SCOPED": "teamspace.permissions.catalogue",
    "ALL_PERMISSIONS": "teamspace.permissions.catalogue",
    "PERMISSION_INFO": "teamspace.permissions.catalogue",
    "Permission": "teamspace.permissions.catalogue",
    "parse_permission": "teamspace.permissions.catalogue",
    "check_client_assignment": "teamspace.permissions.delegation",
    "Decision": "teamspace.permissions.evaluation",
    "decide": "teamspace.permissions.evaluation",
    "effective_permissions": "teamspace.permissions.evaluation",
    "holds": "teamspace.permissions.evaluation",
    "TOGGLE_PERMISSIONS": "teamspace.permissions.grants",
    "MemberStatus": "teamspace.permissions.grants",
    "Subject": "teamspace.permissions.grants",
    "Toggles": "teamspace.permissions.grants",
    "KEY_NEVER": "teamspace.permissions.keys",
    "key_permissions": "teamspace.permissions.keys",
    "key_subject": "teamspace.permissions.keys",
    "Feature": "teamspace.permissions.plans",
    "Plan": "teamspace.permissions.plans",
    "PlanCatalogue": "teamspace.permissions.plans",
    "check_feature": "teamspace.permissions.plans",
    "check_plan_settings": "teamspace.permissions.plans",
    "check_room": "teamspace.permissions.plans",
    "parse_catalogue": "teamspace.permissions.plans",
    "MAX_OWNERS_LIMIT": "teamspace.permissions.owners",
    "MAX_OWNERS_SETTING": "teamspace.permissions.owners",
    "Owners": "teamspace.permissions.owners",
    "SecurityPolicy": "teamspace.permissions.policies",
    "check_email_domain": "teamspace.permissions.policies",
    "check_mfa": "teamspace.permissions.policies",
    "check_owner_only_settings": "teamspace.permissions.policies",
    "check_policy_change": "teamspace.permissions.policies",
    "Verdict": "teamspace.permissions.rank_rules",
    "check_api_key_role": "teamspace.permissions.rank_rules",
    "check_custom_role": "teamspace.permissions.rank_rules",
    "check_custom_role_delete": "teamspace.permissions.rank_rules",
    "check_grants_update": "teamspace.permissions.rank_rules",
    "check_invitation": "teamspace.permissions.rank_rules",
    "check_leave": "teamspace.permissions.rank_rules",
    "check_owner_limit": "teamspace.permissions.rank_rules",
    "check_profile_update": "teamspace.permissions.rank_rules",
    "check_removal": "teamspace.permissions.rank_rules",
    "check_role_change": "teamspace.permissions.rank_rules",
    "check_suspension": "teamspace.permissions.rank_rules",
    "may_grant_role": "teamspace.permissions.rank_rules",
    "Use": "teamspace.permissions.standing",
    "check_standing": "teamspace.permissions.standing",
    "is_suspended": "teamspace.permissions.standing",
    "ADMIN": "teamspace.permissions.roles",
    "BUILTIN_ROLES": "teamspace.permissions.roles",
    "CUSTOM_RANK_DEFAULT": "teamspace.permissions.roles",
    "CUSTOM_RANK_MAX": "teamspace.permissions.roles",
    "OWNER": "teamspace.permissions.roles",
    "OWNER_ONLY": "teamspace.permissions.roles",
    "RoleDefinition": "teamspace.permissions.roles",
    "builtin_role": "teamspace.permissions.roles",
    "role_summary": "teamspace.permissions.roles",
    "unknown_role": "teamspace.permissions.roles",
}


def __getattr__(name: str) -> Any:
    try:
        home = _HOME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(home), name)
    globals()[name] = value  # the next look-up is an ordinary one
    return value


__all__ = [
    "ADMIN",
    "AGENT_SCOPED",
    "ALL_PERMISSIONS",
    "BUILTIN_ROLES",
    "CUSTOM_RANK_DEFAULT",
    "CUSTOM_RANK_MAX",
    "KEY_NEVER",
    "MAX_OWNERS_LIMIT",
    "MAX_OWNERS_SETTING",
    "OWNER",
    "OWNER_ONLY",
    "PERMISSION_INFO",
    "TOGGLE_PERMISSIONS",
    "Decision",
    "Feature",
    "MemberStatus",
    "Owners",
    "Permission",
    "Plan",
    "PlanCatalogue",
    "RoleDefinition",
    "SecurityPolicy",
    "Subject",
    "Toggles",
    "Use",
    "Verdict",
    "builtin_role",
    "check_account_change",
    "check_api_key_role",
    "check_availability",
    "check_client_assignment",
    "check_custom_role",
    "check_custom_role_delete",
    "check_email_domain",
    "check_feature",
    "check_grants_update",
    "check_invitation",
    "check_leave",
    "check_managed_member",
    "check_mfa",
    "check_owner_limit",
    "check_owner_only_settings",
    "check_plan_settings",
    "check_policy_change",
    "check_profile_update",
    "check_removal",
    "check_role_change",
    "check_room",
    "check_sign_out",
    "check_standing",
    "check_suspension",
    "controls_account",
    "decide",
    "effective_permissions",
    "holds",
    "is_suspended",
    "key_permissions",
    "key_subject",
    "may_grant_role",
    "parse_catalogue",
    "parse_permission",
    "role_summary",
    "unknown_role",
]
