"""Billing: the platform's billing service's requests, from the bus (a source in the
stack's BillingSources).

One handler per detail-type, in `HANDLERS`: each takes the event's `detail` and the bus
event's `id` and calls one domain service, which takes each request once (idempotent on
that id, or on what the request itself names as its id). Each runs under the retry
policy (core/retry.py) within the invocation's budget; a failure, a spent budget
included, is retried by EventBridge, then the event goes to the dead-letter queue. A
detail-type with no handler, or a detail without what its handler needs, fails the same
way: it waits in the dead-letter queue rather than being dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.observability import logger, metrics
from teamspace.core.retry import budget

Handler = Callable[[dict[str, Any], str], Any]

HANDLERS: dict[str, Handler] = {
    "WorkspaceSuspensionRequested": lambda detail, event_id: wiring.workspace_standing().suspend(
        detail["workspaceId"], detail.get("reason"), event_id
    ),
    "WorkspaceReactivationRequested": lambda detail, event_id: (
        wiring.workspace_standing().reactivate(
            detail["workspaceId"], detail.get("reason"), event_id
        )
    ),
}


# The correlation id is the bus event's id: the billing service's events are not
# Teamspace's, and carry no eventId of ours.
@logger.inject_lambda_context(correlation_id_path="id")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    detail_type = event["detail-type"]
    handler = HANDLERS.get(detail_type)
    if handler is None:
        raise LookupError(f"no billing handler for {detail_type}")
    detail, event_id = event["detail"], event["id"]
    with budget(context):
        outcome = wiring.retrying().run(lambda: handler(detail, event_id))
    logger.info("billing request taken", extra={"detailType": detail_type, "outcome": outcome})
    return {"detailType": detail_type, "outcome": str(outcome)}
