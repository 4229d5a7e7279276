"""The permission strings Teamspace knows, with what each one lets a member do.

Permissions are `resource:action` strings. The platform's other services ask for them
by name (`POST /authorize`), so a string, once published, is never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    """Every permission a role, a toggle or a custom role can hold."""

    # Workspace
    WORKSPACE_VIEW = "workspace:view"
    WORKSPACE_UPDATE = "workspace:update"
    WORKSPACE_DELETE = "workspace:delete"
    OWNERSHIP_TRANSFER = "ownership:transfer"
    # Team
    MEMBERS_VIEW = "members:view"
    MEMBERS_INVITE = "members:invite"
    MEMBERS_UPDATE = "members:update"
    MEMBERS_CHANGE_ROLE = "members:change_role"
    MEMBERS_SUSPEND = "members:suspend"
    MEMBERS_REMOVE = "members:remove"
    MEMBERS_MANAGE_ACCOUNTS = "members:manage_accounts"
    ROLES_MANAGE = "roles:manage"
    AUDIT_VIEW = "audit:view"
    API_KEYS_MANAGE = "api_keys:manage"
    CLIENTS_MANAGE = "clients:manage"
    INTEGRATIONS_MANAGE = "integrations:manage"
    # Agents (agent-scoped: an agent assignment narrows these to the assigned agents)
    AGENTS_VIEW = "agents:view"
    AGENTS_TEST = "agents:test"
    AGENTS_EDIT = "agents:edit"
    AGENTS_ADVANCED_EDITOR = "agents:advanced_editor"
    CALLS_VIEW = "calls:view"
    RECORDINGS_VIEW = "recordings:view"
    # Platform areas
    DASHBOARD_VIEW = "dashboard:view"
    ANALYTICS_VIEW = "analytics:view"
    PLAYGROUND_USE = "playground:use"
    KNOWLEDGE_VIEW = "knowledge:view"
    KNOWLEDGE_MANAGE = "knowledge:manage"
    NUMBERS_MANAGE = "numbers:manage"
    CAMPAIGNS_MANAGE = "campaigns:manage"
    # Issue 20, from the seeds (docs/decisions.md, "Matrix holes (issue 20)").
    CAMPAIGNS_USE = "campaigns:use"
    FLOWS_MANAGE = "flows:manage"
    CHANNELS_MANAGE = "channels:manage"
    WORKFLOWS_DEPLOY = "workflows:deploy"
    LIVE_VIEW = "live:view"
    CONTACTS_MANAGE = "contacts:manage"
    CRM_ACCESS = "crm:access"
    ESCALATIONS_HANDLE = "escalations:handle"
    LIVE_CONTROL = "live:control"
    # Billing
    BILLING_MANAGE = "billing:manage"
    BILLING_MINUTES_VIEW = "billing:minutes_view"
    USAGE_VIEW = "usage:view"


@dataclass(frozen=True, slots=True)
class PermissionInfo:
    """What a permission means, for generated documentation and `GET /roles`."""

    permission: Permission
    summary: str
    agent_scoped: bool = False


_INFO: tuple[PermissionInfo, ...] = (
    PermissionInfo(Permission.WORKSPACE_VIEW, "See the workspace's name, type and settings"),
    PermissionInfo(Permission.WORKSPACE_UPDATE, "Change name, description, logo and settings"),
    PermissionInfo(Permission.WORKSPACE_DELETE, "Delete the workspace"),
    PermissionInfo(Permission.OWNERSHIP_TRANSFER, "Hand the workspace to another member"),
    PermissionInfo(Permission.MEMBERS_VIEW, "See the team list"),
    PermissionInfo(Permission.MEMBERS_INVITE, "Invite team members"),
    PermissionInfo(
        Permission.MEMBERS_UPDATE, "Edit other members' profile, toggles and agent assignment"
    ),
    PermissionInfo(Permission.MEMBERS_CHANGE_ROLE, "Change member roles"),
    PermissionInfo(Permission.MEMBERS_SUSPEND, "Suspend and reactivate members"),
    PermissionInfo(Permission.MEMBERS_REMOVE, "Remove members"),
    PermissionInfo(
        Permission.MEMBERS_MANAGE_ACCOUNTS,
        "Create members' accounts, set their passwords and end their sessions",
    ),
    PermissionInfo(Permission.ROLES_MANAGE, "Create, change and delete custom roles"),
    PermissionInfo(Permission.AUDIT_VIEW, "Read, verify and export the audit log"),
    PermissionInfo(Permission.API_KEYS_MANAGE, "Create and revoke API keys"),
    PermissionInfo(
        Permission.CLIENTS_MANAGE,
        "Agencies: create client workspaces, set their minute budgets, assign staff to them",
    ),
    PermissionInfo(
        Permission.INTEGRATIONS_MANAGE,
        "Manage the workspace's integrations, its own SMTP server for its mail among them",
    ),
    PermissionInfo(Permission.AGENTS_VIEW, "See agent configuration", agent_scoped=True),
    PermissionInfo(Permission.AGENTS_TEST, "Use and test agents", agent_scoped=True),
    PermissionInfo(Permission.AGENTS_EDIT, "Create and edit agents", agent_scoped=True),
    PermissionInfo(
        Permission.AGENTS_ADVANCED_EDITOR, "Use the advanced agent editor", agent_scoped=True
    ),
    PermissionInfo(Permission.CALLS_VIEW, "View call logs and conversations", agent_scoped=True),
    PermissionInfo(Permission.RECORDINGS_VIEW, "Listen to call recordings", agent_scoped=True),
    PermissionInfo(Permission.DASHBOARD_VIEW, "View the dashboard"),
    PermissionInfo(Permission.ANALYTICS_VIEW, "View analytics"),
    PermissionInfo(Permission.PLAYGROUND_USE, "Use the playground"),
    PermissionInfo(Permission.KNOWLEDGE_VIEW, "See knowledge bases"),
    PermissionInfo(Permission.KNOWLEDGE_MANAGE, "Manage knowledge bases"),
    PermissionInfo(Permission.NUMBERS_MANAGE, "Manage phone numbers"),
    PermissionInfo(Permission.CAMPAIGNS_MANAGE, "Create and run campaigns"),
    PermissionInfo(Permission.CAMPAIGNS_USE, "Use the workspace's campaigns and see their results"),
    PermissionInfo(Permission.FLOWS_MANAGE, "Create and manage flows"),
    PermissionInfo(Permission.CHANNELS_MANAGE, "Create and manage channels"),
    PermissionInfo(Permission.WORKFLOWS_DEPLOY, "Deploy workflows"),
    PermissionInfo(Permission.CONTACTS_MANAGE, "Manage contacts: CSV import, tags"),
    PermissionInfo(Permission.CRM_ACCESS, "Use the CRM module: contacts, segments, campaigns"),
    PermissionInfo(Permission.ESCALATIONS_HANDLE, "View and claim calls in the escalation queue"),
    PermissionInfo(Permission.LIVE_VIEW, "Monitor Live Space: watch calls as they happen"),
    PermissionInfo(Permission.LIVE_CONTROL, "Live call controls: whisper, barge"),
    PermissionInfo(Permission.BILLING_MANAGE, "Billing, invoices and payment methods"),
    PermissionInfo(Permission.BILLING_MINUTES_VIEW, "See billable minutes"),
    PermissionInfo(Permission.USAGE_VIEW, "See usage statistics"),
)

PERMISSION_INFO: dict[Permission, PermissionInfo] = {info.permission: info for info in _INFO}
ALL_PERMISSIONS: frozenset[Permission] = frozenset(Permission)
AGENT_SCOPED: frozenset[Permission] = frozenset(
    info.permission for info in _INFO if info.agent_scoped
)


def parse_permission(value: str) -> Permission | None:
    """The permission named by `value`, or None when Teamspace does not know it."""
    try:
        return Permission(value)
    except ValueError:
        return None
