"""The audit intake's edge: an event another service put on the bus, onto its workspace's
chain; or, when it may not be written, to the intake's dead-letter queue at once, with
its reason as a message attribute and as the dimension of the `AuditIntakeRejected`
metric. A refused event is never retried: it would be refused again, five receives
later, and only then reach a dead-letter queue without its reason. Failures of the table
are not refusals: they raise, so the queue brings the event back."""

from __future__ import annotations

import copy
import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from teamspace.core.audit_intake import IntakeRefused
from teamspace.core.observability import logger, metrics
from teamspace.domain.audit import Appended, AuditService

REJECTED_METRIC = "AuditIntakeRejected"
RECORDED_METRIC = "AuditIntakeRecorded"


class AuditIntake:
    def __init__(self, audit: AuditService, sqs: Any, dead_letter_queue_url: str) -> None:
        self.audit = audit
        self.sqs = sqs
        self.dead_letter_queue_url = dead_letter_queue_url

    def take(self, body: str) -> Appended | None:
        """Write the event in `body` (an SQS message's, as EventBridge put it there);
        None when it was refused and dead-lettered."""
        try:
            event = json.loads(body)
            appended = self.audit.record_platform(event)
        except ValueError:  # not JSON: nothing EventBridge sends, but never retried either
            self._dead_letter({}, body, IntakeRefused("schema", "The message is not JSON"))
            return None
        except IntakeRefused as refused:
            self._dead_letter(event, body, refused)
            return None
        if appended.record is not None:
            metrics.add_metric(name=RECORDED_METRIC, unit=MetricUnit.Count, value=1)
        return appended

    def _dead_letter(self, event: Any, body: str, refused: IntakeRefused) -> None:
        if refused.reason == "secret_field":
            # The dead letter is for someone to read: not with what looks like a secret.
            event = copy.deepcopy(event)
            event["detail"].pop("summary", None)
            body = json.dumps(event)
        self.sqs.send_message(
            QueueUrl=self.dead_letter_queue_url,
            MessageBody=body,
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": refused.reason},
                "message": {"DataType": "String", "StringValue": refused.message[:1000]},
            },
        )
        with single_metric(
            name=REJECTED_METRIC, unit=MetricUnit.Count, value=1, namespace=metrics.namespace
        ) as metric:
            metric.add_dimension(name="reason", value=refused.reason)
        detail = event.get("detail") if isinstance(event, dict) else None
        logger.warning(
            "audit intake refused an event",
            extra={
                "reason": refused.reason,
                "why": refused.message,
                "source": _text(event, "source"),
                "detailType": _text(event, "detail-type"),
                "eventId": _text(detail, "eventId"),
            },
        )


def _text(value: Any, key: str) -> str | None:
    """A field for the log line, only when it is a short string (the event is untrusted)."""
    found = value.get(key) if isinstance(value, dict) else None
    return found[:200] if isinstance(found, str) else None
