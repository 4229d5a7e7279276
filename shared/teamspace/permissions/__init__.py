"""The permission layer: roles, permission strings, rank rules, evaluation. No I/O.

Every HTTP function asks this package before acting; nothing else decides access.
It imports nothing but pydantic and the standard library.
"""

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
from teamspace.permissions.policies import (
    SecurityPolicy,
    check_email_domain,
    check_mfa,
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
    unknown_role,
)

__all__ = [
    "ADMIN",
    "AGENT_SCOPED",
    "ALL_PERMISSIONS",
    "BUILTIN_ROLES",
    "CUSTOM_RANK_DEFAULT",
    "CUSTOM_RANK_MAX",
    "OWNER",
    "OWNER_ONLY",
    "PERMISSION_INFO",
    "TOGGLE_PERMISSIONS",
    "Decision",
    "MemberStatus",
    "Permission",
    "RoleDefinition",
    "SecurityPolicy",
    "Subject",
    "Toggles",
    "Verdict",
    "builtin_role",
    "check_api_key_role",
    "check_client_assignment",
    "check_custom_role",
    "check_custom_role_delete",
    "check_email_domain",
    "check_grants_update",
    "check_invitation",
    "check_leave",
    "check_mfa",
    "check_policy_change",
    "check_profile_update",
    "check_removal",
    "check_role_change",
    "check_suspension",
    "decide",
    "effective_permissions",
    "holds",
    "may_grant_role",
    "parse_permission",
    "unknown_role",
]
