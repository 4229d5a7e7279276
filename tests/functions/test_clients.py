"""Agencies and their clients through the real handlers on moto: client workspaces, minute
budgets taken from the agency's pool (never past it, even by racing requests), and agency
staff assigned to clients, who act there through the agency until the assignment or
their agency membership ends."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_runtime.lambdas import LambdaContext, load_module
from teamspace import wiring
from teamspace.core.errors import Contention
from teamspace.core.retry import POLICY
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    EVENTS,
    OWNER,
    OWNER_SUB,
    TEMPLATE,
    Team,
    as_bus_event,
    as_caller,
    item,
    outbox_events,
    sample_event,
    seed_member,
    user,
)
from tests.support.clients import (
    AGENCY,
    create_client,
    list_clients,
    set_budget,
    update_settings,
)
from tests.support.faults import injected

FN = "WorkspacesFunction"
TABLE = TEMPLATE.table_name()
STAFF = "mo"  # an agency member with the member role
POOL = 10_000


def assign(functions, client_id, user_id=STAFF, who=None, role: str | None = None):
    event = sample_event(
        "workspaces/assign-to-client.json",
        caller=as_caller(who),
        body={} if role is None else {"role": role},
        path={"clientId": client_id, "userId": user_id},
    )
    return functions.call(FN, event)


def unassign(functions, client_id, user_id=STAFF, who=None):
    event = sample_event(
        "workspaces/unassign-from-client.json",
        caller=as_caller(who),
        path={"clientId": client_id, "userId": user_id},
    )
    return functions.call(FN, event)


def get_workspace(functions, workspace_id, who):
    event = sample_event(
        "workspaces/get-workspace.json", caller=user(who), path={"workspaceId": workspace_id}
    )
    return functions.call(FN, event)


def rename(functions, workspace_id, who, name="Renamed"):
    event = sample_event(
        "workspaces/update-workspace.json",
        caller=as_caller(who),
        body={"name": name},
        path={"workspaceId": workspace_id},
    )
    return functions.call(FN, event)


def remove_from_agency(functions, user_id=STAFF):
    event = sample_event("membership/remove-member.json", path={"userId": user_id})
    return functions.call("MembershipFunction", event)


def client_access(functions, event: dict[str, Any]) -> dict[str, Any]:
    """Deliver a bus event to the client_access consumer through its real entry point."""
    spec = TEMPLATE.functions()["ClientAccessFunction"]
    return load_module(spec).lambda_handler(event, LambdaContext(spec.logical_id))


def events_of(dynamodb, workspace_id: str, detail_type: str | None = None):
    return [
        e
        for e in outbox_events(dynamodb, TABLE)
        if e["workspaceId"] == workspace_id and detail_type in (None, e["detailType"])
    ]


@pytest.fixture
def agency(functions, store, clock, ids, worlds) -> dict[str, str]:
    """An agency with a pool of 10,000 minutes, an admin (ada), a member (mo) and a viewer
    (vic). This and the two below are built once per module (tests/support/worlds.py)."""

    def build() -> dict[str, str]:
        team = Team.create(functions, store, clock, "Acme Agency", "agency")
        assert update_settings(functions, {"minutePool": POOL}).status == 200
        for user_id, role in (("ada", "admin"), (STAFF, "member"), ("vic", "viewer")):
            team.add(user_id, role)
        return {"admin": "ada", "member": STAFF, "viewer": "vic"}

    return worlds.once("agency", clock, ids, build)


@pytest.fixture
def client(functions, agency, clock, ids, worlds) -> str:
    def build() -> str:
        reply = create_client(functions, minuteBudget=2_000)
        assert reply.status == 201, reply.body
        return reply.body["workspaceId"]

    return worlds.once("client", clock, ids, build)


@pytest.fixture
def assigned(functions, client, clock, ids, worlds) -> str:
    def build() -> str:
        reply = assign(functions, client)
        assert reply.status == 200, reply.body
        return client

    return worlds.once("assigned", clock, ids, build)


# ---- client workspaces ----------------------------------------------------------------


def test_the_owner_creates_a_client_owned_by_the_agency_owner(functions, agency, dynamodb):
    reply = create_client(functions, minuteBudget=3_000, description="Bookings")
    assert reply.status == 201
    client = reply.body
    assert client["parentWorkspaceId"] == AGENCY
    assert client["ownerId"] == OWNER_SUB
    assert client["type"] == "simple"
    assert client["minuteBudget"] == 3_000
    assert item(dynamodb, TABLE, f"WS#{client['workspaceId']}", f"MEMBER#{OWNER_SUB}")["role"] == (
        "owner"
    )
    (created,) = events_of(dynamodb, client["workspaceId"], "WorkspaceCreated")
    assert created["actor"] == {"type": "user", "id": OWNER_SUB, "via": AGENCY}
    assert created["data"]["parentWorkspaceId"] == AGENCY


def test_an_admin_creates_a_client_and_the_agency_owner_still_owns_it(functions, agency, dynamodb):
    reply = create_client(functions, who="ada")
    assert reply.status == 201
    client_id = reply.body["workspaceId"]
    assert reply.body["ownerId"] == OWNER_SUB
    assert item(dynamodb, TABLE, f"WS#{client_id}", "MEMBER#ada") is None


def test_the_list_shows_member_counts_budgets_and_the_pool(functions, client):
    create_client(functions, name="Law Firm", minuteBudget=500)
    assign(functions, client)
    reply = list_clients(functions)
    assert reply.status == 200
    listed = {c["workspaceId"]: c for c in reply.body["items"]}
    assert listed[client]["memberCount"] == 2
    assert listed[client]["minuteBudget"] == 2_000
    assert sorted(c["minuteBudget"] for c in reply.body["items"]) == [500, 2_000]
    assert reply.body["minutePool"] == POOL
    assert reply.body["minutesAssigned"] == 2_500
    assert reply.body["nextCursor"] is None


def test_the_list_is_paged(functions, agency):
    for n in range(3):
        create_client(functions, name=f"Client {n}")
    event = sample_event("workspaces/list-clients.json", query={"limit": "2"})
    first = functions.call(FN, event)
    assert len(first.body["items"]) == 2
    event = sample_event(
        "workspaces/list-clients.json", query={"limit": "2", "cursor": first.body["nextCursor"]}
    )
    second = functions.call(FN, event)
    assert [c["name"] for c in second.body["items"]] == ["Client 2"]
    assert second.body["nextCursor"] is None


@pytest.mark.parametrize("who", ["mo", "vic"])
def test_members_without_clients_manage_are_refused(functions, agency, who):
    assert create_client(functions, who=who).code == "PERMISSION_DENIED"
    assert list_clients(functions, who=who).status == 403


def test_a_stranger_finds_no_agency(functions, agency):
    assert create_client(functions, who="stranger").status == 404
    assert list_clients(functions, who="stranger").status == 404


def test_a_simple_workspace_has_no_clients(functions):
    functions.call(FN, sample_event("workspaces/create-workspace.json"))
    reply = create_client(functions)
    assert (reply.status, reply.code) == (422, "NOT_AN_AGENCY")
    assert update_settings(functions, {"minutePool": 10}).code == "NOT_AN_AGENCY"


def test_a_client_cannot_have_clients(functions, client):
    assert create_client(functions, agency=client).code == "NOT_AN_AGENCY"


def test_creating_a_client_again_with_the_same_key_returns_the_first(functions, agency, dynamodb):
    first = create_client(functions, minuteBudget=100, _key="same")
    again = create_client(functions, minuteBudget=100, _key="same")
    assert again.status == 201
    assert again.body["workspaceId"] == first.body["workspaceId"]
    assert item(dynamodb, TABLE, f"WS#{AGENCY}", "META")["minutesAssigned"] == 100


# ---- minute budgets -------------------------------------------------------------------


def test_a_budget_beyond_the_pool_is_refused_and_nothing_is_written(functions, client, dynamodb):
    reply = create_client(functions, name="Greedy", minuteBudget=POOL - 1_999)
    assert (reply.status, reply.code) == (409, "MINUTE_POOL_EXCEEDED")
    assert "8000 minutes left" in reply.body["detail"]
    assert len(list_clients(functions).body["items"]) == 1
    assert item(dynamodb, TABLE, f"WS#{AGENCY}", "META")["minutesAssigned"] == 2_000


def test_changing_a_budget_moves_what_the_pool_holds(functions, client, dynamodb):
    assert set_budget(functions, client, 9_000).body["minuteBudget"] == 9_000
    assert item(dynamodb, TABLE, f"WS#{AGENCY}", "META")["minutesAssigned"] == 9_000
    assert set_budget(functions, client, 10_001).code == "MINUTE_POOL_EXCEEDED"
    assert set_budget(functions, client, 1_000).status == 200
    assert item(dynamodb, TABLE, f"WS#{AGENCY}", "META")["minutesAssigned"] == 1_000
    (updated,) = events_of(dynamodb, client, "WorkspaceUpdated")[-1:]
    assert updated["actor"]["via"] == AGENCY


def test_the_pool_cannot_shrink_below_the_budgets_it_holds(functions, client):
    reply = update_settings(functions, {"minutePool": 1_999})
    assert (reply.status, reply.code) == (409, "MINUTE_POOL_BELOW_ASSIGNED")
    assert update_settings(functions, {"minutePool": 2_000}).status == 200


def test_a_client_cannot_set_its_own_budget(functions, client):
    reply = update_settings(functions, {"minuteBudget": 99_999}, workspace_id=client)
    assert (reply.status, reply.code) == (422, "VALIDATION_FAILED")


def test_an_unknown_client_is_not_found(functions, agency):
    other = "ws_0000000000000000000000zzzz"
    assert set_budget(functions, other, 5).code == "CLIENT_NOT_FOUND"
    assert assign(functions, other).code == "CLIENT_NOT_FOUND"


def test_another_agencys_client_is_not_found(functions, client):
    event = sample_event(
        "workspaces/create-workspace.json",
        body={"name": "Rival", "type": "agency"},
        headers={"idempotency-key": "rival"},
    )
    rival = functions.call(FN, event).body["workspaceId"]
    event = sample_event(
        "workspaces/set-client-budget.json",
        body={"minuteBudget": 1},
        path={"workspaceId": rival, "clientId": client},
    )
    assert functions.call(FN, event).code == "CLIENT_NOT_FOUND"


def test_two_concurrent_creations_cannot_overdraw_the_pool(functions, agency, dynamodb):
    """Each budget fits the pool on its own, both do not: whichever commits second is
    refused, though it read the pool before the first committed."""
    client = wiring.dynamodb_client()

    def competitor():
        return create_client(functions, name="First", minuteBudget=6_000)

    with first_goes_second(client, "TransactWriteItems", competitor) as first:
        second = create_client(functions, name="Second", minuteBudget=6_000)
    assert first[0].status == 201
    assert (second.status, second.code) == (409, "MINUTE_POOL_EXCEEDED")
    assert item(dynamodb, TABLE, f"WS#{AGENCY}", "META")["minutesAssigned"] == 6_000
    assert [c["name"] for c in list_clients(functions).body["items"]] == ["First"]


def test_two_concurrent_budget_raises_cannot_overdraw_the_pool(functions, client, dynamodb):
    other = create_client(functions, name="Other").body["workspaceId"]
    db = wiring.dynamodb_client()
    with first_goes_second(db, "TransactWriteItems", lambda: set_budget(functions, other, 5_000)):
        second = set_budget(functions, client, 6_000)
    assert second.code == "MINUTE_POOL_EXCEEDED"
    budgets = {c["workspaceId"]: c["minuteBudget"] for c in list_clients(functions).body["items"]}
    assert budgets == {client: 2_000, other: 5_000}
    assert item(dynamodb, TABLE, f"WS#{AGENCY}", "META")["minutesAssigned"] == 7_000


def test_a_pool_cut_racing_a_budget_raise_leaves_them_consistent(functions, client, dynamodb):
    db = wiring.dynamodb_client()
    with first_goes_second(db, "TransactWriteItems", lambda: set_budget(functions, client, 9_000)):
        cut = update_settings(functions, {"minutePool": 5_000})
    assert cut.status == 409
    agency = item(dynamodb, TABLE, f"WS#{AGENCY}", "META")
    assert agency["settings"]["minutePool"] == POOL
    assert agency["minutesAssigned"] == 9_000


# ---- staff assignments ----------------------------------------------------------------


def test_an_assigned_member_acts_in_the_client_as_admin_via_the_agency(
    functions, assigned, dynamodb
):
    assert get_workspace(functions, assigned, STAFF).body["role"] == "admin"
    member = item(dynamodb, TABLE, f"WS#{assigned}", f"MEMBER#{STAFF}")
    assert (member["role"], member["via"]) == ("admin", AGENCY)
    (joined,) = events_of(dynamodb, assigned, "MemberJoined")
    assert joined["data"]["via"] == AGENCY
    assert joined["actor"] == {"type": "user", "id": OWNER_SUB, "via": AGENCY}
    assert rename(functions, assigned, STAFF).status == 200
    (renamed,) = events_of(dynamodb, assigned, "WorkspaceUpdated")
    assert renamed["actor"] == {"type": "user", "id": STAFF, "via": AGENCY}


def test_an_assigned_members_actions_are_audited_as_via_the_agency(functions, assigned, dynamodb):
    rename(functions, assigned, STAFF)
    consumer = TEMPLATE.functions()["AuditConsumerFunction"]
    sample = json.loads((EVENTS / "audit_consumer" / "role-changed.json").read_text())
    records = []
    for n, event in enumerate(events_of(dynamodb, assigned)):
        record = {
            **sample["Records"][0],
            "messageId": f"m{n}",
            "body": json.dumps(as_bus_event(event)),
        }
        records.append(record)
    load_module(consumer).lambda_handler({"Records": records}, LambdaContext("audit"))
    event = sample_event(
        "audit/list-audit-log.json", path={"workspaceId": assigned}, query={"actor": STAFF}
    )
    reply = functions.call("AuditFunction", event)
    assert reply.status == 200
    (record,) = reply.body["items"]
    assert record["action"] == "WorkspaceUpdated"
    assert record["actor"] == {"type": "user", "id": STAFF, "via": AGENCY}


def test_the_assignment_names_the_role(functions, client):
    reply = assign(functions, client, role="viewer")
    assert reply.body["role"] == "viewer"
    assert reply.body["via"] == AGENCY
    assert get_workspace(functions, client, STAFF).body["role"] == "viewer"


def test_assigning_again_changes_the_role(functions, assigned, dynamodb):
    assert assign(functions, assigned, role="developer").body["role"] == "developer"
    (changed,) = events_of(dynamodb, assigned, "MemberRoleChanged")
    assert changed["data"] == {"userId": STAFF, "previousRole": "admin", "role": "developer"}
    assert item(dynamodb, TABLE, f"WS#{assigned}", "META")["memberCount"] == 2


@pytest.mark.parametrize(
    ("who", "role", "code"),
    [
        ("mo", None, "PERMISSION_DENIED"),
        ("vic", "viewer", "PERMISSION_DENIED"),
        (None, "owner", "OWNER_IMMUTABLE"),
        ("ada", "owner", "OWNER_IMMUTABLE"),
        ("ada", "billing", "GRANT_EXCEEDS_OWN"),
    ],
)
def test_assignment_rules(functions, client, who, role, code):
    reply = assign(functions, client, who=who, role=role)
    assert (reply.status, reply.code) == (403, code)


def test_an_admin_assigns_an_admin(functions, client):
    assert assign(functions, client, who="ada").body["role"] == "admin"


def test_only_agency_members_can_be_assigned(functions, client):
    assert assign(functions, client, user_id="stranger").code == "MEMBER_NOT_FOUND"


def test_a_direct_member_of_the_client_is_not_taken_over(functions, client, store, clock):
    seed_member(store, client, "carol", "member", clock.now())
    seed_member(store, AGENCY, "carol", "member", clock.now())
    assert assign(functions, client, user_id="carol").code == "ALREADY_A_MEMBER"


def test_an_unknown_role_is_refused(functions, client):
    assert assign(functions, client, role="wizard").code == "UNKNOWN_ROLE"


def test_unassigning_ends_access_at_once(functions, assigned, dynamodb):
    assert unassign(functions, assigned).status == 204
    assert get_workspace(functions, assigned, STAFF).status == 404
    assert item(dynamodb, TABLE, f"WS#{assigned}", f"MEMBER#{STAFF}") is None
    assert item(dynamodb, TABLE, f"WS#{assigned}", "META")["memberCount"] == 1
    (removed,) = events_of(dynamodb, assigned, "MemberRemoved")
    assert removed["actor"]["via"] == AGENCY
    assert unassign(functions, assigned).code == "ASSIGNMENT_NOT_FOUND"


def test_a_direct_member_cannot_be_unassigned(functions, client):
    assert unassign(functions, client, user_id=OWNER_SUB).code == "ASSIGNMENT_NOT_FOUND"


def test_removal_from_the_agency_ends_client_access_before_any_clean_up(
    functions, assigned, dynamodb
):
    assert remove_from_agency(functions).status == 204
    # The consumer has not run: the item is still there, and grants nothing.
    assert item(dynamodb, TABLE, f"WS#{assigned}", f"MEMBER#{STAFF}") is not None
    assert get_workspace(functions, assigned, STAFF).status == 404
    assert rename(functions, assigned, STAFF).status == 404


def test_the_consumer_removes_every_assignment_of_a_removed_member(functions, assigned, dynamodb):
    second = create_client(functions, name="Second").body["workspaceId"]
    assign(functions, second)
    remove_from_agency(functions)
    (removal,) = events_of(dynamodb, AGENCY, "MemberRemoved")
    assert client_access(functions, as_bus_event(removal)) == {"withdrawn": 2}
    for client_id in (assigned, second):
        assert item(dynamodb, TABLE, f"WS#{client_id}", f"MEMBER#{STAFF}") is None
        assert item(dynamodb, TABLE, f"WS#{client_id}", f"MEMBER_EMAIL#{STAFF}@example.com") is None
        assert item(dynamodb, TABLE, f"WS#{client_id}", "META")["memberCount"] == 1
        (withdrawn,) = events_of(dynamodb, client_id, "MemberRemoved")
        assert withdrawn["actor"] == {"type": "system", "id": "client-access", "via": AGENCY}
    # Delivered twice, it finds nothing more to do.
    assert client_access(functions, as_bus_event(removal)) == {"withdrawn": 0}


def test_the_consumer_meeting_a_conflict_runs_again_and_withdraws_each_once(
    functions, assigned, dynamodb
):
    second = create_client(functions, name="Second").body["workspaceId"]
    assign(functions, second)
    remove_from_agency(functions)
    (removal,) = events_of(dynamodb, AGENCY, "MemberRemoved")
    with injected("conflict=1,limit=2,only=TransactWriteItems") as injector:
        assert client_access(functions, as_bus_event(removal))["withdrawn"] >= 1
    assert injector.total() == 2
    for client_id in (assigned, second):
        assert item(dynamodb, TABLE, f"WS#{client_id}", f"MEMBER#{STAFF}") is None
        assert len(events_of(dynamodb, client_id, "MemberRemoved")) == 1


def test_a_spent_budget_fails_the_event_for_redelivery_and_the_redelivery_withdraws(
    functions, assigned, dynamodb
):
    remove_from_agency(functions)
    (removal,) = events_of(dynamodb, AGENCY, "MemberRemoved")
    with injected("conflict=1,only=TransactWriteItems") as injector, pytest.raises(Contention):
        client_access(functions, as_bus_event(removal))
    assert injector.total() == POLICY.attempts
    assert item(dynamodb, TABLE, f"WS#{assigned}", f"MEMBER#{STAFF}") is not None
    # EventBridge's retry (Lambda's asynchronous retries) delivers it again.
    assert client_access(functions, as_bus_event(removal)) == {"withdrawn": 1}
    assert item(dynamodb, TABLE, f"WS#{assigned}", f"MEMBER#{STAFF}") is None


def test_leaving_the_agency_withdraws_assignments_too(functions, assigned, dynamodb):
    event = sample_event("membership/remove-member.json", caller=user(STAFF), path={"userId": "me"})
    assert functions.call("MembershipFunction", event).status == 204
    (left,) = events_of(dynamodb, AGENCY, "MemberLeft")
    assert client_access(functions, as_bus_event(left)) == {"withdrawn": 1}
    assert item(dynamodb, TABLE, f"WS#{assigned}", f"MEMBER#{STAFF}") is None


def test_a_member_back_in_the_agency_does_not_get_old_assignments_back(
    functions, assigned, store, clock, dynamodb
):
    remove_from_agency(functions)
    clock.advance(seconds=60)
    seed_member(store, AGENCY, STAFF, "member", clock.now())
    assert get_workspace(functions, assigned, STAFF).status == 404
    (removal,) = events_of(dynamodb, AGENCY, "MemberRemoved")
    assert client_access(functions, as_bus_event(removal)) == {"withdrawn": 1}
    # Assigned again after coming back, they work there, and a late copy of the old
    # removal event leaves the new assignment alone.
    clock.advance(seconds=60)
    assert assign(functions, assigned).status == 200
    assert get_workspace(functions, assigned, STAFF).status == 200
    assert client_access(functions, as_bus_event(removal)) == {"withdrawn": 0}
    assert get_workspace(functions, assigned, STAFF).status == 200


def test_removal_from_a_workspace_that_is_no_agency_withdraws_nothing(functions, assigned):
    event = as_bus_event(
        {
            "detailType": "MemberRemoved",
            "eventId": "evt_00000000000000000000000999",
            "version": 1,
            "occurredAt": "2026-11-22T10:00:00Z",
            "workspaceId": assigned,
            "actor": {"type": "user", "id": OWNER_SUB},
            "data": {"userId": STAFF, "email": f"{STAFF}@example.com", "role": "admin"},
        }
    )
    assert client_access(functions, event) == {"withdrawn": 0}
    assert get_workspace(functions, assigned, STAFF).status == 200


def test_suspension_in_the_agency_pauses_client_access(functions, assigned):
    suspend = sample_event("membership/suspend-member.json", path={"userId": STAFF})
    assert functions.call("MembershipFunction", suspend).status == 200
    assert get_workspace(functions, assigned, STAFF).status == 404
    reactivate = sample_event("membership/reactivate-member.json", path={"userId": STAFF})
    assert functions.call("MembershipFunction", reactivate).status == 200
    assert get_workspace(functions, assigned, STAFF).status == 200


def test_deleting_the_agency_ends_staff_access_to_its_clients(functions, assigned):
    assert functions.call(FN, sample_event("workspaces/delete-workspace.json")).status == 204
    assert get_workspace(functions, assigned, STAFF).status == 404
    # The client itself, owned by the agency's owner, lives on.
    assert get_workspace(functions, assigned, OWNER_SUB).status == 200


@pytest.mark.parametrize("nominee", [STAFF, "clinic-member"])
def test_a_client_changes_hands_only_with_its_agency(functions, assigned, store, clock, nominee):
    """Neither agency staff nor the client's own people can be named owner of a client:
    it belongs to whoever owns the agency."""
    seed_member(store, assigned, "clinic-member", "admin", clock.now())
    event = sample_event(
        "ownership/request-transfer.json",
        body={"newOwnerId": nominee, "confirmName": "Dental Clinic"},
        path={"workspaceId": assigned},
    )
    reply = functions.call("OwnershipFunction", event)
    assert (reply.status, reply.code) == (409, "CLIENT_OWNED_BY_AGENCY")


def test_deleting_a_client_gives_its_budget_back_to_the_pool(functions, client, dynamodb):
    event = sample_event("workspaces/delete-workspace.json", path={"workspaceId": client})
    assert functions.call(FN, event).status == 204
    assert item(dynamodb, TABLE, f"WS#{AGENCY}", "META")["minutesAssigned"] == 0
    assert list_clients(functions).body["items"] == []
    assert create_client(functions, name="Next", minuteBudget=POOL).status == 201


# ---- the agency changes hands ---------------------------------------------------------

NEW_OWNER = "ada"  # the agency's admin, who takes the agency over


def hand_agency_to(functions, user_id=NEW_OWNER):
    """The agency's owner names `user_id`, who accepts: the agency is theirs."""
    request = sample_event(
        "ownership/request-transfer.json",
        body={"newOwnerId": user_id, "confirmName": "Acme Agency"},
    )
    assert functions.call("OwnershipFunction", request).status == 202
    accept = sample_event("ownership/accept-transfer.json", caller=user(user_id))
    reply = functions.call("OwnershipFunction", accept)
    assert reply.status == 200, reply.body


