"""The audit intake through the audit consumer's real entry point, on moto: another
service's event lands once on its workspace's chain, with its action, actor, target,
summary and source; duplicates are ignored; a refused event goes to the intake's
dead-letter queue at once, with its reason and its metric, and never into a chain."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from local_runtime.aws import create_queues, find_queue, queue_name_of
from local_runtime.template import ROOT, Template
from teamspace import wiring
from teamspace.core.observability import metrics
from tests.support import SAMPLE_WORKSPACE, TEMPLATE, Team, sample_event
from tests.support.audit import CONSUMER, chain, deliver, platform_event, verify
from tests.support.metrics import emf_documents

OTHER_SOURCE = "platform.numbers"


@pytest.fixture
def workspace(functions, store, clock, ids, worlds) -> None:
    """The sample workspace, its owner alone in it (built once per module)."""
    worlds.once("workspace", clock, ids, lambda: Team.create(functions, store, clock) and None)


@pytest.fixture
def dead_letters(functions, workspace, monkeypatch) -> Any:
    """The template's queues in the test's account, the intake's named to the consumer as
    the template names it; reads the intake's dead letters."""
    metrics.clear_metrics()
    sqs = boto3.client("sqs", region_name=TEMPLATE.region)
    create_queues(TEMPLATE, sqs)
    url = CONSUMER.environment["AUDIT_INTAKE_DLQ_URL"]
    assert url == TEMPLATE.resolve({"Ref": "AuditIntakeDeadLetterQueue"})
    monkeypatch.setenv("AUDIT_INTAKE_DLQ_URL", url)
    wiring.reset()

    def read() -> list[dict[str, Any]]:
        found = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        return [
            {
                "reason": m["MessageAttributes"]["reason"]["StringValue"],
                "event": json.loads(m["Body"]),
            }
            for m in found
        ]

    return read


def rejected(printed: str) -> list[str]:
    """The reasons of the AuditIntakeRejected metrics printed (EMF), in order."""
    reasons = []
    for document in emf_documents(printed):
        if "AuditIntakeRejected" in document:
            [directive] = document["_aws"]["CloudWatchMetrics"]
            assert any("reason" in dimensions for dimensions in directive["Dimensions"])
            reasons.append(document["reason"])
    return reasons


def test_an_event_lands_once_with_its_action_actor_target_summary_and_source(
    functions, workspace, dead_letters, dynamodb
):
    event = platform_event()
    assert deliver(event, event) == {"batchItemFailures": []}  # a duplicate in the batch
    assert deliver(event) == {"batchItemFailures": []}  # and a redelivery later
    [record] = chain(dynamodb)
    assert record["action"] == "AgentUpdated"
    assert record["actor"] == {"type": "user", "id": "11111111-1111-4111-8111-111111111111"}
    assert record["target"] == {"type": "agent", "id": "agent_0001"}
    assert record["summary"] == {"name": "Front desk", "changed": ["voice", "greeting"]}
    assert record["source"] == "platform.agents"
    assert record["eventId"] == "agt-evt-000000000101"
    assert record["formatVersion"] == 1
    assert dead_letters() == []
    assert verify(functions) == {"valid": True, "records": 1, "firstInvalidSeq": None}


def test_the_same_event_id_from_two_services_is_two_records(
    functions, workspace, dead_letters, dynamodb
):
    first = platform_event()
    second = {**platform_event(), "source": OTHER_SOURCE, "detail-type": "NumberReleased"}
    assert deliver(first, second, first, second) == {"batchItemFailures": []}
    assert [(r["source"], r["action"]) for r in chain(dynamodb)] == [
        ("platform.agents", "AgentUpdated"),
        (OTHER_SOURCE, "NumberReleased"),
    ]


def test_teamspaces_and_the_platforms_events_share_one_chain(
    functions, workspace, dead_letters, dynamodb
):
    own = json.loads((TEMPLATE.path.parent / "events/bus/MemberUpdated.json").read_text())
    own["detail"]["workspaceId"] = SAMPLE_WORKSPACE
    assert deliver(own, platform_event()) == {"batchItemFailures": []}
    assert [(r["seq"], r["source"]) for r in chain(dynamodb)] == [
        (1, "teamspace"),
        (2, "platform.agents"),
    ]
    assert verify(functions)["valid"] is True


def without(path: str) -> dict[str, Any]:
    event = platform_event()
    *parents, last = path.split(".")
    holder = event
    for part in parents:
        holder = holder[part]
    del holder[last]
    return event


def changed(**detail: Any) -> dict[str, Any]:
    return platform_event(**detail)


REFUSED = [
    (without("detail.eventId"), "schema"),
    (without("detail.actor"), "schema"),
    (without("detail.summary"), "schema"),
    (without("detail-type"), "schema"),
    (changed(actor={"type": "robot", "id": "r2"}), "schema"),
    (changed(target={"type": "agent", "id": 7}), "schema"),
    (changed(occurredAt="yesterday"), "schema"),
    (changed(occurredAt="2026-02-30T10:00:00Z"), "schema"),
    (changed(extra="field"), "schema"),
    ({**platform_event(), "detail": "not an object"}, "schema"),
    (changed(summary={"notes": "x" * 5000}), "summary_too_large"),
    (changed(summary={"settings": {"smtpPassword": "hunter2"}}), "secret_field"),
    ({**platform_event(), "detail-type": "MemberRemoved"}, "reserved_action"),
    (changed(occurredAt="2026-11-22T10:06:00Z"), "occurred_in_future"),
    (changed(workspaceId="ws_00000000000000000000000099"), "unknown_workspace"),
]


