"""Client access: keeps an agency's client workspaces in step with the agency.

- When someone leaves an agency (removed, or of their own accord), their assignments to
  the agency's clients are removed, so nothing is left behind.
- When the agency changes hands (OwnershipTransferred), each client is handed to the new
  owner: its owner field and owner item follow the agency's.

Access already changed with the event itself (`teamspace.domain.access.admit` decides a
client's owner and its staff from the agency on every request); this consumer brings the
clients' own items in line. EventBridge retries a failure, then the event goes to the
dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.observability import logger, metrics


# The correlation id is the Teamspace event's own id, the same in every consumer's logs.
@logger.inject_lambda_context(correlation_id_path="detail.eventId")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    detail = event["detail"]
    if event["detail-type"] == "OwnershipTransferred":
        handed_over = wiring.client_handover().follow_agency_owner(detail["workspaceId"])
        logger.info("clients handed to the agency's owner", extra={"handedOver": handed_over})
        return {"handedOver": handed_over}
    withdrawn = wiring.client_staff().withdraw_staff(
        detail["workspaceId"], detail["data"]["userId"]
    )
    logger.info("client assignments withdrawn", extra={"withdrawn": withdrawn})
    return {"withdrawn": withdrawn}
