"""Membership: list and search, read, update, suspend, reactivate, remove or leave, and
the caller's own permissions (routes in template.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from teamspace import wiring
from teamspace.api.models.fields import PageOut, page_out
from teamspace.api.models.members import (
    AuthorizeRequest,
    DecisionOut,
    MemberOut,
    MyPermissionsOut,
    UpdateMemberRequest,
    decision_out,
    member_out,
    my_permissions_out,
)
from teamspace.api.openapi import no_content, ok
from teamspace.api.params import Cursor, Limit, UserId, WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver()

NamePrefix = Annotated[
    str | None, Query(min_length=1, max_length=100, description="Name prefix, any case")
]
RoleFilter = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
StatusFilter = Annotated[str | None, Query(pattern=r"^(ACTIVE|SUSPENDED)$")]
RevokeApiKeys = Annotated[
    bool, Query(description="Also revoke the API keys the member created (true/false)")
]


@app.get("/v1/workspaces/<workspaceId>/members", responses=ok(PageOut[MemberOut]))
def list_members(
    workspaceId: WorkspaceId,
    q: NamePrefix = None,
    role: RoleFilter = None,
    status: StatusFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = wiring.membership().list(
        current_caller(app),
        workspaceId,
        limit=limit,
        cursor=cursor,
        name_prefix=q,
        role=role,
        status=status,
    )
    return page_out(page, member_out)


@app.get("/v1/workspaces/<workspaceId>/members/<userId>", responses=ok(MemberOut))
def get_member(workspaceId: WorkspaceId, userId: UserId) -> dict[str, Any]:
    return member_out(wiring.membership().get(current_caller(app), workspaceId, userId))


@app.patch("/v1/workspaces/<workspaceId>/members/<userId>", responses=ok(MemberOut))
def update_member(
    workspaceId: WorkspaceId, userId: UserId, body: Annotated[UpdateMemberRequest, Body()]
) -> dict[str, Any]:
    member = wiring.membership().update(current_caller(app), workspaceId, userId, body.changes())
    return member_out(member)


@app.post("/v1/workspaces/<workspaceId>/members/<userId>/suspend", responses=ok(MemberOut))
def suspend_member(workspaceId: WorkspaceId, userId: UserId) -> dict[str, Any]:
    member = wiring.membership().suspend(current_caller(app), workspaceId, userId)
    return member_out(member)


@app.post("/v1/workspaces/<workspaceId>/members/<userId>/reactivate", responses=ok(MemberOut))
def reactivate_member(workspaceId: WorkspaceId, userId: UserId) -> dict[str, Any]:
    member = wiring.membership().reactivate(current_caller(app), workspaceId, userId)
    return member_out(member)


@app.delete(
    "/v1/workspaces/<workspaceId>/members/<userId>",
    responses=no_content("Removed (or left, for me)"),
)
def remove_member(workspaceId: WorkspaceId, userId: UserId, revokeApiKeys: RevokeApiKeys = False):
    wiring.membership().remove(
        current_caller(app), workspaceId, userId, revoke_api_keys=revokeApiKeys
    )
    return Response(204)


@app.get("/v1/workspaces/<workspaceId>/me/permissions", responses=ok(MyPermissionsOut))
def my_permissions(workspaceId: WorkspaceId) -> dict[str, Any]:
    result = wiring.membership().my_permissions(current_caller(app), workspaceId)
    return my_permissions_out(result)


@app.post(
    "/v1/workspaces/<workspaceId>/authorize",
    responses=ok(DecisionOut, "Whether the caller may"),
)
def authorize(
    workspaceId: WorkspaceId, body: Annotated[AuthorizeRequest, Body()]
) -> dict[str, Any]:
    decision = wiring.membership().authorize(
        current_caller(app), workspaceId, body.permission, body.resourceId
    )
    return decision_out(decision)


lambda_handler = http_handler(app)
