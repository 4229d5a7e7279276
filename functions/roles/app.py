"""Roles: the workspace's role catalogue, its custom roles, and changing a member's role
(routes in template.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from teamspace import wiring
from teamspace.api.models.fields import PageOut
from teamspace.api.models.members import MemberOut, member_out
from teamspace.api.models.roles import (
    ChangeRoleRequest,
    CreateRoleRequest,
    RoleOut,
    UpdateRoleRequest,
    role_out,
)
from teamspace.api.openapi import created, no_content, ok
from teamspace.api.params import RoleKeyPath, UserId, WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver(retrying=wiring.retrying)


@app.get(
    "/v1/workspaces/<workspaceId>/roles",
    responses=ok(PageOut[RoleOut], "Built-in and custom roles, highest rank first"),
)
def list_roles(workspaceId: WorkspaceId) -> dict[str, Any]:
    roles = wiring.roles().catalogue(current_caller(app), workspaceId)
    return {"items": [role_out(role) for role in roles], "nextCursor": None}


@app.post("/v1/workspaces/<workspaceId>/roles", responses=created(RoleOut))
def create_role(workspaceId: WorkspaceId, body: Annotated[CreateRoleRequest, Body()]):
    role = wiring.roles().create(
        current_caller(app),
        workspaceId,
        key=body.key,
        name=body.name,
        permission_set=frozenset(body.permissions),
        rank=body.rank,
    )
    return Response(201, "application/json", body=role_out(role))


@app.patch("/v1/workspaces/<workspaceId>/roles/<roleKey>", responses=ok(RoleOut))
def update_role(
    workspaceId: WorkspaceId,
    roleKey: RoleKeyPath,
    body: Annotated[UpdateRoleRequest, Body()],
) -> dict[str, Any]:
    role = wiring.roles().update(current_caller(app), workspaceId, roleKey, body.changes())
    return role_out(role)


@app.delete("/v1/workspaces/<workspaceId>/roles/<roleKey>", responses=no_content("Deleted"))
def delete_role(workspaceId: WorkspaceId, roleKey: RoleKeyPath):
    wiring.roles().delete(current_caller(app), workspaceId, roleKey)
    return Response(204)


@app.put("/v1/workspaces/<workspaceId>/members/<userId>/role", responses=ok(MemberOut))
def change_role(
    workspaceId: WorkspaceId, userId: UserId, body: Annotated[ChangeRoleRequest, Body()]
) -> dict[str, Any]:
    member = wiring.roles().change_role(current_caller(app), workspaceId, userId, body.role)
    return member_out(member)


lambda_handler = http_handler(app)
