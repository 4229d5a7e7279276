"""The workspaces function through its real Powertools entry point, on moto."""

from __future__ import annotations

import base64
import json

import pytest

from teamspace import wiring
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    OWNER,
    OWNER_SUB,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    create_workspace,
    item,
    outbox_events,
    sample_event,
    seed_member,
    user,
)

FN = "WorkspacesFunction"
TABLE = TEMPLATE.table_name()


@pytest.fixture
def workspace(functions, clock, ids, worlds) -> dict:
    """The sample workspace, created from the sample event by its owner (once per module)."""

    def build() -> dict:
        reply = create_workspace(functions)
        assert reply.status == 201, reply.body
        assert reply.body["workspaceId"] == SAMPLE_WORKSPACE
        return reply.body

    return worlds.once("workspace", clock, ids, build)


def test_create_makes_the_caller_owner_and_first_member(functions, workspace, dynamodb):
    assert workspace["name"] == "Acme Voice"
    assert workspace["type"] == "simple"
    assert workspace["ownerId"] == OWNER_SUB
    assert workspace["role"] == "owner"
    assert workspace["memberCount"] == 1
    assert workspace["createdAt"] == "2026-11-22T10:00:00Z"
    owner = item(dynamodb, TABLE, f"WS#{SAMPLE_WORKSPACE}", f"MEMBER#{OWNER_SUB}")
    assert owner["role"] == "owner"
    assert owner["status"] == "ACTIVE"
    assert owner["email"] == "owner@example.com"


def test_create_writes_its_event_in_the_same_transaction(functions, workspace, dynamodb):
    events = outbox_events(dynamodb, TABLE)
    assert [e["detailType"] for e in events] == ["WorkspaceCreated"]
    detail = events[0]
    assert detail["workspaceId"] == SAMPLE_WORKSPACE
    assert detail["actor"] == {"type": "user", "id": OWNER_SUB}
    assert detail["version"] == 1
    assert detail["data"] == {"name": "Acme Voice", "type": "simple", "ownerId": OWNER_SUB}


def test_agency_type_is_kept(functions):
    event = sample_event(
        "workspaces/create-workspace.json", body={"name": "Agency", "type": "agency"}
    )
    reply = functions.call(FN, event)
    assert reply.status == 201
    assert reply.body["type"] == "agency"


def test_idempotency_key_replays_the_first_response(functions, workspace, dynamodb):
    again = functions.call(FN, sample_event("workspaces/create-workspace.json"))
    assert again.status == 201
    assert again.body == workspace
    memberships = functions.call(FN, sample_event("workspaces/list-workspaces.json"))
    assert len(memberships.body["items"]) == 1
    assert len(outbox_events(dynamodb, TABLE)) == 1


def test_idempotency_key_with_another_body_is_a_conflict(functions, workspace):
    event = sample_event(
        "workspaces/create-workspace.json", body={"name": "Something else", "type": "simple"}
    )
    reply = functions.call(FN, event)
    assert reply.status == 409
    assert reply.code == "IDEMPOTENCY_KEY_REUSED"


def test_the_same_key_from_another_user_is_their_own(functions, workspace):
    event = sample_event("workspaces/create-workspace.json", caller=user("someone-else"))
    reply = functions.call(FN, event)
    assert reply.status == 201
    assert reply.body["workspaceId"] != workspace["workspaceId"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"type": "simple"}, ["name"]),
        ({"name": "", "type": "simple"}, ["name"]),
        ({"name": "x" * 101, "type": "simple"}, ["name"]),
        ({"name": "ok", "type": "enterprise"}, ["type"]),
        ({"name": "ok"}, ["type"]),
        ({"name": "ok", "type": "simple", "ownerId": "me"}, ["ownerId"]),
        ({"name": "ok\u0000", "type": "simple"}, ["name"]),
    ],
    ids=["no-name", "empty-name", "long-name", "bad-type", "no-type", "ownerId", "control-char"],
)
def test_create_rejects_bad_input_naming_the_fields(functions, body, fields):
    reply = functions.call(FN, sample_event("workspaces/create-workspace.json", body=body))
    assert reply.status == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.code == "VALIDATION_FAILED"
    assert sorted({e["field"] for e in reply.body["errors"]}) == fields