def delete_client(functions, client_id, who):
    event = sample_event(
        "workspaces/delete-workspace.json", caller=as_caller(who), path={"workspaceId": client_id}
    )
    return functions.call(FN, event)


def my_workspaces(functions, who) -> dict[str, str]:
    event = sample_event("workspaces/list-workspaces.json", caller=as_caller(who))
    return {w["workspaceId"]: w["role"] for w in functions.call(FN, event).body["items"]}


def follow_the_agency(functions, dynamodb) -> dict[str, int]:
    """Deliver the agency's OwnershipTransferred to the client_access consumer."""
    (transferred,) = events_of(dynamodb, AGENCY, "OwnershipTransferred")
    return client_access(functions, as_bus_event(transferred))


def test_the_agencys_new_owner_owns_its_clients_at_once(functions, client, dynamodb):
    hand_agency_to(functions)
    # The consumer has not run: the client's items still name the old owner.
    assert item(dynamodb, TABLE, f"WS#{client}", "META")["ownerId"] == OWNER_SUB
    shown = get_workspace(functions, client, NEW_OWNER)
    assert shown.status == 200, shown.body
    assert (shown.body["role"], shown.body["ownerId"]) == ("owner", NEW_OWNER)
    assert rename(functions, client, NEW_OWNER).status == 200
    (renamed,) = events_of(dynamodb, client, "WorkspaceUpdated")
    assert renamed["actor"] == {"type": "user", "id": NEW_OWNER, "via": AGENCY}
    assert [c["role"] for c in list_clients(functions, NEW_OWNER).body["items"]] == ["owner"]


