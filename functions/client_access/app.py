"""Client access: when someone leaves an agency (removed, or of their own accord), their
assignments to the agency's client workspaces are removed, so nothing is left behind.

Their access already ended with the removal itself (`teamspace.domain.access.admit`
checks the agency membership of every assigned member on every request); this consumer
removes the memberships that no longer grant anything. EventBridge retries a failure,
then the event goes to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace.api import wiring
from teamspace.observability import logger, metrics


# The correlation id is the Teamspace event's own id, the same in every consumer's logs.
@logger.inject_lambda_context(correlation_id_path="detail.eventId")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    detail = event["detail"]
    withdrawn = wiring.clients().withdraw_staff(detail["workspaceId"], detail["data"]["userId"])
    logger.info("client assignments withdrawn", extra={"withdrawn": withdrawn})
    return {"withdrawn": withdrawn}
