"""Client access: keeps an agency's client workspaces in step with the agency.

- When someone leaves an agency (removed, or of their own accord), their assignments to
  the agency's clients are removed, so nothing is left behind.
- When the agency changes hands (OwnershipTransferred), each client is handed to the new
  owner: its owner field and owner item follow the agency's.

Access already changed with the event itself (`teamspace.domain.access.admit` decides a
client's owner and its staff from the agency on every request); this consumer brings the
clients' own items in line. Each is a read-decide-write cycle, run again under the
retry policy (core/retry.py) when DynamoDB cancels or throttles it; a failure, a spent
budget included, is retried by EventBridge, then the event goes to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.observability import logger, metrics
from teamspace.core.retry import budget


# The correlation id is the Teamspace event's own id, the same in every consumer's logs.
@logger.inject_lambda_context(correlation_id_path="detail.eventId")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    with budget(context):
        return wiring.retrying().run(lambda: _follow(event["detail-type"], event["detail"]))


def _follow(detail_type: str, detail: dict[str, Any]) -> dict[str, int]:
    if detail_type == "OwnershipTransferred":
        handed_over = wiring.client_handover().follow_agency_owner(detail["workspaceId"])
        logger.info("clients handed to the agency's owner", extra={"handedOver": handed_over})
        return {"handedOver": handed_over}
    withdrawn = wiring.client_staff().withdraw_staff(
        detail["workspaceId"], detail["data"]["userId"]
    )
    logger.info("client assignments withdrawn", extra={"withdrawn": withdrawn})
    return {"withdrawn": withdrawn}
