"""The audit consumer and the audit function on moto: one record per event, whatever the
deliveries' number and order; a chain that catches any change, removal or insertion;
retention that lets old records go without breaking it; and reads for owners and
admins only."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import random
from dataclasses import replace
from typing import Any

import pytest

from local_runtime.lambdas import LambdaContext, load_module
from teamspace import wiring
from teamspace.core.audit import GENESIS, canonical_json, sealed
from teamspace.store import audit, codec
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    EVENTS,
    OWNER_SUB,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    Team,
    sample_event,
)
from tests.support.audit import CONSUMER, audit_call, chain, deliver, record_key, verify

TABLE = TEMPLATE.table_name()
BUS_SAMPLES = sorted((EVENTS / "bus").glob("*.json"))
AUDIT_PK = f"AUDIT#{SAMPLE_WORKSPACE}"
RETENTION_DAYS = int(CONSUMER.environment["AUDIT_RETENTION_DAYS"])


def bus_event(name: str, **changes: Any) -> dict[str, Any]:
    """A bus sample, with detail fields changed (eventId, workspaceId, ...)."""
    event = json.loads((EVENTS / "bus" / f"{name}.json").read_text())
    event["detail"].update(changes)
    return event


def numbered(n: int, workspace_id: str = SAMPLE_WORKSPACE, kind: str = "MemberUpdated"):
    event = bus_event(kind, workspaceId=workspace_id)
    event["detail"]["eventId"] = f"evt_{workspace_id[-4:]}{n:022d}"
    event["id"] = f"00000000-0000-4000-8000-{n:012d}"
    return event


@pytest.fixture
def workspace(functions, store, clock, ids, worlds) -> None:
    """The sample workspace with an admin (ada) and a viewer (vic), built once per module."""

    def build() -> None:
        team = Team.create(functions, store, clock)
        team.add("ada", "admin")
        team.add("vic", "viewer")

    worlds.once("workspace", clock, ids, build)


# ---- one record per event ------------------------------------------------------------------


@pytest.mark.parametrize("path", BUS_SAMPLES, ids=lambda p: p.stem)
def test_each_kind_of_event_makes_exactly_one_record(functions, dynamodb, path):
    event = json.loads(path.read_text())
    assert deliver(event) == {"batchItemFailures": []}
    assert deliver(event, event) == {"batchItemFailures": []}  # delivered again, twice
    [record] = chain(dynamodb)
    assert record["action"] == event["detail-type"]
    assert record["actor"] == event["detail"]["actor"]
    assert record["eventId"] == event["detail"]["eventId"]
    assert record["occurredAt"] == event["detail"]["occurredAt"]
    assert record["seq"] == 1
    assert record["prevHash"] == GENESIS
    text = json.dumps(record)
    assert "token" not in text.lower()


def test_duplicates_and_any_order_across_workspaces_give_one_gapless_chain_each(
    functions, dynamodb
):
    other = "ws_00000000000000000000000002"
    events = [numbered(n) for n in range(12)] + [numbered(n, other) for n in range(12)]
    deliveries = events * 2
    random.Random(7).shuffle(deliveries)
    for start in range(0, len(deliveries), 10):
        assert deliver(*deliveries[start : start + 10]) == {"batchItemFailures": []}
    for workspace_id in (SAMPLE_WORKSPACE, other):
        records = chain(dynamodb, workspace_id)
        assert [r["seq"] for r in records] == list(range(1, 13))
        assert len({r["eventId"] for r in records}) == 12
        for before, after in itertools.pairwise(records):
            assert after["prevHash"] == before["hash"]


def test_two_writers_racing_on_one_chain_both_land_in_order(functions, dynamodb):
    """A second consumer appends between this one's read of the head and its write."""
    with first_goes_second(
        wiring.dynamodb_client(), "TransactWriteItems", lambda: deliver(numbered(2))
    ) as competitor:
        result = deliver(numbered(1))
    assert competitor[0] == {"batchItemFailures": []}
    assert result == {"batchItemFailures": []}
    records = chain(dynamodb)
    assert [(r["seq"], r["eventId"][-1]) for r in records] == [(1, "2"), (2, "1")]
    assert records[1]["prevHash"] == records[0]["hash"]


# ---- verification --------------------------------------------------------------------------


