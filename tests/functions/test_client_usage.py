"""Usage across clients on moto, through the billing function's entry point: the
platform's `MinutesUsed` reports added up per client and budget period (a calendar month,
UTC), each `usageId` once however often and however concurrently it is delivered; the
agency's clients list showing `minutesUsed` beside `minuteBudget` in a read that does not
grow with the page; `MinuteBudgetThresholdReached` at 80% and 100%, once each per period,
written with the count."""

from __future__ import annotations

from typing import Any

import pytest

from teamspace import wiring
from teamspace.core.errors import Contention, InvalidInput
from teamspace.core.retry import POLICY
from tests.functions.chain_helpers import first_goes_second
from tests.support import TEMPLATE, Team, billing_request, item, outbox_events
from tests.support.calls import dynamodb_calls
from tests.support.clients import (
    AGENCY,
    create_client,
    list_clients,
    set_budget,
    update_settings,
)
from tests.support.faults import injected

TABLE = TEMPLATE.table_name()
BUDGET = 1_000
THRESHOLD = "MinuteBudgetThresholdReached"


def used(
    functions, client_id: str, minutes: int, usage_id: str, bus_id: str | None = None, **more: Any
) -> str:
    """One delivery of a `MinutesUsed` report to the billing function; its outcome
    ("counted", "duplicate", "no_client"). The bus event's id follows the report unless
    given: EventBridge redelivering one event keeps its id, the platform sending a
    report twice makes two."""
    event = billing_request(
        "MinutesUsed",
        client_id,
        bus_id or f"bus-{usage_id}-{minutes}",
        minutes=minutes,
        usageId=usage_id,
        **more,
    )
    return functions.invoke("BillingFunction", event)["outcome"]


def announced(dynamodb) -> list[tuple[str, str, int]]:
    """(workspace, client, percent) of every threshold announced, in order."""
    return [
        (e["workspaceId"], e["data"]["clientId"], e["data"]["percent"])
        for e in outbox_events(dynamodb, TABLE)
        if e["detailType"] == THRESHOLD
    ]


def minutes_used(functions) -> dict[str, int]:
    reply = list_clients(functions)
    assert reply.status == 200, reply.body
    return {c["workspaceId"]: c["minutesUsed"] for c in reply.body["items"]}


@pytest.fixture
def client(functions, store, clock, ids, worlds) -> str:
    """An agency with a pool of 10,000 minutes, an admin (ada), and a client with a budget
    of 1,000 (built once per module)."""

    def build() -> str:
        Team.create(functions, store, clock, "Acme Agency", "agency").add("ada", "admin")
        assert update_settings(functions, {"minutePool": 10_000}).status == 200
        reply = create_client(functions, minuteBudget=BUDGET)
        assert reply.status == 201, reply.body
        return reply.body["workspaceId"]

    return worlds.once("usage-client", clock, ids, build)


def test_reports_add_up_and_the_list_shows_them_beside_the_budget(functions, client):
    other = create_client(functions, name="Law Firm", minuteBudget=500).body["workspaceId"]
    assert used(functions, client, 120, "u-1") == "counted"
    used(functions, client, 30, "u-2")
    used(functions, other, 7, "u-1")  # the same usage id at another client is its own
    page = list_clients(functions).body
    shown = {c["workspaceId"]: (c["minutesUsed"], c["minuteBudget"]) for c in page["items"]}
    assert shown == {client: (150, BUDGET), other: (7, 500)}
    assert page["usagePeriod"] == "2026-11"


def test_a_client_with_no_report_has_used_nothing(functions, client):
    assert minutes_used(functions) == {client: 0}


def test_each_report_is_counted_once_however_often_it_comes(functions, client, dynamodb):
    assert used(functions, client, 850, "u-1", bus_id="bus-1") == "counted"
    assert used(functions, client, 850, "u-1", bus_id="bus-1") == "duplicate"  # redelivered
    assert used(functions, client, 850, "u-1", bus_id="bus-2") == "duplicate"  # sent twice
    assert minutes_used(functions) == {client: 850}
    assert announced(dynamodb) == [(AGENCY, client, 80)]
    # Even with another amount, the id was counted.
    assert used(functions, client, 5, "u-1") == "duplicate"
    assert minutes_used(functions) == {client: 850}


