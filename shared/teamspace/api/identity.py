"""The caller, from the claims API Gateway's JWT authorizer has already verified.

HTTP APIs hand claims over as strings ("true", not true), so both forms are read.
"""

from __future__ import annotations

import re

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from teamspace.domain.identity import Caller
from teamspace.errors import Unauthenticated

# A token's `sub` becomes part of table keys, so '#' and '/' are never accepted in it.
USER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:|+=-]{0,127}$"
_USER_ID = re.compile(USER_ID_PATTERN)
_EMAIL_MAX = 254


def normalise_email(email: str) -> str:
    return email.strip().lower()


def caller_from_event(event: APIGatewayProxyEventV2) -> Caller:
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
    )
