"""Co-owners (API.md "Workspace lifecycle"; seed 002: "there can be multiple owners")
through the functions' real entry points, on moto: settings.maxOwners, making an owner
with `PUT .../role`, what co-owners may do to each other, the primary owner (`ownerId`)
and the last owner that never go, transfers with co-owners, agencies' clients, and the
owner count on the workspace item under racing requests."""

from __future__ import annotations

from typing import Any

import pytest

from teamspace import wiring
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    Reply,
    Team,
    call,
    item,
    outbox_events,
)

TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"
MAX = SAMPLE_TARGET  # a member
PEOPLE = {MAX: "member", "ada": "admin", "vic": "viewer", "cole": "member"}


@pytest.fixture
def team(functions, store, clock, ids, worlds) -> None:
    """The sample workspace (its owner, the primary) with a member (Max), an admin, a
    viewer, another member and a suspended one; maxOwners unset (built once per module)."""

    def build() -> None:
        team = Team.create(functions, store, clock)
        for user_id, role in PEOPLE.items():
            team.add(user_id, role)
        team.add("sus", "member", status="SUSPENDED")

    worlds.once("team", clock, ids, build)


# ---- the requests -----------------------------------------------------------------------


def set_max(functions, value: int | None, who: str | None = None) -> Reply:
    body = {"settings": {"maxOwners": value}}
    return call(functions, "WorkspacesFunction", "workspaces/update-workspace.json", who, body=body)


def set_role(functions, target: str, role: str, who: str | None = None) -> Reply:
    return call(
        functions,
        "RolesFunction",
        "roles/change-member-role.json",
        who,
        body={"role": role},
        path={"userId": target},
    )


def act(functions, verb: str, target: str, who: str | None = None) -> Reply:
    """suspend, reactivate, remove (`me` as target: leave) through the membership routes."""
    sample = {"remove": "remove-member", "leave": "leave-workspace"}.get(verb, f"{verb}-member")
    return call(
        functions, "MembershipFunction", f"membership/{sample}.json", who, path={"userId": target}
    )


def offer(functions, nominee: str, who: str | None = None) -> Reply:
    body = {"newOwnerId": nominee, "confirmName": "Acme Voice"}
    return call(functions, "OwnershipFunction", "ownership/request-transfer.json", who, body=body)


def accept(functions, who: str) -> Reply:
    return call(functions, "OwnershipFunction", "ownership/accept-transfer.json", who)


def ok(reply: Reply, status: int = 200) -> Reply:
    assert reply.status == status, (reply.status, reply.body)
    return reply


def refused(reply: Reply, status: int, code: str) -> None:
    assert (reply.status, reply.code) == (status, code), reply.body


# ---- what the table holds -----------------------------------------------------------------


def meta(dynamodb) -> dict[str, Any]:
    found = item(dynamodb, TABLE, WS_PK, "META")
    assert found is not None
    return found


def owners(dynamodb) -> list[str]:
    """Who holds the owner role, read from the member items; checks that the workspace's
    counter says as many (absent: one) and that its ownerId is one of them."""
    found = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :m)",
        ExpressionAttributeValues={":pk": {"S": WS_PK}, ":m": {"S": "MEMBER#"}},
        ConsistentRead=True,
    )["Items"]
    holders = sorted(i["userId"]["S"] for i in found if i["role"]["S"] == "owner")
    workspace = meta(dynamodb)
    assert int(workspace.get("ownerCount", 1)) == len(holders), (workspace, holders)
    assert workspace["ownerId"] in holders
    return holders


def with_co_owners(functions, *co_owners: str, limit: int = 3) -> None:
    ok(set_max(functions, limit))
    for user_id in co_owners:
        ok(set_role(functions, user_id, "owner"))


# ---- settings.maxOwners ---------------------------------------------------------------------


def test_the_owner_sets_max_owners_and_it_is_shown(functions, team, dynamodb):
    reply = ok(set_max(functions, 3))
    assert reply.body["settings"]["maxOwners"] == 3
    assert meta(dynamodb)["settings"]["maxOwners"] == 3
    (updated,) = [
        e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "WorkspaceUpdated"
    ]
    assert updated["data"]["changed"] == ["settings"]


