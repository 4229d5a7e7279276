"""Invitation expiry, on a schedule: expires the pending invitations that are due.

The run's "now" is the schedule event's own `time`, so a delayed or replayed run
expires what was due when it was meant to run.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace.api import wiring
from teamspace.clock import parse_iso
from teamspace.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = parse_iso(event["time"]) if event.get("time") else wiring.clock().now()
    report = wiring.invitations().expire_due(now)
    metrics.add_metric(name="InvitationsExpired", unit=MetricUnit.Count, value=report.expired)
    logger.info("expiry run", extra=asdict(report))
    return asdict(report)
