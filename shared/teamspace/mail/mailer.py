"""The mailer: on an event, send its mails once.

Idempotent on the event id: a redelivered event whose mail went out is skipped. A
failed send raises, so EventBridge (and Lambda's async retries) try again, and after
the retries the event lands in the dead-letter queue. A failure never loses the
invitation: it stays pending, and a retry issues a fresh link for the same send.

One read brings what an event's mail needs besides its own data: whether it was mailed
already and the workspace (its name, branding, time zone and custom roles).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from teamspace.core.clock import Clock, SystemClock
from teamspace.core.errors import Conflict
from teamspace.core.events import DetailType, EventDetail
from teamspace.core.observability import logger, metrics
from teamspace.core.records import Workspace
from teamspace.mail.catalogue import MAILS, MailContext
from teamspace.mail.render import Letterhead, Mail, compose, render
from teamspace.mail.sender import SesSender
from teamspace.store import mailings as mail_store
from teamspace.store import snapshots
from teamspace.store.table import TeamspaceStore


def letterhead_of(workspace: Workspace | None, mail: Mail) -> Letterhead:
    """The frame a workspace's mail is set in; the event's own name for the workspace
    when it is gone."""
    if workspace is None:
        return Letterhead.of(mail.data.get("workspaceName") or "your workspace")
    branding = workspace.branding
    return Letterhead.of(
        workspace.name,
        logo_url=branding.logo_url or workspace.logo_url,
        accent_color=branding.accent_color,
        sender_name=branding.sender_name,
    )


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
        if mapping is None:
            return {"eventId": detail.eventId, "sent": 0}
        mark = mail_store.mailed_key(detail.eventId)
        seen = snapshots.load(self.store, detail.workspaceId, also=[mark])
        if seen.other(mark) is not None:
            return {"eventId": detail.eventId, "sent": 0}
        mails = mapping(detail, self.context, seen.workspace)
        for mail in mails:
            letterhead = letterhead_of(seen.workspace, mail)
            message = compose(
                render(mail, letterhead),
                to=mail.to,
                sender_address=self.sender.address,
                sender_name=letterhead.sender_name,
                at=self.clock.now(),
            )
            message_id = self.sender.send(message)
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
