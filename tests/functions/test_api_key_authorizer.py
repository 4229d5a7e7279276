"""The API key authorizer through its real entry point on moto: what it lets through with
which context, what it refuses, and what each decision costs in DynamoDB calls."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from teamspace import wiring
from teamspace.core.errors import Conflict
from teamspace.core.observability import logger
from teamspace.core.retry import POLICY
from teamspace.domain.key_authorizer import LAST_USED_EVERY
from teamspace.domain.key_format import generate_key, parse_key
from teamspace.store import api_keys as key_store
from tests.support import SAMPLE_WORKSPACE, TEMPLATE, item, outbox_events, sample_event
from tests.support.faults import injected
from tests.support.handlers import mistyped

AUTHORIZER = "ApiKeyAuthorizerFunction"
TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"
OTHER_WORKSPACE = "ws_00000000000000000000000002"
REFUSED = {"isAuthorized": False}


@pytest.fixture
def calls(functions) -> list[str]:
    """Every DynamoDB operation the functions' client makes from here on, by name."""
    made: list[str] = []

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    wiring.dynamodb_client().meta.events.register("before-call.dynamodb", record)
    return made


@pytest.fixture
def key(ranked_team, functions, clock, ids, worlds) -> dict[str, Any]:
    """A viewer key of the sample workspace, made by its owner through the API (built
    once per module: every test gets the same key, drawn at random once)."""

    def build() -> dict[str, Any]:
        event = sample_event(
            "api_keys/create-api-key.json", body={"name": "CRM sync", "role": "viewer"}
        )
        reply = functions.call("ApiKeysFunction", event)
        assert reply.status == 201, reply.body
        return reply.body

    return worlds.once("key", clock, ids, build)


def check(
    functions,
    headers: dict[str, str],
    workspace: str | None = SAMPLE_WORKSPACE,
    *,
    route: str | None = None,
    own: bool = False,
) -> dict[str, Any]:
    """The authorizer's answer; `own`: on this stack's key API (stage variable)."""
    event = sample_event("api_key_authorizer/bearer.json")
    if route is not None:
        event["routeKey"] = route
    if own:
        event["stageVariables"] = {"keyRoutes": "own"}
    event["headers"] = {"host": "agents123.execute-api.us-east-1.amazonaws.com", **headers}
    if workspace is None:
        event.pop("pathParameters")
    else:
        event["pathParameters"] = {"workspaceId": workspace}
    return functions.invoke(AUTHORIZER, event)


def bearer(text: str) -> dict[str, str]:
    return {"authorization": f"Bearer {text}"}


def last_used(dynamodb, key: dict[str, Any]) -> tuple[str | None, str | None]:
    key_hash = parse_key(key["key"], "test").key_hash
    lookup = item(dynamodb, TABLE, f"APIKEY#{key_hash}", "APIKEY")
    listing = item(dynamodb, TABLE, WS_PK, f"APIKEY#{key['keyId']}")
    return lookup.get("lastUsedAt"), listing.get("lastUsedAt")


# The viewer's row of the matrix (tests/unit/permissions/test_matrix.py; knowledge:view
# from seed 001, issue 20).
VIEWER_PERMISSIONS = (
    "agents:view analytics:view calls:view dashboard:view knowledge:view members:view "
    "workspace:view"
)


@pytest.mark.parametrize(
    "headers",
    [
        bearer,
        lambda k: {"Authorization": f"bearer {k}"},
        lambda k: {"x-api-key": k},
        lambda k: {"X-Api-Key": k},
    ],
    ids=["bearer", "bearer-any-case", "x-api-key", "X-Api-Key"],
)
def test_a_valid_key_is_allowed_with_its_workspace_id_role_and_permissions(functions, key, headers):
    assert check(functions, headers(key["key"])) == {
        "isAuthorized": True,
        "context": {
            "workspaceId": SAMPLE_WORKSPACE,
            "keyId": key["keyId"],
            "role": "viewer",
            "permissions": VIEWER_PERMISSIONS,
        },
    }


