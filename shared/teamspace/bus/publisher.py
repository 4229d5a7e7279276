"""The stream publisher: outbox records, as the table's stream delivers them, become
events on the bus, in PutEvents calls of up to 10 entries.

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
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
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

PUT_EVENTS_BATCH = 10

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
    def __init__(self, events_client: Any, bus_name: str) -> None:
        self._events = events_client
        self._bus = bus_name

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
        pending = [
            (record["dynamodb"]["SequenceNumber"], entry)
            for record in records
            if (entry := outbox_entry(record, self._bus)) is not None
        ]
        failed: set[str] = set()
        published: list[dict[str, Any]] = []
        for start in range(0, len(pending), PUT_EVENTS_BATCH):
            chunk = pending[start : start + PUT_EVENTS_BATCH]
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
