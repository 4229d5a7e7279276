"""Events: the outbox records written with every change, and the contract's detail shape.

`detail` = {eventId, version: 1, occurredAt, workspaceId, actor: {type, id}, data}.
No event carries a token, a key or a secret: `data` is built from records, never from
request bodies.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer


class DetailType(StrEnum):
    WORKSPACE_CREATED = "WorkspaceCreated"
    WORKSPACE_UPDATED = "WorkspaceUpdated"
    WORKSPACE_DELETED = "WorkspaceDeleted"
    WORKSPACE_SUSPENDED = "WorkspaceSuspended"
    WORKSPACE_REACTIVATED = "WorkspaceReactivated"
    INVITATION_CREATED = "InvitationCreated"
    INVITATION_RESENT = "InvitationResent"
    INVITATION_REVOKED = "InvitationRevoked"
    INVITATION_ACCEPTED = "InvitationAccepted"
    INVITATION_DECLINED = "InvitationDeclined"
    INVITATION_EXPIRED = "InvitationExpired"
    MEMBER_JOINED = "MemberJoined"
    MEMBER_UPDATED = "MemberUpdated"
    MEMBER_ROLE_CHANGED = "MemberRoleChanged"
    MEMBER_SUSPENDED = "MemberSuspended"
    MEMBER_REACTIVATED = "MemberReactivated"
    MEMBER_REMOVED = "MemberRemoved"
    MEMBER_LEFT = "MemberLeft"
    MEMBER_SIGNED_IN = "MemberSignedIn"
    MEMBER_ACCOUNT_CREATED = "MemberAccountCreated"
    MEMBER_PASSWORD_SET = "MemberPasswordSet"  # noqa: S105 - an event name, not a password
    MEMBER_SESSIONS_REVOKED = "MemberSessionsRevoked"
    OWNERSHIP_TRANSFER_REQUESTED = "OwnershipTransferRequested"
    OWNERSHIP_TRANSFER_CANCELLED = "OwnershipTransferCancelled"
    OWNERSHIP_TRANSFER_DECLINED = "OwnershipTransferDeclined"
    OWNERSHIP_TRANSFERRED = "OwnershipTransferred"
    ROLE_CREATED = "RoleCreated"
    ROLE_UPDATED = "RoleUpdated"
    ROLE_DELETED = "RoleDeleted"
    API_KEY_CREATED = "ApiKeyCreated"
    API_KEY_REVOKED = "ApiKeyRevoked"
    API_KEY_USED = "ApiKeyUsed"
    API_KEY_REJECTED = "ApiKeyRejected"
    SMTP_INTEGRATION_CONFIGURED = "SmtpIntegrationConfigured"
    SMTP_INTEGRATION_REMOVED = "SmtpIntegrationRemoved"


EVENT_SOURCE = "teamspace"


class Actor(BaseModel):
    """Who made a change. `via` names the agency workspace when an agency's staff acted
    in one of its clients through an assignment; it is left out otherwise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["user", "apiKey", "system"]
    id: str
    via: str | None = None

    @model_serializer
    def _without_empty_via(self) -> dict[str, str]:
        shown = {"type": self.type, "id": self.id}
        if self.via is not None:
            shown["via"] = self.via
        return shown


class EventDetail(BaseModel):
    """The `detail` of every Teamspace event on the bus."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    eventId: str
    version: Literal[1] = 1
    occurredAt: str
    workspaceId: str
    actor: Actor
    data: dict[str, Any] = Field(default_factory=dict)


class OutboxEvent(BaseModel):
    """An event waiting in the table for the stream publisher."""

    model_config = ConfigDict(frozen=True)

    detail_type: DetailType
    detail: EventDetail
