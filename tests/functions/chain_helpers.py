"""The event chain, driven by hand on moto: stream -> publisher -> bus -> mailer, and the
expiry job; plus the AWS-side hooks the failure and race tests inject faults with.

moto runs no Lambda code, so a test does what AWS would: it reads the table's stream
with dynamodbstreams (as local_runtime/events.py does), hands the records to the
publisher's real entry point, reads what reached the bus from an SQS queue behind a
real rule on the real bus, and hands those events to the mailer's real entry point.

Faults and races are injected on the AWS side only: botocore event hooks on the very
client the handlers use (`teamspace.wiring`), never a patch of the project's code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import boto3
import pytest

from local_runtime.aws import create_resources
from local_runtime.lambdas import LambdaContext, load_module
from local_runtime.template import FunctionSpec
from teamspace import wiring
from teamspace.store import codec
from tests.support import TEMPLATE, Reply, reply_of
from tests.support.mail import ses_mail

TABLE = TEMPLATE.table_name()
SPECS: dict[str, FunctionSpec] = TEMPLATE.functions()
BUS = SPECS["EventPublisherFunction"].environment["EVENT_BUS_NAME"]
SENDER = SPECS["MailerFunction"].environment["SENDER_ADDRESS"]
ACCEPT_URL_BASE = SPECS["MailerFunction"].environment["ACCEPT_URL_BASE"]
REGION = TEMPLATE.region
DETAIL_KEYS = {"eventId", "version", "occurredAt", "workspaceId", "actor", "data"}


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as Lambda delivers it: numeric creation time, source ARN added."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


def is_outbox_insert(record: dict[str, Any]) -> bool:
    image = record["dynamodb"].get("NewImage") or {}
    return record["eventName"] == "INSERT" and image.get("entity") == {"S": "outbox"}


def sequence(record: dict[str, Any]) -> str:
    return record["dynamodb"]["SequenceNumber"]


def event_id_of(record: dict[str, Any]) -> str:
    return json.loads(record["dynamodb"]["NewImage"]["detail"]["S"])["eventId"]


def only(events: list[dict[str, Any]], detail_type: str) -> dict[str, Any]:
    """The one event of `detail_type` among `events`."""
    (event,) = [e for e in events if e["detail-type"] == detail_type]
    return event


def failures(response: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in response.get("batchItemFailures", [])]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def invoke(logical_id: str, event: dict[str, Any]) -> Any:
    """A non-HTTP function, through its real entry point."""
    module = load_module(SPECS[logical_id])
    return module.lambda_handler(event, LambdaContext(function_name=logical_id))


def scheduled_event(time: str) -> dict[str, Any]:
    event = json.loads(
        (TEMPLATE.path.parent / "events/invitation_expiry/scheduled.json").read_text()
    )
    event["time"] = time
    return event


class SecondInstance:
    """Another execution environment of an HTTP function: its module loaded again under
    its own name, as a concurrent invocation would run in a separate Lambda instance."""

    def __init__(self, logical_id: str) -> None:
        self.logical_id = logical_id
        self.module = load_module(SPECS[logical_id], "second_instance")

    def call(self, event: dict[str, Any]) -> Reply:
        return reply_of(
            self.module.lambda_handler(event, LambdaContext(function_name=self.logical_id))
        )


@contextmanager
def hooked(client: Any, event_name: str, handler: Callable[..., Any]) -> Iterator[None]:
    """A botocore event hook on `client` for the duration of the block."""
    client.meta.events.register(event_name, handler)
    try:
        yield
    finally:
        client.meta.events.unregister(event_name, handler)


@contextmanager
def bus_refusing(events: Any, refuse: set[str]) -> Iterator[list[int]]:
    """EventBridge takes each PutEvents call but refuses the entries whose event id is in
    `refuse`, each once: they never reach the bus, and the answer reports them at their
    positions (`ErrorCode`) with `FailedEntryCount`, as EventBridge does. Yields the
    number of entries of each request as it was sent."""
    refuse = set(refuse)
    sent: list[int] = []
    stripped: list[list[int]] = []

    def strip(params: dict[str, Any], **_: Any) -> None:
        entries = params["Entries"]
        sent.append(len(entries))
        positions = [
            i for i, e in enumerate(entries) if json.loads(e["Detail"])["eventId"] in refuse
        ]
        refuse.difference_update(json.loads(entries[i]["Detail"])["eventId"] for i in positions)
        params["Entries"] = [e for i, e in enumerate(entries) if i not in positions]
        stripped.append(positions)

    def report(parsed: dict[str, Any], **_: Any) -> None:
        positions = stripped.pop(0)
        for position in positions:  # ascending: each lands at its original index
            parsed["Entries"].insert(
                position, {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}
            )
        parsed["FailedEntryCount"] = len(positions)

    with (
        hooked(events, "before-parameter-build.events.PutEvents", strip),
        hooked(events, "after-call.events.PutEvents", report),
    ):
        yield sent


@contextmanager
def first_goes_second(
    client: Any, operation: str, competitor: Callable[[], Any]
) -> Iterator[list[Any]]:
    """Run `competitor` to completion just before the first `operation` call of `client`
    goes out, so that the competing request commits first. Yields [competitor's result]."""
    results: list[Any] = []
    raised: list[BaseException] = []
    service = client.meta.service_model.service_id.hyphenize()

    def before(**_: Any) -> None:
        if results:
            return  # armed once: the competitor's own calls, and later ones, pass through
        results.append(None)
        try:
            results[0] = competitor()
        except Exception as error:  # surfaced after the block, not inside the handler
            raised.append(error)

    with hooked(client, f"before-call.{service}.{operation}", before):
        yield results
    if raised:
        raise raised[0]
    assert results, f"no {operation} call was made: the race did not happen"


@contextmanager
def racing(client: Any, competitor: Callable[[], Any]) -> Iterator[tuple[CallLog, list[Any]]]:
    """`first_goes_second` on TransactWriteItems, with the transactions recorded: yields
    the call log and [competitor's result]."""
    log = CallLog(client, "TransactWriteItems")
    with log.recording(), first_goes_second(client, "TransactWriteItems", competitor) as result:
        yield log, result


class CallLog:
    """What one client sent and got back, per operation: after-call hooks."""

    def __init__(self, client: Any, *operations: str) -> None:
        self.client = client
        self.operations = operations
        self.calls: list[tuple[str, dict[str, Any], int]] = []  # (operation, parsed, status)
        self._service = client.meta.service_model.service_id.hyphenize()

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, parsed, http_response.status_code))

    @contextmanager
    def recording(self) -> Iterator[CallLog]:
        names = [f"after-call.{self._service}.{op}" for op in self.operations]
        for name in names:
            self.client.meta.events.register(name, self._after)
        try:
            yield self
        finally:
            for name in names:
                self.client.meta.events.unregister(name, self._after)

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [parsed for op, parsed, _ in self.calls if op == operation]

    def error_codes(self, operation: str) -> list[str | None]:
        return [parsed.get("Error", {}).get("Code") for parsed in self.of(operation)]


