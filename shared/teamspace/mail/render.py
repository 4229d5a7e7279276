"""A mail as people read it: its subject, its text and its HTML, in the workspace's
branding, and the MIME message that carries both parts to SES or to an SMTP server.

Templates are files beside this module (`templates/`, shipped in the layer): `<kind>.txt`
(a `Subject:` line, a blank line, the text) and `<kind>.html` (the HTML body, set in
`layout.html`). Placeholders are `string.Template`'s `$name`; a missing value raises.

Every value is text: the HTML side escapes each one as it fills a template
(`fill_html`), and only fragments this module filled itself (`Markup`) go in unescaped,
so a workspace called `<script>` arrives as those nine characters. Styles are inline
(mail clients drop style sheets) and the only resource a mail loads is the workspace's
own logo.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from html import escape
from importlib.resources import files
from string import Template

DEFAULT_SENDER_NAME = "Teamspace"
DEFAULT_ACCENT = "#4338ca"
# Links on white when the accent is too light to read there (WCAG AA, 4.5:1).
DEFAULT_LINK = "#1d4ed8"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# The dark text colour of the templates, for text on a light accent.
DARK_INK = "#111827"
_HEADER_BREAKS = frozenset({"Cc", "Zl", "Zp"})


class Markup(str):
    """HTML this module made by filling a template: safe to put into another one as is."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Action:
    """The one thing a mail asks its reader to do: a button, and the link under it."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Mail:
    """One mail to send: to whom, which template, its values (plain text), its action."""

    to: str
    template: str  # "invitation" -> templates/invitation.txt and .html
    data: dict[str, str]
    action: Action | None = None

    def __repr__(self) -> str:  # its data may hold a link's token or a password
        return f"Mail(to={self.to!r}, template={self.template!r})"


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What the frame of a workspace's mail shows: its name, logo and accent colour, and
    the name it is sent under."""

    workspace_name: str
    logo_url: str | None = None
    accent_color: str = DEFAULT_ACCENT
    sender_name: str = DEFAULT_SENDER_NAME

    @classmethod
    def of(
        cls,
        workspace_name: str,
        *,
        logo_url: str | None = None,
        accent_color: str | None = None,
        sender_name: str | None = None,
    ) -> Letterhead:
        """A letterhead from settings as stored; a value that is not what the settings'
        validation lets in (an accent that is not #rrggbb, a logo that is not https) is
        left out rather than trusted."""
        accent = accent_color if accent_color and _COLOUR.match(accent_color) else None
        logo = logo_url if logo_url and _is_https(logo_url) else None
        return cls(
            workspace_name=workspace_name,
            logo_url=logo,
            accent_color=accent or DEFAULT_ACCENT,
            sender_name=one_line(sender_name or "") or DEFAULT_SENDER_NAME,
        )


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _is_https(url: str) -> bool:
    return url.startswith("https://") and not any(c.isspace() for c in url)


def one_line(value: str) -> str:
    """`value` with every control character and line or paragraph separator turned into
    a space, and runs of spaces made one: what a header line may hold."""
    spaced = "".join(" " if unicodedata.category(c) in _HEADER_BREAKS else c for c in value)
    return " ".join(spaced.split())


@cache
def template(name: str) -> Template:
    """A template file, read once per cold start."""
    return Template(files("teamspace.mail").joinpath("templates", name).read_text("utf-8"))


def fill_html(source: Template, values: dict[str, str | Markup]) -> Markup:
    """`source` filled with `values`, each escaped for HTML (text and attribute values
    alike) unless it is Markup this module made."""
    safe = {k: v if isinstance(v, Markup) else escape(v, quote=True) for k, v in values.items()}
    return Markup(source.substitute(safe))


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: float, b: float) -> float:
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def ink_on(accent: str) -> str:
    """The text colour that reads best on an `accent` background: white or near-black."""
    background = _luminance(accent)
    dark = _luminance(DARK_INK)
    return "#ffffff" if _contrast(background, 1.0) >= _contrast(background, dark) else DARK_INK


def link_colour(accent: str) -> str:
    """The accent for links on white when it reads there (4.5:1), a plain blue otherwise."""
    return accent if _contrast(_luminance(accent), 1.0) >= 4.5 else DEFAULT_LINK


def render(mail: Mail, letterhead: Letterhead) -> RenderedMail:
    """The mail's subject, text and HTML in `letterhead`'s branding."""
    values = {**mail.data, "workspaceName": letterhead.workspace_name}
    head, _, text = template(f"{mail.template}.txt").substitute(values).partition("\n\n")
    subject = one_line(head.removeprefix("Subject:"))
    accent = letterhead.accent_color
    colours = {"accent": accent, "ink": ink_on(accent), "link": link_colour(accent)}
    button = fallback = Markup("")
    if mail.action is not None:
        action = {"url": mail.action.url, "label": mail.action.label, **colours}
        button = fill_html(template("button.html"), action)
        fallback = fill_html(template("fallback-link.html"), action)
    body = fill_html(
        template(f"{mail.template}.html"),
        {**values, **colours, "button": button, "fallback": fallback},
    )
    if letterhead.logo_url:
        masthead = fill_html(
            template("masthead-logo.html"),
            {"logoUrl": letterhead.logo_url, "workspaceName": letterhead.workspace_name},
        )
    else:
        masthead = fill_html(
            template("masthead-name.html"),
            {"workspaceName": letterhead.workspace_name, **colours},
        )
    footer = f"Sent by Teamspace for {letterhead.workspace_name}."
    html = fill_html(
        template("layout.html"),
        {"subject": subject, "masthead": masthead, "body": body, "footer": footer, **colours},
    )
    return RenderedMail(subject=subject, text=text.strip() + "\n", html=html)


def compose(
    rendered: RenderedMail, *, to: str, sender_address: str, sender_name: str, at: datetime
) -> EmailMessage:
    """The MIME message: multipart/alternative, text then HTML, both quoted-printable
    (7-bit clean, so any server takes it, with or without 8BITMIME)."""
    message = EmailMessage()
    message["From"] = Address(display_name=one_line(sender_name), addr_spec=sender_address)
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(at)
    # The sender's domain, never socket.getfqdn(): no DNS look-up for a message id.
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(rendered.text, cte="quoted-printable")
    message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
    return message
