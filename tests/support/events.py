"""Sample events from events/ with the parts a test wants changed, and the callers' claims."""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import urlencode

from local_runtime.template import ROOT

EVENTS = ROOT / "events"
OWNER_SUB = "11111111-1111-4111-8111-111111111111"
SAMPLE_WORKSPACE = "ws_00000000000000000000000001"
SAMPLE_TARGET = "22222222-2222-4222-8222-222222222222"

Claims = dict[str, Any]


@cache
def _sample(name: str) -> str:
    return (EVENTS / name).read_text()


def sample_event(
    name: str,
    *,
    caller: Claims | None = None,
    body: Any = ...,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    path: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    key_context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A sample event from events/, with the parts a test wants changed; `key_context`:
    as an API key's request, what the key authorizer let it through with (the key API)
    in place of the token's claims."""
    event = json.loads(_sample(name))  # a new object each time
    if key_context is not None:
        event["requestContext"]["authorizer"] = {"lambda": dict(key_context)}
    if caller is not None:
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        claims.clear()
        claims.update({k: str(v).lower() if isinstance(v, bool) else v for k, v in caller.items()})
    if body is not ...:
        event["body"] = json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    if raw_body is not None:
        event["body"] = raw_body
    if query is not None:
        event["rawQueryString"] = urlencode(query)
        event["queryStringParameters"] = query
        if not query:
            event.pop("queryStringParameters")
    if path is not None:
        event["pathParameters"].update(path)
        raw = event["routeKey"].split(" ", 1)[1]
        for key, value in event["pathParameters"].items():
            raw = raw.replace("{" + key + "}", value)
        event["rawPath"] = event["requestContext"]["http"]["path"] = raw
    if headers is not None:
        event["headers"].update(headers)
    return event


def user(sub: str, email: str | None = None, name: str | None = None) -> Claims:
    """A signed-in user's claims (a verified email at example.com unless given)."""
    return {
        "sub": sub,
        "email": email or f"{sub}@example.com",
        "email_verified": True,
        "name": name or sub.title(),
    }


OWNER = user(OWNER_SUB, "owner@example.com", "Olivia Owner")


def as_caller(who: str | Claims | None) -> Claims | None:
    """The claims for a caller named by user id: None (the sample events' own caller, the
    sample owner) for None or the owner's id, `user(who)` for anyone else; claims pass."""
    if who is None or who == OWNER_SUB:
        return None
    if isinstance(who, dict):
        return who
    return user(who)


def key_check_event(key: str, workspace_id: str, route_key: str) -> dict[str, Any]:
    """The key authorizer's event for `key` on this stack's own route `route_key` of
    `workspace_id`, as the key API sends it (its stage variable `keyRoutes`)."""
    event = json.loads(_sample("api_key_authorizer/bearer.json"))
    event["headers"]["authorization"] = f"Bearer {key}"
    event["routeKey"] = event["requestContext"]["routeKey"] = route_key
    event["pathParameters"] = {"workspaceId": workspace_id}
    event["stageVariables"] = {"keyRoutes": "own"}
    return event


# The billing service's requests (events/billing/), by detail-type.
BILLING_SAMPLES = {
    "WorkspaceSuspensionRequested": "billing/suspension-requested.json",
    "WorkspaceReactivationRequested": "billing/reactivation-requested.json",
    "WorkspacePlanChanged": "billing/plan-changed.json",
    "MinutesUsed": "billing/minutes-used.json",
}


def billing_request(
    detail_type: str, workspace_id: str, event_id: str, **detail: Any
) -> dict[str, Any]:
    """The billing service's event `detail_type` as EventBridge hands it to the billing
    function: bus event id `event_id`, about `workspace_id`, with `detail`'s other fields."""
    event = json.loads(_sample(BILLING_SAMPLES[detail_type]))
    event["id"] = event_id
    event["detail"].update(workspaceId=workspace_id, **detail)
    return event


def as_bus_event(outbox: dict[str, Any]) -> dict[str, Any]:
    """An outbox record (`store.outbox_events`) as EventBridge delivers it to a rule's
    function."""
    sample = json.loads(_sample("bus/MemberRemoved.json"))
    detail = {k: v for k, v in outbox.items() if k not in ("detailType", "ttl")}
    return {**sample, "detail-type": outbox["detailType"], "detail": detail}
