"""API keys through the real handlers on moto: created under the role rule and shown
once, listed without the key or its hash, revoked; limited per workspace; revoked with
their creator's removal; retired with their workspace; announced through the outbox."""

from __future__ import annotations

import json
from typing import Any

import pytest

from teamspace import wiring
from teamspace.domain.api_keys import MAX_API_KEYS
from teamspace.domain.key_format import parse_key
from teamspace.store import codec
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    as_caller,
    item,
    outbox_events,
    sample_event,
)

FN = "ApiKeysFunction"
AUTHORIZER = "ApiKeyAuthorizerFunction"
TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"
OTHER_WORKSPACE = "ws_00000000000000000000000002"
LISTED = {
    "keyId",
    "name",
    "prefix",
    "role",
    "permissions",
    "createdBy",
    "createdAt",
    "lastUsedAt",
    "expiresAt",
}


@pytest.fixture
def team(ranked_team) -> dict[str, str]:
    return ranked_team


def create(functions, body=None, who=None, headers=None, workspace=SAMPLE_WORKSPACE):
    event = sample_event(
        "api_keys/create-api-key.json",
        caller=as_caller(who),
        body=body if body is not None else {"name": "CRM sync"},
        headers=headers,
        path={"workspaceId": workspace},
    )
    return functions.call(FN, event)


def listing(functions, who=None, query=None):
    event = sample_event(
        "api_keys/list-api-keys.json", caller=as_caller(who), query=query or {"limit": "50"}
    )
    return functions.call(FN, event)


def revoke(functions, key_id, who=None):
    event = sample_event(
        "api_keys/revoke-api-key.json", caller=as_caller(who), path={"keyId": key_id}
    )
    return functions.call(FN, event)


def remove(functions, target, who=None, revoke_keys: bool | None = None):
    query = {} if revoke_keys is None else {"revokeApiKeys": str(revoke_keys).lower()}
    event = sample_event(
        "membership/remove-member.json",
        caller=as_caller(who),
        path={"userId": target},
        query=query,
    )
    return functions.call("MembershipFunction", event)


def authorize(functions, key: str, workspace=SAMPLE_WORKSPACE) -> dict[str, Any]:
    event = sample_event("api_key_authorizer/x-api-key.json", path={"workspaceId": workspace})
    event["headers"]["x-api-key"] = key
    return functions.invoke(AUTHORIZER, event)


def detail_types(dynamodb) -> list[str]:
    return [e["detailType"] for e in outbox_events(dynamodb, TABLE)]


def every_item_text(dynamodb) -> str:
    return json.dumps(dynamodb.scan(TableName=TABLE)["Items"])


# ---- create -------------------------------------------------------------------------


def test_a_key_is_shown_once_at_creation_and_stored_only_as_its_hash(functions, team, dynamodb):
    reply = create(functions, {"name": "CRM sync", "role": "viewer"})
    assert reply.status == 201, reply.body
    assert reply.headers["cache-control"] == "no-store"
    body = reply.body
    key = body.pop("key")
    assert parse_key(key, "test") is not None
    assert key.startswith(body["prefix"])
    assert body["prefix"].startswith("tsk_test_")
    assert len(body["prefix"]) == len("tsk_test_") + 8
    assert body == {
        "keyId": body["keyId"],
        "name": "CRM sync",
        "prefix": body["prefix"],
        "role": "viewer",
        "permissions": sorted(
            [
                "agents:view",
                "analytics:view",
                "calls:view",
                "dashboard:view",
                "knowledge:view",  # seed 001 (issue 20)
                "members:view",
                "workspace:view",
            ]
        ),
        "createdBy": OWNER_SUB,
        "createdAt": "2026-11-22T10:00:00Z",
        "lastUsedAt": None,
        "expiresAt": None,
    }
    assert body["keyId"].startswith("key_")
    # Nowhere in the table: not in an item, an event, an idempotency record.
    assert key not in every_item_text(dynamodb)
    assert key[len(body["prefix"]) :] not in every_item_text(dynamodb)
    stored = item(dynamodb, TABLE, WS_PK, f"APIKEY#{body['keyId']}")
    assert stored["keyHash"] == parse_key(key, "test").key_hash
    assert item(dynamodb, TABLE, WS_PK, "META")["apiKeys"] == 1