@pytest.mark.parametrize(
    ("raw", "headers", "status", "code"),
    [
        ("{not json", {}, 400, "MALFORMED_JSON"),
        ('"a string"', {}, 422, "VALIDATION_FAILED"),
        ("[1, 2]", {}, 422, "VALIDATION_FAILED"),
        (json.dumps({"name": "x" * 70_000, "type": "simple"}), {}, 413, "BODY_TOO_LARGE"),
        ("name=x", {"content-type": "application/x-www-form-urlencoded"}, 415, None),
        ("[" * 5000 + "]" * 5000, {}, 400, "MALFORMED_JSON"),
    ],
    ids=["malformed", "string", "array", "oversized", "form", "nested-too-deep"],
)
def test_malformed_bodies_get_a_clear_problem(functions, raw, headers, status, code):
    event = sample_event("workspaces/create-workspace.json", raw_body=raw, headers=headers)
    reply = functions.call(FN, event)
    assert reply.status == status
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.body["status"] == status
    if code:
        assert reply.code == code


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (base64.b64encode(b"\x82\xe6 not utf-8").decode(), 400),
        ("!!! not base64 !!!", 400),
        (base64.b64encode(b'{"name": "Acme", "type": "simple"}').decode(), 201),
    ],
    ids=["not-utf8", "not-base64", "base64-json"],
)
def test_base64_bodies_are_json_or_a_clear_400(functions, raw, status):
    """API Gateway base64-encodes a body that is not UTF-8; found by the fuzzer as a 500."""
    event = sample_event("workspaces/create-workspace.json", raw_body=raw)
    event["isBase64Encoded"] = True
    reply = functions.call(FN, event)
    assert reply.status == status
    if status == 400:
        assert reply.code == "MALFORMED_JSON"


def test_a_request_without_verified_claims_is_401(functions):
    event = sample_event("workspaces/list-workspaces.json")
    event["requestContext"]["authorizer"] = {}
    reply = functions.call(FN, event)
    assert reply.status == 401
    assert reply.code == "UNAUTHENTICATED"


def test_a_subject_that_could_break_keys_is_401(functions):
    reply = functions.call(
        FN, sample_event("workspaces/list-workspaces.json", caller=user("evil#MEMBER"))
    )
    assert reply.status == 401


def test_list_returns_the_callers_workspaces_with_their_role(functions, workspace, store, clock):
    other = functions.call(
        FN,
        sample_event(
            "workspaces/create-workspace.json",
            caller=user("bob"),
            body={"name": "Bob's", "type": "simple"},
        ),
    ).body
    seed_member(store, other["workspaceId"], OWNER_SUB, "viewer", clock.now())
    reply = functions.call(FN, sample_event("workspaces/list-workspaces.json"))
    assert reply.status == 200
    roles = {w["workspaceId"]: w["role"] for w in reply.body["items"]}
    assert roles == {SAMPLE_WORKSPACE: "owner", other["workspaceId"]: "viewer"}
    assert reply.body["nextCursor"] is None


def test_list_paginates_with_an_opaque_cursor(functions, clock):
    created = []
    for n in range(3):
        clock.advance(seconds=1)
        body = {"name": f"W{n}", "type": "simple"}
        event = sample_event("workspaces/create-workspace.json", body=body, headers={})
        event["headers"].pop("idempotency-key")
        created.append(functions.call(FN, event).body["workspaceId"])
    seen, cursor = [], None
    for _ in range(3):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = functions.call(FN, sample_event("workspaces/list-workspaces.json", query=query))
        assert page.status == 200
        seen += [w["workspaceId"] for w in page.body["items"]]
        cursor = page.body["nextCursor"]
        if cursor is None:
            break
    assert seen == created


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "x"}, "limit")],
)
def test_list_rejects_bad_limits(functions, query, field):
    reply = functions.call(FN, sample_event("workspaces/list-workspaces.json", query=query))
    assert reply.status == 422
    assert [e["field"] for e in reply.body["errors"]] == [field]


