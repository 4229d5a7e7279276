"""The stream publisher: outbox records, as the table's stream delivers them, become
events on the bus, in PutEvents calls of up to 10 entries and 256 KB (EventBridge's two
limits on a request, the size counted as EventBridge counts it: `entry_size`).

An event too large for any request (over 256 KB alone) can never be put: it is not
retried (it would block its shard's stream for the retries it is given, and fail
after them all the same); it is reported loudly instead: an error line, the
`EventsTooLarge` metric, and a message naming it in the publisher's dead-letter queue,
whose alarm fires on the first message. The event itself stays in its outbox item until
the item's TTL (docs/decisions.md, "Events too large for the bus").

A record fails alone: entries EventBridge refuses (or a call that fails whole) mark
their records failed, and the Powertools batch processor reports only those, so Lambda
retries them and not the rest. Outbox items that are not fresh inserts (TTL removals,
anything else in the table) are skipped.

The publisher is also where the business counts are taken (`BUSINESS_METRICS`): every
committed change passes here once on its way to the bus, whichever function made it,
so each event that reached the bus is counted once, by its detail-type.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from botocore.exceptions import ClientError

from teamspace.core.events import EVENT_SOURCE, DetailType
from teamspace.core.observability import logger, metrics
from teamspace.store import codec

# EventBridge's limits on one PutEvents request: entries, and their total size.
PUT_EVENTS_BATCH = 10
PUT_EVENTS_MAX_BYTES = 256 * 1024
TOO_LARGE_METRIC = "EventsTooLarge"
# What EventBridge counts for an entry's `Time` when it is given (eb-putevent-size).
_TIME_BYTES = 14

# One CloudWatch metric (namespace POWERTOOLS_METRICS_NAMESPACE, unit Count) per kind of
# business change, counted from the events the bus took.
BUSINESS_METRICS: dict[str, str] = {
    DetailType.INVITATION_CREATED: "InvitationsSent",
    DetailType.INVITATION_RESENT: "InvitationsSent",
    DetailType.INVITATION_ACCEPTED: "InvitationsAccepted",
    DetailType.INVITATION_EXPIRED: "InvitationsExpired",
    DetailType.MEMBER_REMOVED: "MembersRemoved",
    DetailType.OWNERSHIP_TRANSFER_REQUESTED: "OwnershipTransfersRequested",
    DetailType.OWNERSHIP_TRANSFERRED: "OwnershipTransfersCompleted",
}


class PublishFailed(Exception):
    """The bus did not take this record's event; it will be retried."""


def count_business_events(detail_types: Iterable[str]) -> dict[str, int]:
    """Add the business metrics of these published events; the counts added."""
    counts = Counter(BUSINESS_METRICS[t] for t in detail_types if t in BUSINESS_METRICS)
    for name, value in sorted(counts.items()):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    return dict(counts)


def entry_size(entry: dict[str, Any]) -> int:
    """The size of a PutEvents entry as EventBridge counts it against the 256 KB of a
    request (EventBridge user guide, "Calculating PutEvents event entry size"): 14 bytes
    for `Time` when present, the UTF-8 bytes of `Source`, `DetailType`, `Detail` and of
    each of `Resources`. `EventBusName` is not counted."""
    size = _TIME_BYTES if entry.get("Time") is not None else 0
    for name in ("Source", "DetailType", "Detail"):
        size += len((entry.get(name) or "").encode("utf-8"))
    size += sum(len(resource.encode("utf-8")) for resource in entry.get("Resources") or [])
    return size


