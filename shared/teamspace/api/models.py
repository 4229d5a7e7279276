"""Request and response bodies: the single source for validation and the OpenAPI document.

Requests forbid unknown fields, so a body cannot smuggle `role`, `status` or `ownerId`
into an update (mass assignment): it gets a 422 that names the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from teamspace import permissions
from teamspace.api.identity import USER_ID_PATTERN, normalise_email
from teamspace.clock import iso
from teamspace.domain.clients import ClientPage
from teamspace.domain.idempotency import IdempotencyRequest
from teamspace.domain.identity import Caller
from teamspace.domain.invitations import (
    Acceptance,
    BulkOutcome,
    InvitationRequest,
    IssuedInvitation,
)
from teamspace.domain.membership import EffectivePermissions, MemberChanges
from teamspace.domain.ownership import Transferred
from teamspace.domain.records import (
    Invitation,
    Member,
    Membership,
    OwnershipTransfer,
    Page,
    Workspace,
    WorkspaceType,
)
from teamspace.domain.roles import RoleChanges
from teamspace.domain.workspaces import WorkspaceChanges
from teamspace.errors import FieldError, InvalidInput
from teamspace.permissions import OWNER, Decision, RoleDefinition

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _no_control_but_lines(value: str) -> str:
    if _CONTROL_BUT_LINES.search(value):
        raise ValueError("must not contain control characters other than tabs and new lines")
    return value


def _https_url(value: str) -> str:
    if not value.startswith("https://") or " " in value:
        raise ValueError("must be an https:// URL")
    return value


@cache
def _time_zones() -> frozenset[str]:
    """The IANA zone names, read from the tz database once (about 20 ms each time)."""
    return frozenset(available_timezones())


def _timezone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError("must be an IANA time zone such as Europe/Berlin")
    return value


Text = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_no_control_characters)
]
WorkspaceName = Annotated[Text, StringConstraints(min_length=1, max_length=100)]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=1000),
    AfterValidator(_no_control_but_lines),
]
LogoUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_https_url)]
PersonName = Annotated[Text, StringConstraints(min_length=1, max_length=100)]
JobTitle = Annotated[Text, StringConstraints(max_length=100)]
AgentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,255}$")]


def _email(value: str) -> str:
    """The address as it is kept: trimmed and lower-cased, as before (the identity's
    email claim is compared the same way), and otherwise exactly the text sent: the
    validator's own normal form (Unicode NFC, IDNA) is not taken, so nothing stored
    changes shape. Validity is `email-validator`'s reading of the RFCs, not a pattern
    of ours."""
    normalised = normalise_email(value)
    # Imported on first use: its module compiles its rules at import (about 40 ms), a
    # cold-start cost for the routes that take an address only, never the others (and
    # never the API key authorizer, which loads no request model).
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - lazy

    try:
        validate_email(
            normalised,
            # Syntax only: no DNS look-up inside a request.
            check_deliverability=False,
            # A dotted domain outside the special-use names that can never receive mail
            # (localhost, .local, .invalid, .onion, .arpa and, with test_environment off,
            # .test). example.com and *.example stay valid: RFC 6761 asks software not
            # to treat them specially, and the library does not; the docs and tests use
            # them (only a deliverability check would refuse them, and it is off).
            globally_deliverable=True,
            test_environment=False,
            # As before: the local part at most 64 characters, non-ASCII letters allowed.
            strict=True,
            allow_smtputf8=True,
            # Never a display name, quotes, an empty local part or an IP address.
            allow_display_name=False,
            allow_quoted_local=False,
            allow_empty_local=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError as error:
        raise ValueError(f"must be an email address: {error}") from None
    if len(normalised) > 254:  # the text kept, whatever the validator measured
        raise ValueError("must be an email address of at most 254 characters")
    return normalised


# Every address a client sends over HTTP is of this type (invitations, bulk items).
Email = Annotated[str, AfterValidator(_email)]
RoleKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class RequestModel(BaseModel):
    """A request body: unknown fields are refused. Its validator is built when a request
    first needs it (`defer_build`), so a function builds those of the routes it serves,
    not every model of the API at its cold start."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class ResponseModel(BaseModel):
    """A response body; built on first use, as request bodies are."""

    model_config = ConfigDict(defer_build=True)


