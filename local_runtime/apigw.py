"""The API Gateway HTTP API (payload 2.0) side: the event a handler receives, and the
HTTP response its result becomes."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from local_runtime.template import ACCOUNT_ID, Route


def _claim_text(value: Any) -> str:
    """HTTP APIs pass every claim to the function as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)


def build_event(
    *,
    route: Route,
    path_parameters: dict[str, str],
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    claims: dict[str, Any] | None,
    source_ip: str,
    key_context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The event of a request; `claims` None for a public route, which has no authorizer
    (API Gateway then sends no `authorizer` in the request context); `key_context`
    what the API key authorizer let an API key's request through with (the key API)."""
    now = datetime.now(UTC)
    lowered = {name.lower(): value for name, value in headers.items()}
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(name, []).append(value)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if claims is not None:
        jwt = {"claims": {k: _claim_text(v) for k, v in claims.items()}, "scopes": None}
        event["requestContext"]["authorizer"] = {"jwt": jwt}
    if key_context is not None:
        event["requestContext"]["authorizer"] = {"lambda": key_context}
    if params:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in params.items()}
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = text
    return event


def authorizer_event(request: dict[str, Any], stage_variables: dict[str, str]) -> dict[str, Any]:
    """The key authorizer's REQUEST event (payload 2.0) for a request's event, as the key
    API sends it, with that API's stage variables (the template's)."""
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:local/$default/"
        + request["requestContext"]["http"]["method"]
        + request["rawPath"],
        "identitySource": None,
        "routeKey": request["routeKey"],
        "rawPath": request["rawPath"],
        "rawQueryString": request["rawQueryString"],
        "headers": request["headers"],
        "requestContext": request["requestContext"],
        "pathParameters": request.get("pathParameters", {}),
        "stageVariables": dict(stage_variables),
    }


def presents_key(headers: Mapping[str, str]) -> bool:
    """Whether a request carries an API key rather than a token: the key API's."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("x-api-key"):
        return True
    return lowered.get("authorization", "").strip().lower().startswith("bearer tsk_")


def to_http(result: Any) -> tuple[int, dict[str, str], bytes]:
    """A handler's result as status, headers and body, as API Gateway would send them."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return 200, {"content-type": "application/json"}, json.dumps(result).encode()
    headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ", ".join(str(v) for v in values)
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, raw


def scheduled_event(function: str, at: datetime) -> dict[str, Any]:
    """The event an EventBridge schedule delivers to its function at `at`."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:{ACCOUNT_ID}:rule/{function}"],
        "detail": {},
    }
