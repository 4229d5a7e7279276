"""The audit chain in function tests: SQS batches through the audit consumer's real entry
point (Teamspace's events and the platform's alike), the chain read back from the
table, and the verify route's answer."""

from __future__ import annotations

import collections
import copy
import hashlib
import itertools
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3

from bench.lean_moto import put_directly
from local_runtime.aws import create_resources, find_queue
from local_runtime.events import put_template_rule, sqs_record
from local_runtime.lambdas import LambdaContext, load_module
from local_runtime.template import ACCOUNT_ID
from teamspace import wiring
from teamspace.core.audit import GENESIS, AuditRecord, sealed
from teamspace.store import codec
from teamspace.store.audit import head_item, record_from_item, record_item
from tests.support.aws import TEMPLATE
from tests.support.events import EVENTS, SAMPLE_WORKSPACE, sample_event, user

CONSUMER = TEMPLATE.functions()["AuditConsumerFunction"]
AUDIT_QUEUE_NAME = TEMPLATE.resolve(TEMPLATE.resources["AuditQueue"]["Properties"])["QueueName"]
AUDIT_QUEUE_ARN = f"arn:aws:sqs:{TEMPLATE.region}:{ACCOUNT_ID}:{AUDIT_QUEUE_NAME}"
SQS_SAMPLE = json.loads((EVENTS / "audit_consumer" / "role-changed.json").read_text())
MEMBER_UPDATED = json.loads((EVENTS / "bus" / "MemberUpdated.json").read_text())
# An event another service put on the bus for the audit log (docs/audit.md), as the
# audit queue hands it to the consumer.
PLATFORM_SAMPLE = json.loads(
    (EVENTS / "audit_consumer" / "platform-agent-updated.json").read_text()
)


def numbered_workspace(n: int) -> str:
    """The id of the n-th of many workspaces (none of them created: Teamspace's own
    events are recorded without reading the workspace)."""
    return f"ws_{n:026d}"


def member_updated(workspace_id: str, n: int) -> dict[str, Any]:
    """The n-th MemberUpdated event of `workspace_id`, as EventBridge delivers it (the bus
    sample, its ids changed)."""
    detail = {**MEMBER_UPDATED["detail"], "workspaceId": workspace_id}
    detail["eventId"] = f"evt_{workspace_id[-6:]}{n:020d}"
    return {**MEMBER_UPDATED, "detail": detail}


def platform_event(**changes: Any) -> dict[str, Any]:
    """The platform sample's EventBridge event, with detail fields changed."""
    event = json.loads(PLATFORM_SAMPLE["Records"][0]["body"])
    event["detail"].update(changes)
    return event


def deliver(*events: Any) -> dict[str, Any]:
    """One SQS batch to the consumer, through its real entry point, as the standard audit
    queue hands it (no message group). An event that is not a dict (or whose detail is
    not) goes as its JSON all the same."""
    template = SQS_SAMPLE["Records"][0]
    records = []
    for n, event in enumerate(events):
        detail = event.get("detail") if isinstance(event, dict) else None
        detail = detail if isinstance(detail, dict) else {}
        record = copy.deepcopy(template)
        record["messageId"] = f"message-{n}-{detail.get('eventId')}"
        record["body"] = json.dumps(event)
        records.append(record)
    handler = load_module(CONSUMER).lambda_handler
    return handler({"Records": records}, LambdaContext(CONSUMER.logical_id))


def chain(dynamodb, workspace_id: str = SAMPLE_WORKSPACE) -> list[dict[str, Any]]:
    """The chain's records as items, in seq order."""
    items = dynamodb.query(
        TableName=TEMPLATE.table_name(),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :seq)",
        ExpressionAttributeValues={":pk": {"S": f"AUDIT#{workspace_id}"}, ":seq": {"S": "SEQ#"}},
    )["Items"]
    return [codec.from_attributes(i) for i in items]


