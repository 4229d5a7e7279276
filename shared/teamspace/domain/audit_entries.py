"""What one event becomes in the audit log: its target and a summary without secrets.

Events never carry a token, a key or a secret (docs/events.md), and the summary keeps
only fields known to be safe to show an auditor, so a field added to an event later
stays out of the log until it is added here on purpose.
"""

from __future__ import annotations

from typing import Any

from teamspace.core.events import DetailType

# Fields of event data that may appear in a record's summary.
SAFE_FIELDS = frozenset(
    {
        "name",
        "type",
        "ownerId",
        "changed",
        "changes",
        "invitationId",
        "email",
        "role",
        "previousRole",
        "invitedBy",
        "expiresAt",
        "sendEmail",
        "userId",
        "fromUserId",
        "toUserId",
        "fromEmail",
        "toEmail",
        "workspaceName",
        "key",
        "rank",
        "permissions",
        "keyId",
        "prefix",
        "reason",
        "source",
        "via",
        "createdBy",
        "passwordSet",
        # A workspace's SMTP server: where its mail goes, never how it logs in.
        "host",
        "port",
        "security",
        "fromAddress",
        "fromName",
        "authenticated",
        "passwordChanged",
        # A key's use in a window: how many calls, on which route keys (no ids, no query).
        "windowStart",
        "calls",
        "routes",
        # Plans and security controls: which plan, and which controls are on.
        "plan",
        "previousPlan",
        "billingEventId",
        "securityControls",
        # A client's use of its minute budget, announced to its agency.
        "clientId",
        "percent",
        "minutesUsed",
        "minuteBudget",
        "period",
        # A member's availability for escalations (issue 20).
        "availability",
        "previousAvailability",
    }
)


def target_of(detail_type: str, workspace_id: str, data: dict[str, Any]) -> dict[str, str]:
    """What an event is about: a member, an invitation, a role, a key, the workspace."""
    if detail_type.startswith("Invitation"):
        return {"type": "invitation", "id": str(data.get("invitationId", ""))}
    if detail_type.startswith("OwnershipTransfer"):
        return {"type": "member", "id": str(data.get("toUserId", ""))}
    if detail_type in (DetailType.ROLE_CREATED, DetailType.ROLE_DELETED):
        return {"type": "role", "id": str(data.get("key", ""))}
    if detail_type == DetailType.ROLE_UPDATED:
        return {"type": "role", "id": str(data.get("role", {}).get("key", ""))}
    if detail_type.startswith("SmtpIntegration"):
        return {"type": "integration", "id": "smtp"}
    if detail_type.startswith("ApiKey"):
        return {"type": "apiKey", "id": str(data.get("keyId", ""))}
    if detail_type == DetailType.MINUTE_BUDGET_THRESHOLD_REACHED:
        return {"type": "workspace", "id": str(data.get("clientId", ""))}
    if "userId" in data:
        return {"type": "member", "id": str(data["userId"])}
    return {"type": "workspace", "id": workspace_id}


def summary_of(data: dict[str, Any]) -> dict[str, Any]:
    """The event's data, safe fields only (nested values are kept whole: they are role
    definitions and lists of changed field names, never credentials)."""
    return {key: value for key, value in data.items() if key in SAFE_FIELDS}
