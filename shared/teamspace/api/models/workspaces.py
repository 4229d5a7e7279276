"""Bodies of the workspace routes and of an agency's clients (API.md, "Workspaces")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from teamspace.api.models.fields import (
    MINUTES_MAX,
    AccentColor,
    Description,
    EmailDomain,
    LogoUrl,
    Minutes,
    PageOut,
    RequestModel,
    ResponseModel,
    RoleKey,
    RoleKeyOut,
    SenderName,
    Timestamp,
    WorkspaceName,
    example,
    page_out,
    time_zone,
    unique_values,
)
from teamspace.core.clock import iso
from teamspace.core.identity import Caller
from teamspace.core.records import Membership, Workspace, WorkspaceType
from teamspace.domain.clients import ClientPage
from teamspace.domain.plans import plan_of
from teamspace.domain.workspaces import WorkspaceChanges
from teamspace.permissions import MAX_OWNERS_LIMIT, OWNER


class Branding(RequestModel):
    """White-label branding, the owner's alone to change (403 `OWNER_ONLY_SETTING` for
    anyone else): the display name mail is sent under, the logo mail shows (an https
    URL, the one outside resource a mail loads) and the colour of its heading and button.
    Sent whole: it replaces the workspace's branding, and fields left out are unset."""

    senderName: SenderName | None = None
    logoUrl: LogoUrl | None = None
    accentColor: AccentColor | None = None


class SecurityControls(RequestModel):
    """The security controls of seed 002, the owner's alone to change (403
    `OWNER_ONLY_SETTING` for anyone else), each to turn on only on a plan that includes
    it (403 `PLAN_UPGRADE_REQUIRED`, naming it in `feature`). Sent whole: a control
    left out is off. The services that enforce them learn of each change from
    SecurityControlsChanged."""

    callRecording: bool = False
    phiRedaction: bool = False
    endToEndEncryption: bool = False


class WorkspaceSettings(RequestModel):
    """Workspace settings a client may set; a null value removes the setting.

    `allowedEmailDomains` and `requireMfa` are the workspace's security policy
    (`teamspace.permissions.policies`; turning requireMfa on needs a plan with it);
    `securityControls` the owner's controls (`SecurityControls`); `maxMembers` is held
    within the plan's seats; `minutePool` is an agency's pool of minutes, from
    which its clients' budgets are taken (a client's `minuteBudget` is set through the
    agency's clients routes, never here). `maxOwners` (owner only) is how many owners the
    workspace may have: with more than one, an owner makes an active member a co-owner.
    """

    timezone: Annotated[str, AfterValidator(time_zone)] | None = None
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")] | None = None
    maxMembers: Annotated[int, Field(ge=1, le=100_000)] | None = None
    allowedEmailDomains: (
        Annotated[
            list[EmailDomain], Field(min_length=1, max_length=50), AfterValidator(unique_values)
        ]
        | None
    ) = None
    requireMfa: bool | None = None
    minutePool: Annotated[int, Field(ge=0, le=MINUTES_MAX)] | None = None
    maxOwners: Annotated[int, Field(ge=1, le=MAX_OWNERS_LIMIT)] | None = None
    branding: Branding | None = None
    securityControls: SecurityControls | None = None

    def changes(self) -> dict[str, Any]:
        """The settings sent, each value as it is kept (None removes the setting). A
        branding's unset fields are left out; a branding with none set is removed."""
        sent = self.model_dump(exclude_unset=True)
        if sent.get("branding") is not None:
            kept = {k: v for k, v in sent["branding"].items() if v is not None}
            sent["branding"] = kept or None
        if sent.get("securityControls") is not None:
            # Kept whole, all three named; all off is no setting at all.
            controls = self.securityControls.model_dump() if self.securityControls else {}
            sent["securityControls"] = controls if any(controls.values()) else None
        return sent


class CreateWorkspaceRequest(RequestModel):
    model_config = example({"name": "Acme", "description": "Acme's support team", "type": "simple"})

    name: WorkspaceName
    description: Description | None = None
    type: WorkspaceType


class UpdateWorkspaceRequest(RequestModel):
    model_config = example(
        {
            "description": "Support and sales",
            "settings": {"timezone": "Europe/Berlin", "locale": "en-GB"},
        }
    )

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
            fields["settings"] = self.settings.changes()
        return WorkspaceChanges(**fields)


class CreateClientRequest(RequestModel):
    model_config = example({"name": "Globex", "minuteBudget": 1000})

    name: WorkspaceName
    description: Description | None = None
    minuteBudget: Minutes = 0


class ClientBudgetRequest(RequestModel):
    model_config = example({"minuteBudget": 2500})

    minuteBudget: Minutes


class AssignmentRequest(RequestModel):
    """The role the agency member gets in the client; admin when left out."""

    model_config = example({"role": "admin"})

    role: RoleKey | None = None


class WorkspaceOut(ResponseModel):
    workspaceId: str
    name: str
    description: str | None
    logoUrl: str | None
    type: Literal["simple", "agency"]
    ownerId: str
    parentWorkspaceId: str | None
    settings: dict[str, Any]
    # SUSPENDED: the billing service suspended it; only reading it is allowed meanwhile.
    status: Literal["ACTIVE", "SUSPENDED"]
    memberCount: int
    createdAt: Timestamp
    updatedAt: Timestamp
    role: RoleKeyOut | None = None
    # The plan the workspace is on (billing's, else the catalogue's default plan).
    plan: str


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
        status=workspace.status.value,
        memberCount=workspace.member_count,
        createdAt=iso(workspace.created_at),
        updatedAt=iso(workspace.updated_at),
        role=role,
        plan=plan_of(workspace).name,
    ).model_dump()


def membership_out(membership: Membership) -> dict[str, Any]:
    return workspace_out(membership.workspace, membership.member.role)


class ClientOut(WorkspaceOut):
    minuteBudget: int


class ClientUsageOut(ClientOut):
    """A client in the agency's list: its budget and what it used of it in the budget
    period (`usagePeriod` of the page)."""

    minutesUsed: int


class ClientPageOut(PageOut[ClientUsageOut]):
    minutePool: int
    minutesAssigned: int
    # The budget period `minutesUsed` counts: a calendar month in UTC, `YYYY-MM`.
    usagePeriod: str


def client_out(client: Workspace, caller: Caller) -> dict[str, Any]:
    """A client as its creator or budget-setter sees it: their role is the owner's when
    they own the agency, and none otherwise (assignments show in the list)."""
    return _client_out(client, OWNER if client.owner_id == caller.user_id else None)


def _client_out(client: Workspace, role: str | None) -> dict[str, Any]:
    shown = workspace_out(client, role)
    return ClientOut(**shown, minuteBudget=client.minute_budget).model_dump()


def clients_out(page: ClientPage) -> dict[str, Any]:
    """An agency's clients, each with the caller's role there and the minutes it used this
    budget period, and the agency's pool and what the clients' budgets hold of it."""

    def shown(client: Workspace) -> dict[str, Any]:
        out = _client_out(client, page.roles.get(client.workspace_id))
        return ClientUsageOut(**out, minutesUsed=page.used.get(client.workspace_id, 0)).model_dump()

    return {
        **page_out(page.clients, shown),
        "minutePool": page.agency.minute_pool,
        "minutesAssigned": page.agency.minutes_assigned,
        "usagePeriod": page.period,
    }
