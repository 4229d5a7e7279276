"""Helpers for tests: sample events from events/, handlers loaded as Lambda loads them,
and members seeded through the store (the only way in before invitations exist)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from local_runtime.lambdas import LambdaContext, load_module
from local_runtime.template import ROOT, Template
from teamspace.core.records import Member
from teamspace.permissions import MemberStatus
from teamspace.store import codec
from teamspace.store import members as member_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore

EVENTS = ROOT / "events"
OWNER_SUB = "11111111-1111-4111-8111-111111111111"
SAMPLE_WORKSPACE = "ws_00000000000000000000000001"
SAMPLE_TARGET = "22222222-2222-4222-8222-222222222222"


def sample_event(
    name: str,
    *,
    caller: dict[str, Any] | None = None,
    body: Any = ...,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    path: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A sample event from events/, with the parts a test wants changed."""
    event = json.loads((EVENTS / name).read_text())
    event = copy.deepcopy(event)
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


def user(sub: str, email: str | None = None, name: str | None = None) -> dict[str, Any]:
    return {
        "sub": sub,
        "email": email or f"{sub}@example.com",
        "email_verified": True,
        "name": name or sub.title(),
    }


OWNER = user(OWNER_SUB, "owner@example.com", "Olivia Owner")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


class Functions:
    """The template's functions, loaded by path and called through their real handlers."""

    def __init__(self, template: Template) -> None:
        self._specs = template.functions()

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """A function's raw result (the API key authorizer answers no HTTP reply)."""
        module = load_module(self._specs[logical_id])
        return module.lambda_handler(event, LambdaContext(function_name=logical_id))

    def call(self, logical_id: str, event: dict[str, Any]) -> Reply:
        module = load_module(self._specs[logical_id])
        result = module.lambda_handler(event, LambdaContext(function_name=logical_id))
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        text = result.get("body") or ""
        media = headers.get("content-type", "application/json")
        is_json = media.startswith(("application/json", "application/problem+json"))
        body = (json.loads(text) if is_json else text) if text else None
        return Reply(result["statusCode"], headers, body)


def seed_member(
    store: TeamspaceStore,
    workspace_id: str,
    user_id: str,
    role: str,
    at: datetime,
    *,
    name: str | None = None,
    status: str = MemberStatus.ACTIVE,
    toggles: dict[str, bool] | None = None,
    agent_ids: tuple[str, ...] | None = None,
) -> Member:
    member = Member(
        workspace_id=workspace_id,
        user_id=user_id,
        email=f"{user_id}@example.com",
        name=name or user_id.title(),
        role=role,
        status=status,
        joined_at=at,
        updated_at=at,
        toggles=toggles or {},
        agent_ids=agent_ids,
    )
    store.commit(
        [
            member_store.create_member(member),
            member_store.claim_member_email(workspace_id, member.email, user_id),
            workspace_store.adjust_counters(workspace_id, members=1),
        ]
    )
    return member


def outbox_events(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every outbox record in the table (a test-only Scan), oldest first."""
    items = dynamodb.scan(TableName=table)["Items"]
    found = [codec.from_attributes(i) for i in items]
    events = [i for i in found if i.get("entity") == "outbox"]
    return sorted(
        (
            {"detailType": e["detailType"], **json.loads(e["detail"]), "ttl": e["ttl"]}
            for e in events
        ),
        key=lambda e: e["eventId"],
    )


def item(dynamodb: Any, table: str, pk: str, sk: str) -> dict[str, Any] | None:
    found = dynamodb.get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}}).get("Item")
    return codec.from_attributes(found) if found else None