def test_the_agencys_former_owner_keeps_nothing_in_its_clients(functions, client, dynamodb):
    """Still the agency's admin, but no longer its owner: no role in its clients."""
    hand_agency_to(functions)
    before = item(dynamodb, TABLE, f"WS#{client}", "META")
    assert get_workspace(functions, client, OWNER_SUB).status == 404
    assert rename(functions, client, OWNER_SUB).status == 404
    assert delete_client(functions, client, OWNER_SUB).status == 404
    assert item(dynamodb, TABLE, f"WS#{client}", "META") == before
    assert [c["role"] for c in list_clients(functions, OWNER_SUB).body["items"]] == [None]


def test_a_removed_former_owner_cannot_touch_the_clients(functions, assigned, dynamodb):
    """The issue's sequence: the agency changes hands, its new owner removes the old one,
    who then tries the client: read, delete, remove the staff working there."""
    hand_agency_to(functions)
    removal = sample_event(
        "membership/remove-member.json", caller=user(NEW_OWNER), path={"userId": OWNER_SUB}
    )
    assert functions.call("MembershipFunction", removal).status == 204
    assert get_workspace(functions, assigned, OWNER_SUB).status == 404
    assert delete_client(functions, assigned, OWNER_SUB).status == 404
    remove_staff = sample_event(
        "membership/remove-member.json", path={"workspaceId": assigned, "userId": STAFF}
    )
    assert functions.call("MembershipFunction", remove_staff).status == 404
    assert get_workspace(functions, assigned, STAFF).status == 200
    assert [c["workspaceId"] for c in list_clients(functions, NEW_OWNER).body["items"]] == [
        assigned
    ]


