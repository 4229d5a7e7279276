"""Invitation expiry, on a schedule: expires the pending invitations that are due.

The run's "now" is the schedule event's own `time`, so a delayed or replayed run
expires what was due when it was meant to run. Its log lines carry the schedule event's
id. The business count of expired invitations is taken by the stream publisher, from
the InvitationExpired events, as every business count is.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.clock import parse_iso
from teamspace.core.observability import logger
from teamspace.core.retry import budget


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = parse_iso(event["time"]) if event.get("time") else wiring.clock().now()
    with budget(context):
        report = wiring.invitation_expiry().expire_due(now)
    logger.info("expiry run", extra=asdict(report))
    return asdict(report)
