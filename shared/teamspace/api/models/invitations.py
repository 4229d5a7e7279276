"""Bodies of the invitation routes (API.md, "Invitations"). An invitation's reply
carries its link only when the inviter passes it on themselves, that once."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError

from teamspace.api.models.fields import (
    AgentIds,
    Email,
    InvitationStatusName,
    JobTitle,
    PersonName,
    RequestModel,
    ResponseModel,
    RoleKey,
    RoleKeyOut,
    Timestamp,
    agent_id_tuple,
    example,
    granted_toggles,
)
from teamspace.api.models.members import MemberOut, member_out
from teamspace.core.clock import iso
from teamspace.core.errors import FieldError, InvalidInput
from teamspace.core.records import Invitation
from teamspace.domain.invitation_answers import Acceptance, InvitationPreview
from teamspace.domain.invitations import BulkOutcome, InvitationRequest, IssuedInvitation
from teamspace.permissions import role_summary


class TogglesGrant(RequestModel):
    """Toggles an invitation carries to the member it creates."""

    canEditAgents: bool | None = None
    canUseAdvancedEditor: bool | None = None
    canAccessCrm: bool | None = None
    canViewBillableMinutes: bool | None = None
    canViewRecordings: bool | None = None


class CreateInvitationRequest(RequestModel):
    model_config = example(
        {
            "email": "bob@example.com",
            "role": "admin",
            "name": "Bob Jones",
            "jobTitle": "Team lead",
            "permissions": {"canAccessCrm": True},
            "sendEmail": True,
        }
    )

    email: Email
    role: RoleKey
    name: PersonName | None = None
    jobTitle: JobTitle | None = None
    permissions: TogglesGrant | None = None
    agentIds: AgentIds | None = None
    sendEmail: bool = True

    def request(self) -> InvitationRequest:
        return InvitationRequest(
            email=self.email,
            role=self.role,
            name=self.name,
            job_title=self.jobTitle or None,
            toggles=granted_toggles(self.permissions),
            agent_ids=agent_id_tuple(self.agentIds),
            send_email=self.sendEmail,
        )


class BulkInvitationRequest(RequestModel):
    """Up to 50 invitations. Each item is checked on its own, so one malformed item is
    refused with its reason while the others go ahead."""

    model_config = example(
        {
            "invitations": [
                {"email": "ann@example.com", "role": "member"},
                {"email": "cy@example.com", "role": "manager", "sendEmail": True},
            ]
        }
    )

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
    model_config = example({"token": "the token from the invitation link"})

    token: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class InvitationPreviewOut(ResponseModel):
    """A live link's invitation, for whoever holds the link (no bearer token)."""

    workspaceName: str
    workspaceLogoUrl: str | None
    invitedByName: str | None
    role: RoleKeyOut
    roleName: str
    # What the role allows, for the page to say: the one line the invitation mail has,
    # and the role's permissions, by name.
    roleSummary: str
    rolePermissions: list[str]
    emailHint: str
    expiresAt: Timestamp
    status: Literal["pending"]
    # The workspace's accent colour (settings.branding, #rrggbb), which the page takes on.
    accentColor: str | None


def preview_out(preview: InvitationPreview) -> dict[str, Any]:
    return InvitationPreviewOut(
        workspaceName=preview.workspace_name,
        workspaceLogoUrl=preview.workspace_logo_url,
        invitedByName=preview.invited_by_name,
        role=preview.role.key,
        roleName=preview.role.name,
        roleSummary=role_summary(preview.role),
        rolePermissions=sorted(str(p) for p in preview.role.permissions),
        emailHint=preview.email_hint,
        expiresAt=iso(preview.expires_at),
        status="pending",
        accentColor=preview.accent_color,
    ).model_dump()


class InvitationOut(ResponseModel):
    invitationId: str
    workspaceId: str
    workspaceName: str
    email: str
    role: RoleKeyOut
    status: InvitationStatusName
    invitedBy: str
    name: str | None
    jobTitle: str | None
    permissions: dict[str, bool]
    agentIds: list[str] | None
    sendEmail: bool
    createdAt: Timestamp
    expiresAt: Timestamp
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