def test_only_the_owner_sets_max_owners(functions, team, dynamodb):
    refused(set_max(functions, 3, "ada"), 403, "OWNER_ONLY_SETTING")
    assert "maxOwners" not in meta(dynamodb)["settings"]


@pytest.mark.parametrize("value", [0, -1, 11, "two"])
def test_max_owners_out_of_bounds_is_422(functions, team, value):
    reply = set_max(functions, value)
    assert (reply.status, reply.code) == (422, "VALIDATION_FAILED"), reply.body


def test_without_max_owners_ownership_moves_only_by_transfer(functions, team, dynamodb):
    refused(set_role(functions, MAX, "owner"), 403, "OWNER_IMMUTABLE")
    assert owners(dynamodb) == [OWNER_SUB]


def test_max_owners_is_never_set_below_the_owners(functions, team, dynamodb):
    with_co_owners(functions, MAX, "ada")
    refused(set_max(functions, 2), 409, "MAX_OWNERS_TOO_LOW")
    refused(set_max(functions, None), 409, "MAX_OWNERS_TOO_LOW")  # unset: one
    assert meta(dynamodb)["settings"]["maxOwners"] == 3
    ok(set_role(functions, "ada", "admin"))
    ok(set_max(functions, 2))


# ---- making an owner -------------------------------------------------------------------------


def test_an_owner_makes_an_active_member_owner_within_max_owners(functions, team, dynamodb):
    ok(set_max(functions, 2))
    reply = ok(set_role(functions, MAX, "owner"))
    assert reply.body["role"] == "owner"
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX])
    assert int(meta(dynamodb)["ownerCount"]) == 2
    assert meta(dynamodb)["ownerId"] == OWNER_SUB  # the primary owner stays
    changed = outbox_events(dynamodb, TABLE)[-1]
    assert changed["detailType"] == "MemberRoleChanged"
    assert changed["data"] == {"userId": MAX, "previousRole": "member", "role": "owner"}
    mine = call(functions, "MembershipFunction", "membership/my-permissions.json", MAX)
    assert "workspace:delete" in mine.body["permissions"]
    # and the workspace is full
    refused(set_role(functions, "ada", "owner"), 409, "OWNER_LIMIT_REACHED")
    refused(set_role(functions, "ada", "owner", MAX), 409, "OWNER_LIMIT_REACHED")
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX])


def test_a_co_owner_makes_an_owner_too(functions, team, dynamodb):
    with_co_owners(functions, MAX)
    ok(set_role(functions, "vic", "owner", MAX))
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX, "vic"])


@pytest.mark.parametrize(
    ("who", "target", "status", "code"),
    [
        ("ada", MAX, 403, "OWNER_IMMUTABLE"),  # an admin never makes an owner
        (None, "sus", 409, "NOMINEE_NOT_ACTIVE"),
        (None, "nobody", 404, "MEMBER_NOT_FOUND"),
    ],
    ids=["admin", "suspended", "stranger"],
)
def test_who_cannot_make_or_become_owner(functions, team, dynamodb, who, target, status, code):
    ok(set_max(functions, 3))
    refused(set_role(functions, target, "owner", who), status, code)
    assert owners(dynamodb) == [OWNER_SUB]


# ---- co-owners acting on each other; the primary and the last owner ----------------------------


@pytest.mark.parametrize(
    ("verb", "target", "status", "code"),
    [
        ("role", OWNER_SUB, 403, "OWNER_IMMUTABLE"),
        ("suspend", OWNER_SUB, 403, "OWNER_IMMUTABLE"),
        ("remove", OWNER_SUB, 403, "OWNER_IMMUTABLE"),
        ("leave", "me", 403, "OWNER_CANNOT_LEAVE"),  # the primary leaving
    ],
)
def test_the_primary_owner_never_goes_but_by_transfer(
    functions, team, dynamodb, verb, target, status, code
):
    with_co_owners(functions, MAX)
    who = None if verb == "leave" else MAX
    reply = (
        set_role(functions, target, "admin", who)
        if verb == "role"
        else act(functions, verb, target, who)
    )
    refused(reply, status, code)
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX])
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{OWNER_SUB}")["status"] == "ACTIVE"


