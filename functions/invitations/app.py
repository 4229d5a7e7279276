"""Invitations: invite (one or up to 50), list, resend, revoke; the caller's own pending
invitations; accept and decline by link (routes in template.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from teamspace.api import models, wiring
from teamspace.api.openapi import created, no_content, ok
from teamspace.api.params import (
    Cursor,
    IdempotencyKeyHeader,
    InvitationId,
    Limit,
    WorkspaceId,
)
from teamspace.api.resolver import create_resolver, current_caller, http_handler
from teamspace.domain.records import InvitationStatus

app = create_resolver()

StatusFilter = Annotated[
    str | None, Query(pattern=r"^(pending|accepted|revoked|expired|declined)$")
]


@app.post("/v1/workspaces/<workspaceId>/invitations", responses=created(models.InvitationOut))
def create_invitation(
    workspaceId: WorkspaceId,
    body: Annotated[models.CreateInvitationRequest, Body()],
    idempotency_key: IdempotencyKeyHeader = None,
):
    issued = wiring.invitations().create(
        current_caller(app),
        workspaceId,
        body.request(),
        models.idempotency(idempotency_key, body),
    )
    return Response(201, "application/json", body=models.issued_out(issued))


@app.post(
    "/v1/workspaces/<workspaceId>/invitations/bulk",
    responses=ok(models.BulkOut, "Each invitation created or refused"),
)
def bulk_invite(
    workspaceId: WorkspaceId, body: Annotated[models.BulkInvitationRequest, Body()]
) -> dict[str, Any]:
    outcomes = wiring.invitations().bulk(current_caller(app), workspaceId, body.requests())
    return models.bulk_out(outcomes)


@app.get(
    "/v1/workspaces/<workspaceId>/invitations", responses=ok(models.PageOut[models.InvitationOut])
)
def list_invitations(
    workspaceId: WorkspaceId, status: StatusFilter = None, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    wanted = InvitationStatus(status.upper()) if status else None
    page = wiring.invitations().list(
        current_caller(app), workspaceId, wanted, limit=limit, cursor=cursor
    )
    return models.page_out(page, models.invitation_out)


@app.post(
    "/v1/workspaces/<workspaceId>/invitations/<invitationId>/resend",
    responses=ok(models.InvitationOut),
)
def resend_invitation(workspaceId: WorkspaceId, invitationId: InvitationId) -> dict[str, Any]:
    issued = wiring.invitations().resend(current_caller(app), workspaceId, invitationId)
    return models.issued_out(issued)


@app.delete(
    "/v1/workspaces/<workspaceId>/invitations/<invitationId>", responses=no_content("Revoked")
)
def revoke_invitation(workspaceId: WorkspaceId, invitationId: InvitationId):
    wiring.invitations().revoke(current_caller(app), workspaceId, invitationId)
    return Response(204)


@app.get("/v1/me/invitations", responses=ok(models.PageOut[models.InvitationOut]))
def my_invitations(limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    page = wiring.invitations().pending_for(current_caller(app), limit=limit, cursor=cursor)
    return models.page_out(page, models.invitation_out)


@app.post("/v1/invitations/accept", responses=ok(models.AcceptanceOut, "Joined"))
def accept_invitation(body: Annotated[models.TokenRequest, Body()]) -> dict[str, Any]:
    acceptance = wiring.invitations().accept(current_caller(app), body.token)
    return models.acceptance_out(acceptance)


@app.post("/v1/invitations/decline", responses=no_content("Declined"))
def decline_invitation(body: Annotated[models.TokenRequest, Body()]):
    wiring.invitations().decline(current_caller(app), body.token)
    return Response(204)


lambda_handler = http_handler(app)
