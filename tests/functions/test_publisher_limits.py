"""The stream publisher at EventBridge's limits: a PutEvents request carries at most 10
entries and 256 KB, counted as EventBridge counts an entry (UTF-8 bytes, so a character
may be four); an event over 256 KB alone can never be put and is reported, not retried.

moto enforces neither size limit, so the sizes are measured on the wire: a botocore hook
on the publisher's own client reads each request's body as it leaves. The events are
outbox items written with the store's own writer, as a change writes them, larger than
any Teamspace change makes (docs/decisions.md, "Events too large for the bus").
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from teamspace import wiring
from teamspace.core.events import DetailType, EventDetail, OutboxEvent
from teamspace.core.observability import metrics
from teamspace.store.outbox import put_outbox
from tests.functions.chain_helpers import (
    REGION,
    SPECS,
    Chain,
    bus_refusing,
    event_id_of,
    failures,
    hooked,
    is_outbox_insert,
    sequence,
)
from tests.functions.test_event_chain import assert_on_bus_once, expected_events
from tests.support import SAMPLE_WORKSPACE
from tests.support.metrics import emf_documents

KB = 1024
LIMIT = 256 * KB


def wire_size(entry: dict[str, Any]) -> int:
    """An entry's size by the EventBridge user guide ("Calculating PutEvents event entry
    size"), written out here apart from the publisher's own."""
    size = 14 if "Time" in entry else 0
    size += sum(len(entry.get(k, "").encode("utf-8")) for k in ("Source", "DetailType", "Detail"))
    return size + sum(len(r.encode("utf-8")) for r in entry.get("Resources", []))


class Wire:
    """Each PutEvents request as it left the publisher's client: its entries' sizes."""

    def __init__(self) -> None:
        self.requests: list[list[int]] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        entries = json.loads(params["body"])["Entries"]
        self.requests.append([wire_size(e) for e in entries])


@pytest.fixture
def chain(functions, monkeypatch) -> Chain:
    return Chain(monkeypatch)


def padded(text: str, size: int) -> str:
    """`text` repeated to about `size` bytes of UTF-8."""
    return text * (size // len(text.encode("utf-8")))


def write_events(store, clock, paddings: list[str]) -> list[str]:
    """One WorkspaceUpdated outbox item per padding (its `data.note`), each in its own
    transaction as a change writes it; their event ids, in order."""
    ids = []
    for n, note in enumerate(paddings):
        detail = EventDetail(
            eventId=f"evt-big-{n:03d}",
            occurredAt="2026-11-30T10:00:00Z",
            workspaceId=SAMPLE_WORKSPACE,
            actor={"type": "system", "id": "test"},
            data={"note": note},
        )
        store.commit(
            [
                put_outbox(
                    OutboxEvent(detail_type=DetailType.WORKSPACE_UPDATED, detail=detail),
                    clock.now(),
                )
            ]
        )
        ids.append(detail.eventId)
    return ids


def test_events_are_put_in_requests_of_at_most_256_kb_as_eventbridge_counts_them(
    functions, chain, store, clock
):
    # 70 KB of ASCII, 70 KB of 2-byte and 4-byte characters (a third and a quarter of
    # the characters a count by characters sees), and small ones between them.
    paddings = [
        padded("a", 70 * KB),
        padded("é", 70 * KB),
        padded("🙂", 70 * KB),
        "small",
        padded("漢", 70 * KB),
        padded("🙂", 70 * KB),
        padded("a", 120 * KB),
        padded("é", 130 * KB),
        "small",
        padded("🙂", 250 * KB),
        *["small"] * 12,
    ]
    write_events(store, clock, paddings)
    records = chain.stream_records()
    expected = expected_events(records)
    assert len(expected) == len(paddings)
    wire = Wire()
    with hooked(chain.events, "before-call.events.PutEvents", wire):
        response = chain.publish(records)

    assert failures(response) == []
    totals = [sum(sizes) for sizes in wire.requests]
    assert all(total <= LIMIT for total in totals), totals
    assert all(len(sizes) <= 10 for sizes in wire.requests), wire.requests
    assert sum(len(sizes) for sizes in wire.requests) == len(paddings)
    # Greedy, in stream order: ten by count alone would have sent over 900 KB at once.
    assert [len(sizes) for sizes in wire.requests] == [4, 2, 3, 10, 3], wire.requests
    assert sum(sorted(size for sizes in wire.requests for size in sizes)[-10:]) > 3 * LIMIT
    assert_on_bus_once(chain.bus(), expected)


def test_a_refused_entry_of_a_split_request_is_retried_alone(functions, chain, store, clock):
    ids = write_events(store, clock, [padded("🙂", 100 * KB) for _ in range(5)])
    records = chain.stream_records()
    refuse = {ids[1], ids[2]}  # one in each of the first two requests

    with bus_refusing(chain.events, refuse) as sent:
        response = chain.publish(records)
    failed = failures(response)
    inserts = {event_id_of(r): sequence(r) for r in records if is_outbox_insert(r)}
    assert sorted(failed) == sorted(inserts[i] for i in refuse)
    assert sent == [2, 2, 1]  # 200 KB, 200 KB, 100 KB

    retry = chain.publish([r for r in records if sequence(r) in set(failed)])
    assert failures(retry) == []
    chain.bus()
    assert_on_bus_once(chain.on_bus, expected_events(records))


def dead_letters() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = SPECS["EventPublisherFunction"].environment["PUBLISHER_DLQ_URL"]
    found = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])
    return [
        {"reason": m["MessageAttributes"]["reason"]["StringValue"], **json.loads(m["Body"])}
        for m in found
    ]


