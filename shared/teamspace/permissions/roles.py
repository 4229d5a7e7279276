"""The built-in roles: their ranks and the permissions each one holds.

The matrix follows the product seeds (ARCHITECTURE.md, "Roles"). Roles are not strictly
hierarchical: billing and support_agent hold rights that member does not, and lack
rights that viewer has, so every role lists its permissions in full.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from teamspace.permissions.catalogue import ALL_PERMISSIONS, PERMISSION_INFO, Permission

P = Permission

OWNER = "owner"
ADMIN = "admin"
MANAGER = "manager"
DEVELOPER = "developer"
BILLING = "billing"
SUPPORT_AGENT = "support_agent"
MEMBER = "member"
VIEWER = "viewer"

OWNER_RANK = 100
ADMIN_RANK = 80
# Custom roles sit below admin (and below whoever defines them), so that the owner and
# admin semantics of ARCHITECTURE.md hold whatever roles a workspace adds.
CUSTOM_RANK_MIN = 1
CUSTOM_RANK_MAX = ADMIN_RANK - 1
CUSTOM_RANK_DEFAULT = 20
# Deleting the workspace and handing it over belong to the owner role alone.
OWNER_ONLY = frozenset({Permission.WORKSPACE_DELETE, Permission.OWNERSHIP_TRANSFER})


class RoleDefinition(BaseModel):
    """A role a member can hold: built in, or a workspace's own custom role."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    rank: int
    permissions: frozenset[Permission]
    builtin: bool = True


_EVERYONE = frozenset({P.WORKSPACE_VIEW, P.MEMBERS_VIEW, P.DASHBOARD_VIEW})
# The viewer reads knowledge bases: seed 001 gives it "read-only access to agents,
# conversations, and knowledge bases", and ARCHITECTURE.md's viewer row, which leaves
# them out, lists what the viewer reads without excluding anything (issue 20).
_VIEWER = _EVERYONE | {P.CALLS_VIEW, P.ANALYTICS_VIEW, P.AGENTS_VIEW, P.KNOWLEDGE_VIEW}
# The member uses campaigns (seed 003) and monitors Live Space (seed 002); every role
# built on it (manager, developer) holds them too, as seed 003's hierarchy has it.
_MEMBER = _VIEWER | {P.AGENTS_TEST, P.PLAYGROUND_USE, P.CAMPAIGNS_USE, P.LIVE_VIEW}
_ADMIN = ALL_PERMISSIONS - {
    P.WORKSPACE_DELETE,
    P.OWNERSHIP_TRANSFER,
    P.BILLING_MANAGE,
    P.BILLING_MINUTES_VIEW,
    P.USAGE_VIEW,
}

BUILTIN_ROLES: dict[str, RoleDefinition] = {
    role.key: role
    for role in (
        RoleDefinition(key=OWNER, name="Owner", rank=OWNER_RANK, permissions=ALL_PERMISSIONS),
        RoleDefinition(key=ADMIN, name="Admin", rank=ADMIN_RANK, permissions=_ADMIN),
        RoleDefinition(
            key=MANAGER,
            name="Manager",
            rank=60,
            permissions=_MEMBER | {P.CAMPAIGNS_MANAGE, P.CONTACTS_MANAGE, P.CRM_ACCESS},
        ),
        RoleDefinition(
            key=DEVELOPER,
            name="Developer",
            rank=60,
            permissions=_MEMBER
            | {
                P.AGENTS_EDIT,
                P.AGENTS_ADVANCED_EDITOR,
                P.KNOWLEDGE_MANAGE,
                P.RECORDINGS_VIEW,
            },
        ),
        RoleDefinition(
            key=BILLING,
            name="Billing",
            rank=40,
            permissions=_EVERYONE | {P.BILLING_MANAGE, P.BILLING_MINUTES_VIEW, P.USAGE_VIEW},
        ),
        RoleDefinition(
            key=SUPPORT_AGENT,
            name="Support agent",
            rank=40,
            # Live Space controls (seed 002) act on the calls the agent watches there.
            permissions=_EVERYONE
            | {P.CALLS_VIEW, P.ESCALATIONS_HANDLE, P.LIVE_VIEW, P.LIVE_CONTROL},
        ),
        RoleDefinition(key=MEMBER, name="Member", rank=30, permissions=_MEMBER),
        RoleDefinition(key=VIEWER, name="Viewer", rank=10, permissions=_VIEWER),
    )
}


# One line on what each built-in role allows, for people rather than for the rules (the
# invitation mail says it beside the role's name). From ARCHITECTURE.md's "Roles" table.
_SUMMARIES: dict[str, str] = {
    OWNER: "Everything, including billing, white-label settings, deleting the workspace "
    "and handing it over.",
    ADMIN: "Manage agents, flows, channels, knowledge bases, numbers, integrations, "
    "members, roles below admin and settings; deploy workflows; no billing.",
    MANAGER: "Run campaigns and manage contacts (CSV import, tags); no member management "
    "or agent editing.",
    DEVELOPER: "Create and manage agents, view conversations and knowledge bases; no team "
    "or billing.",
    BILLING: "Billing, invoices, payment methods and usage; no agents or conversations.",
    SUPPORT_AGENT: "The escalation queue: view and claim calls; Live Space: monitor, "
    "whisper and barge.",
    MEMBER: "Use and test agents, the playground, campaigns, call logs, dashboards and "
    "Live Space monitoring.",
    VIEWER: "Read-only: dashboards, call history, analytics, agent configuration and "
    "knowledge bases.",
}
# A custom role is described by what it holds: at most this many of its permissions.
_SUMMARY_PERMISSIONS = 3


def role_summary(role: RoleDefinition) -> str:
    """One line on what `role` allows: the built-in role's own, or for a custom role the
    first few of its permissions' summaries (in the catalogue's order)."""
    if role.builtin and role.key in _SUMMARIES:
        return _SUMMARIES[role.key]
    held = [info.summary for p, info in PERMISSION_INFO.items() if p in role.permissions]
    if not held:
        return "No permissions in this workspace yet."
    shown = held[:_SUMMARY_PERMISSIONS]
    more = len(held) - len(shown)
    line = "; ".join(shown)
    return f"{line}; and {more} more." if more else f"{line}."


def builtin_role(key: str) -> RoleDefinition | None:
    """The built-in role called `key`, or None."""
    return BUILTIN_ROLES.get(key)


def unknown_role(key: str) -> RoleDefinition:
    """What a member holds whose role no longer resolves: nothing, at the lowest rank."""
    return RoleDefinition(key=key, name=key, rank=0, permissions=frozenset(), builtin=False)
