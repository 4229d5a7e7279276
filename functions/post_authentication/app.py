"""Cognito post-authentication trigger: records the sign-in (MemberSignedIn) in each of
the user's workspaces. It never blocks a sign-in: Cognito fails the login when a trigger
raises, so a failure here is logged and counted, and the user gets in. A sign-in record
DynamoDB cancels or throttles is made again under the retry policy (core/retry.py)
first, within the trigger's time."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.observability import logger, metrics
from teamspace.core.retry import budget


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    user_id = event.get("request", {}).get("userAttributes", {}).get("sub")
    if not user_id:
        logger.warning("post-authentication event without a sub")
        return event
    source = event.get("triggerSource", "")
    try:
        with budget(context):
            reached = wiring.retrying().run(lambda: wiring.activity().signed_in(user_id, source))
    except Exception:
        logger.exception("could not record the sign-in")
        metrics.add_metric(name="SignInRecordFailures", unit=MetricUnit.Count, value=1)
        return event
    metrics.add_metric(name="SignInsRecorded", unit=MetricUnit.Count, value=reached)
    return event
