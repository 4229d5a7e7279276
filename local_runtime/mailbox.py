"""The mail SES was asked to send, as a person (or a test) reads it: GET /_local/outbox.

moto keeps templated sends as a template name and its data; the text is rendered with
SES's own TestRenderTemplate, from the template that template.yaml defines.
"""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import boto3
from moto.ses.models import ses_backends

from local_runtime.template import ACCOUNT_ID, Template


def _parts(message: Message) -> tuple[str, str]:
    text = html = ""
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        content = payload.decode(part.get_content_charset() or "utf-8")
        if part.get_content_type() == "text/plain":
            text = content
        elif part.get_content_type() == "text/html":
            html = content
    return text, html


class Mailbox:
    def __init__(self, template: Template) -> None:
        self._region = template.region
        self._ses = boto3.client("ses", region_name=template.region)
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
        if hasattr(message, "template"):
            rendered = self._ses.test_render_template(
                TemplateName=message.template[0]
                if isinstance(message.template, list)
                else message.template,
                TemplateData=message.template_data[0]
                if isinstance(message.template_data, list)
                else message.template_data,
            )["RenderedTemplate"]
            parsed = email.message_from_string(rendered)
            text, html = _parts(parsed)
            subject = str(parsed.get("Subject", ""))
        elif hasattr(message, "raw_data"):
            parsed = email.message_from_string(message.raw_data)
            text, html = _parts(parsed)
            subject = str(parsed.get("Subject", ""))
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