def record_key(seq: int, workspace_id: str = SAMPLE_WORKSPACE) -> dict[str, Any]:
    return {"PK": {"S": f"AUDIT#{workspace_id}"}, "SK": {"S": f"SEQ#{seq:012d}"}}


def audit_call(functions, sample: str, who: str | None = None, query=None) -> Any:
    event = sample_event(
        f"audit/{sample}.json", caller=None if who is None else user(who), query=query
    )
    return functions.call("AuditFunction", event)


def verify(functions) -> dict[str, Any]:
    """The sample workspace's verification, asked by its owner."""
    reply = audit_call(functions, "verify-audit-log")
    assert reply.status == 200, reply.body
    return reply.body


# ---- the audit queue as AWS runs it: the template's rule, queue and concurrent consumers ---


@dataclass
class QueueRun:
    """What draining a queue took: the invocations, the records delivered (each message
    once more per time it was reported failed and came back) and the wall time."""

    messages: int = 0
    invocations: int = 0
    reported_failed: int = 0
    seconds: float = 0.0


def consumer_batch(bodies: list[str], delivery: int = 0) -> list[dict[str, Any]]:
    """SQS records of these message bodies, as the standard audit queue hands them."""
    messages = [
        {
            "MessageId": f"message-{delivery}-{n}",
            "ReceiptHandle": f"receipt-{delivery}-{n}",
            "Body": body,
            "MD5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's checksum
            "Attributes": {"ApproximateReceiveCount": "1"},
        }
        for n, body in enumerate(bodies)
    ]
    return [sqs_record(m, AUDIT_QUEUE_ARN, TEMPLATE.region) for m in messages]


def consumer_batch_size() -> int:
    function = TEMPLATE.resources[CONSUMER.logical_id]["Properties"]
    [source] = [e["Properties"] for e in function["Events"].values() if e["Type"] == "SQS"]
    return int(source["BatchSize"])


def consume_concurrently(events: list[dict[str, Any]], consumers: int) -> QueueRun:
    """A standard queue holding `events` (in this order), drained by `consumers`
    concurrent invocations of the consumer, each in its own execution environment (its
    module loaded under its own name) and thread, as Lambda's SQS poller runs them:
    each takes the next batch of the source's BatchSize; what it reports failed goes
    back to the queue (at the end: SQS makes it visible again after the visibility
    timeout, later than what was waiting) and comes back; the rest is deleted.

    Only SQS is played here (moto's SQS scans every message on every receive, seconds
    for a few hundred); DynamoDB is moto, each request atomic when the caller applies
    `one_request_at_a_time`, and nothing else is serialised: two consumers can read the
    same head and race to extend it."""
    waiting = collections.deque(json.dumps(event) for event in events)
    in_flight = 0
    lock = threading.Lock()
    run = QueueRun()
    batch_size = consumer_batch_size()
    handlers = [load_module(CONSUMER, f"concurrent_{n}").lambda_handler for n in range(consumers)]
    wiring.dynamodb_client()  # built once, before the threads share it

    def consume(handler: Any) -> None:
        nonlocal in_flight
        while True:
            with lock:
                if not waiting and in_flight == 0:
                    return
                bodies = [waiting.popleft() for _ in range(min(batch_size, len(waiting)))]
                in_flight += len(bodies)
                run.invocations += 1 if bodies else 0
                delivery = run.invocations
            if not bodies:
                time.sleep(0.001)  # others are still working: what they fail comes back
                continue
            records = consumer_batch(bodies, delivery)
            try:
                result = handler({"Records": records}, LambdaContext(CONSUMER.logical_id))
                failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
            except Exception:  # the invocation failed: the whole batch comes back
                failed = {r["messageId"] for r in records}
            with lock:
                waiting.extend(r["body"] for r in records if r["messageId"] in failed)
                in_flight -= len(bodies)
                run.messages += len(bodies)
                run.reported_failed += len(failed)

    started = time.perf_counter()
    with ThreadPoolExecutor(consumers) as pool:
        for done in [pool.submit(consume, handler) for handler in handlers]:
            done.result()
    run.seconds = time.perf_counter() - started
    return run


