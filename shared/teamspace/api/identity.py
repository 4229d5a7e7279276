"""The caller, from the claims API Gateway's JWT authorizer has already verified, or
from what the API key authorizer found for a key (`requestContext.authorizer.lambda`).

HTTP APIs hand claims over as strings ("true", not true), so both forms are read.
A key is good only on the routes of one workspace (a `{workspaceId}` in the route) but
a transfer's answers: anywhere else it is refused with 403 API_KEY_NOT_ALLOWED, before
any read.
"""

from __future__ import annotations

import re

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from teamspace.core.errors import (
    Unauthenticated,
    Unavailable,
    api_key_not_allowed,
    key_rate_limited,
)
from teamspace.core.identity import Caller, KeyGrant
from teamspace.core.settings import get_settings

# A token's `sub` becomes part of table keys, so '#' and '/' are never accepted in it.
USER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:|+=-]{0,127}$"
_USER_ID = re.compile(USER_ID_PATTERN)
_EMAIL_MAX = 254
_WORDS = re.compile(r"[A-Za-z0-9_-]+")


def shows_mfa(value: object) -> bool:
    """Whether a claim's value shows MFA: true, or a list of methods that holds "mfa".

    HTTP APIs pass a list claim as text ("[mfa pwd]"), so text is read word by word.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return "mfa" in (str(v).lower() for v in value)
    if isinstance(value, str):
        words = {word.lower() for word in _WORDS.findall(value)}
        return value.strip().lower() == "true" or "mfa" in words
    return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def caller_from_event(event: APIGatewayProxyEventV2) -> Caller:
    granted = event.request_context.authorizer.get_lambda
    if granted.get("storeBusy"):
        # The authorizer could not count (so could not check) the key: nothing runs, and
        # no retry here could check it (an Unavailable, not the retried Busy).
        raise Unavailable("STORE_BUSY", "The table is busy; retry shortly", retry_after=1)
    if granted.get("keyId"):
        return key_caller(event, granted)
    claims = event.request_context.authorizer.jwt_claim
    sub = claims.get("sub")
    if not isinstance(sub, str) or not _USER_ID.match(sub):
        raise Unauthenticated("UNAUTHENTICATED", "A valid bearer token is required")
    email = claims.get("email")
    email = normalise_email(email) if isinstance(email, str) and email else None
    if email is not None and (len(email) > _EMAIL_MAX or "@" not in email):
        email = None
    name = claims.get("name")
    return Caller(
        user_id=sub,
        email=email,
        email_verified=str(claims.get("email_verified", "")).lower() == "true",
        name=name.strip()[:100] if isinstance(name, str) and name.strip() else None,
        mfa=shows_mfa(claims.get(get_settings().mfa_claim)),
        issued_at=_epoch_seconds(claims.get("iat")),
    )


def _epoch_seconds(value: object) -> int | None:
    """A time claim (HTTP APIs pass it as text) as epoch seconds, or None."""
    try:
        return int(float(str(value))) if value is not None else None
    except ValueError:
        return None


WORKSPACE_SCOPE = "{workspaceId}"
# Inside one workspace, yet a person's answer: no key is ever a transfer's nominee
# (API.md: ownership accept/decline refuse keys), nor a member with an availability.
PEOPLE_ONLY_ROUTES = frozenset(
    {
        "POST /v1/workspaces/{workspaceId}/ownership-transfer/accept",
        "POST /v1/workspaces/{workspaceId}/ownership-transfer/decline",
        "PUT /v1/workspaces/{workspaceId}/members/me/availability",
    }
)


def takes_keys(route_key: str) -> bool:
    """Whether a route (`METHOD /path`, as API Gateway names it) acts for an API key."""
    return WORKSPACE_SCOPE in route_key and route_key not in PEOPLE_ONLY_ROUTES


def key_caller(event: APIGatewayProxyEventV2, granted: dict[str, object]) -> Caller:
    """The caller a key makes, from the authorizer's context (it checked the key, its
    status and expiry, and counted the request against the key's rate)."""
    if not takes_keys(event.route_key or ""):
        raise api_key_not_allowed()
    retry_after = granted.get("retryAfter")
    if retry_after:
        raise key_rate_limited(max(1, int(str(retry_after))))
    key_id = str(granted["keyId"])
    if not _USER_ID.match(key_id):
        raise Unauthenticated("UNAUTHENTICATED", "A valid bearer token is required")
    return Caller(
        user_id=key_id,
        key=KeyGrant(
            workspace_id=str(granted.get("workspaceId", "")),
            key_id=key_id,
            role=str(granted.get("role", "")),
            permissions=frozenset(str(granted.get("permissions", "")).split()),
        ),
    )
