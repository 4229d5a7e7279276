"""The API key authorizer: a Lambda REQUEST authorizer for HTTP APIs (payload 2.0,
simple responses) that the platform's other services attach to their routes
(docs/api-keys.md), and this stack's key API (`KeyApi`) attaches to its own workspace
routes: that API's stage variable `keyRoutes` is `own`. There a key of another
workspace is let through to the function, which answers 404 as for any stranger, and
a key past its rate is let through with `retryAfter`, which the function answers with
429 RATE_LIMITED (an authorizer can only allow or deny).

A key comes as `X-Api-Key: tsk_...` or `Authorization: Bearer tsk_...`. A key that is
malformed, of another stage, or fails its checksum is refused without a read; any other
costs one UpdateItem by its hash, which reads the key and counts the request. An allowed
request carries the key's workspace, id, role and permissions (space-separated) to the
route as `requestContext.authorizer.lambda`.
Only reason codes and key ids are logged, never a key or a hash. If the table cannot
be read within the retry budget (conflicts, throttles), the key is not known good: on
this stack's own routes the request is let through marked `storeBusy`, which the
function answers with 503 STORE_BUSY and Retry-After before anything runs for it; on
other services' routes the invocation fails and API Gateway answers 500: it fails
closed.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerResponseV2,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.core.observability import logger, metrics
from teamspace.core.retry import budget
from teamspace.domain.key_authorizer import KeyReason, KeyVerdict

# The stage variable `keyRoutes` of the API whose routes are this stack's own.
OWN_ROUTES = "own"


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@event_source(data_class=APIGatewayAuthorizerEventV2)
def lambda_handler(event: APIGatewayAuthorizerEventV2, context: LambdaContext) -> dict[str, Any]:
    headers = event.get("headers") or {}
    route_workspace_id = event.path_parameters.get("workspaceId")
    own = (event.get("stageVariables") or {}).get("keyRoutes") == OWN_ROUTES
    with budget(context):
        verdict = wiring.key_authorizer().authorize(
            headers, route_workspace_id, str(event.get("routeKey") or ""), own_routes=own
        )
    if verdict.reason is KeyReason.STORE_BUSY:
        return store_busy(own)
    key = verdict.key
    logger.info(
        "api key checked",
        extra={"reason": verdict.reason.value, "key_id": key.key_id if key else None},
    )
    limited = verdict.reason is KeyReason.RATE_LIMITED and own
    metrics.add_metric(
        name="ApiKeyRateLimited"
        if limited
        else ("ApiKeyAllowed" if verdict.allowed else "ApiKeyRefused"),
        unit=MetricUnit.Count,
        value=1,
    )
    if limited and key is not None:
        return APIGatewayAuthorizerResponseV2(
            authorize=True, context={"keyId": key.key_id, "retryAfter": verdict.retry_after}
        ).asdict()
    if verdict.reason is KeyReason.RATE_LIMITED and key is not None:
        verdict = KeyVerdict(KeyReason.ALLOWED, key)  # other services' routes: no limit
    if not verdict.allowed or key is None:
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()
    return APIGatewayAuthorizerResponseV2(
        authorize=True,
        context={
            "workspaceId": key.workspace_id,
            "keyId": key.key_id,
            "role": key.role,
            "permissions": " ".join(sorted(key.permissions)),
        },
    ).asdict()


def store_busy(own: bool) -> dict[str, Any]:
    """The answer when the key's count could not be made: on this stack's own routes, a
    pass that carries nothing but `storeBusy` (the function answers 503 with Retry-After,
    which the bar of docs/reliability.md wants instead of API Gateway's bare 500); on
    other services' routes, an error: their functions know nothing of `storeBusy`, so
    only failing the invocation keeps them closed."""
    logger.warning("api key not checked: the table stayed busy", extra={"reason": "STORE_BUSY"})
    metrics.add_metric(name="ApiKeyUnchecked", unit=MetricUnit.Count, value=1)
    if not own:
        raise RuntimeError("the API key could not be checked: the table stayed busy")
    return APIGatewayAuthorizerResponseV2(authorize=True, context={"storeBusy": "1"}).asdict()
