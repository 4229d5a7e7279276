"""The built-in roles and their ranks as ARCHITECTURE.md's "Roles" table writes them: the
expected values the rule tables check the permission layer against (written here once,
never read from the layer itself)."""

from __future__ import annotations

ROLES = ("owner", "admin", "manager", "developer", "billing", "support_agent", "member", "viewer")

RANKS = {
    "owner": 100,
    "admin": 80,
    "manager": 60,
    "developer": 60,
    "billing": 40,
    "support_agent": 40,
    "member": 30,
    "viewer": 10,
}

# Which built-in roles hold the permission each rank rule requires (seed 000 matrix:
# only Owner and Admin change roles, remove or manage members).
HOLDERS = {
    "members:change_role": {"owner", "admin"},
    "members:remove": {"owner", "admin"},
    "members:suspend": {"owner", "admin"},
    "members:update": {"owner", "admin"},
}
