"""The asynchronous half of the suite, driven for real inside the local runtime.

moto never runs Lambda code, so the runtime does what AWS would: it reads the table's
stream and hands the records to the functions the template maps to it (the stream
publisher), and it gives every EventBridge rule of the template a real moto rule on the
real moto bus, with an SQS queue as its target, whose messages it hands to the rule's
function. Patterns, buses and retry counts all come from template.yaml; moto does the
matching. A function that raises gets the event again, up to its retry count, and then
the event goes to the function's dead-letter queue, as in AWS.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3

from local_runtime.aws import find_queue, queue_name_of
from local_runtime.lambdas import LocalFunction
from local_runtime.moto_tuning import forget_shard_iterator, shard_iterator_is_live, trim_stream
from local_runtime.template import Template

log = logging.getLogger("teamspace.local")


@dataclass
class RuleRoute:
    """One EventBridgeRule of a function: its moto queue and what happens on failure."""

    function: str
    name: str
    queue_url: str
    attempts: int
    dead_letter_queue: str | None
    failures: dict[str, int] = field(default_factory=dict)


@dataclass
class QueueSource:
    """An SQS event source of a function: its queue, batch size and failure reporting."""

    function: str
    queue_url: str
    queue_arn: str
    batch_size: int


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received message as Lambda's SQS poller hands it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def put_template_rule(events: Any, sqs: Any, logical_id: str, properties: dict[str, Any]) -> None:
    """A rule the template declares itself (resolved `properties`), on moto's bus, with
    its queue targets as declared (their SqsParameters, retry and dead-letter settings)."""
    bus = properties.get("EventBusName", "default")
    events.put_rule(
        Name=logical_id, EventBusName=bus, EventPattern=json.dumps(properties["EventPattern"])
    )
    targets = []
    for declared in properties["Targets"]:
        _, arn = find_queue(sqs, queue_name_of(declared["Arn"]))
        target = {**declared, "Arn": arn}
        if "DeadLetterConfig" in declared:
            dead_letters = queue_name_of(declared["DeadLetterConfig"]["Arn"])
            target["DeadLetterConfig"] = {"Arn": find_queue(sqs, dead_letters)[1]}
        targets.append(target)
    events.put_targets(Rule=logical_id, EventBusName=bus, Targets=targets)


def _plain_stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as Lambda delivers it (numbers for times, the source ARN added)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


class EventChain:
    """Stream -> stream functions -> bus -> rule functions, until nothing is left to do."""

    MAX_ROUNDS = 20

    def __init__(
        self,
        template: Template,
        functions: dict[str, LocalFunction],
        *,
        trim_read_records: bool = False,
    ) -> None:
        """`trim_read_records`: drop the stream records this chain has read from moto's
        shard (the local runtime, where nothing else reads the stream, so that it does
        not grow with every write); off where a test reads the stream as well."""
        self.template = template
        self.functions = functions
        self.dead_letters: dict[str, list[dict[str, Any]]] = {}
        self._sqs = boto3.client("sqs", region_name=template.region)
        self._events = boto3.client("events", region_name=template.region)
        # The bus client, for what puts events on the bus from outside (/_local/bus).
        self.events = self._events
        self._streams = boto3.client("dynamodbstreams", region_name=template.region)
        self._stream_arn = ""
        self._table = template.table_name()
        self._trim = trim_read_records
        # The last record seen on each shard, and the iterator to read on from (the
        # NextShardIterator of the last GetRecords). moto keeps every iterator it hands
        # out until it is forgotten, so each one is forgotten once used (issue 14).
        self._last_seen: dict[str, str | None] = {}
        self._iterators: dict[str, str] = {}
        self._stream_functions: list[str] = []
        self._rules: list[RuleRoute] = []
        self._queues: list[QueueSource] = []

    # ---- set-up from the template ------------------------------------------------------

    def start(self) -> None:
        dynamodb = boto3.client("dynamodb", region_name=self.template.region)
        table = dynamodb.describe_table(TableName=self.template.table_name())["Table"]
        self._stream_arn = table["LatestStreamArn"]
        shards = self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"][
            "Shards"
        ]
        for shard in shards:
            newest = self._newest_sequence(shard["ShardId"])
            self._last_seen[shard["ShardId"]] = newest
            self._iterators[shard["ShardId"]] = self._iterator(shard["ShardId"], newest)
        for logical_id, resource in self.template.resources.items():
            if resource["Type"] == "AWS::Events::Rule":
                properties = self.template.resolve(resource["Properties"])
                put_template_rule(self._events, self._sqs, logical_id, properties)
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            for event_name, event in resource["Properties"].get("Events", {}).items():
                if event["Type"] == "DynamoDB":
                    self._stream_functions.append(logical_id)
                elif event["Type"] == "EventBridgeRule":
                    self._rules.append(self._route(logical_id, event_name, event, resource))
                elif event["Type"] == "SQS":
                    self._queues.append(self._queue_source(logical_id, event))

    def _queue_source(self, function: str, event: dict[str, Any]) -> QueueSource:
        properties = self.template.resolve(event["Properties"])
        url, arn = find_queue(self._sqs, queue_name_of(properties["Queue"]))
        return QueueSource(function, url, arn, int(properties.get("BatchSize", 10)))

    def _route(
        self, function: str, event_name: str, event: dict[str, Any], resource: dict[str, Any]
    ) -> RuleRoute:
        properties = self.template.resolve(event["Properties"])
        bus = properties.get("EventBusName", "default")
        rule = f"{function}-{event_name}"
        self._sqs.create_queue(QueueName=f"local-{rule}")
        queue_url, queue_arn = find_queue(self._sqs, f"local-{rule}")
        self._events.put_rule(
            Name=rule, EventBusName=bus, EventPattern=json.dumps(properties["Pattern"])
        )
        self._events.put_targets(
            Rule=rule, EventBusName=bus, Targets=[{"Id": "local", "Arn": queue_arn}]
        )
        invoke_config = resource["Properties"].get("EventInvokeConfig", {})
        retries = int(invoke_config.get("MaximumRetryAttempts", 2))
        dead_letter = properties.get("DeadLetterConfig", {}).get("Arn")
        return RuleRoute(
            function=function,
            name=rule,
            queue_url=queue_url,
            attempts=retries + 1,
            dead_letter_queue=dead_letter.rsplit("/", 1)[-1] if dead_letter else None,
        )

    # ---- driving ---------------------------------------------------------------------

    def drain(self) -> int:
        """Run the chain until it is quiet; how many deliveries it made."""
        delivered = 0
        for _ in range(self.MAX_ROUNDS):
            moved = self._pump_stream() + self._pump_rules() + self._pump_queues()
            delivered += moved
            if moved == 0:
                return delivered
        log.warning("event chain still busy after %s rounds", self.MAX_ROUNDS)
        return delivered

    def _newest_sequence(self, shard_id: str) -> str | None:
        """Where "from now on" starts: after whatever the shard holds already."""
        newest, after = None, None
        while True:
            iterator = self._iterator(shard_id, after)
            found = self._streams.get_records(ShardIterator=iterator)
            forget_shard_iterator(self.template.region, iterator)
            forget_shard_iterator(self.template.region, found["NextShardIterator"])
            if not found["Records"]:
                return newest
            newest = after = found["Records"][-1]["dynamodb"]["SequenceNumber"]

    def _iterator(self, shard_id: str, after: str | None) -> str:
        request: dict[str, Any] = {"StreamArn": self._stream_arn, "ShardId": shard_id}
        if after is None:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            request["SequenceNumber"] = after
        return self._streams.get_shard_iterator(**request)["ShardIterator"]

    def _pump_stream(self) -> int:
        region = self.template.region
        records: list[dict[str, Any]] = []
        for shard in list(self._iterators):
            iterator = self._iterators[shard]
            if not shard_iterator_is_live(region, self._table, iterator):
                # moto rolls a cancelled transaction back by swapping in a copy of the
                # table, stream shard included, made before it, and an iterator stays on
                # the shard it was made on (the one with the cancelled writes): read on
                # after the last record seen, on the shard as it is now. The local
                # runtime narrows moto's backups, which keeps the table in place.
                forget_shard_iterator(region, iterator)
                iterator = self._iterator(shard, self._last_seen[shard])
            response = self._streams.get_records(ShardIterator=iterator)
            forget_shard_iterator(region, iterator)
            self._iterators[shard] = response["NextShardIterator"]
            found = response["Records"]
            if found:
                last = found[-1]["dynamodb"]["SequenceNumber"]
                self._last_seen[shard] = last
                if self._trim:
                    trim_stream(region, self._table, int(last))
            records += [_plain_stream_record(r, self._stream_arn) for r in found]
        if not records:
            return 0
        for function in self._stream_functions:
            self._deliver_stream(function, records)
        return len(records)

    def _deliver_stream(self, function: str, records: list[dict[str, Any]]) -> None:
        """Like Lambda's stream poller: failed records are retried; the rest move on."""
        batch = records
        for _ in range(3):
            result = self.functions[function].invoke({"Records": batch}) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            if not failed:
                return
            batch = [r for r in batch if r["dynamodb"]["SequenceNumber"] in failed]
        self.dead_letters.setdefault(function, []).extend(batch)
        log.error("%s: %s stream records dead-lettered", function, len(batch))

    def _pump_rules(self) -> int:
        moved = 0
        for route in self._rules:
            messages = self._sqs.receive_message(
                QueueUrl=route.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0
            ).get("Messages", [])
            for message in messages:
                moved += 1
                self._deliver_rule(route, message)
        return moved

    def _deliver_rule(self, route: RuleRoute, message: dict[str, Any]) -> None:
        event = json.loads(message["Body"])
        try:
            self.functions[route.function].invoke(event)
        except Exception:  # the function failed: AWS would retry, then dead-letter
            count = route.failures.get(message["MessageId"], 0) + 1
            route.failures[message["MessageId"]] = count
            log.warning("%s failed on %s (attempt %s)", route.function, event["id"], count)
            if count < route.attempts:
                return  # still in the queue: the next round delivers it again
            self.dead_letters.setdefault(route.function, []).append(event)
            if route.dead_letter_queue:
                url = self._sqs.get_queue_url(QueueName=route.dead_letter_queue)["QueueUrl"]
                self._sqs.send_message(QueueUrl=url, MessageBody=message["Body"])
        self._sqs.delete_message(QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _pump_queues(self) -> int:
        """Like Lambda's SQS poller: a batch per call; failed messages stay in the queue
        (visible again at once here) until the queue's redrive policy dead-letters them."""
        moved = 0
        for source in self._queues:
            messages = self._sqs.receive_message(
                QueueUrl=source.queue_url,
                MaxNumberOfMessages=source.batch_size,
                VisibilityTimeout=0,
                AttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                continue
            moved += len(messages)
            records = [sqs_record(m, source.queue_arn, self.template.region) for m in messages]
            try:
                result = self.functions[source.function].invoke({"Records": records}) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception:  # the whole batch failed: every message comes back
                log.exception("%s failed on a batch of %s", source.function, len(messages))
                failed = {m["MessageId"] for m in messages}
            for message in messages:
                if message["MessageId"] not in failed:
                    self._sqs.delete_message(
                        QueueUrl=source.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
        return moved