_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domain(value: str) -> str:
    domain = value.strip().lower()
    if len(domain) > 253 or not _DOMAIN.match(domain):
        raise ValueError("must be a domain name such as example.com")
    return domain


EmailDomain = Annotated[str, AfterValidator(_domain)]
MINUTES_MAX = 100_000_000


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return values


class WorkspaceSettings(RequestModel):
    """Workspace settings a client may set; a null value removes the setting.

    `allowedEmailDomains` and `requireMfa` are the workspace's security policy
    (`teamspace.permissions.policies`); `minutePool` is an agency's pool of minutes, from
    which its clients' budgets are taken (a client's `minuteBudget` is set through the
    agency's clients routes, never here).
    """

    timezone: Annotated[str, AfterValidator(_timezone)] | None = None
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")] | None = None
    maxMembers: Annotated[int, Field(ge=1, le=100_000)] | None = None
    allowedEmailDomains: (
        Annotated[list[EmailDomain], Field(min_length=1, max_length=50), AfterValidator(_unique)]
        | None
    ) = None
    requireMfa: bool | None = None
    minutePool: Annotated[int, Field(ge=0, le=MINUTES_MAX)] | None = None


class CreateWorkspaceRequest(RequestModel):
    name: WorkspaceName
    description: Description | None = None
    type: WorkspaceType


class UpdateWorkspaceRequest(RequestModel):
    name: WorkspaceName | None = None
    description: Description | None = None
    logoUrl: LogoUrl | None = None
    settings: WorkspaceSettings | None = None

    def changes(self) -> WorkspaceChanges:
        sent = self.model_fields_set
        fields: dict[str, Any] = {}
        if "name" in sent and self.name is not None:
            fields["name"] = self.name
        if "description" in sent:
            fields["description"] = self.description or None
        if "logoUrl" in sent:
            fields["logo_url"] = self.logoUrl
        if "settings" in sent and self.settings is not None:
            fields["settings"] = self.settings.model_dump(exclude_unset=True)
        return WorkspaceChanges(**fields)


Minutes = Annotated[int, Field(ge=0, le=MINUTES_MAX)]


class CreateClientRequest(RequestModel):
    name: WorkspaceName
    description: Description | None = None
    minuteBudget: Minutes = 0


class ClientBudgetRequest(RequestModel):
    minuteBudget: Minutes


class AssignmentRequest(RequestModel):
    """The role the agency member gets in the client; admin when left out."""

    role: RoleKey | None = None


class TogglesPatch(RequestModel):
    canEditAgents: bool | None = None
    canUseAdvancedEditor: bool | None = None
    canAccessCrm: bool | None = None
    canViewBillableMinutes: bool | None = None
    canViewRecordings: bool | None = None


class UpdateMemberRequest(RequestModel):
    name: PersonName | None = None
    jobTitle: JobTitle | None = None
    permissions: TogglesPatch | None = None
    agentIds: Annotated[list[AgentId], Field(max_length=500)] | None = None

    def changes(self) -> MemberChanges:
        sent = self.model_fields_set
        fields: dict[str, Any] = {}
        if "name" in sent:
            fields["name"] = self.name
        if "jobTitle" in sent:
            fields["job_title"] = self.jobTitle or None
        if "permissions" in sent and self.permissions is not None:
            fields["toggles"] = self.permissions.model_dump(exclude_unset=True)
        if "agentIds" in sent:
            fields["agent_ids"] = (
                tuple(dict.fromkeys(self.agentIds)) if self.agentIds is not None else None
            )
        return MemberChanges(**fields)


class TogglesGrant(RequestModel):
    """Toggles an invitation carries to the member it creates."""

    canEditAgents: bool | None = None
    canUseAdvancedEditor: bool | None = None
    canAccessCrm: bool | None = None
    canViewBillableMinutes: bool | None = None
    canViewRecordings: bool | None = None