def test_the_sample_events_are_well_formed_authorizer_events(functions, key):
    for name in ("bearer", "x-api-key"):
        event = sample_event(f"api_key_authorizer/{name}.json")
        assert event["type"] == "REQUEST"
        assert event["version"] == "2.0"
        # Their key is of the dev stage: refused here, without a read.
        assert functions.invoke(AUTHORIZER, event) == REFUSED


def test_a_route_without_a_workspace_in_its_path_accepts_the_key(functions, key):
    assert check(functions, bearer(key["key"]), workspace=None)["isAuthorized"] is True


def test_a_key_of_one_workspace_is_refused_by_anothers_routes(functions, key):
    assert check(functions, bearer(key["key"]), workspace=OTHER_WORKSPACE) == REFUSED


def test_the_hot_path_is_exactly_one_update_item(functions, key, calls, clock):
    """One UpdateItem reads the key and counts the request (rate, use): no other call."""
    assert check(functions, bearer(key["key"]))["isAuthorized"] is True  # records first use
    calls.clear()
    clock.advance(minutes=1)
    for _ in range(3):
        assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    assert calls == ["UpdateItem"] * 3


@pytest.mark.parametrize(
    "headers",
    [
        lambda k: bearer(mistyped(k)),  # a typo: the checksum fails
        lambda k: {"x-api-key": k[:-1]},  # cut short
        lambda k: {"x-api-key": k + "0"},
        lambda k: bearer(k.replace("tsk_test_", "tsk_prod_", 1)),  # another stage's name
        lambda _: bearer(generate_key("prod").text),  # a real key of another stage
        lambda _: bearer("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),  # a JWT
        lambda k: {"authorization": f"Basic {k}"},
        lambda _: bearer(""),
        lambda _: {},
        lambda _: {"x-api-key": "x" * 10_000},
    ],
    ids=[
        "mistyped",
        "short",
        "long",
        "stage-renamed",
        "other-stage",
        "jwt",
        "basic",
        "empty",
        "none",
        "huge",
    ],
)
def test_malformed_keys_are_refused_without_any_dynamodb_call(functions, key, calls, headers):
    assert check(functions, headers(key["key"])) == REFUSED
    assert calls == []


def test_a_well_formed_unknown_key_costs_one_call_and_writes_nothing(
    functions, key, calls, dynamodb
):
    before = dynamodb.scan(TableName=TABLE)["Items"]
    assert check(functions, bearer(generate_key("test").text)) == REFUSED
    assert calls == ["UpdateItem"]
    assert dynamodb.scan(TableName=TABLE)["Items"] == before


def test_a_revoked_key_is_refused_by_the_next_call(functions, key, calls):
    assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    event = sample_event("api_keys/revoke-api-key.json", path={"keyId": key["keyId"]})
    assert functions.call("ApiKeysFunction", event).status == 204
    calls.clear()
    assert check(functions, bearer(key["key"])) == REFUSED
    assert calls == ["UpdateItem", "TransactWriteItems"]  # its ApiKeyRejected, once


def test_an_expired_key_is_refused(functions, ranked_team, clock):
    event = sample_event(
        "api_keys/create-api-key.json",
        body={"name": "temp", "role": "viewer", "expiresAt": "2026-11-22T11:00:00Z"},
    )
    temp = functions.call("ApiKeysFunction", event).body
    assert check(functions, bearer(temp["key"]))["isAuthorized"] is True
    clock.advance(minutes=59, seconds=59)
    assert check(functions, bearer(temp["key"]))["isAuthorized"] is True
    clock.advance(seconds=1)
    assert check(functions, bearer(temp["key"])) == REFUSED


def test_last_use_is_written_once_per_window_never_per_request(
    functions, key, calls, clock, dynamodb
):
    assert last_used(dynamodb, key) == (None, None)
    assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    assert calls == ["UpdateItem", "TransactWriteItems"]  # the first use ever
    first = "2026-11-22T10:00:00Z"
    assert last_used(dynamodb, key) == (first, first)
    calls.clear()
    for _ in range(4):
        clock.advance(minutes=1)  # 10:01 to 10:04: the same 5-minute window
        assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    assert calls == ["UpdateItem"] * 4
    assert last_used(dynamodb, key) == (first, first)
    clock.advance(minutes=1)  # 10:05: the window of 10:00 has ended
    calls.clear()
    assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    assert calls == ["UpdateItem", "TransactWriteItems"]
    assert last_used(dynamodb, key) == ("2026-11-22T10:05:00Z", "2026-11-22T10:05:00Z")
    listed = functions.call("ApiKeysFunction", sample_event("api_keys/list-api-keys.json"))
    assert listed.body["items"][0]["lastUsedAt"] == "2026-11-22T10:05:00Z"


def used_records(dynamodb) -> list[dict[str, Any]]:
    return [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "ApiKeyUsed"]


def test_api_key_used_counts_each_window_once_with_its_routes(functions, key, clock, dynamodb):
    before = len(used_records(dynamodb))
    for route in ("GET /v1/workspaces/{workspaceId}/agents", "GET /v1/workspaces/{workspaceId}"):
        for _ in range(3):
            assert check(functions, bearer(key["key"]), route=route)["isAuthorized"] is True
    clock.advance(minutes=4, seconds=59)
    assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    assert len(used_records(dynamodb)) == before  # the window has not ended
    clock.advance(seconds=1)
    assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    records = used_records(dynamodb)[before:]
    assert len(records) == 1
    record = records[0]
    assert record["actor"] == {"type": "apiKey", "id": key["keyId"]}
    assert record["data"] == {
        "keyId": key["keyId"],
        "windowStart": "2026-11-22T10:00:00Z",
        "calls": 7,
        "routes": ["GET /v1/workspaces/{workspaceId}", "GET /v1/workspaces/{workspaceId}/agents"],
    }


def rejections(dynamodb) -> list[dict[str, Any]]:
    return [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "ApiKeyRejected"]


def test_a_dead_key_hammered_is_logged_once_per_five_minutes(functions, key, clock, dynamodb):
    event = sample_event("api_keys/revoke-api-key.json", path={"keyId": key["keyId"]})
    assert functions.call("ApiKeysFunction", event).status == 204
    for _ in range(20):
        assert check(functions, bearer(key["key"])) == REFUSED
    assert [r["data"] for r in rejections(dynamodb)] == [
        {"keyId": key["keyId"], "reason": "revoked"}
    ]
    clock.advance(minutes=5, seconds=1)
    assert check(functions, bearer(key["key"])) == REFUSED
    assert len(rejections(dynamodb)) == 2


def test_a_key_of_another_workspace_is_refused_here_and_logged(functions, key, dynamodb):
    assert check(functions, bearer(key["key"]), workspace=OTHER_WORKSPACE) == REFUSED
    assert [r["data"]["reason"] for r in rejections(dynamodb)] == ["other_workspace"]
    assert rejections(dynamodb)[0]["workspaceId"] == SAMPLE_WORKSPACE  # the key's own log


def test_on_its_own_routes_a_key_of_another_workspace_goes_on_to_the_function(functions, key):
    """The function answers 404, as for any stranger (test_isolation)."""
    answer = check(functions, bearer(key["key"]), workspace=OTHER_WORKSPACE, own=True)
    assert answer["isAuthorized"] is True
    assert answer["context"]["workspaceId"] == SAMPLE_WORKSPACE


def test_past_its_rate_a_key_gets_retry_after_on_own_routes_only(
    functions, key, clock, monkeypatch
):
    monkeypatch.setattr(wiring.key_authorizer(), "rate_per_minute", 3)
    clock.advance(seconds=20)
    for _ in range(3):
        assert "retryAfter" not in check(functions, bearer(key["key"]), own=True)["context"]
    limited = check(functions, bearer(key["key"]), own=True)
    assert limited == {
        "isAuthorized": True,
        "context": {"keyId": key["keyId"], "retryAfter": 40},
    }
    # Other services' routes keep no rate of ours.
    assert "retryAfter" not in check(functions, bearer(key["key"]))["context"]
    clock.advance(seconds=40)  # the next minute
    assert "retryAfter" not in check(functions, bearer(key["key"]), own=True)["context"]


def test_concurrent_calls_that_read_the_same_stale_last_use_write_it_once(
    functions, key, dynamodb, clock
):
    store = wiring.store()
    secret = key_store.get_secret(store, parse_key(key["key"], "test").key_hash)
    now = clock.now()
    store.commit(key_store.record_use(secret, now, now - LAST_USED_EVERY))
    # A second authorizer that read the same item before the first wrote: refused by
    # its condition, so the write happens once.
    with pytest.raises(Conflict, match="changed while this request ran"):
        store.commit(key_store.record_use(secret, now, now - LAST_USED_EVERY))


def test_a_failed_last_use_write_never_refuses_the_key(functions, key, calls, monkeypatch):
    authorizer = wiring.key_authorizer()

    def broken(ops: Any) -> None:
        raise RuntimeError("table unavailable")

    monkeypatch.setattr(authorizer.store, "commit", broken)
    assert check(functions, bearer(key["key"]))["isAuthorized"] is True


def test_the_authorizer_never_logs_the_key_or_its_hash(functions, key, caplog):
    key_hash = parse_key(key["key"], "test").key_hash
    caplog.set_level(logging.DEBUG)
    check(functions, bearer(key["key"]))
    check(functions, bearer(key["key"]), workspace=OTHER_WORKSPACE)
    check(functions, bearer(mistyped(key["key"])))
    ours = [vars(record) for record in caplog.records if record.name == logger.name]
    text = json.dumps(ours, default=str)
    assert key["keyId"] in text
    assert "OTHER_WORKSPACE" in text
    assert "MALFORMED" in text
    assert key["key"] not in text
    assert key["key"][len(key["prefix"]) :] not in text
    assert key_hash not in text


def counted(dynamodb, key: dict[str, Any], clock) -> int:
    key_hash = parse_key(key["key"], "test").key_hash
    found = item(dynamodb, TABLE, f"APIKEY#{key_hash}", "APIKEY")
    return key_store.calls_in_minute(found, int(clock.now().timestamp()) // 60)


def test_a_cancelled_count_is_counted_again_once(functions, key, dynamodb, clock):
    """The rate-limit write met a conflict (nothing applied): counted again, once."""
    with injected("conflict=1,limit=1,only=UpdateItem") as injector:
        assert check(functions, bearer(key["key"]))["isAuthorized"] is True
    assert injector.total() == 1
    assert counted(dynamodb, key, clock) == 1
    assert len(clock.slept) == 1


def test_a_table_that_stays_throttled_fails_the_authorizer_closed(functions, key):
    """On other services' routes the invocation fails (API Gateway answers 500)."""
    with injected("throttle=1") as injector, pytest.raises(RuntimeError, match="busy"):
        check(functions, bearer(key["key"]))
    assert injector.total() == POLICY.attempts


@pytest.mark.parametrize("fault", ["throttle=1", "conflict=1,only=UpdateItem"])
def test_on_its_own_routes_a_key_it_could_not_count_goes_on_marked_busy(functions, key, fault):
    """On this stack's own routes the function answers 503 with Retry-After
    (test_keys_on_routes): the pass carries no key id, role or permission."""
    with injected(fault) as injector:
        answer = check(functions, bearer(key["key"]), own=True)
    assert answer == {"isAuthorized": True, "context": {"storeBusy": "1"}}
    assert injector.total() == POLICY.attempts