class Chain:
    """The suite's asynchronous half on moto, driven one step at a time by a test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # One process plays every function: give it each function's environment.
        for spec in SPECS.values():
            for name, value in spec.environment.items():
                if name != "POWERTOOLS_SERVICE_NAME":
                    monkeypatch.setenv(name, value)
        create_resources(TEMPLATE)
        wiring.reset()  # clients and settings are built again, inside the mock
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.ses = boto3.client("ses", region_name=REGION)
        self.dynamodb_reader = boto3.client("dynamodb", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        self.queue_url = self.sqs.create_queue(QueueName="chain-capture")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        events.put_rule(
            Name="chain-capture",
            EventBusName=BUS,
            EventPattern=json.dumps({"source": ["teamspace"]}),
        )
        events.put_targets(
            Rule="chain-capture", EventBusName=BUS, Targets=[{"Id": "capture", "Arn": queue_arn}]
        )
        self.streams = boto3.client("dynamodbstreams", region_name=REGION)
        self.stream_arn = self.dynamodb_reader.describe_table(TableName=TABLE)["Table"][
            "LatestStreamArn"
        ]
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"][
            "Shards"
        ]
        self._read_up_to: dict[str, str | None] = {shard["ShardId"]: None for shard in shards}
        self.on_bus: list[dict[str, Any]] = []

    # ---- the handlers' own clients (hooks go on these) -------------------------------

    @property
    def dynamodb(self) -> Any:
        return wiring.dynamodb_client()

    @property
    def events(self) -> Any:
        return wiring.events_client()

    # ---- stream -> publisher -> bus ---------------------------------------------------

    def stream_records(self) -> list[dict[str, Any]]:
        """Every stream record written since the last call, in Lambda's shape.

        A fresh iterator each time, after the last record read: moto pins an iterator to
        the shard object it was made on, and a cancelled TransactWriteItems swaps in a
        copy of the table (and its shard) made before the transaction, so a long-lived
        iterator would read the cancelled writes and miss every later one.
        """
        records: list[dict[str, Any]] = []
        for shard, last in self._read_up_to.items():
            position: dict[str, Any] = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                if last
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard, **position
            )["ShardIterator"]
            while True:
                response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
                if not response["Records"]:
                    break
                records += [lambda_record(r, self.stream_arn) for r in response["Records"]]
                iterator = response["NextShardIterator"]
            if records:
                self._read_up_to[shard] = sequence(records[-1])
        return records

    def publish(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return invoke("EventPublisherFunction", {"Records": records})

    def bus(self) -> list[dict[str, Any]]:
        """The events that reached the bus since the last call (the capture rule's queue)."""
        arrived: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                arrived.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        self.on_bus += arrived
        return arrived

    def flush(self) -> list[dict[str, Any]]:
        """Stream -> publisher -> bus, for every new record; the events that arrived."""
        records = self.stream_records()
        if records:  # Lambda never invokes a stream function with an empty batch
            response = self.publish(records)
            assert failures(response) == [], response
        return self.bus()

    # ---- consumers ----------------------------------------------------------------------

    def mail(self, event: dict[str, Any]) -> dict[str, Any]:
        return invoke("MailerFunction", event)

    def expire(self, time: str) -> dict[str, Any]:
        return invoke("InvitationExpiryFunction", scheduled_event(time))

    @staticmethod
    def sent_mail() -> list[dict[str, Any]]:
        """What SES took, parsed: from, to, subject, text, html, source."""
        return ses_mail(REGION)

    # ---- reading the table (test-side client, never hooked) ---------------------------

    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        found = self.dynamodb_reader.get_item(
            TableName=TABLE, Key={"PK": {"S": pk}, "SK": {"S": sk}}, ConsistentRead=True
        ).get("Item")
        return codec.from_attributes(found) if found else None


def all_items(dynamodb: Any, **scan: Any) -> list[dict[str, Any]]:
    """Every item of the table (a test-only, paginated Scan)."""
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": TABLE, **scan}
    while True:
        response = dynamodb.scan(**request)
        found += [codec.from_attributes(i) for i in response["Items"]]
        if "LastEvaluatedKey" not in response:
            return found
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def outbox(dynamodb: Any, detail_type: str | None = None) -> list[dict[str, Any]]:
    """The outbox records' details (with detailType), optionally of one type."""
    items = all_items(
        dynamodb,
        FilterExpression="entity = :outbox",
        ExpressionAttributeValues={":outbox": {"S": "outbox"}},
    )
    details = [{"detailType": i["detailType"], **json.loads(i["detail"])} for i in items]
    return [d for d in details if detail_type is None or d["detailType"] == detail_type]


def partition(dynamodb: Any, workspace_id: str, prefix: str) -> list[dict[str, Any]]:
    """A workspace's items whose sort key starts with `prefix` (test-side Query)."""
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": TABLE,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": {"S": f"WS#{workspace_id}"},
            ":prefix": {"S": prefix},
        },
        "ConsistentRead": True,
    }
    while True:
        response = dynamodb.query(**request)
        found += [codec.from_attributes(i) for i in response["Items"]]
        if "LastEvaluatedKey" not in response:
            return found
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def counters(dynamodb: Any, workspace_id: str) -> dict[str, int]:
    (meta,) = partition(dynamodb, workspace_id, "META")
    return {k: int(meta.get(k, 0)) for k in ("memberCount", "pendingInvites", "seatsUsed")}


def assert_counters_consistent(dynamodb: Any, workspace_id: str) -> dict[str, int]:
    """The META counters agree with the items they count; returns them."""
    found = counters(dynamodb, workspace_id)
    members = partition(dynamodb, workspace_id, "MEMBER#")
    member_emails = partition(dynamodb, workspace_id, "MEMBER_EMAIL#")
    pending = [i for i in partition(dynamodb, workspace_id, "INVITE#") if i["status"] == "PENDING"]
    locks = partition(dynamodb, workspace_id, "INVITE_EMAIL#")
    actual = {
        "memberCount": len(members),
        "pendingInvites": len(pending),
        "seatsUsed": len(members) + len(pending),
    }
    assert found == actual, f"counters {found} but items say {actual}"
    assert len(member_emails) == len(members), (member_emails, members)
    assert sorted(lock["invitationId"] for lock in locks) == sorted(
        i["invitationId"] for i in pending
    ), (locks, pending)
    return found
