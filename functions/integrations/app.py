"""Integrations: a workspace's own SMTP server, configured, read and removed (routes in
template.yaml). Its role writes SMTP passwords to Secrets Manager and cannot read them;
the test message is sent by the mailer, whose role alone reads them (functions/mailer)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from teamspace import wiring
from teamspace.api.models.integrations import (
    SmtpIntegrationOut,
    SmtpSettingsRequest,
    smtp_integration_out,
)
from teamspace.api.openapi import no_content, ok
from teamspace.api.params import WorkspaceId
from teamspace.api.resolver import create_resolver, current_caller, http_handler

app = create_resolver(retrying=wiring.retrying)
SMTP = "/v1/workspaces/<workspaceId>/integrations/smtp"


@app.put(SMTP, responses=ok(SmtpIntegrationOut, "The configuration, never the password"))
def configure_smtp(
    workspaceId: WorkspaceId, body: Annotated[SmtpSettingsRequest, Body()]
) -> dict[str, Any]:
    integration = wiring.smtp_integrations().configure(
        current_caller(app), workspaceId, body.settings()
    )
    return smtp_integration_out(integration)


@app.get(SMTP, responses=ok(SmtpIntegrationOut, "The configuration and its last test"))
def get_smtp(workspaceId: WorkspaceId) -> dict[str, Any]:
    return smtp_integration_out(wiring.smtp_integrations().get(current_caller(app), workspaceId))


@app.delete(SMTP, responses=no_content("Removed: mail goes through Teamspace's own again"))
def remove_smtp(workspaceId: WorkspaceId):
    wiring.smtp_integrations().remove(current_caller(app), workspaceId)
    return Response(204)


lambda_handler = http_handler(app)
