"""The test message of `POST .../integrations/smtp/test`: admitted by the integrations
service (`integrations:manage`, a server configured), rendered in the workspace's
branding like any of its mail, sent through its server, and its outcome recorded on the
configuration (`lastTestedAt`, `lastError`). A refusal answers 502 with the server's
reply. No event: a test changes where nothing goes (like an API key's `lastUsedAt`).
"""

from __future__ import annotations

from teamspace.core.clock import Clock, SystemClock
from teamspace.core.errors import BadGateway
from teamspace.core.identity import Caller
from teamspace.core.observability import logger
from teamspace.domain.smtp_integrations import SmtpIntegrations
from teamspace.mail.mailer import letterhead_of, sender_name_of
from teamspace.mail.render import Mail, compose, render
from teamspace.mail.smtp import SmtpConnector, SmtpDeliveryFailed


class SmtpCheck:
    def __init__(
        self, integrations: SmtpIntegrations, smtp: SmtpConnector, clock: Clock | None = None
    ) -> None:
        self.integrations = integrations
        self.smtp = smtp
        self.clock = clock or SystemClock()

    def send_test(self, caller: Caller, workspace_id: str, to: str) -> None:
        """Send a test message to `to`; BadGateway (502 `SMTP_DELIVERY_FAILED`) with the
        server's reply when it was not taken."""
        under_test = self.integrations.under_test(caller, workspace_id)
        integration = under_test.integration
        letterhead = letterhead_of(under_test.workspace)
        mail = Mail(
            to=to,
            template="smtp-test",
            data={"host": integration.host, "fromAddress": integration.from_address},
        )
        now = self.clock.now()
        error: str | None = None
        try:
            sender = self.smtp.sender_for(integration)
            message = compose(
                render(mail, letterhead),
                to=to,
                sender_address=sender.address,
                sender_name=sender_name_of(integration, letterhead),
                at=now,
            )
            sender.send(message)
        except SmtpDeliveryFailed as failure:
            error = failure.reply
        self.integrations.record_test(integration, now, error)
        logger.info(
            "smtp test",
            extra={"host": integration.host, "accepted": error is None, "reply": error},
        )
        if error is not None:
            raise BadGateway("SMTP_DELIVERY_FAILED", error)
