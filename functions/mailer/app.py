"""Mailer: sends the mails an event calls for (invitations), through SES."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.observability import logger, metrics


# The correlation id is the Teamspace event's own id, the same in every consumer's logs.
@logger.inject_lambda_context(correlation_id_path="detail.eventId")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return wiring.mailer().handle(event)
