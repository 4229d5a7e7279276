"""The roles function through its real entry point, on moto: the catalogue, and role
changes under every rank rule (the rules themselves are table-tested in tests/unit)."""

from __future__ import annotations

import pytest

from teamspace import wiring
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    item,
    outbox_events,
    sample_event,
    user,
)

FN = "RolesFunction"
TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"


@pytest.fixture
def team(ranked_team) -> dict[str, str]:
    return ranked_team


def change(functions, role, *, who=None, target=SAMPLE_TARGET):
    caller = None if who in (None, OWNER_SUB) else user(who)
    event = sample_event(
        "roles/change-member-role.json", caller=caller, body={"role": role}, path={"userId": target}
    )
    return functions.call(FN, event)


def test_the_catalogue_lists_every_built_in_role_with_its_permissions(functions, team):
    reply = functions.call(FN, sample_event("roles/list-roles.json", caller=user("vic")))
    assert reply.status == 200
    roles = {r["key"]: r for r in reply.body["items"]}
    assert list(roles) == [
        "owner",
        "admin",
        "developer",
        "manager",
        "billing",
        "support_agent",
        "member",
        "viewer",
    ]
    assert roles["admin"]["rank"] == 80
    assert "members:change_role" in roles["admin"]["permissions"]
    assert "billing:manage" not in roles["admin"]["permissions"]
    assert all(r["builtin"] for r in roles.values())
    assert reply.body["nextCursor"] is None


def test_the_catalogue_is_404_for_another_workspace(functions, team):
    reply = functions.call(FN, sample_event("roles/list-roles.json", caller=user("stranger")))
    assert reply.status == 404


def test_a_role_change_is_written_with_its_event_and_counts_at_once(functions, team, dynamodb):
    reply = change(functions, "manager")
    assert reply.status == 200
    assert reply.body["role"] == "manager"
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{SAMPLE_TARGET}")["role"] == "manager"
    event = outbox_events(dynamodb, TABLE)[-1]
    assert event["detailType"] == "MemberRoleChanged"
    assert event["data"] == {"userId": SAMPLE_TARGET, "previousRole": "member", "role": "manager"}
    mine = functions.call(
        "MembershipFunction",
        sample_event("membership/my-permissions.json", caller=user(SAMPLE_TARGET)),
    )
    assert mine.body["role"] == "manager"
    assert "campaigns:manage" in mine.body["permissions"]


def test_changing_to_the_same_role_changes_nothing(functions, team, dynamodb):
    before = len(outbox_events(dynamodb, TABLE))
    assert change(functions, "member").status == 200
    assert len(outbox_events(dynamodb, TABLE)) == before


@pytest.mark.parametrize(
    ("who", "target", "role", "status", "code"),
    [
        (OWNER_SUB, SAMPLE_TARGET, "admin", 200, None),
        ("ada", SAMPLE_TARGET, "manager", 200, None),
        ("ada", SAMPLE_TARGET, "admin", 403, "ROLE_RANK_TOO_LOW"),
        ("ada", "ada2", "viewer", 403, "ROLE_RANK_TOO_LOW"),
        ("ada", OWNER_SUB, "viewer", 403, "OWNER_IMMUTABLE"),
        (OWNER_SUB, SAMPLE_TARGET, "owner", 403, "OWNER_IMMUTABLE"),
        ("ada", "ada", "viewer", 403, "CANNOT_CHANGE_SELF"),
        ("ada", "me", "viewer", 403, "CANNOT_CHANGE_SELF"),
        ("mia", SAMPLE_TARGET, "viewer", 403, "PERMISSION_DENIED"),
        ("vic", SAMPLE_TARGET, "viewer", 403, "PERMISSION_DENIED"),
        (OWNER_SUB, "nobody", "viewer", 404, "MEMBER_NOT_FOUND"),
        (OWNER_SUB, SAMPLE_TARGET, "wizard", 422, "UNKNOWN_ROLE"),
    ],
    ids=[
        "owner-promotes-to-admin",
        "admin-below-admin",
        "admin-cannot-promote-to-admin",
        "admin-cannot-change-admin",
        "nobody-changes-owner",
        "owner-role-only-by-transfer",
        "not-own-role",
        "not-own-role-via-me",
        "manager-lacks-permission",
        "viewer-lacks-permission",
        "unknown-member",
        "unknown-role",
    ],
)
def test_role_changes_follow_the_rank_rules(
    functions, team, dynamodb, who, target, role, status, code
):
    before = item(dynamodb, TABLE, WS_PK, f"MEMBER#{target}")
    reply = change(functions, role, who=who, target=target)
    assert reply.status == status, reply.body
    if code:
        assert reply.code == code
        assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{target}") == before


@pytest.mark.parametrize("body", [{}, {"role": "Admin"}, {"role": "admin", "status": "ACTIVE"}])
def test_bad_bodies_are_422(functions, team, body):
    event = sample_event("roles/change-member-role.json", body=body)
    assert functions.call(FN, event).status == 422


def test_a_demotion_racing_a_role_change_leaves_the_target_as_it_was(functions, team, dynamodb):
    """The admin is demoted between the read and the write: the change is not written."""

    def demote_ada() -> None:
        dynamodb.update_item(
            TableName=TABLE,
            Key={"PK": {"S": WS_PK}, "SK": {"S": "MEMBER#ada"}},
            UpdateExpression="SET #r = :viewer ADD version :one",
            ExpressionAttributeNames={"#r": "role"},
            ExpressionAttributeValues={":viewer": {"S": "viewer"}, ":one": {"N": "1"}},
        )

    with first_goes_second(wiring.dynamodb_client(), "TransactWriteItems", demote_ada):
        reply = change(functions, "manager", who="ada")
    assert reply.status == 409
    assert reply.code == "VERSION_CONFLICT"
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{SAMPLE_TARGET}")["role"] == "member"
    assert "MemberRoleChanged" not in [e["detailType"] for e in outbox_events(dynamodb, TABLE)]
