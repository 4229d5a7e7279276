"""The domain's records, as every layer sees them: plain data, with no key attributes,
no HTTP shapes and no rules of access (what a role grants, what a policy allows: those
are the permission layer's and the domain's, e.g. `teamspace.domain.workspace_roles`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class WorkspaceType(StrEnum):
    SIMPLE = "simple"
    AGENCY = "agency"


@dataclass(frozen=True, slots=True)
class CustomRole:
    """A role a workspace defined for itself, kept in the workspace item.

    `permissions` are the permission strings as defined (the permission layer reads
    them; one it no longer knows grants nothing). `version` moves with every change,
    and the role's holder counter carries it too, so that handing out a role is
    conditional on the definition the decision was made on.
    """

    key: str
    name: str
    rank: int
    permissions: frozenset[str]
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True)
class Branding:
    """A workspace's white-label branding (settings.branding): the sender's display name,
    the logo and the accent colour its mail shows. Each None when not set."""

    sender_name: str | None = None
    logo_url: str | None = None
    accent_color: str | None = None


# The security controls of seed 002 (settings.securityControls), for the services that
# enforce them; who may set them, and on which plan, is the permission layer's.
SECURITY_CONTROL_NAMES = ("callRecording", "phiRedaction", "endToEndEncryption")


class WorkspaceStatus(StrEnum):
    ACTIVE = "ACTIVE"
    # Set and cleared by the platform's billing service (WorkspaceSuspensionRequested,
    # WorkspaceReactivationRequested): the workspace exists, its members see it, and
    # nothing in it may be used or changed (permissions/standing.py).
    SUSPENDED = "SUSPENDED"
    DELETED = "DELETED"


@dataclass(frozen=True, slots=True)
class Workspace:
    workspace_id: str
    name: str
    type: WorkspaceType
    owner_id: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    logo_url: str | None = None
    parent_workspace_id: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    status: WorkspaceStatus = WorkspaceStatus.ACTIVE
    member_count: int = 0
    pending_invites: int = 0
    seats_used: int = 0
    # An agency's minutes handed to its clients' budgets, out of settings.minutePool.
    minutes_assigned: int = 0
    custom_roles: dict[str, CustomRole] = field(default_factory=dict)
    version: int = 1
    # How many API keys it has (the `apiKeys` counter, moved by the key writes only).
    api_keys: int = 0
    # The plan billing set (WorkspacePlanChanged); None: the catalogue's default plan
    # (teamspace.domain.plans). Written by the plan change alone.
    plan: str | None = None
    # How many members are owners (the `ownerCount` counter, absent while it is the one
    # owner every workspace starts with), moved in the transactions that make or unmake
    # an owner. `owner_id` is the primary (billing) owner among them.
    owner_count: int = 1

    @property
    def is_active(self) -> bool:
        return self.status is WorkspaceStatus.ACTIVE

    @property
    def is_live(self) -> bool:
        """Whether it exists for its members: active or suspended, not deleted."""
        return self.status is not WorkspaceStatus.DELETED

    @property
    def is_agency(self) -> bool:
        return self.type is WorkspaceType.AGENCY

    @property
    def minute_pool(self) -> int:
        """An agency's pool of minutes (settings.minutePool; none set: no minutes)."""
        return int(self.settings.get("minutePool") or 0)

    @property
    def minute_budget(self) -> int:
        """A client's budget, taken from its agency's pool (settings.minuteBudget)."""
        return int(self.settings.get("minuteBudget") or 0)

    @property
    def branding(self) -> Branding:
        """Its white-label branding (settings.branding)."""
        raw = self.settings.get("branding") or {}
        return Branding(
            sender_name=raw.get("senderName"),
            logo_url=raw.get("logoUrl"),
            accent_color=raw.get("accentColor"),
        )

    @property
    def time_zone(self) -> str:
        """The IANA zone its times are shown in (settings.timezone); UTC when unset."""
        return str(self.settings.get("timezone") or "UTC")

    @property
    def security_controls(self) -> dict[str, bool]:
        """Its security controls (settings.securityControls), each off when unset."""
        raw = self.settings.get("securityControls") or {}
        return {name: bool(raw.get(name)) for name in SECURITY_CONTROL_NAMES}

    @property
    def max_owners(self) -> int:
        """How many owners it may have (settings.maxOwners; unset: one)."""
        return int(self.settings.get("maxOwners") or 1)

    @property
    def max_members(self) -> int | None:
        """The seat limit (settings.maxMembers), counting pending invitations."""
        value = self.settings.get("maxMembers")
        return int(value) if value is not None else None


