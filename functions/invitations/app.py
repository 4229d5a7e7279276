"""Invitations: invite (one or up to 50), list, resend, revoke; the caller's own pending
invitations; preview (public: the link is the capability), accept and decline by link
(routes in template.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from teamspace import wiring
from teamspace.api.models.fields import InvitationStatusFilter, PageOut, idempotency, page_out
from teamspace.api.models.invitations import (
    AcceptanceOut,
    BulkInvitationRequest,
    BulkOut,
    CreateInvitationRequest,
    InvitationOut,
    InvitationPreviewOut,
    TokenRequest,
    acceptance_out,
    bulk_out,
    invitation_out,
    issued_out,
    preview_out,
)
from teamspace.api.openapi import NO_STORE, created, no_content, ok, public
from teamspace.api.params import (
    Cursor,
    IdempotencyKeyHeader,
    InvitationId,
    Limit,
    WorkspaceId,
)
from teamspace.api.resolver import create_resolver, current_caller, http_handler
from teamspace.core.records import InvitationStatus

app = create_resolver(retrying=wiring.retrying)

StatusFilter = Annotated[InvitationStatusFilter | None, Query()]
# Any text: a value that is not a token of ours is 404 like one never issued, not 422.
LinkToken = Annotated[str, Query(description="The token of the invitation link, as it is")]


@app.post("/v1/workspaces/<workspaceId>/invitations", responses=created(InvitationOut))
def create_invitation(
    workspaceId: WorkspaceId,
    body: Annotated[CreateInvitationRequest, Body()],
    idempotency_key: IdempotencyKeyHeader = None,
):
    issued = wiring.invitations().create(
        current_caller(app),
        workspaceId,
        body.request(),
        idempotency(idempotency_key, body),
    )
    return Response(201, "application/json", body=issued_out(issued))


@app.post(
    "/v1/workspaces/<workspaceId>/invitations/bulk",
    responses=ok(BulkOut, "Each invitation created or refused"),
)
def bulk_invite(
    workspaceId: WorkspaceId, body: Annotated[BulkInvitationRequest, Body()]
) -> dict[str, Any]:
    outcomes = wiring.invitations().bulk(current_caller(app), workspaceId, body.requests())
    return bulk_out(outcomes)


@app.get("/v1/workspaces/<workspaceId>/invitations", responses=ok(PageOut[InvitationOut]))
def list_invitations(
    workspaceId: WorkspaceId, status: StatusFilter = None, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    wanted = InvitationStatus(status.upper()) if status else None
    page = wiring.invitations().list(
        current_caller(app), workspaceId, wanted, limit=limit, cursor=cursor
    )
    return page_out(page, invitation_out)


@app.post(
    "/v1/workspaces/<workspaceId>/invitations/<invitationId>/resend",
    responses=ok(InvitationOut),
)
def resend_invitation(workspaceId: WorkspaceId, invitationId: InvitationId) -> dict[str, Any]:
    issued = wiring.invitations().resend(current_caller(app), workspaceId, invitationId)
    return issued_out(issued)


@app.delete(
    "/v1/workspaces/<workspaceId>/invitations/<invitationId>", responses=no_content("Revoked")
)
def revoke_invitation(workspaceId: WorkspaceId, invitationId: InvitationId):
    wiring.invitations().revoke(current_caller(app), workspaceId, invitationId)
    return Response(204)


@app.get("/v1/me/invitations", responses=ok(PageOut[InvitationOut]))
def my_invitations(limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    page = wiring.invitation_answers().pending_for(current_caller(app), limit=limit, cursor=cursor)
    return page_out(page, invitation_out)


@app.get(
    "/v1/invitations/preview",
    responses=public(
        ok(InvitationPreviewOut, "The pending invitation the link is for", headers=NO_STORE)
    ),
)
def preview_invitation(token: LinkToken):
    # No caller: the route has no authorizer, and the token is the capability.
    preview = wiring.invitation_answers().preview(token)
    # Not kept by a browser or a proxy: the page reads it once, with the link in its URL.
    return Response(
        200, "application/json", body=preview_out(preview), headers={"Cache-Control": "no-store"}
    )


@app.post("/v1/invitations/accept", responses=ok(AcceptanceOut, "Joined"))
def accept_invitation(body: Annotated[TokenRequest, Body()]) -> dict[str, Any]:
    acceptance = wiring.invitation_answers().accept(current_caller(app), body.token)
    return acceptance_out(acceptance)


@app.post("/v1/invitations/decline", responses=no_content("Declined"))
def decline_invitation(body: Annotated[TokenRequest, Body()]):
    wiring.invitation_answers().decline(current_caller(app), body.token)
    return Response(204)


lambda_handler = http_handler(app)
