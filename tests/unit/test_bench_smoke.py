"""`make bench` in miniature: the benchmark's smoke run, in-process, with tiny sizes.

It checks what the published tables rest on, not timings: every route of template.yaml
and every other function has a row, every call's DynamoDB requests were counted with
their names and units, every row above the 2-round-trip target says why (and no reason
is kept for a row within it), reads follow the page in the scaling table, and the
document's tables render.
"""

from __future__ import annotations

import pytest

from bench import reasons, report, scenarios
from bench.run import SMOKE, TABLES, run
from tests.support import TEMPLATE

DYNAMODB_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "TransactWriteItems", "UpdateItem"}


@pytest.fixture(scope="module")
def outcome():
    return run(SMOKE, list(TABLES), command="python -m bench --smoke")


def test_every_route_and_function_has_a_scenario():
    assert scenarios.missing_routes(TEMPLATE) == []
    assert scenarios.missing_consumers(TEMPLATE) == []


def test_every_route_and_consumer_has_a_row_with_counted_requests(outcome):
    rows = {r.scenario.label: r for r in outcome.results}
    routes = {route.route_key for route in TEMPLATE.http_routes()}
    assert routes <= {r.scenario.key for r in outcome.results if r.scenario.kind == "http"}
    http_functions = {route.function for route in TEMPLATE.http_routes()}
    others = set(TEMPLATE.functions()) - http_functions
    assert others <= {r.scenario.function for r in outcome.results if r.scenario.kind == "consumer"}
    for label, result in rows.items():
        for window in result.windows:
            count = window.dynamodb_calls
            assert isinstance(count, int), label
            assert count == len(window.operations), label
            assert set(window.operations) <= DYNAMODB_OPERATIONS, (label, window.operations)
            assert window.rru >= 0, label
            assert window.wru >= 0, label
        if result.scenario.kind == "http":
            assert result.first.dynamodb_calls > 0, label
            assert result.mean("rru") + result.mean("wru") > 0, label
    publisher = rows["EventPublisherFunction (one outbox record)"]
    assert publisher.first.put_events == 1  # the publisher puts events, it does not read
    assert rows["MailerFunction (InvitationCreated)"].first.emails == 1


def test_writes_are_counted_in_units_and_events(outcome):
    rows = {r.scenario.label: r for r in outcome.results}
    invite = rows["POST /v1/workspaces/{workspaceId}/invitations"]
    assert invite.first.operations == ["BatchGetItem", "TransactWriteItems"]
    assert invite.first.events == ["InvitationCreated"]
    assert invite.mean("wru") > invite.mean("rru") > 0
    authorize = rows["POST /v1/workspaces/{workspaceId}/authorize"]
    assert authorize.first.operations == ["BatchGetItem"]
    assert authorize.mean("wru") == 0


def test_every_row_above_the_target_says_why_and_none_within_it_does(outcome):
    assert report.missing_reasons(outcome.results) == []
    assert report.stale_reasons(outcome.results) == []
    assert outcome.problems() == []
    above = {r.scenario.label for r in outcome.results if report.above_target(r)}
    assert above <= set(reasons.REASONS)


def test_routes_brought_down_to_the_target_stay_there(outcome):
    rows = {r.scenario.label: r for r in outcome.results}
    for label in (
        "DELETE /v1/workspaces/{workspaceId}",  # no keys: no Query of them
        "DELETE /v1/workspaces/{workspaceId}/api-keys/{keyId}",  # the key read with the caller
        "GET /v1/workspaces/{workspaceId}/audit-log/verify",  # the head read with the caller
        "GET /v1/invitations/preview",  # the link names its invitation: one read
        "POST /v1/invitations/accept",  # ... and an answer is one read, one transaction
        "POST /v1/invitations/decline",
    ):
        assert max(rows[label].counts()) <= reasons.TARGET, label


def test_reads_follow_the_page_not_the_data(outcome):
    points = {(p.operation, p.size): p for p in outcome.points}
    large = SMOKE.sizes.members[-1]
    for operation in ("list members (page of 50)", "name search `ana` (page of 50)"):
        assert points[(operation, f"{large:,} members")].requests == 2
    first_due, second_due = SMOKE.sizes.due
    pending = SMOKE.sizes.pending
    for due in (first_due, second_due):
        point = points[("expiry job run", f"{pending:,} pending, {due:,} due")]
        assert point.items_read == due  # the due ones, not the pending ones
    for size in SMOKE.sizes.audit:
        page = points[("audit log page (50, newest first)", f"{size:,} records")]
        assert page.items_read <= 50 + 3  # the page (and its one look-ahead) and the read


def test_the_tables_render(outcome):
    text = outcome.markdown(elapsed=1.0)
    for heading in ("### 1.", "### 2.", "### 3.", "### 4.", "### 5."):
        assert heading in text
    for route in TEMPLATE.http_routes():
        assert f"`{route.route_key}`" in text
    assert "no reason given" not in text
    minimal = next(t for t in outcome.targets if t.module == "minimal_handler")
    assert minimal.seconds
    # The cold start's first call ran against the moto server: a GET sample of the function.
    membership = next(t for t in outcome.targets if t.name == "MembershipFunction")
    assert membership.event is not None
    assert membership.event.parent.name == "membership"
    assert '"routeKey": "GET ' in membership.event.read_text()
    assert len(membership.first_call_seconds) == len(membership.seconds) == 1
    assert membership.cold_request_ms > membership.median_ms
    assert [row.operation for row in outcome.costs] == [
        "invite",
        "accept",
        "list members (page of 50)",
        "change role",
        "authorize check",
    ]
    assert all(row.total > 0 for row in outcome.costs)
