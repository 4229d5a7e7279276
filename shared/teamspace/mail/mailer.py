"""The mailer: on an event, send its mails once.

Idempotent on the event id: a redelivered event whose mail went out is skipped. A
failed send raises, so EventBridge (and Lambda's async retries) try again, and after
the retries the event lands in the dead-letter queue. A failure never loses the
invitation: it stays pending, and a retry issues a fresh link for the same send.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from teamspace.core.clock import Clock, SystemClock
from teamspace.core.errors import Conflict
from teamspace.core.events import DetailType, EventDetail
from teamspace.core.observability import logger, metrics
from teamspace.mail.catalogue import MAILS, MailContext
from teamspace.mail.sender import SesSender
from teamspace.store import mailings as mail_store
from teamspace.store.table import TeamspaceStore


class Mailer:
    def __init__(
        self,
        store: TeamspaceStore,
        sender: SesSender,
        context: MailContext,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.context = context
        self.clock = clock or SystemClock()

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        """Handle one EventBridge event; returns what was sent, for the log."""
        mapping = MAILS.get(DetailType(event["detail-type"]))
        detail = EventDetail.model_validate(event["detail"])
        if mapping is None or mail_store.was_mailed(self.store, detail.eventId):
            return {"eventId": detail.eventId, "sent": 0}
        mails = mapping(detail, self.context)
        for mail in mails:
            message_id = self.sender.send(mail)
            logger.info(
                "mail sent",
                extra={
                    "template": mail.template,
                    "message_id": message_id,
                    "event_id": detail.eventId,
                },
            )
            metrics.add_metric(name=f"MailSent_{mail.template}", unit=MetricUnit.Count, value=1)
        # A concurrent delivery of the same event may have marked it first: that is fine.
        with suppress(Conflict):
            self.store.commit([mail_store.mark_mailed(detail.eventId, self.clock.now())])
        return {"eventId": detail.eventId, "sent": len(mails)}