def test_the_list_shows_what_the_contract_names_and_never_the_key_or_its_hash(
    functions, team, dynamodb
):
    first = create(functions, {"name": "CRM sync"}).body
    second = create(functions, {"name": "Dialer", "expiresAt": "2027-01-01T00:00:00+01:00"}).body
    reply = listing(functions)
    assert reply.status == 200
    assert reply.body["nextCursor"] is None
    items = reply.body["items"]
    assert [i["keyId"] for i in items] == [first["keyId"], second["keyId"]]
    for listed in items:
        assert set(listed) == LISTED
    assert items[0]["role"] == "member"  # the default role
    assert items[1]["expiresAt"] == "2026-12-31T23:00:00Z"
    text = json.dumps(reply.body)
    for created in (first, second):
        assert created["key"] not in text
    stored = item(dynamodb, TABLE, WS_PK, f"APIKEY#{first['keyId']}")
    assert stored["keyHash"] not in text


def test_the_list_pages(functions, team):
    made = [create(functions, {"name": f"key {n}"}).body["keyId"] for n in range(5)]
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = listing(functions, query=query).body
        seen += [i["keyId"] for i in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == made


@pytest.mark.parametrize(
    ("who", "role", "status", "code"),
    [
        ("ada", "admin", 201, None),  # admins hold api_keys:manage and admin's permissions
        ("ada", "billing", 403, "GRANT_EXCEEDS_OWN"),  # admins lack billing rights
        (OWNER_SUB, "billing", 201, None),
        (OWNER_SUB, "owner", 403, "API_KEY_ROLE_NOT_ALLOWED"),
        ("ada", "owner", 403, "API_KEY_ROLE_NOT_ALLOWED"),
        ("mia", "viewer", 403, "PERMISSION_DENIED"),  # managers do not manage keys
        (SAMPLE_TARGET, "viewer", 403, "PERMISSION_DENIED"),
        ("ada", "no_such_role", 422, "UNKNOWN_ROLE"),
    ],
)
def test_who_may_create_a_key_with_which_role(functions, team, who, role, status, code):
    reply = create(functions, {"name": "k", "role": role}, who=who)
    assert reply.status == status, reply.body
    assert reply.code == code


def test_a_custom_role_is_copied_onto_the_key(functions, team):
    role = {
        "key": "crm_sync",
        "name": "CRM sync",
        "permissions": ["workspace:view", "contacts:manage"],
    }
    defined = functions.call("RolesFunction", sample_event("roles/create-role.json", body=role))
    assert defined.status == 201, defined.body
    reply = create(functions, {"name": "k", "role": "crm_sync"})
    assert reply.status == 201, reply.body
    assert reply.body["permissions"] == ["contacts:manage", "workspace:view"]
    # Redefining the role later does not change the key: it keeps its snapshot.
    patched = functions.call(
        "RolesFunction",
        sample_event(
            "roles/update-role.json",
            body={"permissions": ["workspace:view"]},
            path={"roleKey": "crm_sync"},
        ),
    )
    assert patched.status == 200, patched.body
    [listed] = listing(functions).body["items"]
    assert listed["permissions"] == ["contacts:manage", "workspace:view"]
    allowed = authorize(functions, reply.body["key"])
    assert allowed["context"]["permissions"] == "contacts:manage workspace:view"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "k", "keyHash": "x"}, "keyHash"),
        ({"name": "k", "key": "tsk_test_x"}, "key"),
        ({"name": "k", "expiresAt": "2027-01-01T00:00:00"}, "expiresAt"),  # no zone
        ({"name": "k", "expiresAt": "2026-11-22T10:00:00Z"}, "expiresAt"),  # not future
        ({"name": "k", "role": "Not A Key"}, "role"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(functions, team, body, field, dynamodb):
    reply = create(functions, body)
    assert reply.status == 422, reply.body
    assert field in [e["field"] for e in reply.body["errors"]]
    assert "ApiKeyCreated" not in detail_types(dynamodb)


def test_non_members_get_404_on_every_route(functions, team, dynamodb):
    key_id = create(functions).body["keyId"]
    stranger = "stranger"
    assert create(functions, who=stranger).code == "WORKSPACE_NOT_FOUND"
    assert listing(functions, who=stranger).code == "WORKSPACE_NOT_FOUND"
    assert revoke(functions, key_id, who=stranger).code == "WORKSPACE_NOT_FOUND"
    missing = create(functions, workspace=OTHER_WORKSPACE)
    assert missing.status == 404
    assert missing.code == "WORKSPACE_NOT_FOUND"


def test_members_without_the_permission_can_neither_list_nor_revoke(functions, team):
    key_id = create(functions).body["keyId"]
    assert listing(functions, who="vic").code == "PERMISSION_DENIED"
    assert revoke(functions, key_id, who="mia").code == "PERMISSION_DENIED"


# ---- idempotency --------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_creates_nothing_and_never_shows_the_key_again(
    functions, team, dynamodb
):
    headers = {"Idempotency-Key": "create-crm-sync-1"}
    first = create(functions, {"name": "CRM sync"}, headers=headers)
    again = create(functions, {"name": "CRM sync"}, headers=headers)
    assert first.status == again.status == 201
    assert first.body["key"]
    assert again.body["key"] is None
    assert {k: v for k, v in again.body.items() if k != "key"} == {
        k: v for k, v in first.body.items() if k != "key"
    }
    assert len(listing(functions).body["items"]) == 1
    assert detail_types(dynamodb).count("ApiKeyCreated") == 1
    assert first.body["key"] not in every_item_text(dynamodb)
    other_body = create(functions, {"name": "Another"}, headers=headers)
    assert other_body.status == 409
    assert other_body.code == "IDEMPOTENCY_KEY_REUSED"


