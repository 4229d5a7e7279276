"""RFC 9457 problem responses, and the one map from domain errors to HTTP statuses."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response

from teamspace.core import errors

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://teamspace.dev/problems/"

STATUS_OF: dict[type[errors.TeamspaceError], int] = {
    errors.MalformedRequest: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.IdempotentReplay: 409,
    errors.Gone: 410,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.InvalidInput: 422,
    errors.LimitExceeded: 429,
    errors.NotSupported: 501,
    errors.BadGateway: 502,
    errors.Unavailable: 503,
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    field_errors: list[errors.FieldError] | None = None,
    retry_after: int | None = None,
    extensions: dict[str, str] | None = None,
) -> Response:
    """A problem+json response; `code` is the stable cause clients branch on."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code.lower().replace("_", "-"),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)  # never over a member the RFC defines
    if field_errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in field_errors]
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return Response(
        status_code=status,
        content_type=PROBLEM_JSON,
        body=json.dumps(body),
        headers=headers,
    )


def from_error(error: errors.TeamspaceError) -> Response:
    status = next(
        (code for kind, code in STATUS_OF.items() if isinstance(error, kind)),
        500,
    )
    return problem(
        status,
        error.code,
        error.detail,
        title=error.title,
        field_errors=error.fields,
        retry_after=error.retry_after,
        extensions=error.extensions,
    )


def to_proxy_result(response: Response) -> dict[str, Any]:
    """A response as the Lambda proxy result an HTTP API expects (outside the resolver)."""
    headers = {"Content-Type": response.content_type or PROBLEM_JSON}
    for name, value in (response.headers or {}).items():
        headers[name] = value if isinstance(value, str) else ", ".join(value)
    return {
        "statusCode": response.status_code,
        "headers": headers,
        "body": response.body,
        "isBase64Encoded": False,
    }
