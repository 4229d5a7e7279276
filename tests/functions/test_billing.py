"""The billing function through its real entry point on moto: the billing service's
suspensions and reactivations, each taken once, whatever order and however often the bus
delivers them."""

from __future__ import annotations

from typing import Any

import pytest

from local_runtime.lambdas import load_module
from teamspace import wiring
from teamspace.domain.key_format import parse_key
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    REACTIVATE,
    SAMPLE_WORKSPACE,
    SUSPEND,
    TEMPLATE,
    Team,
    billing_request,
    item,
    outbox_events,
    sample_event,
    user,
)
from tests.support import billing as deliver

TABLE = TEMPLATE.table_name()
BILLING = "BillingFunction"


def billing(
    functions, detail_type: str, event_id: str, workspace: str = SAMPLE_WORKSPACE, **detail: Any
) -> dict[str, str]:
    return deliver(functions, detail_type, workspace, event_id, **detail)


def status_of(dynamodb, workspace: str = SAMPLE_WORKSPACE) -> str:
    return item(dynamodb, TABLE, f"WS#{workspace}", "META")["status"]


def standing_events(dynamodb) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (e["detailType"], e["actor"], e["data"])
        for e in outbox_events(dynamodb, TABLE)
        if e["detailType"] in ("WorkspaceSuspended", "WorkspaceReactivated")
    ]


@pytest.fixture
def team(functions, store, clock, ids, worlds) -> str:
    """The sample workspace, its owner alone in it (built once per module)."""
    return worlds.once(
        "billing_team", clock, ids, lambda: Team.create(functions, store, clock).workspace_id
    )


def test_a_suspension_request_suspends_the_workspace_with_its_event(functions, team, dynamodb):
    answer = billing(functions, SUSPEND, "req-1", reason="payment_failed")
    assert answer == {"detailType": SUSPEND, "outcome": "changed"}
    assert status_of(dynamodb) == "SUSPENDED"
    assert standing_events(dynamodb) == [
        (
            "WorkspaceSuspended",
            {"type": "system", "id": "billing"},
            {"name": "Acme Voice", "reason": "payment_failed"},
        )
    ]


def test_a_request_without_a_reason_is_taken_all_the_same(functions, team, dynamodb):
    event = billing_request(SUSPEND, SAMPLE_WORKSPACE, "req-1")
    del event["detail"]["reason"]
    assert functions.invoke(BILLING, event)["outcome"] == "changed"
    assert status_of(dynamodb) == "SUSPENDED"
    assert standing_events(dynamodb)[0][2] == {"name": "Acme Voice"}


def test_a_reactivation_request_makes_it_active_again(functions, team, dynamodb):
    billing(functions, SUSPEND, "req-1")
    answer = billing(functions, REACTIVATE, "req-2", reason="payment_received")
    assert answer["outcome"] == "changed"
    assert status_of(dynamodb) == "ACTIVE"
    assert [t for t, _, _ in standing_events(dynamodb)] == [
        "WorkspaceSuspended",
        "WorkspaceReactivated",
    ]


def test_reactivating_an_active_workspace_changes_nothing(functions, team, dynamodb):
    assert billing(functions, REACTIVATE, "req-1")["outcome"] == "unchanged"
    assert status_of(dynamodb) == "ACTIVE"
    assert standing_events(dynamodb) == []


def test_a_second_suspension_changes_nothing_more(functions, team, dynamodb):
    billing(functions, SUSPEND, "req-1")
    assert billing(functions, SUSPEND, "req-2")["outcome"] == "unchanged"
    assert len(standing_events(dynamodb)) == 1


def test_a_redelivered_request_is_taken_once(functions, team, dynamodb):
    billing(functions, SUSPEND, "req-1")
    assert billing(functions, SUSPEND, "req-1")["outcome"] == "duplicate"
    assert len(standing_events(dynamodb)) == 1


def test_an_old_request_delivered_again_after_a_newer_one_changes_nothing(
    functions, team, dynamodb
):
    """Suspended, reactivated, then the suspension's retry arrives: it was taken already,
    so the workspace stays active (the marker, not the state, says so)."""
    billing(functions, SUSPEND, "req-1")
    billing(functions, REACTIVATE, "req-2")
    assert billing(functions, SUSPEND, "req-1")["outcome"] == "duplicate"
    assert status_of(dynamodb) == "ACTIVE"
    # ...and the same for a request that changed nothing when first taken.
    billing(functions, SUSPEND, "req-3")
    billing(functions, REACTIVATE, "req-4")
    billing(functions, SUSPEND, "req-5")
    assert billing(functions, REACTIVATE, "req-2")["outcome"] == "duplicate"
    assert billing(functions, REACTIVATE, "req-4")["outcome"] == "duplicate"
    assert status_of(dynamodb) == "SUSPENDED"