@pytest.fixture
def logged(functions, workspace, dynamodb, clock, ids, worlds) -> list[dict[str, Any]]:
    """Six records in the sample workspace's chain (built once per module)."""

    def build() -> list[dict[str, Any]]:
        assert deliver(*[numbered(n) for n in range(1, 7)]) == {"batchItemFailures": []}
        assert verify(functions) == {"valid": True, "records": 6, "firstInvalidSeq": None}
        return chain(dynamodb)

    return worlds.once("logged", clock, ids, build)


key = record_key


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("summary", {"M": {"userId": {"S": "someone-else"}}}),
        ("actor", {"M": {"type": {"S": "user"}, "id": {"S": "mallory"}}}),
        ("occurredAt", {"S": "2020-01-01T00:00:00Z"}),
        ("hash", {"S": "f" * 64}),
    ],
)
def test_a_record_changed_in_the_table_is_caught_at_its_seq(
    functions, logged, dynamodb, field, value
):
    dynamodb.update_item(
        TableName=TABLE,
        Key=key(3),
        UpdateExpression="SET #f = :v",
        ExpressionAttributeNames={"#f": field},
        ExpressionAttributeValues={":v": value},
    )
    assert verify(functions) == {"valid": False, "records": 3, "firstInvalidSeq": 3}


def test_a_changed_record_with_its_hash_recomputed_is_caught_at_the_next(
    functions, logged, dynamodb
):
    forged = sealed(replace(audit.record_from_item(logged[2]), summary={"userId": "mallory"}))
    dynamodb.put_item(TableName=TABLE, Item=codec.to_attributes(audit.record_item(forged)))
    assert verify(functions) == {"valid": False, "records": 4, "firstInvalidSeq": 4}


@pytest.mark.parametrize(
    ("removed", "first_invalid", "seen"),
    [([3], 3, 3), ([6], 6, 5), ([5, 6], 5, 4), ([1], 1, 1), ([1, 2], 2, 1)],
    ids=["middle", "last", "tail", "first", "first-two"],
)
def test_a_removed_record_is_caught(functions, logged, dynamodb, removed, first_invalid, seen):
    for seq in removed:
        dynamodb.delete_item(TableName=TABLE, Key=key(seq))
    assert verify(functions) == {"valid": False, "records": seen, "firstInvalidSeq": first_invalid}


def test_retention_lets_the_oldest_records_go_and_the_chain_still_verifies(
    functions, workspace, dynamodb, clock
):
    assert deliver(*[numbered(n) for n in range(1, 4)]) == {"batchItemFailures": []}
    clock.advance(days=RETENTION_DAYS + 1)
    later = [numbered(n) for n in range(4, 6)]
    for event in later:
        event["detail"]["occurredAt"] = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert deliver(*later) == {"batchItemFailures": []}
    records = chain(dynamodb)
    assert [r["ttl"] for r in records][:3] == [records[0]["ttl"]] * 3
    assert all(r["ttl"] <= clock.now().timestamp() for r in records[:3])
    assert all(r["ttl"] > clock.now().timestamp() for r in records[3:])
    for seq in (1, 2, 3):  # what DynamoDB's TTL would do
        dynamodb.delete_item(TableName=TABLE, Key=key(seq))
    assert verify(functions) == {"valid": True, "records": 2, "firstInvalidSeq": None}


def test_records_removed_before_they_were_due_are_caught(functions, logged, dynamodb, clock):
    clock.advance(days=RETENTION_DAYS - 1)
    for seq in (1, 2):
        dynamodb.delete_item(TableName=TABLE, Key=key(seq))
    assert verify(functions)["firstInvalidSeq"] == 2


# ---- reading the log -----------------------------------------------------------------------


def test_the_log_is_newest_first_filtered_and_paged(functions, workspace, clock):
    kinds = ["MemberUpdated", "MemberRoleChanged", "MemberUpdated", "RoleCreated"]
    events = []
    for n, kind in enumerate(kinds, start=1):
        event = numbered(n, kind=kind)
        event["detail"]["occurredAt"] = f"2026-11-2{n}T10:00:00Z"
        if n == 3:
            event["detail"]["actor"] = {"type": "user", "id": "ada"}
        events.append(event)
    assert deliver(*events) == {"batchItemFailures": []}

    def seqs(**query: str) -> list[int]:
        reply = audit_call(functions, "list-audit-log", query=query)
        assert reply.status == 200, reply.body
        return [r["seq"] for r in reply.body["items"]]

    assert seqs() == [4, 3, 2, 1]
    assert seqs(action="MemberUpdated") == [3, 1]
    assert seqs(actor="ada") == [3]
    assert seqs(actor=OWNER_SUB, action="MemberUpdated") == [1]
    assert seqs(**{"from": "2026-11-22T00:00:00Z", "to": "2026-11-23T10:00:00Z"}) == [3, 2]
    assert seqs(**{"from": "2026-11-24T00:00:00Z"}) == [4]
    first = audit_call(functions, "list-audit-log", query={"limit": "3"}).body
    assert [r["seq"] for r in first["items"]] == [4, 3, 2]
    rest = audit_call(
        functions, "list-audit-log", query={"limit": "3", "cursor": first["nextCursor"]}
    ).body
    assert [r["seq"] for r in rest["items"]] == [1]
    assert rest["nextCursor"] is None
    assert set(first["items"][0]) == {
        "seq",
        "eventId",
        "occurredAt",
        "actor",
        "action",
        "target",
        "summary",
        "prevHash",
        "hash",
        "source",
        "formatVersion",
    }