@pytest.mark.parametrize("verb", ["role", "suspend", "remove"])
def test_admins_never_touch_a_co_owner(functions, team, dynamodb, verb):
    with_co_owners(functions, MAX)
    reply = (
        set_role(functions, MAX, "viewer", "ada")
        if verb == "role"
        else act(functions, verb, MAX, "ada")
    )
    refused(reply, 403, "OWNER_IMMUTABLE")
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX])


def test_an_owner_demotes_a_co_owner_and_the_count_follows(functions, team, dynamodb):
    with_co_owners(functions, MAX, "vic")
    ok(set_role(functions, "vic", "member", MAX))  # a co-owner demotes another
    ok(set_role(functions, MAX, "admin"))  # the primary demotes one
    assert owners(dynamodb) == [OWNER_SUB]
    assert int(meta(dynamodb)["ownerCount"]) == 1
    refused(set_role(functions, "vic", "owner", "ada"), 403, "OWNER_IMMUTABLE")


def test_a_co_owner_is_suspended_and_reactivated_by_another_owner(functions, team, dynamodb):
    with_co_owners(functions, MAX)
    assert ok(act(functions, "suspend", MAX)).body["status"] == "SUSPENDED"
    gone = call(functions, "MembershipFunction", "membership/my-permissions.json", MAX)
    assert gone.status == 404
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX])  # a seat of maxOwners still
    assert ok(act(functions, "reactivate", MAX)).body["status"] == "ACTIVE"


def test_a_co_owner_is_removed_or_leaves_and_the_count_follows(functions, team, dynamodb):
    with_co_owners(functions, MAX, "vic")
    ok(act(functions, "remove", "vic", MAX), 204)
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX])
    ok(act(functions, "leave", "me", MAX), 204)
    assert owners(dynamodb) == [OWNER_SUB]
    assert int(meta(dynamodb)["memberCount"]) == 4
    # the one owner left is the last one
    refused(act(functions, "leave", "me"), 403, "OWNER_CANNOT_LEAVE")


def test_nobody_changes_their_own_owner_role(functions, team, dynamodb):
    with_co_owners(functions, MAX)
    refused(set_role(functions, "me", "admin", MAX), 403, "CANNOT_CHANGE_SELF")


# ---- ownership transfer with co-owners --------------------------------------------------------


def test_a_co_owners_transfer_hands_their_seat_and_keeps_the_primary(functions, team, dynamodb):
    with_co_owners(functions, MAX)
    ok(offer(functions, "ada", MAX), 202)
    reply = ok(accept(functions, "ada"))
    assert reply.body["workspace"]["ownerId"] == OWNER_SUB
    assert owners(dynamodb) == sorted([OWNER_SUB, "ada"])
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{MAX}")["role"] == "admin"


def test_the_primary_hands_over_to_a_co_owner(functions, team, dynamodb):
    with_co_owners(functions, MAX)
    ok(offer(functions, MAX), 202)
    reply = ok(accept(functions, MAX))
    assert reply.body["workspace"]["ownerId"] == MAX
    assert owners(dynamodb) == [MAX]
    assert meta(dynamodb)["ownerId"] == MAX
    assert int(meta(dynamodb)["ownerCount"]) == 1
    changes = [
        e["data"] for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "MemberRoleChanged"
    ]
    assert changes[-1] == {"userId": OWNER_SUB, "previousRole": "owner", "role": "admin"}
    assert {"userId": MAX, "previousRole": "owner", "role": "owner"} not in changes
    # the new primary is the one who cannot go now
    refused(act(functions, "leave", "me", MAX), 403, "OWNER_CANNOT_LEAVE")


@pytest.mark.parametrize("change", ["demote", "suspend", "remove"])
def test_a_co_owner_who_stops_being_one_ends_their_offer(functions, team, dynamodb, change):
    with_co_owners(functions, MAX)
    ok(offer(functions, "ada", MAX), 202)
    if change == "demote":
        ok(set_role(functions, MAX, "admin"))
    else:
        assert act(functions, change, MAX).status in (200, 204)
    assert item(dynamodb, TABLE, WS_PK, "TRANSFER") is None
    assert "OwnershipTransferCancelled" in [
        e["detailType"] for e in outbox_events(dynamodb, TABLE)[-2:]
    ]
    ok(offer(functions, "ada"), 202)  # the primary is free to offer at once


# ---- agencies -------------------------------------------------------------------------------


