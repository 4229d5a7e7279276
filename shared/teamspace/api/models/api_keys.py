"""Bodies of the API key routes (API.md, "API keys"). The key itself appears in one
reply only, the creation's; no reply ever carries its hash."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, StringConstraints

from teamspace.api.models.fields import (
    RequestModel,
    ResponseModel,
    RoleKey,
    RoleKeyOut,
    Text,
    Timestamp,
    example,
)
from teamspace.core.clock import iso
from teamspace.core.records import ApiKey
from teamspace.domain.api_keys import IssuedApiKey

KeyName = Annotated[Text, StringConstraints(min_length=1, max_length=100)]


class CreateApiKeyRequest(RequestModel):
    """A key's name (for people), the role it acts with (default member), and when it
    stops working (optional, ISO-8601 with a zone, in the future)."""

    model_config = example(
        {"name": "CRM sync", "role": "member", "expiresAt": "2027-06-30T00:00:00Z"}
    )

    name: KeyName
    role: RoleKey | None = None
    expiresAt: AwareDatetime | None = None


class ApiKeyOut(ResponseModel):
    keyId: str
    name: str
    prefix: str
    role: RoleKeyOut
    permissions: list[str]
    createdBy: str
    createdAt: Timestamp
    lastUsedAt: Timestamp | None
    expiresAt: Timestamp | None


class CreatedApiKeyOut(ApiKeyOut):
    # The full key, this once; null when an Idempotency-Key replay answers instead.
    key: str | None


def api_key_out(key: ApiKey) -> dict[str, Any]:
    return ApiKeyOut(
        keyId=key.key_id,
        name=key.name,
        prefix=key.prefix,
        role=key.role,
        permissions=sorted(key.permissions),
        createdBy=key.created_by,
        createdAt=iso(key.created_at),
        lastUsedAt=iso(key.last_used_at) if key.last_used_at else None,
        expiresAt=iso(key.expires_at) if key.expires_at else None,
    ).model_dump()


def created_api_key_out(issued: IssuedApiKey) -> dict[str, Any]:
    return CreatedApiKeyOut(**api_key_out(issued.key), key=issued.text).model_dump()