def test_a_request_for_no_workspace_changes_nothing(functions, team, dynamodb):
    answer = billing(functions, SUSPEND, "req-1", workspace="ws_00000000000000000000000099")
    assert answer["outcome"] == "no_workspace"
    assert standing_events(dynamodb) == []


def test_a_deleted_workspace_stays_deleted(functions, team, dynamodb):
    assert (
        functions.call(
            "WorkspacesFunction", sample_event("workspaces/delete-workspace.json")
        ).status
        == 204
    )
    assert billing(functions, REACTIVATE, "req-1")["outcome"] == "no_workspace"
    assert billing(functions, SUSPEND, "req-2")["outcome"] == "no_workspace"
    assert status_of(dynamodb) == "DELETED"


def test_a_request_without_a_workspace_fails_for_the_dead_letter_queue(functions, team):
    event = billing_request(SUSPEND, SAMPLE_WORKSPACE, "req-1")
    del event["detail"]["workspaceId"]
    with pytest.raises(KeyError):
        functions.invoke(BILLING, event)


def test_a_detail_type_without_a_handler_fails_for_the_dead_letter_queue(functions, team):
    event = billing_request(SUSPEND, SAMPLE_WORKSPACE, "req-1")
    event["detail-type"] = "SomethingElse"
    with pytest.raises(LookupError, match="SomethingElse"):
        functions.invoke(BILLING, event)


def test_the_workspaces_keys_follow_its_standing(functions, team, dynamodb):
    """Each key's lookup item (what the authorizer reads) carries the workspace's status."""
    event = sample_event("api_keys/create-api-key.json", body={"name": "CRM", "role": "viewer"})
    made = functions.call("ApiKeysFunction", event)
    assert made.status == 201
    lookup = ("APIKEY#" + parse_key(made.body["key"], "test").key_hash, "APIKEY")

    billing(functions, SUSPEND, "req-1")
    assert item(dynamodb, TABLE, *lookup)["workspaceStatus"] == "SUSPENDED"
    billing(functions, REACTIVATE, "req-2")
    assert item(dynamodb, TABLE, *lookup)["workspaceStatus"] == "ACTIVE"


def test_the_rule_takes_the_four_detail_types_from_the_billing_sources():
    events = TEMPLATE.resources[BILLING]["Properties"]["Events"]
    [rule] = [e for e in events.values() if e["Type"] == "EventBridgeRule"]
    pattern = TEMPLATE.resolve(rule["Properties"]["Pattern"])
    assert pattern["source"] == ["platform.billing"]
    assert set(pattern["detail-type"]) == {
        SUSPEND,
        REACTIVATE,
        "WorkspacePlanChanged",
        "MinutesUsed",
    }
    # Every handler's detail-type reaches the function (a handler the rule lacks is dead).
    handlers = load_module(TEMPLATE.functions()[BILLING]).HANDLERS
    assert {SUSPEND, REACTIVATE} <= set(handlers) <= set(pattern["detail-type"])


def test_while_suspended_its_members_read_it_and_nothing_more(functions, team):
    read = sample_event("workspaces/get-workspace.json")
    change = sample_event("workspaces/update-workspace.json", body={"name": "Renamed"})
    billing(functions, SUSPEND, "req-1")
    reply = functions.call("WorkspacesFunction", read)
    assert (reply.status, reply.body["status"]) == (200, "SUSPENDED")
    refused = functions.call("WorkspacesFunction", change)
    assert (refused.status, refused.code) == (403, "WORKSPACE_SUSPENDED")
    stranger = functions.call(
        "WorkspacesFunction", sample_event("workspaces/get-workspace.json", caller=user("eve"))
    )
    assert stranger.status == 404  # to anyone else it is as absent as before

    billing(functions, REACTIVATE, "req-2")
    assert functions.call("WorkspacesFunction", read).body["status"] == "ACTIVE"
    assert functions.call("WorkspacesFunction", change).status == 200


def test_a_request_racing_another_reads_again_and_changes_nothing_twice(functions, team, dynamodb):
    """Another suspension commits between this one's read and its write: the write's
    condition refuses it, the retry reads the workspace suspended, and only the marker
    is written. One WorkspaceSuspended."""
    client = wiring.dynamodb_client()
    with first_goes_second(
        client, "TransactWriteItems", lambda: billing(functions, SUSPEND, "req-b")
    ) as raced:
        answer = billing(functions, SUSPEND, "req-a")
    assert raced == [{"detailType": SUSPEND, "outcome": "changed"}]
    assert answer["outcome"] == "unchanged"
    assert len(standing_events(dynamodb)) == 1
    assert billing(functions, SUSPEND, "req-a")["outcome"] == "duplicate"