class CreateInvitationRequest(RequestModel):
    email: Email
    role: RoleKey
    name: PersonName | None = None
    jobTitle: JobTitle | None = None
    permissions: TogglesGrant | None = None
    agentIds: Annotated[list[AgentId], Field(max_length=500)] | None = None
    sendEmail: bool = True

    def request(self) -> InvitationRequest:
        toggles = self.permissions.model_dump(exclude_none=True) if self.permissions else {}
        return InvitationRequest(
            email=self.email,
            role=self.role,
            name=self.name,
            job_title=self.jobTitle or None,
            toggles=toggles,
            agent_ids=tuple(dict.fromkeys(self.agentIds)) if self.agentIds is not None else None,
            send_email=self.sendEmail,
        )


class BulkInvitationRequest(RequestModel):
    """Up to 50 invitations. Each item is checked on its own, so one malformed item is
    refused with its reason while the others go ahead."""

    invitations: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=50)]

    def requests(self) -> list[InvitationRequest | InvalidInput]:
        parsed: list[InvitationRequest | InvalidInput] = []
        for item in self.invitations:
            try:
                parsed.append(CreateInvitationRequest.model_validate(item).request())
            except ValidationError as error:
                fields = [
                    FieldError(".".join(str(p) for p in e["loc"]) or "item", e["msg"])
                    for e in error.errors()
                ]
                email = item.get("email")
                parsed.append(
                    InvalidInput(
                        "VALIDATION_FAILED",
                        "Invalid fields: " + ", ".join(sorted({f.field for f in fields})),
                        fields=fields,
                    ).with_subject(email if isinstance(email, str) else "")
                )
        return parsed