def test_thresholds_are_announced_to_the_agency_once_each(functions, client, dynamodb):
    used(functions, client, 799, "u-1")
    assert announced(dynamodb) == []
    used(functions, client, 1, "u-2")  # 800 of 1,000: exactly 80%
    used(functions, client, 100, "u-3")
    assert announced(dynamodb) == [(AGENCY, client, 80)]
    used(functions, client, 100, "u-4")  # 1,000: the whole budget
    used(functions, client, 500, "u-5")  # past it: nothing new to say
    assert announced(dynamodb) == [(AGENCY, client, 80), (AGENCY, client, 100)]
    (full,) = [e for e in outbox_events(dynamodb, TABLE) if e["data"].get("percent") == 100]
    assert full["actor"] == {"type": "system", "id": "billing"}
    assert full["data"] == {
        "clientId": client,
        "percent": 100,
        "minutesUsed": 1_000,
        "minuteBudget": BUDGET,
        "period": "2026-11",
    }


def test_one_report_past_both_thresholds_announces_both_once(functions, client, dynamodb):
    used(functions, client, 1_200, "u-1")
    assert announced(dynamodb) == [(AGENCY, client, 80), (AGENCY, client, 100)]
    used(functions, client, 10, "u-2")
    assert announced(dynamodb) == [(AGENCY, client, 80), (AGENCY, client, 100)]


def test_a_new_month_starts_from_zero_with_its_thresholds_again(functions, client, clock, dynamodb):
    used(functions, client, 900, "u-1")
    clock.advance(days=9)  # 2026-12-01
    assert minutes_used(functions) == {client: 0}
    assert list_clients(functions).body["usagePeriod"] == "2026-12"
    used(functions, client, 850, "u-2")
    assert minutes_used(functions) == {client: 850}
    assert announced(dynamodb) == [(AGENCY, client, 80), (AGENCY, client, 80)]
    assert item(dynamodb, TABLE, f"USAGE#{client}", "PERIOD#2026-11")["minutes"] == 900


def test_the_count_is_kept_off_the_workspace_item(functions, client, dynamodb):
    before = item(dynamodb, TABLE, f"WS#{client}", "META")
    used(functions, client, 900, "u-1")
    assert item(dynamodb, TABLE, f"WS#{client}", "META") == before
    assert item(dynamodb, TABLE, f"WS#{AGENCY}", "META")["minutesAssigned"] == BUDGET


def test_a_lowered_budget_applies_to_the_next_report(functions, client, dynamodb):
    used(functions, client, 500, "u-1")
    assert set_budget(functions, client, 600).status == 200
    used(functions, client, 1, "u-2")  # 501 of 600: past 80%
    assert announced(dynamodb) == [(AGENCY, client, 80)]


def test_a_suspended_client_s_minutes_still_count(functions, client, dynamodb):
    suspend = billing_request("WorkspaceSuspensionRequested", client, "bus-suspend")
    assert functions.invoke("BillingFunction", suspend)["outcome"] == "changed"
    assert used(functions, client, 40, "u-1") == "counted"
    assert item(dynamodb, TABLE, f"USAGE#{client}", "PERIOD#2026-11")["minutes"] == 40


def test_two_deliveries_of_one_report_racing_count_it_once(functions, client, dynamodb):
    db = wiring.dynamodb_client()
    with first_goes_second(
        db, "TransactWriteItems", lambda: used(functions, client, 900, "u-1", bus_id="bus-1")
    ) as first:
        second = used(functions, client, 900, "u-1", bus_id="bus-2")
    assert (first[0], second) == ("counted", "duplicate")
    assert minutes_used(functions) == {client: 900}
    assert announced(dynamodb) == [(AGENCY, client, 80)]


