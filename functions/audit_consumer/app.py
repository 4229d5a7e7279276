"""Audit consumer: every Teamspace event, from the audit FIFO queue, appended to its
workspace's hash chain. A failed message is reported alone (with the rest of its
message group after it, as FIFO order requires) and comes back; a duplicate is a no-op."""

from __future__ import annotations

import json
from typing import Any

import jmespath
from aws_lambda_powertools.utilities.batch import (
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.observability import logger

processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def record_handler(record: SQSRecord) -> None:
    event = json.loads(record.body)
    # Each message's log lines carry its Teamspace event's id, as in every consumer.
    logger.set_correlation_id(jmespath.search("detail.eventId", event))
    wiring.audit().record(event)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
