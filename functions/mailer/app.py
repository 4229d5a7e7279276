"""Mailer: sends the mails an event calls for (invitations, ownership, welcome), through
the workspace's own SMTP server when it has one and SES otherwise; and the one HTTP
route that sends a test message through that server.

The test route lives here because this function's role is the only one that may read
a workspace's SMTP password (docs/security.md): the test goes out exactly as the
workspace's mail will, from the same code and the same role.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace import wiring
from teamspace.api.models.integrations import SmtpTestOut, SmtpTestRequest
from teamspace.api.openapi import ok, reaching_a_mail_server
from teamspace.api.params import WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler
from teamspace.core.observability import logger, metrics
from teamspace.core.retry import budget

app = create_resolver(retrying=wiring.retrying)


@app.post(
    "/v1/workspaces/<workspaceId>/integrations/smtp/test",
    responses=reaching_a_mail_server(ok(SmtpTestOut, "The server took the test message")),
)
def test_smtp(workspaceId: WorkspaceId, body: Annotated[SmtpTestRequest, Body()]) -> dict[str, Any]:
    wiring.smtp_check().send_test(current_caller(app), workspaceId, body.to)
    return {"accepted": True}


_http = http_handler(app)


# The correlation id is the Teamspace event's own id, the same in every consumer's logs.
@logger.inject_lambda_context(correlation_id_path="detail.eventId")
@metrics.log_metrics
def _on_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with budget(context):  # its retries (core/retry.py) within this invocation's time
        return wiring.mailer().handle(event)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """An EventBridge event (its mail to send), or the test route's HTTP request."""
    if "requestContext" in event:
        return _http(event, context)
    return _on_event(event, context)