def test_two_reports_racing_both_count_and_a_threshold_is_announced_once(
    functions, client, dynamodb
):
    used(functions, client, 700, "u-0")
    db = wiring.dynamodb_client()
    with first_goes_second(
        db, "TransactWriteItems", lambda: used(functions, client, 100, "u-1")
    ) as first:
        second = used(functions, client, 100, "u-2")  # read 700, runs again on 800
    assert (first[0], second) == ("counted", "counted")
    assert minutes_used(functions) == {client: 900}
    assert announced(dynamodb) == [(AGENCY, client, 80)]
    (reached,) = [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == THRESHOLD]
    assert reached["data"]["minutesUsed"] == 800  # announced by the report that got there


def test_a_conflict_runs_the_report_again_and_counts_it_once(functions, client, dynamodb):
    with injected("conflict=1,limit=2,only=TransactWriteItems") as injector:
        assert used(functions, client, 800, "u-1") == "counted"
    assert injector.total() == 2
    assert minutes_used(functions) == {client: 800}
    assert announced(dynamodb) == [(AGENCY, client, 80)]


def test_a_spent_budget_leaves_nothing_and_the_redelivery_counts(functions, client, dynamodb):
    with injected("conflict=1,only=TransactWriteItems") as injector, pytest.raises(Contention):
        used(functions, client, 800, "u-1")
    assert injector.total() == POLICY.attempts
    assert item(dynamodb, TABLE, f"USAGE#{client}", "PERIOD#2026-11") is None
    assert item(dynamodb, TABLE, f"USED#{client}#u-1", "USED") is None
    assert announced(dynamodb) == []
    # EventBridge's retry delivers the same event again.
    assert used(functions, client, 800, "u-1") == "counted"
    assert announced(dynamodb) == [(AGENCY, client, 80)]


@pytest.mark.parametrize(
    "workspace",
    ["ws_00000000000000000000000009", AGENCY],  # an agency is no client
    ids=["unknown workspace", "not a client"],
)
def test_minutes_of_no_client_are_counted_nowhere(functions, client, dynamodb, workspace):
    assert used(functions, workspace, 5, "u-1") == "no_client"
    assert item(dynamodb, TABLE, f"USED#{workspace}#u-1", "USED") is None
    assert item(dynamodb, TABLE, f"USAGE#{workspace}", "PERIOD#2026-11") is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -3}, "minutes"),
        ({"minutes": "12"}, "minutes"),
        ({"minutes": 1.5}, "minutes"),
        ({"minutes": 1_000_001}, "minutes"),
        ({"usageId": ""}, "usageId"),
        ({"usageId": "a#b"}, "usageId"),
        ({"usageId": None}, "usageId"),
        ({"workspaceId": "WS#x"}, "workspaceId"),
    ],
)
def test_a_malformed_report_is_refused_whole(functions, client, dynamodb, change, field):
    event = billing_request("MinutesUsed", client, "bus-bad", minutes=5, usageId="u-1")
    event["detail"].update(change)
    with pytest.raises(InvalidInput) as refused:
        functions.invoke("BillingFunction", event)
    assert refused.value.code == "INVALID_MINUTES_USED"
    assert field in refused.value.detail
    assert item(dynamodb, TABLE, f"USAGE#{client}", "PERIOD#2026-11") is None


@pytest.mark.parametrize(
    ("who", "reads"),
    [
        (None, {"BatchGetItem": 2, "Query": 1}),  # the caller, the page, its totals
        ("ada", {"BatchGetItem": 3, "Query": 1}),  # and the admin's roles in the page
    ],
    ids=["the agency's owner", "an admin"],
)
def test_the_agency_reads_its_clients_totals_in_one_read_per_page(functions, client, who, reads):
    def calls_of_a_page() -> dict[str, int]:
        with dynamodb_calls() as calls:
            reply = list_clients(functions, who)
        assert reply.status == 200
        return dict(calls)

    one = calls_of_a_page()
    for n in range(12):
        create_client(functions, name=f"Client {n}", minuteBudget=100)
        used(functions, client, 1, f"u-{n}")
    many = calls_of_a_page()
    page = list_clients(functions, who).body["items"]
    assert (len(page), sum(c["minutesUsed"] for c in page)) == (13, 12)
    assert one == many == reads
