"""The mailer: on an event, send its mails once.

Idempotent on the event id: a redelivered event whose mail went out is skipped. A
failed send raises, so EventBridge (and Lambda's async retries) try again, and after
the retries the event lands in the dead-letter queue. A failure never loses the
invitation: it stays pending, and a retry issues a fresh link for the same send.

One read brings what an event's mail needs besides its own data: whether it was mailed
already, the workspace (its name, branding, time zone and custom roles) and its own SMTP
server, if it has one. With one, every mail of the workspace goes through it (from its
configured address); without, through SES (from the stack's sender). A server that
refuses fails the event like SES refusing: retried, then dead-lettered, and the
invitation stays pending.

Under contention (core/retry.py): reading what the mail needs and issuing its links
(a write) is one cycle, retried whole when DynamoDB cancels or throttles it, before
anything is sent; once its budget is spent the event fails, nothing sent, and is
redelivered. The mark written after sending is retried on its own; if that is spent
too, the mail has gone out once and the event succeeds (a warning says the mark is
missing: only a duplicate delivery of the same event could then mail it again).
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from teamspace.core.clock import Clock, SystemClock
from teamspace.core.errors import Conflict, Unavailable
from teamspace.core.events import DetailType, EventDetail
from teamspace.core.observability import logger, metrics
from teamspace.core.records import SmtpIntegration, Workspace
from teamspace.core.retry import RETRYABLE, Retrying
from teamspace.domain.plans import plan_of
from teamspace.mail.catalogue import MAILS, MailContext
from teamspace.mail.catalogue import Mapping as MailMapping
from teamspace.mail.render import Letterhead, Mail, compose, render
from teamspace.mail.sender import SesSender, Transport
from teamspace.mail.smtp import SmtpConnector, SmtpDeliveryFailed
from teamspace.permissions import Feature
from teamspace.store import integrations as integration_store
from teamspace.store import mailings as mail_store
from teamspace.store import snapshots
from teamspace.store.snapshots import Snapshot
from teamspace.store.table import TeamspaceStore


def letterhead_of(workspace: Workspace | None, fallback_name: str = "") -> Letterhead:
    """The frame a workspace's mail is set in; the event's own name for the workspace
    when it is gone."""
    if workspace is None:
        return Letterhead.of(fallback_name or "your workspace")
    branding = workspace.branding
    return Letterhead.of(
        workspace.name,
        logo_url=branding.logo_url or workspace.logo_url,
        accent_color=branding.accent_color,
        sender_name=branding.sender_name,
    )


def sender_name_of(integration: SmtpIntegration | None, letterhead: Letterhead) -> str:
    """The From name: the SMTP configuration's own, else the workspace's branding."""
    if integration is not None and integration.from_name:
        return integration.from_name
    return letterhead.sender_name


class Mailer:
    def __init__(
        self,
        store: TeamspaceStore,
        sender: SesSender,
        context: MailContext,
        clock: Clock | None = None,
        *,
        smtp: SmtpConnector,
    ) -> None:
        self.store = store
        self.sender = sender
        self.context = context
        self.clock = clock or SystemClock()
        self.smtp = smtp
        self.retrying = Retrying(self.clock.sleep)

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        """Handle one EventBridge event; returns what was sent, for the log."""
        mapping = MAILS.get(DetailType(event["detail-type"]))
        detail = EventDetail.model_validate(event["detail"])
        if mapping is None:
            return {"eventId": detail.eventId, "sent": 0}
        prepared = self.retrying.run(lambda: self._prepare(detail, mapping))
        if prepared is None:
            return {"eventId": detail.eventId, "sent": 0}
        mails, workspace, integration = prepared
        transport: Transport | None = None
        for mail in mails:
            transport = transport or self._transport(integration, detail.eventId)
            letterhead = letterhead_of(workspace, mail.data.get("workspaceName", ""))
            message = compose(
                render(mail, letterhead),
                to=mail.to,
                sender_address=transport.address,
                sender_name=sender_name_of(integration, letterhead),
                at=self.clock.now(),
            )
            message_id = self._send(transport, message, integration, detail.eventId)
            logger.info(
                "mail sent",
                extra={
                    "template": mail.template,
                    "message_id": message_id,
                    "event_id": detail.eventId,
                    "through": "smtp" if integration is not None else "ses",
                },
            )
            metrics.add_metric(name=f"MailSent_{mail.template}", unit=MetricUnit.Count, value=1)
        self._mark(detail.eventId)
        return {"eventId": detail.eventId, "sent": len(mails)}

    def _prepare(
        self, detail: EventDetail, mapping: MailMapping
    ) -> tuple[list[Mail], Workspace | None, SmtpIntegration | None] | None:
        """What the event's mail needs (None when it was mailed already), its links
        issued: the cycle the retry policy runs again when DynamoDB cancels it."""
        mark = mail_store.mailed_key(detail.eventId)
        smtp_key = integration_store.smtp_key(detail.workspaceId)
        seen = snapshots.load(self.store, detail.workspaceId, also=[mark, smtp_key])
        if seen.other(mark) is not None:
            return None
        mails = mapping(detail, self.context, seen.workspace)
        return mails, seen.workspace, _smtp_on_plan(seen.workspace, seen)

    def _mark(self, event_id: str) -> None:
        """The event marked as mailed, after its mail went out."""
        try:
            self.retrying.run(
                lambda: self.store.commit([mail_store.mark_mailed(event_id, self.clock.now())])
            )
        except (*RETRYABLE, Unavailable) as error:
            logger.warning(
                "mail sent, its mark not written",
                extra={"event_id": event_id, "error_type": type(error).__name__},
            )
        except Conflict:
            pass  # a concurrent delivery of the same event marked it first: that is fine

    def _transport(self, integration: SmtpIntegration | None, event_id: str) -> Transport:
        """The workspace's server (its password read now, when there is mail to send),
        or SES."""
        if integration is None:
            return self.sender
        try:
            return self.smtp.sender_for(integration)
        except SmtpDeliveryFailed as failure:
            self._failed(integration, failure, event_id)
            raise

    def _send(
        self,
        transport: Transport,
        message: EmailMessage,
        integration: SmtpIntegration | None,
        event_id: str,
    ) -> str:
        try:
            return transport.send(message)
        except SmtpDeliveryFailed as failure:
            if integration is not None:  # only an SMTP transport raises it
                self._failed(integration, failure, event_id)
            raise

    @staticmethod
    def _failed(integration: SmtpIntegration, failure: SmtpDeliveryFailed, event_id: str) -> None:
        """A refusal in the log (the server's reply, never a credential), and counted;
        the event is failed, so that it is retried and then dead-lettered."""
        logger.warning(
            "smtp delivery failed",
            extra={"event_id": event_id, "host": integration.host, "reply": failure.reply},
        )
        metrics.add_metric(name="MailFailed_smtp", unit=MetricUnit.Count, value=1)


def _smtp_on_plan(workspace: Workspace | None, seen: Snapshot) -> SmtpIntegration | None:
    """The workspace's SMTP server, while its plan includes smtpIntegration: on a plan
    without it (a downgrade), its mail goes through SES and the configuration is kept,
    for an upgrade to use again."""
    if workspace is None:
        return None
    integration = integration_store.smtp_in(seen, workspace.workspace_id)
    if integration is None or not plan_of(workspace).includes(Feature.SMTP_INTEGRATION):
        return None
    return integration