def test_list_rejects_a_forged_cursor(functions, workspace):
    query = {"cursor": "eyJQSyI6IldTI3h4eCJ9"}
    reply = functions.call(FN, sample_event("workspaces/list-workspaces.json", query=query))
    assert reply.status == 422
    assert reply.code == "INVALID_CURSOR"


def test_get_returns_the_workspace_with_the_callers_role(functions, workspace):
    reply = functions.call(FN, sample_event("workspaces/get-workspace.json"))
    assert reply.status == 200
    assert reply.body == workspace


def test_a_non_member_gets_404_as_if_nothing_existed(functions, workspace):
    stranger = user("stranger")
    for name in (
        "workspaces/get-workspace.json",
        "workspaces/update-workspace.json",
        "workspaces/delete-workspace.json",
    ):
        reply = functions.call(FN, sample_event(name, caller=stranger))
        assert reply.status == 404, name
        assert reply.code == "WORKSPACE_NOT_FOUND"
    missing = functions.call(
        FN,
        sample_event("workspaces/get-workspace.json", path={"workspaceId": "ws_" + "z" * 26}),
    )
    assert missing.status == 404
    assert (
        missing.body
        == functions.call(FN, sample_event("workspaces/get-workspace.json", caller=stranger)).body
    )


def test_a_workspace_id_of_the_wrong_shape_is_422(functions):
    reply = functions.call(
        FN, sample_event("workspaces/get-workspace.json", path={"workspaceId": "ws_tooshort"})
    )
    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == "workspaceId"


def test_update_changes_fields_and_records_the_event(functions, workspace, dynamodb, clock):
    clock.advance(minutes=5)
    reply = functions.call(FN, sample_event("workspaces/update-workspace.json"))
    assert reply.status == 200
    assert reply.body["name"] == "Acme Voice EU"
    assert reply.body["settings"] == {"timezone": "Europe/Berlin"}
    assert reply.body["updatedAt"] == "2026-11-22T10:05:00Z"
    assert reply.body["description"] == "Inbound support agents"
    events = outbox_events(dynamodb, TABLE)
    assert events[-1]["detailType"] == "WorkspaceUpdated"
    assert events[-1]["data"] == {"changed": ["name", "settings"]}


def test_update_merges_settings_and_null_removes_one(functions, workspace):
    functions.call(FN, sample_event("workspaces/update-workspace.json"))
    body = {"settings": {"timezone": None, "maxMembers": 25}, "description": None}
    reply = functions.call(FN, sample_event("workspaces/update-workspace.json", body=body))
    assert reply.status == 200
    assert reply.body["settings"] == {"maxMembers": 25}
    assert reply.body["description"] is None


def test_an_update_that_changes_nothing_emits_nothing(functions, workspace, dynamodb):
    body = {"name": "Acme Voice"}
    reply = functions.call(FN, sample_event("workspaces/update-workspace.json", body=body))
    assert reply.status == 200
    assert [e["detailType"] for e in outbox_events(dynamodb, TABLE)] == ["WorkspaceCreated"]


@pytest.mark.parametrize(
    "body",
    [
        {"ownerId": "someone"},
        {"type": "agency"},
        {"status": "DELETED"},
        {"workspaceId": "ws_" + "a" * 26},
        {"memberCount": 99},
        {"settings": {"isAdmin": True}},
        {"logoUrl": "http://insecure.example.com/logo.png"},
        {"settings": {"timezone": "Mars/Olympus"}},
    ],
    ids=[
        "ownerId",
        "type",
        "status",
        "workspaceId",
        "memberCount",
        "unknown-setting",
        "http",
        "tz",
    ],
)
def test_update_refuses_fields_it_must_not_set(functions, workspace, body):
    reply = functions.call(FN, sample_event("workspaces/update-workspace.json", body=body))
    assert reply.status == 422
    after = functions.call(FN, sample_event("workspaces/get-workspace.json")).body
    assert after == workspace


# ---- settings.branding: the owner's alone ----------------------------------------------

