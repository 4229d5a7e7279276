"""Ownership transfer: the owner requests or cancels, the nominee accepts or declines
(routes in template.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from teamspace import wiring
from teamspace.api.models.ownership import (
    TransferOut,
    TransferredOut,
    TransferRequest,
    transfer_out,
    transferred_out,
)
from teamspace.api.openapi import accepted, no_content, ok
from teamspace.api.params import WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver(retrying=wiring.retrying)
BASE = "/v1/workspaces/<workspaceId>/ownership-transfer"


@app.post(BASE, responses=accepted(TransferOut, "The pending transfer"))
def request_transfer(workspaceId: WorkspaceId, body: Annotated[TransferRequest, Body()]):
    transfer = wiring.ownership().request(
        current_caller(app), workspaceId, body.newOwnerId, body.confirmName
    )
    return Response(202, "application/json", body=transfer_out(transfer))


@app.get(BASE, responses=ok(TransferOut))
def pending_transfer(workspaceId: WorkspaceId) -> dict[str, Any]:
    return transfer_out(wiring.ownership().pending(current_caller(app), workspaceId))


@app.delete(BASE, responses=no_content("Cancelled"))
def cancel_transfer(workspaceId: WorkspaceId):
    wiring.ownership().cancel(current_caller(app), workspaceId)
    return Response(204)


@app.post(f"{BASE}/accept", responses=ok(TransferredOut, "The caller now owns the workspace"))
def accept_transfer(workspaceId: WorkspaceId) -> dict[str, Any]:
    return transferred_out(wiring.ownership().accept(current_caller(app), workspaceId))


@app.post(f"{BASE}/decline", responses=no_content("Declined"))
def decline_transfer(workspaceId: WorkspaceId):
    wiring.ownership().decline(current_caller(app), workspaceId)
    return Response(204)


lambda_handler = http_handler(app)
