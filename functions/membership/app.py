"""Membership: list and search (removed members too), read, update, suspend, reactivate,
remove or leave; the caller's availability for escalations; members whose accounts the
workspace manages (create, password, sign-out, sign-ins); and the caller's own
permissions (routes in template.yaml)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from teamspace import wiring
from teamspace.api.models.accounts import (
    CreateMemberRequest,
    PasswordRequest,
    SignInOut,
    sign_in_out,
)
from teamspace.api.models.fields import MemberStatusFilter, PageOut, idempotency, page_out
from teamspace.api.models.members import (
    AuthorizeRequest,
    AvailabilityRequest,
    DecisionOut,
    MemberOut,
    MyPermissionsOut,
    UpdateMemberRequest,
    decision_out,
    member_out,
    my_permissions_out,
    removed_member_out,
)
from teamspace.api.openapi import created, managing_accounts, no_content, ok
from teamspace.api.params import Cursor, IdempotencyKeyHeader, Limit, UserId, WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver(retrying=wiring.retrying)

NamePrefix = Annotated[
    str | None, Query(min_length=1, max_length=100, description="Name prefix, any case")
]
RoleFilter = Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
StatusFilter = Annotated[
    MemberStatusFilter | None,
    Query(description="ACTIVE or SUSPENDED members (both when absent), or DELETED: the removed"),
]
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
    if status == "DELETED":
        removed = wiring.member_departures().removed(
            current_caller(app), workspaceId, limit=limit, cursor=cursor
        )
        return page_out(removed, removed_member_out)
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
    wiring.member_departures().remove(
        current_caller(app), workspaceId, userId, revoke_api_keys=revokeApiKeys
    )
    return Response(204)


@app.post(
    "/v1/workspaces/<workspaceId>/members",
    responses=managing_accounts(created(MemberOut, "The member, whose account exists at once")),
)
def create_member(
    workspaceId: WorkspaceId,
    body: Annotated[CreateMemberRequest, Body()],
    idempotency_key: IdempotencyKeyHeader = None,
):
    member = wiring.accounts().create_member(
        current_caller(app),
        workspaceId,
        body.request(),
        idempotency(idempotency_key, body.model_copy(update={"password": None})),
    )
    return Response(201, "application/json", body=member_out(member))


@app.put(
    "/v1/workspaces/<workspaceId>/members/<userId>/password",
    responses=managing_accounts(no_content("Set; the member's sessions are over")),
)
def set_member_password(
    workspaceId: WorkspaceId, userId: UserId, body: Annotated[PasswordRequest, Body()]
):
    wiring.accounts().set_password(
        current_caller(app), workspaceId, userId, body.password.get_secret_value()
    )
    return Response(204)


@app.post(
    "/v1/workspaces/<workspaceId>/members/<userId>/sign-out",
    responses=no_content("Tokens issued to the member before now are refused here"),
)
def sign_member_out(workspaceId: WorkspaceId, userId: UserId):
    wiring.accounts().sign_out(current_caller(app), workspaceId, userId)
    return Response(204)


@app.get(
    "/v1/workspaces/<workspaceId>/members/<userId>/sign-ins",
    responses=ok(PageOut[SignInOut], "The member's sign-ins, newest first"),
)
def list_sign_ins(
    workspaceId: WorkspaceId, userId: UserId, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    page = wiring.activity().sign_ins(
        current_caller(app), workspaceId, userId, limit=limit, cursor=cursor
    )
    return page_out(page, sign_in_out)


# `me` is part of the path, not a user id: nobody sets another member's availability.
@app.put(
    "/v1/workspaces/<workspaceId>/members/me/availability",
    responses=ok(MemberOut, "The caller, with their availability"),
)
def set_my_availability(
    workspaceId: WorkspaceId, body: Annotated[AvailabilityRequest, Body()]
) -> dict[str, Any]:
    member = wiring.membership().set_availability(current_caller(app), workspaceId, body.status)
    return member_out(member)


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
