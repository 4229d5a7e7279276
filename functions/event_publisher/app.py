"""Stream publisher: the table's outbox records, put on the EventBridge bus; and the
business metrics, counted from the events the bus took (teamspace.bus.publisher)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return wiring.publisher().handle(event, context)
