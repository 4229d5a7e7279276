"""The `data` of each event, one model per detail-type.

Every event is validated against its model when it is built, before it reaches the
outbox, and docs/events.md is generated from these models. The models forbid unknown
fields, so nothing (a token, a key, a request body) can ride along by accident.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from teamspace.core.events import Actor, DetailType, EventDetail, OutboxEvent


class EventData(BaseModel):
    # Built when an event of its type is first written: a function builds a few of these.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class WorkspaceCreatedData(EventData):
    name: str
    type: str
    ownerId: str
    # A client workspace: its agency, and the minutes its budget took from the pool.
    parentWorkspaceId: str | None = None
    minuteBudget: int | None = None


class WorkspaceUpdatedData(EventData):
    changed: list[str]


class WorkspaceDeletedData(EventData):
    name: str


class WorkspaceStandingData(EventData):
    """The billing service suspended or reactivated the workspace (actor: system
    `billing`): its name, and the reason the billing service gave, if any."""

    name: str
    reason: str | None = None


class InvitationSentData(EventData):
    """A link is (re)issued: the mailer sends it unless the inviter passes it on."""

    invitationId: str
    email: str
    role: str
    invitedBy: str
    expiresAt: str
    sendId: int
    sendEmail: bool


class InvitationClosedData(EventData):
    invitationId: str
    email: str
    role: str


class InvitationAcceptedData(EventData):
    invitationId: str
    userId: str


class MemberJoinedData(EventData):
    """Joined by accepting an invitation, or (agency staff in a client) by an assignment:
    then `via` names the agency and `invitedBy` the member who assigned them."""

    userId: str
    email: str
    role: str
    invitationId: str | None = None
    invitedBy: str
    via: str | None = None


class MemberUpdatedData(EventData):
    userId: str
    changes: dict[str, Any]


class MemberRoleChangedData(EventData):
    userId: str
    previousRole: str
    role: str


class MemberStatusData(EventData):
    userId: str
    role: str


class MemberGoneData(EventData):
    userId: str
    email: str
    role: str


class MemberSignedInData(EventData):
    """A member signed in (Cognito post-authentication): one event per workspace."""

    userId: str
    source: str


class MemberAccountCreatedData(EventData):
    """A member whose account the workspace made (never their password: `passwordSet`
    says only whether the administrator chose one, or the welcome mail brings one)."""

    userId: str
    email: str
    name: str | None
    role: str
    workspaceName: str
    createdBy: str
    sendEmail: bool
    passwordSet: bool


class MemberAccountData(EventData):
    """A member's password set, or their sessions ended: who (never the password)."""

    userId: str


class OwnershipHandOverData(EventData):
    """A transfer asked for, or done: who from, who to, and where mail should go."""

    fromUserId: str
    fromEmail: str
    fromName: str | None
    toUserId: str
    toEmail: str
    toName: str | None
    workspaceName: str
    expiresAt: str


class OwnershipTransferEndedData(EventData):
    fromUserId: str
    toUserId: str


class RoleData(EventData):
    """A custom role as it was created or now is."""

    key: str
    name: str
    rank: int
    permissions: list[str]


class RoleUpdatedData(EventData):
    role: RoleData
    changed: list[str]


class RoleDeletedData(EventData):
    key: str
    name: str


class ApiKeyCreatedData(EventData):
    """A key was created. Never the key nor its hash: `prefix` is what lists show."""

    keyId: str
    name: str
    prefix: str
    role: str
    permissions: list[str]
    expiresAt: str | None


class ApiKeyRevokedData(EventData):
    """A key stopped working: revoked by hand, or with its creator's removal or leaving."""

    keyId: str
    name: str
    prefix: str
    reason: Literal["revoked", "creator_removed", "creator_left"]


class ApiKeyUsedData(EventData):
    """A key's calls in one 5-minute window (`windowStart`, UTC): how many, and on which
    routes (route keys, never paths: no ids, no query). Written once per window, with
    the key's `lastUsedAt`, by the first request after the window."""

    keyId: str
    windowStart: str
    calls: int
    routes: list[str]


class ApiKeyRejectedData(EventData):
    """A key that no longer works, or not here, was presented: at most once per key per
    5 minutes, however often it is tried. Never the key nor its hash."""

    keyId: str
    reason: Literal["revoked", "expired", "other_workspace"]


class SmtpIntegrationConfiguredData(EventData):
    """The workspace's mail now goes through this SMTP server. Never its credentials:
    not the password, not the user name; `authenticated` says whether it logs in, and
    `passwordChanged` whether this change set a new password."""

    host: str
    port: int
    security: Literal["starttls", "tls", "none"]
    fromAddress: str
    fromName: str | None = None
    authenticated: bool
    passwordChanged: bool