def test_the_idempotency_record_keeps_the_keys_description_in_its_one_shape(
    functions, team, dynamodb
):
    """The record a replay is answered from: the key's description, in the shape records
    written before already have (a replay across a deploy reads those), never the key
    or its hash."""
    first = create(functions, {"name": "CRM sync"}, headers={"Idempotency-Key": "shape-1"})
    assert first.status == 201
    records = [
        codec.from_attributes(i)
        for i in dynamodb.scan(TableName=TABLE)["Items"]  # test-only Scan
        if i.get("entity", {}).get("S") == "idempotency"
    ]
    [record] = [r for r in records if "apiKey" in r["result"]]
    assert set(record["result"]) == {"apiKey"}
    assert set(record["result"]["apiKey"]) == {
        "keyId",
        "name",
        "prefix",
        "role",
        "permissions",
        "expiresAt",
        "createdBy",
        "createdAt",
    }
    again = create(functions, {"name": "CRM sync"}, headers={"Idempotency-Key": "shape-1"})
    assert (again.status, again.body["keyId"], again.body["key"]) == (
        201,
        first.body["keyId"],
        None,
    )


# ---- limit --------------------------------------------------------------------------


def test_a_workspace_holds_at_most_twenty_keys(functions, team, dynamodb):
    made = [create(functions, {"name": f"key {n}"}) for n in range(MAX_API_KEYS)]
    assert all(reply.status == 201 for reply in made)
    refused = create(functions, {"name": "one too many"})
    assert refused.status == 429
    assert refused.code == "API_KEY_LIMIT"
    assert item(dynamodb, TABLE, WS_PK, "META")["apiKeys"] == MAX_API_KEYS
    assert revoke(functions, made[0].body["keyId"]).status == 204
    assert item(dynamodb, TABLE, WS_PK, "META")["apiKeys"] == MAX_API_KEYS - 1
    assert create(functions, {"name": "room again"}).status == 201


# ---- revoke -------------------------------------------------------------------------


def test_revoking_a_key_removes_it_from_the_list_and_announces_it(functions, team, dynamodb):
    created = create(functions, {"name": "CRM sync"}, who="ada").body
    kept = create(functions, {"name": "Dialer"}).body
    reply = revoke(functions, created["keyId"], who="ada")
    assert reply.status == 204
    assert reply.body is None
    assert [i["keyId"] for i in listing(functions).body["items"]] == [kept["keyId"]]
    assert revoke(functions, created["keyId"]).code == "API_KEY_NOT_FOUND"
    key_hash = parse_key(created["key"], "test").key_hash
    lookup = item(dynamodb, TABLE, f"APIKEY#{key_hash}", "APIKEY")
    assert lookup["status"] == "REVOKED"
    assert lookup["ttl"] == 1795341600 + 30 * 24 * 3600
    assert authorize(functions, created["key"]) == {"isAuthorized": False}


