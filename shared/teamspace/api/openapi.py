"""What each route declares about its responses, for the OpenAPI document.

Every HTTP function's resolver describes its own routes (validation is on, so bodies,
path and query parameters come from the handlers' types). A route adds its success
response with `ok(...)`/`created(...)`/`no_content()`; each of them also declares the
errors every route can answer, as RFC 9457 problems, so a client (and the fuzzer) can
hold every response to the document. `make openapi` merges the functions' documents
(`tools/openapi.py`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from teamspace.api.problems import PROBLEM_JSON

JSON = "application/json"


class ProblemFieldError(BaseModel):
    # Described in the OpenAPI document only (problems are written by api.problems).
    model_config = ConfigDict(defer_build=True)

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: `code` is the stable cause to branch on."""

    model_config = ConfigDict(defer_build=True)

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemFieldError] | None = None
    # PLAN_UPGRADE_REQUIRED: the plan feature the workspace lacks.
    feature: str | None = None


# What any route inside the API can answer besides its success. 401 comes from the JWT
# authorizer in front of the functions; 500 is a bug, and is documented all the same.
ERRORS: dict[int, str] = {
    400: "The body is not valid JSON",
    401: "No token, or a token the authorizer refuses",
    403: "Without the permission, refused by a rank rule or policy, or the workspace is suspended",
    404: "Not found, or not a workspace the caller is an active member of",
    409: "A conflict: already so, limit reached, or changed meanwhile",
    410: "An invitation or link that is no longer valid",
    413: "The body is too large",
    415: "The body is not application/json",
    422: "Invalid input; `errors` names the fields",
    429: "A limit was hit; Retry-After says when to try again",
    500: "A failure on our side",
    503: "The table is busy; Retry-After says when to try again",
}


# The response headers a client acts on (api.problems sets Retry-After; the routes that
# hand out a secret or a capability's answer set Cache-Control).
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 0},
    }
}
NO_STORE = {
    "Cache-Control": {
        "description": "`no-store`: the reply must not be kept by a browser or a proxy",
        "schema": {"type": "string", "enum": ["no-store"]},
    }
}
# A paged export's way to its next page (absent from the last page).
EXPORT_PAGE_HEADERS = {
    "Next-Cursor": {
        "description": "The `cursor` of the next page; absent on the last page",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": (
            'The next page, `<?format=...&cursor=...>; rel="next"`: a reference relative '
            "to this request's URL (RFC 8288); absent on the last page"
        ),
        "schema": {"type": "string"},
    },
}
# Which problems say when to try again.
_HEADERS_OF = {429: RETRY_AFTER, 503: RETRY_AFTER}


def _problems() -> dict[int, dict[str, Any]]:
    return {
        status: {"description": text, "content": {PROBLEM_JSON: {"model": Problem}}}
        | ({"headers": _HEADERS_OF[status]} if status in _HEADERS_OF else {})
        for status, text in ERRORS.items()
    }


def ok(
    model: type[BaseModel],
    description: str = "OK",
    status: int = 200,
    headers: dict[str, Any] | None = None,
) -> dict[int, Any]:
    """A JSON success response of `model` (with the `headers` the route sets), with every
    error response."""
    success: dict[str, Any] = {"description": description, "content": {JSON: {"model": model}}}
    if headers:
        success["headers"] = headers
    return {status: success} | _problems()


def public(responses: dict[int, Any]) -> dict[int, Any]:
    """A public route's responses (no authorizer in front of it: template.yaml): no 401."""
    return {status: response for status, response in responses.items() if status != 401}


def managing_accounts(responses: dict[int, Any]) -> dict[int, Any]:
    """A managed-account route's responses, with its 501 for another identity provider."""
    return responses | {
        501: {
            "description": "Accounts are not managed with this identity provider "
            "(IDENTITY_PROVIDER_UNSUPPORTED)",
            "content": {PROBLEM_JSON: {"model": Problem}},
        }
    }


def reaching_a_mail_server(responses: dict[int, Any]) -> dict[int, Any]:
    """A route that talks to the workspace's own SMTP server: its 502 when the server
    refused or could not be reached."""
    return responses | {
        502: {
            "description": "The workspace's SMTP server refused the message or could not be "
            "reached; `detail` holds its reply (SMTP_DELIVERY_FAILED)",
            "content": {PROBLEM_JSON: {"model": Problem}},
        }
    }


def created(
    model: type[BaseModel], description: str = "Created", headers: dict[str, Any] | None = None
) -> dict[int, Any]:
    return ok(model, description, status=201, headers=headers)


def accepted(model: type[BaseModel], description: str = "Accepted") -> dict[int, Any]:
    return ok(model, description, status=202)


def no_content(description: str = "Done; nothing to return") -> dict[int, Any]:
    return {204: {"description": description}} | _problems()


def text(
    media_types: list[str], description: str, headers: dict[str, Any] | None = None
) -> dict[int, Any]:
    """A text body in one of `media_types` (an export), with the `headers` it sets."""
    content = {media: {"schema": {"type": "string"}} for media in media_types}
    success: dict[str, Any] = {"description": description, "content": content}
    if headers:
        success["headers"] = headers
    return {200: success} | _problems()
