"""The audit pipeline as AWS runs it, many workspaces at once: events through the
template's rule onto the template's audit queue, drained by consumers running
concurrently (each its own execution environment), appends racing each other on moto
where each request is atomic and nothing else is serialised. Whatever the order, the
duplicates and the lost races, every chain holds each of its events once, gapless, and
verifies; and a chain that keeps losing its races holds back no other workspace."""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest

from local_runtime.lambdas import LambdaContext, load_module
from local_runtime.moto_tuning import narrow_transaction_backups, one_request_at_a_time
from teamspace import wiring
from tests.functions.chain_helpers import CallLog, hooked
from tests.support.audit import (
    CONSUMER,
    AuditQueue,
    assert_chains_whole,
    chain,
    consume_concurrently,
    consumer_batch,
    member_updated,
    numbered_workspace,
)
from tests.support.faults import injected

WORKSPACES = 30
EVENTS_PER_WORKSPACE = 20
CONSUMERS = 4


@pytest.fixture
def appends(functions, monkeypatch) -> None:
    """moto, each request atomic (several threads call it) and its transactions backing
    up only what they touch (the chains grow to 1,800 items)."""
    one_request_at_a_time(monkeypatch.setattr)
    narrow_transaction_backups(monkeypatch.setattr)


def test_many_workspaces_at_once_each_chain_has_each_event_once_gapless(appends, dynamodb):
    """30 workspaces x 20 events, one in four delivered twice (EventBridge and the
    publisher deliver at least once), all shuffled, drained by 4 concurrent consumers."""
    expected = {numbered_workspace(w): set() for w in range(WORKSPACES)}
    deliveries = []
    for w in range(WORKSPACES):
        for n in range(EVENTS_PER_WORKSPACE):
            made = member_updated(numbered_workspace(w), n)
            expected[numbered_workspace(w)].add(made["detail"]["eventId"])
            deliveries += [made, made] if n % 4 == 0 else [made]
    random.Random(19).shuffle(deliveries)

    log = CallLog(wiring.dynamodb_client(), "TransactWriteItems")
    with log.recording(), injected("conflict=0.2,seed=19") as injector:
        run = consume_concurrently(deliveries, consumers=CONSUMERS)

    assert injector.total("conflict") > 0
    # Each lost race, injected or real, is retried within the append's budget: nothing
    # needed the queue to deliver it again.
    assert run.reported_failed == 0
    assert run.messages == len(deliveries)
    assert_chains_whole(dynamodb, expected)
    lost = log.error_codes("TransactWriteItems").count("TransactionCanceledException")
    assert lost > 0, "no append lost a race: the consumers never ran concurrently"


def test_a_chain_that_keeps_losing_its_races_holds_back_no_other_workspace(appends, dynamodb):
    """Through the template's rule and queue: while another writer extends workspace A's
    chain before each of this consumer's appends to it, A's records spend their budget
    and are reported failed, and B's, in the same batch, land; A's come back and land."""
    a, b = numbered_workspace(1), numbered_workspace(2)
    queue = AuditQueue()
    queue.publish(
        [member_updated(a, 1), member_updated(b, 1), member_updated(b, 2), member_updated(b, 3)]
    )
    records = queue.receive()
    assert len(records) == 4
    competitor = load_module(CONSUMER, "competitor").lambda_handler
    competing = itertools.count(100)
    client = wiring.dynamodb_client()

    def another_writer_first(params: dict[str, Any], **_: Any) -> None:
        [first, *_] = params["TransactItems"]
        if first["Put"]["Item"]["PK"]["S"] != f"AUDIT#{a}" or competing_now:
            return
        competing_now.append(True)
        try:
            body = json.dumps(member_updated(a, next(competing)))
            batch = {"Records": consumer_batch([body], delivery=next(competing))}
            assert competitor(batch, LambdaContext("competitor")) == {"batchItemFailures": []}
        finally:
            competing_now.clear()

    competing_now: list[bool] = []
    with hooked(client, "before-parameter-build.dynamodb.TransactWriteItems", another_writer_first):
        result = load_module(CONSUMER).lambda_handler(
            {"Records": records}, LambdaContext(CONSUMER.logical_id)
        )
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    workspaces = {r["messageId"]: json.loads(r["body"])["detail"]["workspaceId"] for r in records}
    assert {workspaces[m] for m in failed} == {a}
    assert len(failed) == 1
    assert [r["eventId"] for r in chain(dynamodb, b)] == [
        member_updated(b, n)["detail"]["eventId"] for n in (1, 2, 3)
    ]
    raced = {r["eventId"] for r in chain(dynamodb, a)}
    assert raced  # the other writer's records
    assert member_updated(a, 1)["detail"]["eventId"] not in raced

    queue.delete(records, failed)
    again = queue.receive()
    assert {r["messageId"] for r in again} == failed
    assert load_module(CONSUMER).lambda_handler(
        {"Records": again}, LambdaContext(CONSUMER.logical_id)
    ) == {"batchItemFailures": []}
    assert_chains_whole(
        dynamodb,
        {
            a: raced | {member_updated(a, 1)["detail"]["eventId"]},
            b: {member_updated(b, n)["detail"]["eventId"] for n in (1, 2, 3)},
        },
    )