def test_revoking_an_unknown_or_malformed_key_id(functions, team):
    unknown = revoke(functions, "key_" + "z" * 26)
    assert unknown.status == 404
    assert unknown.code == "API_KEY_NOT_FOUND"
    malformed = revoke(functions, "not-a-key-id")
    assert malformed.status == 422


def test_a_key_of_another_workspace_cannot_be_revoked_from_this_one(functions, team, store, clock):
    event = sample_event("workspaces/create-workspace.json", body={"name": "B", "type": "simple"})
    event["headers"].pop("idempotency-key")
    created = functions.call("WorkspacesFunction", event)
    other = created.body["workspaceId"]
    theirs = create(functions, workspace=other).body
    assert revoke(functions, theirs["keyId"]).code == "API_KEY_NOT_FOUND"
    assert authorize(functions, theirs["key"], workspace=other)["isAuthorized"] is True


# ---- events -------------------------------------------------------------------------


def test_events_name_the_key_but_never_carry_it_or_its_hash(functions, team, dynamodb):
    created = create(functions, {"name": "CRM sync", "role": "viewer"}, who="ada").body
    revoke(functions, created["keyId"], who="ada")
    events = [e for e in outbox_events(dynamodb, TABLE) if e["detailType"].startswith("ApiKey")]
    assert [e["detailType"] for e in events] == ["ApiKeyCreated", "ApiKeyRevoked"]
    made, gone = events
    assert made["actor"] == {"type": "user", "id": "ada"}
    assert made["data"] == {
        "keyId": created["keyId"],
        "name": "CRM sync",
        "prefix": created["prefix"],
        "role": "viewer",
        "permissions": created["permissions"],
        "expiresAt": None,
    }
    assert gone["data"] == {
        "keyId": created["keyId"],
        "name": "CRM sync",
        "prefix": created["prefix"],
        "reason": "revoked",
    }
    key_hash = parse_key(created["key"], "test").key_hash
    text = json.dumps(events)
    assert created["key"] not in text
    assert key_hash not in text


# ---- removal of the creator ---------------------------------------------------------


def test_removing_a_member_with_revoke_api_keys_revokes_only_their_keys(functions, team, dynamodb):
    ada_keys = [create(functions, {"name": f"ada {n}"}, who="ada").body for n in range(2)]
    owners = create(functions, {"name": "owner's"}).body
    peers = create(functions, {"name": "ada2's"}, who="ada2").body
    reply = remove(functions, "ada", revoke_keys=True)
    assert reply.status == 204, reply.body
    listed = [i["keyId"] for i in listing(functions).body["items"]]
    assert listed == [owners["keyId"], peers["keyId"]]
    for key in ada_keys:
        assert authorize(functions, key["key"]) == {"isAuthorized": False}
    assert authorize(functions, owners["key"])["isAuthorized"] is True
    assert item(dynamodb, TABLE, WS_PK, "META")["apiKeys"] == 2
    revoked = [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "ApiKeyRevoked"]
    assert sorted(e["data"]["keyId"] for e in revoked) == sorted(k["keyId"] for k in ada_keys)
    assert {e["data"]["reason"] for e in revoked} == {"creator_removed"}
    assert {e["actor"]["id"] for e in revoked} == {OWNER_SUB}
    assert "MemberRemoved" in detail_types(dynamodb)


def test_removing_a_member_without_the_flag_leaves_their_keys_working(functions, team):
    key = create(functions, {"name": "ada's"}, who="ada").body
    assert remove(functions, "ada").status == 204
    assert [i["keyId"] for i in listing(functions).body["items"]] == [key["keyId"]]
    assert authorize(functions, key["key"])["isAuthorized"] is True


