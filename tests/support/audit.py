"""The audit chain in function tests: SQS batches through the audit consumer's real entry
point (Teamspace's events and the platform's alike), the chain read back from the
table, and the verify route's answer."""

from __future__ import annotations

import copy
import json
from typing import Any

from bench.lean_moto import put_directly
from local_runtime.lambdas import LambdaContext, load_module
from teamspace.core.audit import GENESIS, AuditRecord, sealed
from teamspace.store import codec
from teamspace.store.audit import head_item, record_item
from tests.support.aws import TEMPLATE
from tests.support.events import EVENTS, SAMPLE_WORKSPACE, sample_event, user

CONSUMER = TEMPLATE.functions()["AuditConsumerFunction"]
SQS_SAMPLE = json.loads((EVENTS / "audit_consumer" / "role-changed.json").read_text())
# An event another service put on the bus for the audit log (docs/audit.md), as the
# audit queue hands it to the consumer.
PLATFORM_SAMPLE = json.loads(
    (EVENTS / "audit_consumer" / "platform-agent-updated.json").read_text()
)


def platform_event(**changes: Any) -> dict[str, Any]:
    """The platform sample's EventBridge event, with detail fields changed."""
    event = json.loads(PLATFORM_SAMPLE["Records"][0]["body"])
    event["detail"].update(changes)
    return event


def deliver(*events: Any) -> dict[str, Any]:
    """One SQS batch to the consumer, through its real entry point. An event that is not
    a dict (or whose detail is not) goes as its JSON all the same."""
    template = SQS_SAMPLE["Records"][0]
    records = []
    for n, event in enumerate(events):
        detail = event.get("detail") if isinstance(event, dict) else None
        detail = detail if isinstance(detail, dict) else {}
        record = copy.deepcopy(template)
        record["messageId"] = f"message-{n}-{detail.get('eventId')}"
        record["body"] = json.dumps(event)
        record["attributes"]["MessageGroupId"] = str(detail.get("workspaceId"))
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
