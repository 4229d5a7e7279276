"""Audit consumer: every event from the audit queue appended to its workspace's hash
chain: Teamspace's own (source `teamspace`) and, through the intake, those another
service of the platform put on the bus (a source in the stack's AuditSources; checked
against the published schema, dead-lettered when refused).

The queue is a standard one: no message group orders the events, so concurrent
invocations append to many chains at once, and to one chain too, each append conditional
on the head it read and on the event's marker (docs/decisions.md, "Audit"). A record
whose append keeps losing the race past its budget is reported alone as a batch item
failure and comes back; the batch's other records, whatever their workspace, go on. A
duplicate is a no-op."""

from __future__ import annotations

import json
from typing import Any

import jmespath
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.events import EVENT_SOURCE
from teamspace.core.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    event = json.loads(record.body)
    # Each message's log lines carry its event's id, as in every consumer.
    event_id = jmespath.search("detail.eventId", event)
    logger.set_correlation_id(event_id if isinstance(event_id, str) else None)
    if isinstance(event, dict) and event.get("source") == EVENT_SOURCE:
        wiring.audit().record(event)
    else:
        wiring.audit_intake().take(record.body)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