class Availability(StrEnum):
    """A member's availability for escalations (API.md, "Availability")."""

    AVAILABLE = "available"
    BUSY = "busy"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class ClientUsage:
    """The minutes a client workspace used in one budget period (a calendar month, UTC:
    `period` is `YYYY-MM`), and the thresholds of its budget (percent) already announced
    in it. Kept apart from the workspace item, which every request reads."""

    client_id: str
    agency_id: str
    period: str
    minutes: int = 0
    thresholds: frozenset[int] = frozenset()
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Member:
    workspace_id: str
    user_id: str
    email: str
    role: str
    status: str
    joined_at: datetime
    updated_at: datetime
    name: str | None = None
    job_title: str | None = None
    # Toggle name -> granted (True) or taken away (False); unset toggles follow the role.
    toggles: dict[str, bool] = field(default_factory=dict)
    # None: every agent. A tuple: only these.
    agent_ids: tuple[str, ...] | None = None
    version: int = 1
    # The agency workspace whose assignment made this member (a client's agency staff):
    # they act here only while they are an active member of that agency.
    via: str | None = None
    # The workspace that created this person's account at the identity provider (a
    # managed member): only it may set their password or delete the account, and only
    # while they belong to no other workspace.
    managed_by: str | None = None
    # Tokens issued before this moment are refused here (sign-out, suspension).
    sessions_valid_from: datetime | None = None
    # When they last signed in (the post-authentication trigger).
    last_sign_in_at: datetime | None = None
    # Their picture (an https URL; seed 004's members list shows it), set with the profile.
    avatar_url: str | None = None
    # Whether they take escalations now (seed 002, "human agent availability"): one of
    # Availability, set by the member themself; OFFLINE until they say otherwise.
    availability: str = Availability.OFFLINE.value

    @property
    def managed(self) -> bool:
        return self.managed_by is not None


@dataclass(frozen=True, slots=True)
class RemovedMember:
    """What is kept of a removed member, for a retention period: who they were, and who
    removed them when. Replaced when their address is invited again."""

    workspace_id: str
    user_id: str
    email: str
    role: str
    joined_at: datetime
    removed_at: datetime
    removed_by: str
    name: str | None = None
    job_title: str | None = None
    managed: bool = False


@dataclass(frozen=True, slots=True)
class SignIn:
    """One sign-in of a user, as the identity provider reported it."""

    user_id: str
    at: datetime
    source: str


@dataclass(frozen=True, slots=True)
class Membership:
    """One of a user's workspaces, with the user's role there."""

    workspace: Workspace
    member: Member


@dataclass(frozen=True, slots=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    DECLINED = "DECLINED"


@dataclass(frozen=True, slots=True)
class Invitation:
    """An invitation to join a workspace with a role (and the member's grants on accept).

    `send_id` counts the links issued: each send or resend gets a new one, so a late
    event for an older send can never issue a link for this invitation again.
    `token_hash` is the SHA-256 of the current link's token; the token itself is never
    stored.
    """

    workspace_id: str
    invitation_id: str
    email: str
    role: str
    status: InvitationStatus
    invited_by: str
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    send_email: bool = True
    send_id: int = 1
    workspace_name: str = ""
    inviter_name: str | None = None
    name: str | None = None
    job_title: str | None = None
    toggles: dict[str, bool] = field(default_factory=dict)
    agent_ids: tuple[str, ...] | None = None
    token_hash: str | None = None
    accepted_by: str | None = None
    version: int = 1

    @property
    def is_pending(self) -> bool:
        return self.status is InvitationStatus.PENDING


@dataclass(frozen=True, slots=True)
class InvitationToken:
    """What a link's token points at. Kept after use, so an old link answers 410."""

    token_hash: str
    workspace_id: str
    invitation_id: str
    state: str  # ACTIVE | SUPERSEDED | USED


@dataclass(frozen=True, slots=True)
class OwnershipTransfer:
    """A pending hand-over of a workspace: one at a time, until accepted or it expires."""

    workspace_id: str
    from_user_id: str
    to_user_id: str
    requested_at: datetime
    expires_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key of a workspace, as its list shows it (never the key or its hash).

    `permissions` is a snapshot of the role's permissions at creation: redefining or
    deleting a custom role later does not change what an existing key may do.
    `key_hash` addresses the key's lookup item; it never leaves the service.
    """

    workspace_id: str
    key_id: str
    name: str
    prefix: str
    role: str
    permissions: frozenset[str]
    created_by: str
    created_at: datetime
    key_hash: str
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


class ApiKeyStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


@dataclass(frozen=True, slots=True)
class ApiKeySecret:
    """The lookup item the authorizer reads by the key's hash: all it needs to decide."""

    key_hash: str
    workspace_id: str
    key_id: str
    role: str
    permissions: frozenset[str]
    status: ApiKeyStatus
    workspace_status: str  # the workspace's status as the key last learnt it
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Which records a page holds: by actor and/or action, within a time range."""

    actor: tuple[str, str] | None = None  # (type, id)
    action: str | None = None
    since: str | None = None  # ISO-8601, inclusive
    until: str | None = None  # ISO-8601, inclusive


class SmtpSecurity(StrEnum):
    """How a connection to a workspace's SMTP server is protected: STARTTLS on a plain
    connection, TLS from the first byte (SMTPS), or nothing (for a relay on a private
    network, where a stage allows one)."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SmtpIntegration:
    """A workspace's own SMTP server. The password is never here: it is in Secrets
    Manager, one secret per workspace, and `password_version` names the version of it
    this configuration uses (None: the server takes mail without AUTH).

    `last_tested_at` and `last_error` are the last test message's outcome (the server's
    reply when it refused); a new configuration starts untested."""

    workspace_id: str
    host: str
    port: int
    security: SmtpSecurity
    from_address: str
    created_at: datetime
    updated_at: datetime
    updated_by: str
    username: str | None = None
    from_name: str | None = None
    password_version: str | None = None
    last_tested_at: datetime | None = None
    last_error: str | None = None
    version: int = 1

    @property
    def authenticated(self) -> bool:
        return self.username is not None and self.password_version is not None
