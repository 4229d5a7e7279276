"""What a suspension (the billing service's, through the billing function) does beyond
the routes of the workspace (those are in test_isolation.py): its keys at the
authorizer, its invitations, the expiry job, the caller's list of workspaces and an
agency's list of clients; and that reactivation gives everything back as it was."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from teamspace import wiring
from teamspace.core.clock import iso
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    EVENTS,
    OWNER_SUB,
    REACTIVATE,
    SAMPLE_WORKSPACE,
    SUSPEND,
    TEMPLATE,
    Team,
    answer_link,
    as_bus_event,
    billing,
    item,
    key_check_event,
    outbox_events,
    preview_link,
    sample_event,
    seed_member,
    token_of,
    user,
)

TABLE = TEMPLATE.table_name()
INVITEE = user("ivy", "ivy@example.com")


@pytest.fixture
def team(functions, store, clock, ids, worlds) -> dict[str, Any]:
    """The sample workspace with a member, a pending invitation to ivy (its link) and an
    admin key (the key itself), built once per module."""

    def build() -> dict[str, Any]:
        team = Team.create(functions, store, clock)
        team.add("mo", "member")
        link = token_of(team.invite(INVITEE["email"], "member"))
        made = sample_event("api_keys/create-api-key.json", body={"name": "CRM", "role": "admin"})
        key = functions.call("ApiKeysFunction", made)
        assert key.status == 201, key.body
        return {"token": link, "key": key.body["key"]}

    return worlds.once("suspension_team", clock, ids, build)


def suspend(functions, event_id: str = "req-1") -> None:
    assert billing(functions, SUSPEND, SAMPLE_WORKSPACE, event_id)["outcome"] == "changed"


def reactivate(functions, event_id: str = "req-2") -> None:
    assert billing(functions, REACTIVATE, SAMPLE_WORKSPACE, event_id)["outcome"] == "changed"


def authorizer(functions, key: str) -> dict[str, Any]:
    event = key_check_event(key, SAMPLE_WORKSPACE, "GET /v1/workspaces/{workspaceId}")
    return functions.invoke("ApiKeyAuthorizerFunction", event)


def workspace_counters(dynamodb) -> tuple[int, int]:
    found = item(dynamodb, TABLE, f"WS#{SAMPLE_WORKSPACE}", "META")
    return found["pendingInvites"], found["seatsUsed"]


def test_the_authorizer_refuses_a_suspended_workspaces_keys_until_it_is_reactivated(
    functions, team
):
    assert authorizer(functions, team["key"])["isAuthorized"] is True
    suspend(functions)
    assert authorizer(functions, team["key"]) == {"isAuthorized": False}
    reactivate(functions)
    assert authorizer(functions, team["key"])["isAuthorized"] is True


def test_its_invitations_cannot_be_accepted_while_suspended(functions, team, dynamodb):
    suspend(functions)
    refused = answer_link(functions, "accept", team["token"], INVITEE)
    assert (refused.status, refused.code) == (403, "WORKSPACE_SUSPENDED")
    assert refused.headers["content-type"] == "application/problem+json"
    reactivate(functions)
    assert answer_link(functions, "accept", team["token"], INVITEE).status == 200


def test_its_invitation_links_still_preview_and_may_be_declined(functions, team, dynamodb):
    """The preview says nothing of the workspace's standing (docs/decisions.md,
    "Suspension"): the link stays good, and works once the workspace is active again.
    Declining takes nothing from the workspace, and frees the seat."""
    suspend(functions)
    preview = preview_link(functions, team["token"])
    assert (preview.status, preview.body["status"]) == (200, "pending")
    pending, seats = workspace_counters(dynamodb)
    assert answer_link(functions, "decline", team["token"], INVITEE).status == 204
    assert workspace_counters(dynamodb) == (pending - 1, seats - 1)


def test_the_expiry_job_still_runs_in_a_suspended_workspace(functions, team, dynamodb, clock):
    """Its due invitations expire, and their seats come back: the counters stay true for
    when it is reactivated."""
    suspend(functions)
    pending, seats = workspace_counters(dynamodb)
    scheduled = json.loads((EVENTS / "invitation_expiry/scheduled.json").read_text())
    later = clock.now() + timedelta(days=30)
    report = functions.invoke("InvitationExpiryFunction", {**scheduled, "time": iso(later)})
    assert report["expired"] == 1, report
    assert workspace_counters(dynamodb) == (pending - 1, seats - 1)
    reactivate(functions)
    refused = answer_link(functions, "accept", team["token"], INVITEE)
    assert (refused.status, refused.code) == (410, "INVITATION_EXPIRED")


def test_the_callers_workspaces_show_the_suspension(functions, team):
    listed = sample_event("workspaces/list-workspaces.json", caller=user("mo"))
    suspend(functions)
    [shown] = functions.call("WorkspacesFunction", listed).body["items"]
    assert (shown["workspaceId"], shown["status"]) == (SAMPLE_WORKSPACE, "SUSPENDED")
    reactivate(functions)
    [shown] = functions.call("WorkspacesFunction", listed).body["items"]
    assert shown["status"] == "ACTIVE"


@pytest.fixture
def agency(functions, store, clock, ids, worlds) -> dict[str, str]:
    """An agency (the sample workspace) with a pool of minutes, a client with a budget,
    and a developer of the agency assigned to it; built once per module."""

    def build() -> dict[str, str]:
        team = Team.create(functions, store, clock, "Acme Agency", "agency")
        team.add("dev", "developer")
        pool = sample_event(
            "workspaces/update-workspace.json", body={"settings": {"minutePool": 100}}
        )
        assert functions.call("WorkspacesFunction", pool).status == 200
        made = sample_event(
            "workspaces/create-client.json", body={"name": "Dental Clinic", "minuteBudget": 10}
        )
        client = functions.call("WorkspacesFunction", made)
        assert client.status == 201, client.body
        client_id = client.body["workspaceId"]
        assign = sample_event(
            "workspaces/assign-to-client.json", path={"clientId": client_id, "userId": "dev"}
        )
        assert functions.call("WorkspacesFunction", assign).status in (200, 201)
        return {"agency": team.workspace_id, "client": client_id}

    return worlds.once("suspension_agency", clock, ids, build)


def test_an_agency_lists_a_suspended_client_with_its_status(functions, agency):
    assert billing(functions, SUSPEND, agency["client"], "req-1")["outcome"] == "changed"
    listed = functions.call("WorkspacesFunction", sample_event("workspaces/list-clients.json"))
    [client] = listed.body["items"]
    assert (client["workspaceId"], client["status"]) == (agency["client"], "SUSPENDED")


def test_the_agency_cannot_change_a_suspended_client_but_may_withdraw_its_staff(functions, agency):
    assert billing(functions, SUSPEND, agency["client"], "req-1")["outcome"] == "changed"
    budget = sample_event(
        "workspaces/set-client-budget.json",
        path={"clientId": agency["client"]},
        body={"minuteBudget": 20},
    )
    refused = functions.call("WorkspacesFunction", budget)
    assert (refused.status, refused.code) == (403, "WORKSPACE_SUSPENDED")
    unassign = sample_event(
        "workspaces/unassign-from-client.json", path={"clientId": agency["client"], "userId": "dev"}
    )
    assert functions.call("WorkspacesFunction", unassign).status == 204


def test_a_suspended_client_still_follows_its_agencys_new_owner(functions, agency, dynamodb):
    """The agency changes hands while its client is suspended: the client_access consumer
    hands the client over all the same (its items follow the agency whatever its standing)."""
    assert billing(functions, SUSPEND, agency["client"], "req-1")["outcome"] == "changed"
    request = sample_event(
        "ownership/request-transfer.json", body={"newOwnerId": "dev", "confirmName": "Acme Agency"}
    )
    assert functions.call("OwnershipFunction", request).status == 202
    accept = sample_event("ownership/accept-transfer.json", caller=user("dev"))
    assert functions.call("OwnershipFunction", accept).status == 200
    [moved] = [
        e
        for e in outbox_events(dynamodb, TABLE)
        if e["detailType"] == "OwnershipTransferred" and e["workspaceId"] == agency["agency"]
    ]
    assert functions.invoke("ClientAccessFunction", as_bus_event(moved)) == {"handedOver": 1}
    client = item(dynamodb, TABLE, f"WS#{agency['client']}", "META")
    assert (client["ownerId"], client["status"]) == ("dev", "SUSPENDED")


@pytest.mark.parametrize("co_owner", [False, True])
def test_a_transfer_racing_the_suspension_does_not_complete(
    functions, team, store, clock, dynamodb, co_owner
):
    """The nominee's accept read the workspace active; the suspension commits before the
    accept's transaction: it fails, offered by the primary owner (the owner field's
    condition) as by a co-owner (whose hand-over writes nothing else of the workspace)."""
    offering = None  # the sample caller: the primary owner
    if co_owner:
        settings = {"settings": {"maxOwners": 2}}
        update = sample_event("workspaces/update-workspace.json", body=settings)
        assert functions.call("WorkspacesFunction", update).status == 200
        seed_member(store, SAMPLE_WORKSPACE, "co", "member", clock.now())
        made = sample_event(
            "roles/change-member-role.json", path={"userId": "co"}, body={"role": "owner"}
        )
        assert functions.call("RolesFunction", made).status == 200
        offering = user("co")
    request = sample_event(
        "ownership/request-transfer.json",
        body={"newOwnerId": "mo", "confirmName": "Acme Voice"},
        caller=offering,
    )
    assert functions.call("OwnershipFunction", request).status == 202
    accept = sample_event("ownership/accept-transfer.json", caller=user("mo"))
    racing = first_goes_second(
        wiring.dynamodb_client(), "TransactWriteItems", lambda: suspend(functions)
    )
    with racing:
        reply = functions.call("OwnershipFunction", accept)
    assert reply.status in (403, 409), reply.body
    workspace = item(dynamodb, TABLE, f"WS#{SAMPLE_WORKSPACE}", "META")
    assert (workspace["ownerId"], workspace["status"]) == (OWNER_SUB, "SUSPENDED")
    assert item(dynamodb, TABLE, f"WS#{SAMPLE_WORKSPACE}", "MEMBER#mo")["role"] == "member"
