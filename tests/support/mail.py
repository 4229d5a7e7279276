"""Mail as tests read it: what SES (moto) was asked to send, each message parsed as a
person reads it (local_runtime/mailbox.py's `read_message`), and the links in it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from moto.ses.models import ses_backends

from local_runtime.mailbox import read_message
from local_runtime.template import ACCOUNT_ID

_LINK = re.compile(r"https?://\S+")


def ses_mail(region: str = "us-east-1") -> list[dict[str, Any]]:
    """Every message SES took in the current moto account, oldest first: its From, To,
    Subject, text and HTML, and the `source` it was sent with."""
    return [
        {**read_message(message.raw_data), "source": message.source}
        for message in ses_backends[ACCOUNT_ID][region].sent_messages
    ]


def first_link(text: str) -> str:
    """The first link in a mail's text (the invitation's is its first)."""
    found = _LINK.search(text)
    assert found is not None, text
    return found.group(0)


class Tags(HTMLParser):
    """An HTML part as a mail client reads it: its start tags with their attributes, and
    its text (character references decoded)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    @property
    def text(self) -> str:
        """What a reader sees, as one string."""
        return "".join(self._text)

    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}

    def sources(self) -> list[str | None]:
        """What the part loads: every src attribute, in order."""
        return [attrs["src"] for _, attrs in self.tags if "src" in attrs]

    def links(self) -> set[str | None]:
        return {attrs.get("href") for tag, attrs in self.tags if tag == "a"}
