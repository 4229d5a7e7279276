"""The SES adapter: one finished MIME message, sent with SES v1's SendRawEmail.

The mail is rendered in the layer (`teamspace.mail.render`), so the message SES sends is
byte for byte the one a workspace's own SMTP server would get. SendRawEmail, rather than
SendEmail with Html and Text parts, because it is what moto keeps whole (its SendEmail
keeps one part), so the message a test or the local outbox reads is the one sent.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from typing import Any, Protocol


class Transport(Protocol):
    """A way out for a finished message: SES, or a workspace's own SMTP server."""

    address: str  # the From address it sends as

    def send(self, message: EmailMessage) -> str:
        """Send `message`; an id for the log. Raises when it was not taken."""
        ...


class SesSender:
    """Sends from the stack's verified address (the IAM policy allows no other)."""

    def __init__(self, client: Any, source: str) -> None:
        self._client = client
        self.address = source

    def send(self, message: EmailMessage) -> str:
        """Send `message`; SES's message id. No Destinations: SES reads the To header."""
        response = self._client.send_raw_email(
            Source=self.address,
            RawMessage={"Data": message.as_bytes(policy=policy.SMTP)},
        )
        return response["MessageId"]