@pytest.mark.parametrize(
    "query",
    [
        {"action": "member-updated"},
        {"from": "yesterday"},
        {"from": "2026-11-22T10:00:00"},
        {"limit": "0"},
    ],
)
def test_bad_log_queries_are_422(functions, workspace, query):
    reply = audit_call(functions, "list-audit-log", query=query)
    assert reply.status == 422
    assert reply.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("who", "status"), [(None, 200), ("ada", 200), ("vic", 403), ("stranger", 404)]
)
def test_only_owners_and_admins_read_the_log(functions, logged, who, status):
    for sample in ("list-audit-log", "verify-audit-log", "export-audit-log"):
        assert audit_call(functions, sample, who).status == status


def export(fmt: str) -> dict[str, Any]:
    event = sample_event("audit/export-audit-log.json", query={"format": fmt})
    module = load_module(TEMPLATE.functions()["AuditFunction"])
    return module.lambda_handler(event, LambdaContext("AuditFunction"))


def test_the_export_as_jsonl_lets_anyone_recompute_the_chain(functions, logged):
    result = export("jsonl")
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in result["body"].splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4, 5, 6]
    for line in lines:
        fields = {k: v for k, v in line.items() if k != "hash"}
        assert hashlib.sha256(canonical_json(fields)).hexdigest() == line["hash"]


def test_the_export_as_csv(functions, logged):
    result = export("csv")
    assert result["statusCode"] == 200
    rows = list(csv.DictReader(io.StringIO(result["body"])))
    assert [int(r["seq"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[1]["prevHash"] == rows[0]["hash"]


def test_a_message_that_fails_is_reported_alone_and_the_rest_of_the_batch_goes_on(
    functions, dynamodb
):
    """A standard queue: no group holds later messages back, its own workspace's
    included; the failed one comes back (SQS) and lands then, wherever the chain is."""
    other = "ws_00000000000000000000000002"
    broken = numbered(1)
    broken["detail"].pop("actor")  # not an event the consumer can record
    batch = [broken, numbered(2), numbered(1, other)]
    result = deliver(*batch)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed == {f"message-0-{broken['detail']['eventId']}"}
    assert [r["eventId"] for r in chain(dynamodb)] == [batch[1]["detail"]["eventId"]]
    assert [r["seq"] for r in chain(dynamodb, other)] == [1]


def test_a_page_reads_about_a_page_whatever_the_size_of_the_log(functions, workspace):
    """60 records; pages of 10, filtered or not, read 11 items (one to know if more
    exist), never the log."""
    events = []
    for n in range(1, 61):
        event = numbered(n, kind="MemberUpdated" if n % 3 else "MemberRoleChanged")
        if n % 2:
            event["detail"]["actor"] = {"type": "user", "id": "ada"}
        events.append(event)
    for start in range(0, len(events), 10):
        assert deliver(*events[start : start + 10]) == {"batchItemFailures": []}
    scanned: list[int] = []

    def count(parsed: dict[str, Any], **_: Any) -> None:
        scanned.append(parsed.get("ScannedCount", 0))

    client = wiring.dynamodb_client()
    client.meta.events.register("after-call.dynamodb.Query", count)
    try:
        for query in ({}, {"actor": "ada"}, {"action": "MemberRoleChanged"}):
            scanned.clear()
            reply = audit_call(functions, "list-audit-log", query={"limit": "10", **query})
            assert len(reply.body["items"]) == 10
            assert scanned == [11], (query, scanned)
    finally:
        client.meta.events.unregister("after-call.dynamodb.Query", count)