def put_events_requests(
    pending: list[tuple[str, dict[str, Any]]],
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """`pending` in order, cut into requests of at most `PUT_EVENTS_BATCH` entries and
    `PUT_EVENTS_MAX_BYTES` in all. Each entry must fit alone (`entry_size`)."""
    request: list[tuple[str, dict[str, Any]]] = []
    size = 0
    for sequence, entry in pending:
        this = entry_size(entry)
        if request and (len(request) == PUT_EVENTS_BATCH or size + this > PUT_EVENTS_MAX_BYTES):
            yield request
            request, size = [], 0
        request.append((sequence, entry))
        size += this
    if request:
        yield request


def _event_id(entry: dict[str, Any]) -> str | None:
    return json.loads(entry["Detail"]).get("eventId")


def outbox_entry(record: dict[str, Any], bus_name: str) -> dict[str, Any] | None:
    """The PutEvents entry of a stream record, or None when it is not an outbox insert."""
    if record.get("eventName") != "INSERT":
        return None
    image = record.get("dynamodb", {}).get("NewImage")
    if not image:
        return None
    item = codec.from_attributes(image)
    if item.get("entity") != "outbox":
        return None
    return {
        "Source": EVENT_SOURCE,
        "DetailType": item["detailType"],
        "Detail": item["detail"],
        "EventBusName": bus_name,
    }


class OutboxPublisher:
    def __init__(
        self, events_client: Any, bus_name: str, sqs_client: Any, dead_letter_queue_url: str
    ) -> None:
        self._events = events_client
        self._bus = bus_name
        self._sqs = sqs_client
        self._dead_letters = dead_letter_queue_url

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        records = event.get("Records", [])
        failed = self._publish(records)
        processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

        def settle(record: DynamoDBRecord) -> None:
            if record.dynamodb and record.dynamodb.sequence_number in failed:
                raise PublishFailed(record.dynamodb.sequence_number)

        return process_partial_response(
            event=event, record_handler=settle, processor=processor, context=context
        )

    def _publish(self, records: list[dict[str, Any]]) -> set[str]:
        """Put every outbox insert on the bus; the sequence numbers that did not make it."""
        pending: list[tuple[str, dict[str, Any]]] = []
        failed: set[str] = set()
        for record in records:
            entry = outbox_entry(record, self._bus)
            if entry is None:
                continue
            sequence = record["dynamodb"]["SequenceNumber"]
            if entry_size(entry) <= PUT_EVENTS_MAX_BYTES:
                pending.append((sequence, entry))
            elif not self._report_too_large(record, entry):
                failed.add(sequence)
        published: list[dict[str, Any]] = []
        for chunk in put_events_requests(pending):
            try:
                response = self._events.put_events(Entries=[entry for _, entry in chunk])
            except ClientError as error:
                logger.warning(
                    "PutEvents failed",
                    extra={
                        "error": error.response["Error"]["Code"],
                        "eventIds": [_event_id(entry) for _, entry in chunk],
                    },
                )
                failed.update(sequence for sequence, _ in chunk)
                continue
            for (sequence, entry), result in zip(chunk, response["Entries"], strict=True):
                if "ErrorCode" in result:
                    failed.add(sequence)
                else:
                    published.append(entry)
            if response.get("FailedEntryCount"):
                logger.warning(
                    "PutEvents refused entries",
                    extra={
                        "failed": response["FailedEntryCount"],
                        "eventIds": [
                            _event_id(entry)
                            for (_, entry), result in zip(chunk, response["Entries"], strict=True)
                            if "ErrorCode" in result
                        ],
                    },
                )
        if published:
            # A batch has no one correlation id: it names the events it carried, each
            # the id its consumers log under (docs/security.md, "Correlation ids").
            counts = count_business_events(entry["DetailType"] for entry in published)
            logger.info(
                "events published",
                extra={"eventIds": [_event_id(entry) for entry in published], "counted": counts},
            )
        return failed

    def _report_too_large(self, record: dict[str, Any], entry: dict[str, Any]) -> bool:
        """Name an event no request can carry in the dead-letter queue, count it and log
        it; True once it is reported there (the record is then done with), False when
        the queue did not take the report (the record is retried, never dropped unseen)."""
        size = entry_size(entry)
        image = codec.from_attributes(record["dynamodb"]["NewImage"])
        report = {
            "reason": "event_too_large",
            "eventId": _event_id(entry),
            "detailType": entry["DetailType"],
            "workspaceId": image.get("workspaceId"),
            "size": size,
            "limit": PUT_EVENTS_MAX_BYTES,
            "outboxKey": {"PK": image["PK"], "SK": image["SK"]},
            "sequenceNumber": record["dynamodb"]["SequenceNumber"],
        }
        logger.error("event too large for the bus", extra=report)
        with single_metric(
            name=TOO_LARGE_METRIC, unit=MetricUnit.Count, value=1, namespace=metrics.namespace
        ) as metric:
            metric.add_dimension(name="detailType", value=entry["DetailType"])
        try:
            self._sqs.send_message(
                QueueUrl=self._dead_letters,
                MessageBody=json.dumps(report),
                MessageAttributes={
                    "reason": {"DataType": "String", "StringValue": "event_too_large"}
                },
            )
        except ClientError as error:
            logger.error(
                "the dead-letter queue refused the report",
                extra={"error": error.response["Error"]["Code"], "eventId": report["eventId"]},
            )
            return False
        return True
