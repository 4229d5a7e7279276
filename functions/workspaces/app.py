"""Workspaces: create, list the caller's, read, update, delete; and an agency's client
workspaces, their minute budgets and staff assignments (routes in template.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from teamspace import wiring
from teamspace.api.models.fields import PageOut, idempotency, page_out
from teamspace.api.models.members import MemberOut, member_out
from teamspace.api.models.workspaces import (
    AssignmentRequest,
    ClientBudgetRequest,
    ClientOut,
    ClientPageOut,
    CreateClientRequest,
    CreateWorkspaceRequest,
    UpdateWorkspaceRequest,
    WorkspaceOut,
    client_out,
    clients_out,
    membership_out,
    workspace_out,
)
from teamspace.api.openapi import created, no_content, ok
from teamspace.api.params import (
    ClientId,
    Cursor,
    IdempotencyKeyHeader,
    Limit,
    UserId,
    WorkspaceId,
)
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver(retrying=wiring.retrying)


@app.post(
    "/v1/workspaces",
    responses=created(WorkspaceOut, "The workspace; the caller is its owner"),
)
def create_workspace(
    body: Annotated[CreateWorkspaceRequest, Body()],
    idempotency_key: IdempotencyKeyHeader = None,
):
    workspace = wiring.workspaces().create(
        current_caller(app),
        name=body.name,
        description=body.description,
        workspace_type=body.type,
        idempotency=idempotency(idempotency_key, body),
    )
    return Response(201, "application/json", body=workspace_out(workspace, "owner"))


@app.get(
    "/v1/workspaces",
    responses=ok(PageOut[WorkspaceOut], "The caller's workspaces, each with their role"),
)
def list_workspaces(limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    page = wiring.workspaces().list_for(current_caller(app), limit=limit, cursor=cursor)
    return page_out(page, membership_out)


@app.get("/v1/workspaces/<workspaceId>", responses=ok(WorkspaceOut))
def get_workspace(workspaceId: WorkspaceId) -> dict[str, Any]:
    return membership_out(wiring.workspaces().get(current_caller(app), workspaceId))


@app.patch("/v1/workspaces/<workspaceId>", responses=ok(WorkspaceOut))
def update_workspace(
    workspaceId: WorkspaceId, body: Annotated[UpdateWorkspaceRequest, Body()]
) -> dict[str, Any]:
    membership = wiring.workspaces().update(current_caller(app), workspaceId, body.changes())
    return membership_out(membership)


@app.delete("/v1/workspaces/<workspaceId>", responses=no_content("Deleted"))
def delete_workspace(workspaceId: WorkspaceId):
    wiring.workspaces().delete(current_caller(app), workspaceId)
    return Response(204)


@app.post(
    "/v1/workspaces/<workspaceId>/clients",
    responses=created(ClientOut, "The client workspace"),
)
def create_client(
    workspaceId: WorkspaceId,
    body: Annotated[CreateClientRequest, Body()],
    idempotency_key: IdempotencyKeyHeader = None,
):
    caller = current_caller(app)
    client = wiring.clients().create(
        caller,
        workspaceId,
        name=body.name,
        description=body.description,
        minute_budget=body.minuteBudget,
        idempotency=idempotency(idempotency_key, body),
    )
    return Response(201, "application/json", body=client_out(client, caller))


@app.get(
    "/v1/workspaces/<workspaceId>/clients",
    responses=ok(ClientPageOut, "The agency's clients, its pool and what they hold"),
)
def list_clients(workspaceId: WorkspaceId, limit: Limit = 50, cursor: Cursor = None):
    page = wiring.clients().list(current_caller(app), workspaceId, limit=limit, cursor=cursor)
    return clients_out(page)


@app.patch("/v1/workspaces/<workspaceId>/clients/<clientId>", responses=ok(ClientOut))
def set_client_budget(
    workspaceId: WorkspaceId,
    clientId: ClientId,
    body: Annotated[ClientBudgetRequest, Body()],
) -> dict[str, Any]:
    caller = current_caller(app)
    client = wiring.clients().set_budget(caller, workspaceId, clientId, body.minuteBudget)
    return client_out(client, caller)


@app.put(
    "/v1/workspaces/<workspaceId>/clients/<clientId>/assignments/<userId>",
    responses=ok(MemberOut, "The member in the client, via the agency"),
)
def assign_to_client(
    workspaceId: WorkspaceId,
    clientId: ClientId,
    userId: UserId,
    body: Annotated[AssignmentRequest, Body()],
) -> dict[str, Any]:
    member = wiring.client_staff().assign(
        current_caller(app), workspaceId, clientId, userId, body.role
    )
    return member_out(member)


@app.delete(
    "/v1/workspaces/<workspaceId>/clients/<clientId>/assignments/<userId>",
    responses=no_content("Unassigned"),
)
def unassign_from_client(workspaceId: WorkspaceId, clientId: ClientId, userId: UserId):
    wiring.client_staff().unassign(current_caller(app), workspaceId, clientId, userId)
    return Response(204)


lambda_handler = http_handler(app)