def test_the_consumer_hands_each_client_to_the_new_owner(functions, client, dynamodb):
    second = create_client(functions, name="Law Firm").body["workspaceId"]
    assign(functions, second, user_id=NEW_OWNER, role="member")
    hand_agency_to(functions)
    assert follow_the_agency(functions, dynamodb) == {"handedOver": 2}
    for client_id in (client, second):
        meta = item(dynamodb, TABLE, f"WS#{client_id}", "META")
        assert (meta["ownerId"], meta["memberCount"], meta["seatsUsed"]) == (NEW_OWNER, 1, 1)
        assert item(dynamodb, TABLE, f"WS#{client_id}", f"MEMBER#{OWNER_SUB}") is None
        assert item(dynamodb, TABLE, f"WS#{client_id}", "MEMBER_EMAIL#owner@example.com") is None
        owner = item(dynamodb, TABLE, f"WS#{client_id}", f"MEMBER#{NEW_OWNER}")
        assert (owner["role"], owner.get("via")) == ("owner", None)
        assert item(dynamodb, TABLE, f"WS#{client_id}", f"MEMBER_EMAIL#{NEW_OWNER}@example.com")
        (handed,) = events_of(dynamodb, client_id, "OwnershipTransferred")
        assert handed["actor"] == {"type": "system", "id": "client-access", "via": AGENCY}
        assert (handed["data"]["fromUserId"], handed["data"]["toUserId"]) == (OWNER_SUB, NEW_OWNER)
        (removed,) = events_of(dynamodb, client_id, "MemberRemoved")
        assert removed["data"]["userId"] == OWNER_SUB
    assert my_workspaces(functions, NEW_OWNER) == {
        AGENCY: "owner",
        client: "owner",
        second: "owner",
    }
    assert my_workspaces(functions, OWNER_SUB) == {AGENCY: "admin"}
    # Delivered again (or late, after a later transfer), it finds nothing more to do.
    assert follow_the_agency(functions, dynamodb) == {"handedOver": 0}