def test_leaving_with_revoke_api_keys_revokes_your_own(functions, team, dynamodb):
    key = create(functions, {"name": "ada's"}, who="ada").body
    assert remove(functions, "me", who="ada", revoke_keys=True).status == 204
    assert authorize(functions, key["key"]) == {"isAuthorized": False}
    [event] = [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "ApiKeyRevoked"]
    assert event["data"]["reason"] == "creator_left"
    assert event["actor"] == {"type": "user", "id": "ada"}


def test_revoking_someone_elses_keys_on_removal_needs_api_keys_manage(functions, team, store):
    # A custom role that may remove members but not manage keys.
    role = {
        "key": "remover",
        "name": "Remover",
        "rank": 50,
        "permissions": ["workspace:view", "members:view", "members:remove"],
    }
    assert (
        functions.call("RolesFunction", sample_event("roles/create-role.json", body=role)).status
        == 201
    )
    changed = functions.call(
        "RolesFunction",
        sample_event(
            "roles/change-member-role.json", body={"role": "remover"}, path={"userId": "mia"}
        ),
    )
    assert changed.status == 200, changed.body
    refused = remove(functions, "vic", who="mia", revoke_keys=True)
    assert refused.status == 403
    assert refused.code == "PERMISSION_DENIED"
    assert remove(functions, "vic", who="mia").status == 204


def test_the_flag_is_a_boolean(functions, team):
    event = sample_event(
        "membership/remove-member.json", path={"userId": "vic"}, query={"revokeApiKeys": "maybe"}
    )
    reply = functions.call("MembershipFunction", event)
    assert reply.status == 422
    assert [e["field"] for e in reply.body["errors"]] == ["revokeApiKeys"]


# ---- deleting the workspace ---------------------------------------------------------


def test_deleting_the_workspace_makes_its_keys_fail_at_the_authorizer(functions, team, dynamodb):
    keys = [create(functions, {"name": f"k{n}"}).body for n in range(3)]
    assert authorize(functions, keys[0]["key"])["isAuthorized"] is True
    deleted = functions.call("WorkspacesFunction", sample_event("workspaces/delete-workspace.json"))
    assert deleted.status == 204, deleted.body
    for key in keys:
        assert authorize(functions, key["key"]) == {"isAuthorized": False}
        key_hash = parse_key(key["key"], "test").key_hash
        assert item(dynamodb, TABLE, f"APIKEY#{key_hash}", "APIKEY")["workspaceStatus"] == "DELETED"


def test_a_workspace_without_keys_deletes_as_before(functions, team):
    deleted = functions.call("WorkspacesFunction", sample_event("workspaces/delete-workspace.json"))
    assert deleted.status == 204, deleted.body


# ---- races: a key created between a read of the keys and the write that relies on it --


def test_a_key_created_while_the_workspace_is_deleted_cannot_outlive_it(functions, team):
    first = create(functions, {"name": "early"}).body
    with first_goes_second(
        wiring.dynamodb_client(), "TransactWriteItems", lambda: create(functions, {"name": "late"})
    ) as competitor:
        refused = functions.call(
            "WorkspacesFunction", sample_event("workspaces/delete-workspace.json")
        )
    late = competitor[0].body
    assert competitor[0].status == 201
    assert (refused.status, refused.code) == (409, "VERSION_CONFLICT")
    # The retry reads both keys and retires both.
    deleted = functions.call("WorkspacesFunction", sample_event("workspaces/delete-workspace.json"))
    assert deleted.status == 204, deleted.body
    for key in (first, late):
        assert authorize(functions, key["key"]) == {"isAuthorized": False}


def test_a_key_the_member_creates_while_being_removed_cannot_escape_revocation(functions, team):
    early = create(functions, {"name": "early"}, who="ada").body
    with first_goes_second(
        wiring.dynamodb_client(),
        "TransactWriteItems",
        lambda: create(functions, {"name": "late"}, who="ada"),
    ) as competitor:
        refused = remove(functions, "ada", revoke_keys=True)
    assert competitor[0].status == 201
    assert (refused.status, refused.code) == (409, "VERSION_CONFLICT")
    assert remove(functions, "ada", revoke_keys=True).status == 204
    for key in (early, competitor[0].body):
        assert authorize(functions, key["key"]) == {"isAuthorized": False}
    assert listing(functions).body["items"] == []