BRANDING = {
    "senderName": "Acme Support",
    "logoUrl": "https://cdn.acme.example/logo.png",
    "accentColor": "#0F766E",
}


def update(functions, body, caller=None):
    return functions.call(
        FN, sample_event("workspaces/update-workspace.json", caller=caller, body=body)
    )


def test_the_owner_sets_branding_and_it_is_shown_and_evented(functions, workspace, dynamodb):
    reply = update(functions, {"settings": {"branding": BRANDING}})
    assert reply.status == 200, reply.body
    assert reply.body["settings"] == {"branding": BRANDING}
    shown = functions.call(FN, sample_event("workspaces/get-workspace.json")).body
    assert shown["settings"]["branding"] == BRANDING
    assert outbox_events(dynamodb, TABLE)[-1]["data"] == {"changed": ["settings"]}


def test_branding_is_sent_whole_and_null_removes_it(functions, workspace):
    update(functions, {"settings": {"branding": BRANDING, "timezone": "Europe/Berlin"}})
    reply = update(functions, {"settings": {"branding": {"accentColor": "#112233"}}})
    assert reply.body["settings"]["branding"] == {"accentColor": "#112233"}
    reply = update(functions, {"settings": {"branding": {"logoUrl": None}}})
    assert "branding" not in reply.body["settings"]
    update(functions, {"settings": {"branding": BRANDING}})
    reply = update(functions, {"settings": {"branding": None}})
    assert reply.body["settings"] == {"timezone": "Europe/Berlin"}


@pytest.mark.parametrize("role", ["admin", "manager", "viewer"])
def test_only_the_owner_changes_branding(functions, workspace, store, clock, dynamodb, role):
    update(functions, {"settings": {"branding": BRANDING}})
    seed_member(store, SAMPLE_WORKSPACE, "someone", role, clock.now())
    before = functions.call(FN, sample_event("workspaces/get-workspace.json")).body
    events = len(outbox_events(dynamodb, TABLE))
    changed = {**BRANDING, "senderName": "Not Acme"}
    for body in (
        {"settings": {"branding": changed}},
        {"settings": {"branding": None}},
        {"name": "Renamed", "settings": {"branding": changed}},
    ):
        reply = update(functions, body, caller=user("someone"))
        expected = "OWNER_ONLY_SETTING" if role == "admin" else "PERMISSION_DENIED"
        assert (reply.status, reply.code) == (403, expected), reply.body
        assert reply.headers["content-type"] == "application/problem+json"
    after = functions.call(FN, sample_event("workspaces/get-workspace.json")).body
    assert after == before
    assert len(outbox_events(dynamodb, TABLE)) == events


def test_an_admin_changes_other_settings_while_branding_stays(functions, workspace, store, clock):
    update(functions, {"settings": {"branding": BRANDING}})
    seed_member(store, SAMPLE_WORKSPACE, "someone", "admin", clock.now())
    same = {"settings": {"branding": BRANDING, "timezone": "Asia/Tokyo"}}
    reply = update(functions, same, caller=user("someone"))
    assert reply.status == 200, reply.body
    assert reply.body["settings"] == {"branding": BRANDING, "timezone": "Asia/Tokyo"}


