"""Typed path and query parameters shared by the routes (validated by Powertools)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from teamspace.api.identity import USER_ID_PATTERN
from teamspace.core.ids import API_KEY_ID, INVITATION_ID, WORKSPACE_ID

WorkspaceId = Annotated[str, Path(pattern=WORKSPACE_ID.pattern, description="A workspace id")]
ClientId = Annotated[
    str, Path(pattern=WORKSPACE_ID.pattern, description="A client workspace of the agency")
]
InvitationId = Annotated[str, Path(pattern=INVITATION_ID.pattern, description="An invitation id")]
UserId = Annotated[
    str,
    Path(
        pattern=f"(^me$)|({USER_ID_PATTERN})",
        description="A member's user id (the token's sub), or `me` for the caller",
    ),
]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1 to 100")]
Cursor = Annotated[str | None, Query(max_length=2048, description="From a previous nextCursor")]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Retry-safe creation: a retry with the same key and body answers what "
        "the first request answered, and creates nothing more",
    ),
]
RoleKeyPath = Annotated[
    str, Path(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="A custom role's key")
]
ApiKeyIdPath = Annotated[str, Path(pattern=API_KEY_ID.pattern, description="An API key's id")]