@pytest.mark.parametrize(
    ("event", "reason"), REFUSED, ids=[f"{r}-{n}" for n, (_, r) in enumerate(REFUSED)]
)
def test_a_refused_event_is_dead_lettered_with_its_reason_and_metric_never_chained(
    functions, workspace, dead_letters, dynamodb, capsys, event, reason
):
    capsys.readouterr()
    assert deliver(event) == {"batchItemFailures": []}  # not retried: it would fail again
    assert chain(dynamodb) == []
    [letter] = dead_letters()
    assert letter["reason"] == reason
    assert rejected(capsys.readouterr().out) == [reason]
    if reason == "secret_field":  # the dead letter keeps no secret either
        assert "hunter2" not in json.dumps(letter["event"])
    else:
        assert letter["event"] == event


def test_a_deleted_workspaces_chain_takes_no_more_platform_events(
    functions, workspace, dead_letters, dynamodb
):
    reply = functions.call("WorkspacesFunction", sample_event("workspaces/delete-workspace.json"))
    assert reply.status == 204, reply.body
    assert deliver(platform_event()) == {"batchItemFailures": []}
    assert chain(dynamodb) == []
    assert [letter["reason"] for letter in dead_letters()] == ["unknown_workspace"]


def test_an_event_within_the_clock_skew_is_taken(functions, workspace, dead_letters, dynamodb):
    """Five minutes after the intake's clock is still now (another service's clock)."""
    assert deliver(platform_event(occurredAt="2026-11-22T10:05:00Z")) == {"batchItemFailures": []}
    assert [r["occurredAt"] for r in chain(dynamodb)] == ["2026-11-22T10:05:00Z"]


def test_a_failing_table_is_retried_not_dead_lettered(functions, workspace, dead_letters, dynamodb):
    """A refusal is for what will never be written; a failure of the table comes back."""
    client = wiring.dynamodb_client()

    def fail(**_: Any) -> None:
        raise RuntimeError("the table is unavailable")

    client.meta.events.register("before-call.dynamodb.BatchGetItem", fail)
    try:
        # The whole batch failed: Lambda hands it back to the queue, which redelivers it.
        with pytest.raises(BatchProcessingError):
            deliver(platform_event())
    finally:
        client.meta.events.unregister("before-call.dynamodb.BatchGetItem", fail)
    assert dead_letters() == []


def test_the_documented_writers_event_matches_the_rule_and_lands_on_the_chain(
    functions, workspace, dead_letters, dynamodb, clock, monkeypatch
):
    """docs/examples/audit-writer.yaml's code, run as it is written, against the bus and
    the intake rule of the template (moto matches the pattern), then the consumer."""
    clock.current = datetime.now(UTC)  # the example stamps its events with the real time
    bus = TEMPLATE.event_bus_name()
    events = boto3.client("events", region_name=TEMPLATE.region)
    sqs = boto3.client("sqs", region_name=TEMPLATE.region)
    events.create_event_bus(Name=bus)
    rule = TEMPLATE.resolve(TEMPLATE.resources["AuditIntakeRule"]["Properties"])
    events.put_rule(Name="intake", EventBusName=bus, EventPattern=json.dumps(rule["EventPattern"]))
    queue_url, queue_arn = find_queue(sqs, queue_name_of(rule["Targets"][0]["Arn"]))
    target = {**rule["Targets"][0], "Arn": queue_arn}
    target.pop("DeadLetterConfig")
    events.put_targets(Rule="intake", EventBusName=bus, Targets=[target])

    monkeypatch.setenv("TEAMSPACE_BUS", bus)
    stack = Template(ROOT / "docs" / "examples" / "audit-writer.yaml")
    writer = types.ModuleType("audit_writer")
    exec(stack.resources["AgentAuditFunction"]["Properties"]["InlineCode"], writer.__dict__)  # noqa: S102 - the documented example, run as Lambda would
    change = {
        "changeId": "chg-0001",
        "workspaceId": SAMPLE_WORKSPACE,
        "userId": "11111111-1111-4111-8111-111111111111",
        "agentId": "agent_0001",
        "name": "Front desk",
        "changed": ["voice"],
    }
    assert writer.handler(change, None) == {"eventId": "chg-0001"}

    [message] = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert deliver(json.loads(message["Body"])) == {"batchItemFailures": []}
    [record] = chain(dynamodb)
    assert (record["action"], record["source"], record["eventId"]) == (
        "AgentUpdated",
        "platform.agents",
        "chg-0001",
    )
    assert record["target"] == {"type": "agent", "id": "agent_0001"}
    assert dead_letters() == []