class AuditQueue:
    """The template's audit queue on moto, filled through the template's rules on the
    real bus (their targets as declared: moto applies whatever SqsParameters they carry),
    read as Lambda's SQS poller reads it."""

    def __init__(self) -> None:
        region = TEMPLATE.region
        self.sqs = boto3.client("sqs", region_name=region)
        self.events = boto3.client("events", region_name=region)
        create_resources(TEMPLATE)
        for rule in ("AuditRule", "AuditIntakeRule"):
            properties = TEMPLATE.resolve(TEMPLATE.resources[rule]["Properties"])
            put_template_rule(self.events, self.sqs, rule, properties)
        self.url, self.arn = find_queue(self.sqs, AUDIT_QUEUE_NAME)
        self.bus = TEMPLATE.event_bus_name()

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Put EventBridge-shaped events (`source`, `detail-type`, `detail`) on the bus,
        ten per PutEvents, in the order given."""
        for start in range(0, len(events), 10):
            entries = [
                {
                    "EventBusName": self.bus,
                    "Source": event["source"],
                    "DetailType": event["detail-type"],
                    "Detail": json.dumps(event["detail"]),
                }
                for event in events[start : start + 10]
            ]
            response = self.events.put_events(Entries=entries)
            assert response["FailedEntryCount"] == 0, response

    def receive(self) -> list[dict[str, Any]]:
        """One batch (the source's BatchSize) as the consumer gets it; its messages
        become visible again at once when not deleted."""
        messages = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=consumer_batch_size(),
            VisibilityTimeout=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        return [sqs_record(m, self.arn, TEMPLATE.region) for m in messages]

    def delete(self, records: list[dict[str, Any]], failed: set[str]) -> None:
        """What the poller does after an invocation: delete what did not fail."""
        for record in records:
            if record["messageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=record["receiptHandle"])


def assert_chains_whole(dynamodb: Any, expected: dict[str, set[str]]) -> None:
    """Every workspace's chain holds exactly its expected event ids, each once, at seq
    1..n with no gap, each record's prevHash its predecessor's hash and each hash the one
    its fields give."""
    for workspace_id, event_ids in expected.items():
        records = chain(dynamodb, workspace_id)
        assert [int(r["seq"]) for r in records] == list(range(1, len(event_ids) + 1))
        assert sorted(r["eventId"] for r in records) == sorted(event_ids)
        assert records[0]["prevHash"] == GENESIS
        for before, after in itertools.pairwise(records):
            assert after["prevHash"] == before["hash"], (workspace_id, after["seq"])
        for item in records:
            assert record_from_item(item).hash == sealed(record_from_item(item)).hash


def seed_chain(
    count: int, summary: dict[str, Any], workspace_id: str = SAMPLE_WORKSPACE
) -> list[AuditRecord]:
    """A chain of `count` sealed records, each with `summary`, in the store's own item
    mapping, put straight into moto's table as the benchmarks seed theirs (not one
    transaction each as the consumer appends): thousands of records in a second."""
    records, previous = [], GENESIS
    for seq in range(1, count + 1):
        record = sealed(
            AuditRecord(
                workspace_id=workspace_id,
                seq=seq,
                event_id=f"evt_seed{seq:020d}",
                occurred_at=f"2026-11-{1 + seq // 86400:02d}T00:00:00Z",
                actor={"type": "system", "id": "seed"},
                action="AgentUpdated",
                target={"type": "agent", "id": f"agent_{seq}"},
                summary=summary,
                prev_hash=previous,
                expires_at=1_900_000_000,
                prev_expires_at=0 if seq == 1 else 1_900_000_000,
                source="platform.agents",
            )
        )
        records.append(record)
        previous = record.hash
    items = [record_item(r) for r in records] + [head_item(records[-1])]
    put_directly(
        TEMPLATE.table_name(), [codec.to_attributes(i) for i in items], region=TEMPLATE.region
    )
    return records