def test_the_clients_follow_the_agencys_owner_now_not_the_events(functions, client, dynamodb):
    """Two transfers, their events delivered late and in the wrong order: the clients end
    with whoever owns the agency now."""
    hand_agency_to(functions)
    request = sample_event(
        "ownership/request-transfer.json",
        caller=user(NEW_OWNER),
        body={"newOwnerId": OWNER_SUB, "confirmName": "Acme Agency"},
    )
    assert functions.call("OwnershipFunction", request).status == 202
    accept = sample_event("ownership/accept-transfer.json", caller=OWNER)
    assert functions.call("OwnershipFunction", accept).status == 200
    first, second = events_of(dynamodb, AGENCY, "OwnershipTransferred")
    assert client_access(functions, as_bus_event(second)) == {"handedOver": 0}
    assert client_access(functions, as_bus_event(first)) == {"handedOver": 0}
    assert item(dynamodb, TABLE, f"WS#{client}", "META")["ownerId"] == OWNER_SUB
    assert get_workspace(functions, client, OWNER_SUB).body["role"] == "owner"
    assert get_workspace(functions, client, NEW_OWNER).status == 404


def test_the_agencys_owner_cannot_be_assigned_to_its_clients(functions, client):
    assert assign(functions, client, user_id=OWNER_SUB, who="ada").code == "ALREADY_A_MEMBER"


