"""The template's functions, loaded as Lambda loads them and called through their real
entry points, and their HTTP replies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from local_runtime.lambdas import LambdaContext, load_module
from local_runtime.template import Template
from teamspace.domain.key_format import ALPHABET
from tests.support.events import Claims, as_caller, billing_request, key_check_event, sample_event


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


def reply_of(result: dict[str, Any]) -> Reply:
    """An HTTP function's result as a Reply, its JSON (or problem+json) body parsed."""
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    text = result.get("body") or ""
    media = headers.get("content-type", "application/json")
    is_json = media.startswith(("application/json", "application/problem+json"))
    body = (json.loads(text) if is_json else text) if text else None
    return Reply(result["statusCode"], headers, body)


class Functions:
    """The template's functions, loaded by path and called through their real handlers."""

    def __init__(self, template: Template) -> None:
        self._specs = template.functions()

    def invoke(self, logical_id: str, event: dict[str, Any], remaining_ms: int = 10_000) -> Any:
        """A function's raw result (the API key authorizer answers no HTTP reply), with
        `remaining_ms` left before its deadline."""
        module = load_module(self._specs[logical_id])
        context = LambdaContext(function_name=logical_id, remaining_ms=remaining_ms)
        return module.lambda_handler(event, context)

    def call(self, logical_id: str, event: dict[str, Any], remaining_ms: int = 10_000) -> Reply:
        return reply_of(self.invoke(logical_id, event, remaining_ms))


def call(
    functions: Functions,
    function: str,
    sample: str,
    who: str | Claims | None = None,
    **changes: Any,
) -> Reply:
    """`function` called with the sample event `sample` as `who` (a user id, or claims;
    None: the sample's own caller, the owner), with `sample_event`'s other changes."""
    caller = as_caller(who)
    if caller is not None:
        changes["caller"] = caller
    return functions.call(function, sample_event(sample, **changes))


def key_context(
    functions: Functions,
    key: str,
    workspace_id: str,
    route_key: str = "GET /v1/workspaces/{workspaceId}",
) -> dict[str, Any]:
    """What the real key authorizer lets `key` through with on this stack's key API (for
    `sample_event(key_context=...)`); it must let it through."""
    answer = functions.invoke(
        "ApiKeyAuthorizerFunction", key_check_event(key, workspace_id, route_key)
    )
    assert answer["isAuthorized"] is True, answer
    return answer["context"]


def mistyped(text: str) -> str:
    """`text` with one character in its middle changed (always to another one), as a
    person copying a key by hand might: its checksum no longer holds."""
    position = len(text) // 2
    replacement = next(c for c in ALPHABET if c != text[position])
    return text[:position] + replacement + text[position + 1 :]


SUSPEND = "WorkspaceSuspensionRequested"
REACTIVATE = "WorkspaceReactivationRequested"


def billing(
    functions: Functions, detail_type: str, workspace_id: str, event_id: str, **detail: Any
) -> dict[str, str]:
    """The billing service's request `detail_type` about `workspace_id`, delivered by the
    bus (event id `event_id`) to the billing function's real entry point."""
    event = billing_request(detail_type, workspace_id, event_id, **detail)
    return functions.invoke("BillingFunction", event)