class TokenRequest(RequestModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class TransferRequest(RequestModel):
    newOwnerId: Annotated[str, StringConstraints(pattern=USER_ID_PATTERN)]
    confirmName: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class TransferOut(ResponseModel):
    workspaceId: str
    fromUserId: str
    toUserId: str
    status: Literal["pending"]
    requestedAt: str
    expiresAt: str


def transfer_out(transfer: OwnershipTransfer) -> dict[str, Any]:
    return TransferOut(
        workspaceId=transfer.workspace_id,
        fromUserId=transfer.from_user_id,
        toUserId=transfer.to_user_id,
        status="pending",
        requestedAt=iso(transfer.requested_at),
        expiresAt=iso(transfer.expires_at),
    ).model_dump()


class TransferredOut(ResponseModel):
    workspace: WorkspaceOut
    owner: MemberOut


def transferred_out(result: Transferred) -> dict[str, Any]:
    return {
        "workspace": workspace_out(result.workspace, OWNER),
        "owner": member_out(result.new_owner),
    }


class ChangeRoleRequest(RequestModel):
    role: RoleKey


def _known_permission(value: str) -> permissions.Permission:
    permission = permissions.parse_permission(value)
    if permission is None:
        raise ValueError(f"no permission is called {value!r}")
    return permission


PermissionName = Annotated[str, AfterValidator(_known_permission)]
RoleName = Annotated[Text, StringConstraints(min_length=1, max_length=60)]
CustomRank = Annotated[int, Field(ge=1, le=permissions.CUSTOM_RANK_MAX, strict=True)]
PermissionSet = Annotated[list[PermissionName], Field(max_length=100)]


class CreateRoleRequest(RequestModel):
    """A custom role; `rank` orders it among the roles (1 to 79, below admin's 80)."""

    key: RoleKey
    name: RoleName
    permissions: PermissionSet
    rank: CustomRank = permissions.CUSTOM_RANK_DEFAULT


class UpdateRoleRequest(RequestModel):
    name: RoleName | None = None
    rank: CustomRank | None = None
    permissions: PermissionSet | None = None

    def changes(self) -> RoleChanges:
        fields: dict[str, Any] = {}
        if self.name is not None:
            fields["name"] = self.name
        if self.rank is not None:
            fields["rank"] = self.rank
        if self.permissions is not None:
            fields["permissions"] = frozenset(self.permissions)
        return RoleChanges(**fields)


class AuthorizeRequest(RequestModel):
    permission: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    resourceId: AgentId | None = None


def idempotency(key: str | None, body: BaseModel) -> IdempotencyRequest | None:
    """The Idempotency-Key with a fingerprint of the validated body it came with."""
    if key is None:
        return None
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return IdempotencyRequest(key, hashlib.sha256(canonical.encode()).hexdigest())


# ---- responses -----------------------------------------------------------------------


class WorkspaceOut(ResponseModel):
    workspaceId: str
    name: str
    description: str | None
    logoUrl: str | None
    type: Literal["simple", "agency"]
    ownerId: str
    parentWorkspaceId: str | None
    settings: dict[str, Any]
    memberCount: int
    createdAt: str
    updatedAt: str
    role: str | None = None


class MemberOut(ResponseModel):
    userId: str
    email: str
    name: str | None
    jobTitle: str | None
    role: str
    status: str
    # Each toggle as it takes effect (role default or override) ...
    permissions: dict[str, bool]
    # ... and only the overrides, as set on this member.
    permissionOverrides: dict[str, bool]
    agentIds: list[str] | None
    joinedAt: str
    updatedAt: str
    # Agency staff working in a client: the agency whose assignment made them a member.
    via: str | None = None


class PageOut[T](ResponseModel):
    items: list[T]
    nextCursor: str | None


class MyPermissionsOut(ResponseModel):
    role: str
    permissions: list[str]
    agentIds: list[str] | None


class DecisionOut(ResponseModel):
    allowed: bool
    reason: str


class RoleOut(ResponseModel):
    key: str
    name: str
    rank: int
    builtin: bool
    permissions: list[str]


def role_out(role: RoleDefinition) -> dict[str, Any]:
    return RoleOut(
        key=role.key,
        name=role.name,
        rank=role.rank,
        builtin=role.builtin,
        permissions=sorted(str(p) for p in role.permissions),
    ).model_dump()


class InvitationOut(ResponseModel):
    invitationId: str
    workspaceId: str
    workspaceName: str
    email: str
    role: str
    status: str
    invitedBy: str
    name: str | None
    jobTitle: str | None
    permissions: dict[str, bool]
    agentIds: list[str] | None
    sendEmail: bool
    createdAt: str
    expiresAt: str
    acceptUrl: str | None = None


class BulkResultOut(ResponseModel):
    email: str
    status: Literal["created", "refused"]
    invitationId: str | None = None
    code: str | None = None
    detail: str | None = None
    acceptUrl: str | None = None


def invitation_out(invitation: Invitation, accept_url: str | None = None) -> dict[str, Any]:
    """Never the token or its hash; the link only when the inviter must pass it on."""
    body = InvitationOut(
        invitationId=invitation.invitation_id,
        workspaceId=invitation.workspace_id,
        workspaceName=invitation.workspace_name,
        email=invitation.email,
        role=invitation.role,
        status=invitation.status.value.lower(),
        invitedBy=invitation.invited_by,
        name=invitation.name,
        jobTitle=invitation.job_title,
        permissions=dict(invitation.toggles),
        agentIds=list(invitation.agent_ids) if invitation.agent_ids is not None else None,
        sendEmail=invitation.send_email,
        createdAt=iso(invitation.created_at),
        expiresAt=iso(invitation.expires_at),
        acceptUrl=accept_url,
    ).model_dump()
    if accept_url is None:
        body.pop("acceptUrl")
    return body


def issued_out(issued: IssuedInvitation) -> dict[str, Any]:
    return invitation_out(issued.invitation, issued.accept_url)


def bulk_out(outcomes: list[BulkOutcome]) -> dict[str, Any]:
    results = []
    for outcome in outcomes:
        if outcome.issued is not None:
            result = BulkResultOut(
                email=outcome.email,
                status="created",
                invitationId=outcome.issued.invitation.invitation_id,
                acceptUrl=outcome.issued.accept_url,
            )
        else:
            error = outcome.error
            result = BulkResultOut(
                email=outcome.email,
                status="refused",
                code=error.code if error else None,
                detail=error.detail if error else None,
            )
        results.append(result.model_dump(exclude_none=True))
    return {"results": results}


class BulkOut(ResponseModel):
    results: list[BulkResultOut]


class AcceptanceOut(ResponseModel):
    workspaceId: str
    member: MemberOut


def acceptance_out(acceptance: Acceptance) -> dict[str, Any]:
    return {"workspaceId": acceptance.workspace_id, "member": member_out(acceptance.member)}


def workspace_out(workspace: Workspace, role: str | None = None) -> dict[str, Any]:
    return WorkspaceOut(
        workspaceId=workspace.workspace_id,
        name=workspace.name,
        description=workspace.description,
        logoUrl=workspace.logo_url,
        type=workspace.type.value,
        ownerId=workspace.owner_id,
        parentWorkspaceId=workspace.parent_workspace_id,
        settings=workspace.settings,
        memberCount=workspace.member_count,
        createdAt=iso(workspace.created_at),
        updatedAt=iso(workspace.updated_at),
        role=role,
    ).model_dump()


class ClientOut(WorkspaceOut):
    minuteBudget: int


class ClientPageOut(PageOut[ClientOut]):
    minutePool: int
    minutesAssigned: int


def client_out(client: Workspace, caller: Caller) -> dict[str, Any]:
    """A client as its creator or budget-setter sees it: their role is the owner's when
    they own the agency, and none otherwise (assignments show in the list)."""
    return _client_out(client, OWNER if client.owner_id == caller.user_id else None)


def _client_out(client: Workspace, role: str | None) -> dict[str, Any]:
    shown = workspace_out(client, role)
    return ClientOut(**shown, minuteBudget=client.minute_budget).model_dump()


def clients_out(page: ClientPage) -> dict[str, Any]:
    """An agency's clients, each with the caller's role there, and the agency's pool and
    what the clients' budgets hold of it."""
    return {
        **page_out(page.clients, lambda c: _client_out(c, page.roles.get(c.workspace_id))),
        "minutePool": page.agency.minute_pool,
        "minutesAssigned": page.agency.minutes_assigned,
    }


def membership_out(membership: Membership) -> dict[str, Any]:
    return workspace_out(membership.workspace, membership.member.role)


def member_out(member: Member) -> dict[str, Any]:
    role = (
        member.role_definition
        or permissions.builtin_role(member.role)
        or permissions.unknown_role(member.role)
    )
    held = permissions.effective_permissions(
        permissions.Subject(
            user_id=member.user_id, role=role, toggles=permissions.Toggles(**member.toggles)
        )
    )
    return MemberOut(
        userId=member.user_id,
        email=member.email,
        name=member.name,
        jobTitle=member.job_title,
        role=member.role,
        status=member.status,
        permissions={
            name: permission in held for name, permission in permissions.TOGGLE_PERMISSIONS.items()
        },
        permissionOverrides=dict(member.toggles),
        agentIds=list(member.agent_ids) if member.agent_ids is not None else None,
        joinedAt=iso(member.joined_at),
        updatedAt=iso(member.updated_at),
        via=member.via,
    ).model_dump()


def page_out[T](page: Page[T], render: Any) -> dict[str, Any]:
    return {"items": [render(item) for item in page.items], "nextCursor": page.next_cursor}


def my_permissions_out(result: EffectivePermissions) -> dict[str, Any]:
    agent_ids = result.member.agent_ids
    return MyPermissionsOut(
        role=result.member.role,
        permissions=sorted(str(p) for p in result.permissions),
        agentIds=list(agent_ids) if agent_ids is not None else None,
    ).model_dump()


def decision_out(decision: Decision) -> dict[str, Any]:
    return DecisionOut(allowed=decision.allowed, reason=decision.reason).model_dump()
