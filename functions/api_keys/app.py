"""API keys: create (the key shown once), list, revoke (routes in template.yaml).

Other services check the keys with functions/api_key_authorizer."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from teamspace import wiring
from teamspace.api.models.api_keys import (
    ApiKeyOut,
    CreateApiKeyRequest,
    CreatedApiKeyOut,
    api_key_out,
    created_api_key_out,
)
from teamspace.api.models.fields import PageOut, idempotency, page_out
from teamspace.api.openapi import NO_STORE, created, no_content, ok
from teamspace.api.params import ApiKeyIdPath, Cursor, IdempotencyKeyHeader, Limit, WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver(retrying=wiring.retrying)


@app.post(
    "/v1/workspaces/<workspaceId>/api-keys",
    responses=created(CreatedApiKeyOut, "The key, shown this once", headers=NO_STORE),
)
def create_api_key(
    workspaceId: WorkspaceId,
    body: Annotated[CreateApiKeyRequest, Body()],
    idempotency_key: IdempotencyKeyHeader = None,
):
    issued = wiring.api_keys().create(
        current_caller(app),
        workspaceId,
        name=body.name,
        role_key=body.role,
        expires_at=body.expiresAt,
        idempotency=idempotency(idempotency_key, body),
    )
    return Response(
        201,
        "application/json",
        body=created_api_key_out(issued),
        # The reply holds a secret: no cache may keep it.
        headers={"Cache-Control": "no-store"},
    )


@app.get(
    "/v1/workspaces/<workspaceId>/api-keys",
    responses=ok(PageOut[ApiKeyOut], "The keys, never the key itself"),
)
def list_api_keys(
    workspaceId: WorkspaceId, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    page = wiring.api_keys().list(current_caller(app), workspaceId, limit=limit, cursor=cursor)
    return page_out(page, api_key_out)


@app.delete("/v1/workspaces/<workspaceId>/api-keys/<keyId>", responses=no_content("Revoked"))
def revoke_api_key(workspaceId: WorkspaceId, keyId: ApiKeyIdPath):
    wiring.api_keys().revoke(current_caller(app), workspaceId, keyId)
    return Response(204)


lambda_handler = http_handler(app)
