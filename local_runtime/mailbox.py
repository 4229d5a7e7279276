"""The mail SES was asked to send, as a person (or a test) reads it: GET /_local/outbox.

The mailer sends finished MIME messages (SendRawEmail), which moto keeps whole: each
is parsed here into its recipient, subject, text and HTML parts.
"""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email import policy
from email.message import Message
from typing import Any

from moto.ses.models import ses_backends

from local_runtime.template import ACCOUNT_ID, Template


def _parts(message: Message) -> tuple[str, str]:
    text = html = ""
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        # The wire's CRLF line ends, as a reader's newlines.
        content = payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")
        if part.get_content_type() == "text/plain":
            text = content
        elif part.get_content_type() == "text/html":
            html = content
    return text, html


def read_message(raw: str | bytes) -> dict[str, str]:
    """A MIME message as a person reads it: its From, To, Subject, text and HTML."""
    parsed = (
        email.message_from_bytes(raw, policy=policy.default)
        if isinstance(raw, bytes)
        else email.message_from_string(raw, policy=policy.default)
    )
    text, html = _parts(parsed)
    return {
        "from": str(parsed.get("From", "")),
        "to": str(parsed.get("To", "")),
        "subject": str(parsed.get("Subject", "")),
        "text": text,
        "html": html,
    }


class Mailbox:
    def __init__(self, template: Template) -> None:
        self._region = template.region
        self._seen: list[dict[str, Any]] = []

    def _backend_messages(self) -> list[Any]:
        return ses_backends[ACCOUNT_ID][self._region].sent_messages

    def collect(self) -> None:
        """Note the sends made since the last look, stamped with when they were seen."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for message in self._backend_messages()[len(self._seen) :]:
            self._seen.append(self._render(message, now))

    def messages(self) -> list[dict[str, Any]]:
        self.collect()
        return list(self._seen)

    def _render(self, message: Any, sent_at: str) -> dict[str, Any]:
        destinations = message.destinations
        to = destinations.get("ToAddresses", []) if isinstance(destinations, dict) else destinations
        if hasattr(message, "raw_data"):
            read = read_message(message.raw_data)
            subject, text, html = read["subject"], read["text"], read["html"]
        else:
            subject, text, html = message.subject, message.body, message.body
        return {
            "to": to[0] if len(to) == 1 else to,
            "subject": subject,
            "text": text,
            "html": html,
            "sentAt": sent_at,
        }


def as_json(messages: list[dict[str, Any]]) -> bytes:
    return json.dumps(messages).encode()