def test_an_agencys_co_owner_runs_the_agency_but_its_clients_stay_the_primarys(
    functions, store, clock
):
    agency = Team.create(functions, store, clock, "Agency", "agency", key=None)
    agency.add("cora", "member")
    path = {"workspaceId": agency.workspace_id}
    ok(
        call(
            functions,
            "WorkspacesFunction",
            "workspaces/update-workspace.json",
            body={"settings": {"maxOwners": 2}},
            path=path,
        )
    )
    ok(
        call(
            functions,
            "RolesFunction",
            "roles/change-member-role.json",
            body={"role": "owner"},
            path={**path, "userId": "cora"},
        )
    )
    client = ok(
        call(
            functions,
            "WorkspacesFunction",
            "workspaces/create-client.json",
            "cora",
            body={"name": "Client"},
            path=path,
        ),
        201,
    )
    client_id = client.body["workspaceId"]
    assert client.body["ownerId"] == agency.owner  # the agency's primary owner
    seen = call(
        functions,
        "WorkspacesFunction",
        "workspaces/get-workspace.json",
        "cora",
        path={"workspaceId": client_id},
    )
    assert seen.status == 404  # a co-owner of the agency acts in a client by assignment
    mine = ok(
        call(
            functions,
            "WorkspacesFunction",
            "workspaces/get-workspace.json",
            path={"workspaceId": client_id},
        )
    )
    assert (mine.body["role"], mine.body["ownerId"]) == ("owner", agency.owner)
    # a client has one owner, its agency's
    limit = call(
        functions,
        "WorkspacesFunction",
        "workspaces/update-workspace.json",
        body={"settings": {"maxOwners": 2}},
        path={"workspaceId": client_id},
    )
    refused(limit, 409, "CLIENT_OWNED_BY_AGENCY")


# ---- races: the owner count's conditions --------------------------------------------------------


def race(competing):
    """Run `competing` to completion just before the request's own transaction is sent."""
    return first_goes_second(wiring.dynamodb_client(), "TransactWriteItems", competing)


def test_two_promotions_into_the_last_seat_make_one_owner(functions, team, dynamodb):
    ok(set_max(functions, 2))
    with race(lambda: set_role(functions, "ada", "owner")) as first:
        second = set_role(functions, MAX, "owner")
    ok(first[0])
    refused(second, 409, "OWNER_LIMIT_REACHED")
    assert owners(dynamodb) == sorted([OWNER_SUB, "ada"])


def test_lowering_max_owners_racing_a_promotion_never_leaves_more_owners_than_allowed(
    functions, team, dynamodb
):
    ok(set_max(functions, 2))
    with race(lambda: set_max(functions, 1)) as lowered:
        promoted = set_role(functions, MAX, "owner")
    ok(lowered[0])
    refused(promoted, 409, "OWNER_LIMIT_REACHED")
    assert owners(dynamodb) == [OWNER_SUB]
    ok(set_max(functions, 2))
    with race(lambda: set_role(functions, MAX, "owner")) as promoted_first:
        lowered = set_max(functions, 1)
    ok(promoted_first[0])
    assert lowered.status == 409, lowered.body
    assert meta(dynamodb)["settings"]["maxOwners"] == 2
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX])


def test_two_co_owners_demoting_each_other_at_once_leave_one_of_them(functions, team, dynamodb):
    with_co_owners(functions, MAX, "vic")
    with race(lambda: set_role(functions, "vic", "admin", MAX)) as first:
        second = set_role(functions, MAX, "admin", "vic")
    ok(first[0])
    assert second.status in (404, 409), second.body  # vic is no longer an owner
    assert owners(dynamodb) == sorted([OWNER_SUB, MAX])


def test_two_demotions_of_the_last_co_owner_at_once_count_it_once(functions, team, dynamodb):
    """Both decided while Max was a co-owner; the second finds him changed (his item's
    version) and fails: the count moves once, and the workspace keeps its one owner. (The
    count's own floor, never below one, is the store's test_owner_counter.py.)"""
    with_co_owners(functions, MAX, "vic")
    ok(set_role(functions, "vic", "member"))
    with race(lambda: set_role(functions, MAX, "admin")) as first:
        second = act(functions, "remove", MAX)
    ok(first[0])
    assert second.status == 409, second.body
    assert owners(dynamodb) == [OWNER_SUB]
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{MAX}")["role"] == "admin"
