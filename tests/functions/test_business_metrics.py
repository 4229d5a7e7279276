"""The business metrics (docs/security.md, "Metrics"): the stream publisher counts the
events the bus took, by detail-type, and prints them as CloudWatch EMF on stdout, as
Powertools Metrics does in Lambda (CloudWatch Logs turns those lines into metrics).

The publisher runs through its real entry point on moto: its PutEvents calls reach a real
(moto) bus, and what it prints is read back from stdout."""

from __future__ import annotations

import json
from typing import Any

import pytest

from teamspace.bus.publisher import BUSINESS_METRICS
from teamspace.core.observability import metrics
from teamspace.store import codec
from tests.functions.chain_helpers import Chain, event_id_of, failures, hooked, sequence
from tests.support import EVENTS, sample_event
from tests.support.metrics import emf_documents

NAMESPACE = "Teamspace"
STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/teamspace-test/stream/2026-11-22T00:00:00.000"
)


@pytest.fixture
def chain(functions, monkeypatch) -> Chain:
    metrics.clear_metrics()  # nothing left over from another test's handler
    return Chain(monkeypatch)


def counted(printed: str) -> dict[str, float]:
    """Metric name -> the sum of its values, over every EMF document printed."""
    totals: dict[str, float] = {}
    for document in emf_documents(printed):
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == NAMESPACE
            for metric in directive["Metrics"]:
                assert metric["Unit"] == "Count"
                value = document[metric["Name"]]
                values = value if isinstance(value, list) else [value]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(values)
    return totals


def outbox_record(detail_type: str, n: int) -> dict[str, Any]:
    """A stream record of an outbox insert, as Lambda hands it to the publisher, made
    from the bus sample of `detail_type` (events/bus/) with its own event id."""
    sample = json.loads((EVENTS / "bus" / f"{detail_type}.json").read_text())
    detail = {**sample["detail"], "eventId": f"evt_{n:026d}"}
    item = {
        "PK": f"OUTBOX#{detail['eventId']}",
        "SK": "OUTBOX",
        "entity": "outbox",
        "detailType": detail_type,
        "workspaceId": detail["workspaceId"],
        "detail": json.dumps(detail),
    }
    image = codec.to_attributes(item)
    return {
        "eventID": f"{n:032x}",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795341600,
            "Keys": {"PK": image["PK"], "SK": image["SK"]},
            "NewImage": image,
            "SequenceNumber": f"{n:024d}",
            "SizeBytes": 512,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": STREAM_ARN,
    }


# Two invitations sent and one resent; one of each other business change; and changes
# that are no business count (a member leaving, a workspace created, a role changed).
BATCH = [
    "InvitationCreated",
    "InvitationCreated",
    "InvitationResent",
    "InvitationAccepted",
    "InvitationExpired",
    "MemberRemoved",
    "OwnershipTransferRequested",
    "OwnershipTransferred",
    "MemberLeft",
    "WorkspaceCreated",
    "MemberRoleChanged",
    "InvitationRevoked",
]


def test_the_publisher_counts_each_business_change_the_bus_took(chain, capsys):
    records = [outbox_record(detail_type, n) for n, detail_type in enumerate(BATCH, start=1)]
    capsys.readouterr()

    response = chain.publish(records)

    assert failures(response) == []
    assert len(chain.bus()) == len(BATCH)
    assert counted(capsys.readouterr().out) == {
        "InvitationsSent": 3,
        "InvitationsAccepted": 1,
        "InvitationsExpired": 1,
        "MembersRemoved": 1,
        "OwnershipTransfersRequested": 1,
        "OwnershipTransfersCompleted": 1,
    }


def test_every_business_metric_has_its_detail_types_and_nothing_else_is_counted():
    assert set(BUSINESS_METRICS.values()) == {
        "InvitationsSent",
        "InvitationsAccepted",
        "InvitationsExpired",
        "MembersRemoved",
        "OwnershipTransfersRequested",
        "OwnershipTransfersCompleted",
    }
    samples = {path.stem for path in (EVENTS / "bus").glob("*.json")}
    assert set(BUSINESS_METRICS) <= samples  # every counted type is a real detail-type


def test_a_batch_without_business_changes_prints_no_metric(chain, capsys):
    records = [outbox_record("WorkspaceCreated", 1), outbox_record("MemberJoined", 2)]
    capsys.readouterr()
    assert failures(chain.publish(records)) == []
    assert emf_documents(capsys.readouterr().out) == []


def test_an_event_the_bus_refused_is_counted_only_once_it_is_published(chain, capsys):
    records = [outbox_record(t, n) for n, t in enumerate(["InvitationCreated"] * 3, start=1)]
    refused = event_id_of(records[1])
    stripped: list[int] = []

    def bus_refuses(params: dict[str, Any], **_: Any) -> None:
        entries = params["Entries"]
        [position] = [
            i for i, e in enumerate(entries) if json.loads(e["Detail"])["eventId"] == refused
        ]
        params["Entries"] = [e for i, e in enumerate(entries) if i != position]
        stripped.append(position)

    def report_refusal(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Entries"].insert(stripped.pop(), {"ErrorCode": "InternalFailure"})
        parsed["FailedEntryCount"] = 1

    capsys.readouterr()
    with (
        hooked(chain.events, "before-parameter-build.events.PutEvents", bus_refuses),
        hooked(chain.events, "after-call.events.PutEvents", report_refusal),
    ):
        response = chain.publish(records)
    assert failures(response) == [sequence(records[1])]
    assert counted(capsys.readouterr().out) == {"InvitationsSent": 2}

    # Lambda hands the failed record over again; now the bus takes it, and it counts.
    assert failures(chain.publish([records[1]])) == []
    assert counted(capsys.readouterr().out) == {"InvitationsSent": 1}


def test_an_invitation_sent_and_resent_over_http_counts_twice(functions, chain, capsys):
    created = functions.call("WorkspacesFunction", sample_event("workspaces/create-workspace.json"))
    assert created.status == 201, created.body
    invited = functions.call(
        "InvitationsFunction",
        sample_event(
            "invitations/create-invitation.json",
            body={"email": "bob@example.com", "role": "developer"},
        ),
    )
    assert invited.status == 201, invited.body
    resent = functions.call(
        "InvitationsFunction",
        sample_event(
            "invitations/resend-invitation.json",
            path={"invitationId": invited.body["invitationId"]},
        ),
    )
    assert resent.status == 200, resent.body
    capsys.readouterr()

    chain.flush()

    assert counted(capsys.readouterr().out) == {"InvitationsSent": 2}