def test_the_clients_list_shows_the_callers_role_as_their_workspaces_do(functions, client, store):
    second = create_client(functions, name="Law Firm").body["workspaceId"]
    assert assign(functions, client, role="viewer").status == 200
    listed = {c["workspaceId"]: c["role"] for c in list_clients(functions).body["items"]}
    assert listed == {client: "owner", second: "owner"}
    assert {k: my_workspaces(functions, None)[k] for k in listed} == listed
    by_admin = {c["workspaceId"]: c["role"] for c in list_clients(functions, "ada").body["items"]}
    assert by_admin == {client: None, second: None}
    assert assign(functions, second, user_id="ada", who="ada").status == 200
    by_admin = {c["workspaceId"]: c["role"] for c in list_clients(functions, "ada").body["items"]}
    assert by_admin == {client: None, second: "admin"}
    assert my_workspaces(functions, "ada") == {AGENCY: "admin", second: "admin"}


def test_deleting_a_client_racing_the_agencys_transfer_cannot_both_happen(
    functions, client, dynamodb
):
    """The old owner deletes the client while the agency changes hands: the deletion
    re-checks the agency membership it relied on, so it fails if the transfer is first."""
    request = sample_event(
        "ownership/request-transfer.json",
        body={"newOwnerId": NEW_OWNER, "confirmName": "Acme Agency"},
    )
    assert functions.call("OwnershipFunction", request).status == 202
    accept = sample_event("ownership/accept-transfer.json", caller=user(NEW_OWNER))
    db = wiring.dynamodb_client()
    with first_goes_second(
        db, "TransactWriteItems", lambda: functions.call("OwnershipFunction", accept)
    ) as transfer:
        deletion = delete_client(functions, client, OWNER_SUB)
    assert transfer[0].status == 200
    assert (deletion.status, deletion.code) == (409, "VERSION_CONFLICT")
    assert item(dynamodb, TABLE, f"WS#{client}", "META")["status"] == "ACTIVE"


def test_a_handed_over_client_sends_no_mail_of_its_own(functions, client, dynamodb):
    hand_agency_to(functions)
    follow_the_agency(functions, dynamodb)
    (handed,) = events_of(dynamodb, client, "OwnershipTransferred")
    spec = TEMPLATE.functions()["MailerFunction"]
    report = load_module(spec).lambda_handler(as_bus_event(handed), LambdaContext(spec.logical_id))
    assert report == {"eventId": handed["eventId"], "sent": 0}
