"""The Powertools resolver every HTTP function uses, with one error policy for all.

Validation is on (pydantic models for bodies, typed path and query parameters), and
every failure leaves as problem+json: domain errors by `problems.STATUS_OF`, request
validation as 422 naming the fields, unparseable JSON as 400, oversized bodies as 413,
unknown routes as 404, and anything unexpected as a logged 500 that says nothing more.

Every route runs under the retry policy (core/retry.py): a route is a whole
read-decide-write cycle, so when the store says it met contention or a busy table
(nothing applied), the route runs again from its first read, until the policy or the
function's deadline is spent; then the caller gets 409 CONCURRENT_UPDATE or 503
STORE_BUSY with Retry-After.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace.api import problems
from teamspace.api.identity import caller_from_event
from teamspace.core import errors
from teamspace.core.identity import Caller
from teamspace.core.observability import logger, metrics
from teamspace.core.retry import Retrying, budget
from teamspace.core.settings import get_settings

_MESSAGES = {
    "extra_forbidden": "unknown field; it cannot be set here",
    "missing": "required",
}


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        source, rest = parts[0], parts[1:]
        if source == "body":
            return ".".join(rest) or "body"
        return ".".join(rest) or source
    return ".".join(parts) or "body"


def _validation_problem(error: RequestValidationError) -> Response:
    found = error.errors()
    if any(item.get("type") == "json_invalid" for item in found):
        return problems.problem(400, "MALFORMED_JSON", "The request body is not valid JSON")
    field_errors = [
        errors.FieldError(
            _field_name(tuple(item.get("loc", ()))),
            _MESSAGES.get(item.get("type", ""), item.get("msg", "invalid value")),
        )
        for item in found
    ]
    return problems.problem(
        422,
        "VALIDATION_FAILED",
        "The request has invalid fields: " + ", ".join(sorted({e.field for e in field_errors})),
        field_errors=field_errors,
    )


def check_body(event: dict[str, Any]) -> None:
    """Bodies are JSON and small: refuse anything else before a parser sees it.

    This runs ahead of the resolver, because Powertools validates a request before any
    middleware of ours runs and would otherwise parse a form-encoded body as a form.
    """
    body = event.get("body") or ""
    limit = get_settings().max_body_bytes
    if len(body) > limit:
        raise errors.PayloadTooLarge("BODY_TOO_LARGE", f"The request body exceeds {limit} bytes")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "")
    if body and content_type and not content_type.lower().startswith("application/json"):
        raise errors.UnsupportedMediaType(
            "UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json"
        )
    if body and event.get("isBase64Encoded"):
        # API Gateway base64-encodes a body that is not UTF-8 text: JSON it cannot be.
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise errors.MalformedRequest(
                "MALFORMED_JSON", "The request body is not UTF-8 JSON"
            ) from None
    if body:
        try:
            json.loads(body)
        except RecursionError:  # nested past what the parser allows: refused, not a 500
            raise errors.MalformedRequest(
                "MALFORMED_JSON", "The request body is nested too deeply"
            ) from None
        except ValueError:
            raise errors.MalformedRequest(
                "MALFORMED_JSON", "The request body is not valid JSON"
            ) from None


def create_resolver(retrying: Callable[[], Retrying]) -> APIGatewayHttpResolver:
    """The resolver, each route retried by `retrying()` (the composition root's policy,
    asked for at each request: a reconfigured root's clock is the one paused on)."""
    app = APIGatewayHttpResolver(enable_validation=True)

    def retried(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
        return retrying().run(lambda: next_middleware(app))

    app.use(middlewares=[retried])

    @app.exception_handler(errors.TeamspaceError)
    def _domain_error(error: errors.TeamspaceError) -> Response:
        return problems.from_error(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        return _validation_problem(error)

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(_: RequestUnsupportedContentType) -> Response:
        return problems.problem(
            415, "UNSUPPORTED_MEDIA_TYPE", "Send the request body as application/json"
        )

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return problems.problem(404, "ROUTE_NOT_FOUND", "No such route")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return problems.problem(500, "INTERNAL_ERROR", "Something went wrong on our side")

    return app


def current_caller(app: APIGatewayHttpResolver) -> Caller:
    return caller_from_event(app.current_event)


def http_handler(
    app: APIGatewayHttpResolver,
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point of an HTTP function: logging context, metrics, routing."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            check_body(event)
        except errors.TeamspaceError as error:
            return problems.to_proxy_result(problems.from_error(error))
        with budget(context):
            return app.resolve(event, context)

    return lambda_handler
