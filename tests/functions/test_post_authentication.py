"""The Cognito post-authentication trigger on moto: a sign-in is announced in each of the
user's workspaces where they are an active member, and never blocks the sign-in."""

from __future__ import annotations

import json
from typing import Any

from local_runtime.lambdas import LambdaContext, load_module
from teamspace import wiring
from tests.functions.chain_helpers import hooked
from tests.support import (
    EVENTS,
    OWNER,
    OWNER_SUB,
    TEMPLATE,
    create_workspace,
    outbox_events,
    sample_event,
)

TABLE = TEMPLATE.table_name()
TRIGGER = TEMPLATE.functions()["PostAuthenticationFunction"]
SIGN_IN = json.loads((EVENTS / "post_authentication" / "sign-in.json").read_text())


def sign_in(event: dict[str, Any] = SIGN_IN) -> dict[str, Any]:
    return load_module(TRIGGER).lambda_handler(event, LambdaContext(TRIGGER.logical_id))


def new_workspace(functions, name: str) -> str:
    """A simple workspace of the sample owner (no idempotency key: each one is new)."""
    reply = create_workspace(functions, name, "simple", who=OWNER, key=None, expect=201)
    return reply.body["workspaceId"]


def signed_in(dynamodb) -> list[dict[str, Any]]:
    return [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "MemberSignedIn"]


def test_a_sign_in_is_announced_in_each_live_workspace(functions, dynamodb):
    kept = [new_workspace(functions, f"Team {n}") for n in range(3)]
    deleted = new_workspace(functions, "Gone")
    event = sample_event("workspaces/delete-workspace.json", path={"workspaceId": deleted})
    assert functions.call("WorkspacesFunction", event).status == 204
    assert sign_in() == SIGN_IN  # Cognito gets its event back unchanged
    events = signed_in(dynamodb)
    assert sorted(e["workspaceId"] for e in events) == sorted(kept)
    assert {json.dumps(e["actor"]) for e in events} == {
        json.dumps({"type": "user", "id": OWNER_SUB})
    }
    assert events[0]["data"] == {"userId": OWNER_SUB, "source": SIGN_IN["triggerSource"]}


def test_a_user_in_no_workspace_signs_in_quietly(functions, dynamodb):
    assert sign_in() == SIGN_IN
    assert signed_in(dynamodb) == []


def test_a_failure_never_blocks_the_sign_in(functions, dynamodb):
    new_workspace(functions, "Team")

    def refuse(**_: object) -> None:
        raise RuntimeError("the table is unreachable")

    client = wiring.dynamodb_client()
    client.meta.events.register_first("before-call.dynamodb.Query", refuse)
    try:
        assert sign_in() == SIGN_IN
    finally:
        client.meta.events.unregister("before-call.dynamodb.Query", refuse)
    assert signed_in(dynamodb) == []


def test_two_sign_ins_of_one_instant_each_take_one_write(functions, dynamodb):
    """A second sign-in at the same time stamp (two devices, a retried trigger) moves
    `lastSignInAt` to the same value: it must not be refused and fall back to writing
    the events and each stamp apart."""
    for n in range(3):
        new_workspace(functions, f"Team {n}")
    assert sign_in() == SIGN_IN
    operations: list[str] = []

    def seen(model: Any, **_: object) -> None:
        operations.append(model.name)

    with hooked(wiring.dynamodb_client(), "before-call.dynamodb", seen):
        assert sign_in() == SIGN_IN  # the frozen clock has not moved
    assert operations == ["Query", "BatchGetItem", "TransactWriteItems"]
    assert len(signed_in(dynamodb)) == 6
