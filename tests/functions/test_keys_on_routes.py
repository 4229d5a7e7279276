"""API keys on this stack's own routes, through the handlers on moto, with the context
the real key authorizer lets a key through with: the rate limit's 429, keys making
keys, and what a key's change names as its actor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import (
    SAMPLE_WORKSPACE,
    TEMPLATE,
    call,
    key_context,
    outbox_events,
    sample_event,
)

TABLE = TEMPLATE.table_name()


def make_key(functions, role: str, context: dict[str, Any] | None = None) -> Any:
    """A key of `role` made by the owner, or by the key whose context is given."""
    event = sample_event(
        "api_keys/create-api-key.json", body={"name": role, "role": role}, key_context=context
    )
    return functions.call("ApiKeysFunction", event)


def change_role(functions, context: dict[str, Any], user_id: str) -> Any:
    """The key whose context is given makes `user_id` a viewer."""
    return call(
        functions,
        "RolesFunction",
        "roles/change-member-role.json",
        key_context=context,
        path={"userId": user_id},
        body={"role": "viewer"},
    )


@pytest.fixture
def admin_key(ranked_team, functions) -> dict[str, Any]:
    made = make_key(functions, "admin")
    assert made.status == 201, made.body
    return key_context(functions, made.body["key"], SAMPLE_WORKSPACE)


def test_a_key_past_its_rate_gets_429_with_retry_after_and_changes_nothing(
    functions, admin_key, ranked_team, dynamodb
):
    before = dynamodb.scan(TableName=TABLE)["Items"]
    limited = {"keyId": admin_key["keyId"], "retryAfter": 17}
    reply = change_role(functions, limited, ranked_team["member"])
    assert (reply.status, reply.code) == (429, "RATE_LIMITED")
    assert reply.headers["retry-after"] == "17"
    assert reply.headers["content-type"] == "application/problem+json"
    assert dynamodb.scan(TableName=TABLE)["Items"] == before


def test_a_key_the_authorizer_could_not_check_gets_503_and_changes_nothing(
    functions, ranked_team, dynamodb
):
    """The authorizer's count stayed cancelled or throttled past its budget: it lets the
    request through marked `storeBusy` alone, and nothing runs for it."""
    before = dynamodb.scan(TableName=TABLE)["Items"]
    reply = change_role(functions, {"storeBusy": "1"}, ranked_team["member"])
    assert (reply.status, reply.code) == (503, "STORE_BUSY")
    assert reply.headers["retry-after"] == "1"
    assert dynamodb.scan(TableName=TABLE)["Items"] == before


def test_a_keys_change_names_the_key_as_its_actor(functions, admin_key, ranked_team, dynamodb):
    reply = change_role(functions, admin_key, ranked_team["member"])
    assert reply.status == 200, reply.body
    [changed] = [
        e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "MemberRoleChanged"
    ]
    assert changed["actor"] == {"type": "apiKey", "id": admin_key["keyId"]}


def test_an_admin_key_makes_keys_up_to_its_own_role_and_never_an_owner_or_billing_one(
    functions, admin_key, dynamodb
):
    made = make_key(functions, "admin", admin_key)
    assert made.status == 201, made.body
    assert made.body["createdBy"] == admin_key["keyId"]
    for role, code in (("owner", "API_KEY_ROLE_NOT_ALLOWED"), ("billing", "GRANT_EXCEEDS_OWN")):
        refused = make_key(functions, role, admin_key)
        assert (refused.status, refused.code) == (403, code), refused.body


def test_a_viewer_key_cannot_make_keys(functions, ranked_team):
    made = make_key(functions, "viewer")
    viewer = key_context(functions, made.body["key"], SAMPLE_WORKSPACE)
    refused = make_key(functions, "viewer", viewer)
    assert (refused.status, refused.code) == (403, "PERMISSION_DENIED")


def test_a_revoked_key_cannot_finish_a_change_it_started(functions, admin_key, ranked_team):
    """The key's context predates its revocation (a request in flight): the change's
    transaction re-checks the key is still listed, and fails."""
    revoke = sample_event("api_keys/revoke-api-key.json", path={"keyId": admin_key["keyId"]})
    assert functions.call("ApiKeysFunction", revoke).status == 204
    reply = change_role(functions, admin_key, ranked_team["member"])
    assert (reply.status, reply.code) == (404, "API_KEY_NOT_FOUND"), reply.body