def test_an_event_over_256_kb_is_reported_loudly_and_the_stream_moves_on(
    functions, chain, store, clock, capsys, caplog
):
    metrics.clear_metrics()
    # 70,000 four-byte characters: 280 KB on the bus, though 70,000 characters.
    ids = write_events(store, clock, ["before", padded("🙂", 280 * KB), "after"])
    records = chain.stream_records()
    wire = Wire()
    with hooked(chain.events, "before-call.events.PutEvents", wire):
        response = chain.publish(records)

    assert failures(response) == []  # not retried: it would fail every time
    assert [sum(sizes) < LIMIT for sizes in wire.requests] == [True]
    assert sorted(e["detail"]["eventId"] for e in chain.bus()) == [ids[0], ids[2]]
    (letter,) = dead_letters()
    assert letter["reason"] == "event_too_large"
    assert letter["eventId"] == ids[1]
    assert letter["detailType"] == "WorkspaceUpdated"
    assert letter["size"] > LIMIT
    assert letter["outboxKey"] == {"PK": f"OUTBOX#{ids[1]}", "SK": "OUTBOX"}
    assert "🙂" not in json.dumps(letter)  # a reference to the event, not the event
    (logged,) = [r for r in caplog.records if r.getMessage() == "event too large for the bus"]
    assert logged.levelname == "ERROR"
    (counted,) = [d for d in emf_documents(capsys.readouterr().out) if "EventsTooLarge" in d]
    assert counted["EventsTooLarge"] in (1, [1])
    assert counted["detailType"] == "WorkspaceUpdated"


def test_an_event_too_large_is_retried_when_its_report_cannot_be_written(
    functions, chain, store, clock
):
    ids = write_events(store, clock, ["small", padded("a", 300 * KB)])
    records = chain.stream_records()
    too_large = [sequence(r) for r in records if is_outbox_insert(r) and event_id_of(r) == ids[1]]

    def queue_down(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessage"
        )

    with hooked(wiring.sqs_client(), "before-call.sqs.SendMessage", queue_down):
        response = chain.publish(records)
    assert failures(response) == too_large  # Lambda brings it back: reported next time
    assert dead_letters() == []
    assert [e["detail"]["eventId"] for e in chain.bus()] == [ids[0]]