class SmtpIntegrationRemovedData(EventData):
    """The workspace's mail goes through Teamspace's own again."""

    host: str


DATA_MODELS: dict[DetailType, type[EventData]] = {
    DetailType.WORKSPACE_CREATED: WorkspaceCreatedData,
    DetailType.WORKSPACE_UPDATED: WorkspaceUpdatedData,
    DetailType.WORKSPACE_DELETED: WorkspaceDeletedData,
    DetailType.WORKSPACE_SUSPENDED: WorkspaceStandingData,
    DetailType.WORKSPACE_REACTIVATED: WorkspaceStandingData,
    DetailType.INVITATION_CREATED: InvitationSentData,
    DetailType.INVITATION_RESENT: InvitationSentData,
    DetailType.INVITATION_REVOKED: InvitationClosedData,
    DetailType.INVITATION_DECLINED: InvitationClosedData,
    DetailType.INVITATION_EXPIRED: InvitationClosedData,
    DetailType.INVITATION_ACCEPTED: InvitationAcceptedData,
    DetailType.MEMBER_JOINED: MemberJoinedData,
    DetailType.MEMBER_UPDATED: MemberUpdatedData,
    DetailType.MEMBER_ROLE_CHANGED: MemberRoleChangedData,
    DetailType.MEMBER_SUSPENDED: MemberStatusData,
    DetailType.MEMBER_REACTIVATED: MemberStatusData,
    DetailType.MEMBER_REMOVED: MemberGoneData,
    DetailType.MEMBER_LEFT: MemberGoneData,
    DetailType.MEMBER_SIGNED_IN: MemberSignedInData,
    DetailType.MEMBER_ACCOUNT_CREATED: MemberAccountCreatedData,
    DetailType.MEMBER_PASSWORD_SET: MemberAccountData,
    DetailType.MEMBER_SESSIONS_REVOKED: MemberAccountData,
    DetailType.OWNERSHIP_TRANSFER_REQUESTED: OwnershipHandOverData,
    DetailType.OWNERSHIP_TRANSFERRED: OwnershipHandOverData,
    DetailType.OWNERSHIP_TRANSFER_CANCELLED: OwnershipTransferEndedData,
    DetailType.OWNERSHIP_TRANSFER_DECLINED: OwnershipTransferEndedData,
    DetailType.ROLE_CREATED: RoleData,
    DetailType.ROLE_UPDATED: RoleUpdatedData,
    DetailType.ROLE_DELETED: RoleDeletedData,
    DetailType.API_KEY_CREATED: ApiKeyCreatedData,
    DetailType.API_KEY_REVOKED: ApiKeyRevokedData,
    DetailType.API_KEY_USED: ApiKeyUsedData,
    DetailType.API_KEY_REJECTED: ApiKeyRejectedData,
    DetailType.SMTP_INTEGRATION_CONFIGURED: SmtpIntegrationConfiguredData,
    DetailType.SMTP_INTEGRATION_REMOVED: SmtpIntegrationRemovedData,
}


def validate_data(detail_type: DetailType, data: dict[str, Any]) -> dict[str, Any]:
    """`data` checked against its detail-type's model; a detail-type without one is a bug."""
    model = DATA_MODELS.get(detail_type)
    if model is None:
        raise LookupError(f"no data model for {detail_type}: add one before emitting it")
    # Optional fields a change did not set stay out, so each event says only what it is.
    return model.model_validate(data).model_dump(exclude_unset=True)


def detail_schema(detail_type: DetailType) -> dict[str, Any] | None:
    """The JSON Schema of a detail-type's whole `detail`, its `data` made specific."""
    model = DATA_MODELS.get(detail_type)
    if model is None:
        return None
    schema = EventDetail.model_json_schema()
    data_schema = model.model_json_schema()
    schema["title"] = detail_type.value
    schema["properties"]["data"] = {
        key: value for key, value in data_schema.items() if key != "$defs"
    }
    if "$defs" in data_schema:
        schema.setdefault("$defs", {}).update(data_schema["$defs"])
    return schema


def build_event(
    *,
    event_id: str,
    occurred_at: str,
    detail_type: DetailType,
    workspace_id: str,
    actor: Actor,
    data: dict[str, Any],
) -> OutboxEvent:
    data = validate_data(detail_type, data)
    return OutboxEvent(
        detail_type=detail_type,
        detail=EventDetail(
            eventId=event_id,
            occurredAt=occurred_at,
            workspaceId=workspace_id,
            actor=actor,
            data=data,
        ),
    )
