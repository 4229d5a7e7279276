"""Roles: the workspace's role catalogue, and changing a member's role (routes in
template.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body

from teamspace.api import models, wiring
from teamspace.api.params import UserId, WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver()


@app.get("/v1/workspaces/<workspaceId>/roles")
def list_roles(workspaceId: WorkspaceId) -> dict[str, Any]:
    roles = wiring.roles().catalogue(current_caller(app), workspaceId)
    return {"items": [models.role_out(role) for role in roles], "nextCursor": None}


@app.put("/v1/workspaces/<workspaceId>/members/<userId>/role")
def change_role(
    workspaceId: WorkspaceId, userId: UserId, body: Annotated[models.ChangeRoleRequest, Body()]
) -> dict[str, Any]:
    member = wiring.roles().change_role(current_caller(app), workspaceId, userId, body.role)
    return models.member_out(member)


lambda_handler = http_handler(app)