@pytest.mark.parametrize(
    ("branding", "field"),
    [
        ({"logoUrl": "http://cdn.acme.example/logo.png"}, "logoUrl"),
        ({"logoUrl": "javascript:alert(1)"}, "logoUrl"),
        ({"logoUrl": "https://cdn.acme.example/a logo.png"}, "logoUrl"),
        ({"accentColor": "red"}, "accentColor"),
        ({"accentColor": "#12345"}, "accentColor"),
        ({"accentColor": "#123456;background:url(https://x)"}, "accentColor"),
        ({"senderName": "Acme\r\nBcc: victim@example.com"}, "senderName"),
        ({"senderName": "Acme\u2028Bcc: x"}, "senderName"),
        ({"senderName": "support@bank.example"}, "senderName"),
        ({"senderName": 'Acme" <ceo@acme.example>'}, "senderName"),
        ({"senderName": "\u202eemoc.emca"}, "senderName"),
        ({"senderName": ""}, "senderName"),
        ({"senderName": "x" * 101}, "senderName"),
        ({"footer": "hi"}, "footer"),
    ],
)
def test_branding_is_validated(functions, workspace, branding, field):
    reply = update(functions, {"settings": {"branding": branding}})
    assert (reply.status, reply.code) == (422, "VALIDATION_FAILED"), reply.body
    assert [e["field"] for e in reply.body["errors"]] == [f"settings.branding.{field}"]
    after = functions.call(FN, sample_event("workspaces/get-workspace.json")).body
    assert after == workspace


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("manager", 403), ("developer", 403), ("billing", 403), ("viewer", 403)],
)
def test_update_needs_workspace_update(functions, workspace, store, clock, role, status):
    seed_member(store, SAMPLE_WORKSPACE, "someone", role, clock.now())
    event = sample_event("workspaces/update-workspace.json", caller=user("someone"))
    reply = functions.call(FN, event)
    assert reply.status == status
    if status == 403:
        assert reply.code == "PERMISSION_DENIED"


@pytest.mark.parametrize("role", ["admin", "manager", "viewer"])
def test_only_the_owner_deletes(functions, workspace, store, clock, role):
    seed_member(store, SAMPLE_WORKSPACE, "someone", role, clock.now())
    event = sample_event("workspaces/delete-workspace.json", caller=user("someone"))
    reply = functions.call(FN, event)
    assert reply.status == 403
    assert reply.code == "PERMISSION_DENIED"


def test_delete_makes_the_workspace_and_its_members_unreachable_at_once(
    functions, workspace, store, clock, dynamodb
):
    seed_member(store, SAMPLE_WORKSPACE, "ann", "admin", clock.now())
    reply = functions.call(FN, sample_event("workspaces/delete-workspace.json"))
    assert reply.status == 204
    assert reply.body is None
    for caller in (OWNER, user("ann")):
        got = functions.call(FN, sample_event("workspaces/get-workspace.json", caller=caller))
        assert got.status == 404
        listed = functions.call(FN, sample_event("workspaces/list-workspaces.json", caller=caller))
        assert listed.body["items"] == []
    members = functions.call(
        "MembershipFunction", sample_event("membership/list-members.json", caller=user("ann"))
    )
    assert members.status == 404
    assert outbox_events(dynamodb, TABLE)[-1]["detailType"] == "WorkspaceDeleted"
    again = functions.call(FN, sample_event("workspaces/delete-workspace.json"))
    assert again.status == 404


def test_a_demotion_racing_an_update_leaves_the_table_as_it_was(
    functions, workspace, store, clock, dynamodb
):
    """The transaction re-checks the caller: demoted between read and write -> 409."""
    seed_member(store, SAMPLE_WORKSPACE, "ann", "admin", clock.now())

    def demote_ann() -> None:
        dynamodb.update_item(
            TableName=TABLE,
            Key={"PK": {"S": f"WS#{SAMPLE_WORKSPACE}"}, "SK": {"S": "MEMBER#ann"}},
            UpdateExpression="SET #r = :viewer ADD version :one",
            ExpressionAttributeNames={"#r": "role"},
            ExpressionAttributeValues={":viewer": {"S": "viewer"}, ":one": {"N": "1"}},
        )

    with first_goes_second(wiring.dynamodb_client(), "TransactWriteItems", demote_ann):
        reply = functions.call(
            FN, sample_event("workspaces/update-workspace.json", caller=user("ann"))
        )
    assert reply.status == 409
    assert reply.code == "VERSION_CONFLICT"
    after = functions.call(FN, sample_event("workspaces/get-workspace.json")).body
    assert after["name"] == "Acme Voice"
    assert [e["detailType"] for e in outbox_events(dynamodb, TABLE)] == ["WorkspaceCreated"]


def test_an_unknown_route_is_a_problem_not_a_crash(functions):
    event = sample_event("workspaces/get-workspace.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/v1/nowhere"
    reply = functions.call(FN, event)
    assert reply.status == 404
    assert reply.code == "ROUTE_NOT_FOUND"
