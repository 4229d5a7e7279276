"""Mail as it is rendered (shared/teamspace/mail/render.py): every kind of mail the
catalogue sends, with its text and HTML parts, the workspace's branding, every value
escaped in the HTML, inline styles only, no outside resource but the logo, headers that
stay one line, and dates in the workspace's time zone."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from importlib.resources import files

import pytest

from teamspace.mail.catalogue import human_date
from teamspace.mail.render import (
    DEFAULT_ACCENT,
    DEFAULT_LINK,
    DEFAULT_SENDER_NAME,
    Action,
    Letterhead,
    Mail,
    compose,
    ink_on,
    link_colour,
    render,
)
from tests.support.mail import Tags

KINDS = sorted(
    entry.name.removesuffix(".txt")
    for entry in files("teamspace.mail").joinpath("templates").iterdir()
    if entry.name.endswith(".txt")
)
# The values each kind's templates ask for (workspaceName comes from the letterhead).
VALUES = {
    "invitation": (
        "inviterName",
        "roleName",
        "roleSummary",
        "acceptUrl",
        "expiresOn",
        "email",
    ),
    "ownership-requested": ("ownerName", "expiresOn", "appUrl"),
    "ownership-transferred": ("newOwnerName", "previousOwnerName", "appUrl"),
    "smtp-test": ("host", "fromAddress"),
    "welcome": ("name", "email", "signInUrl"),
    "welcome-temporary": ("name", "email", "signInUrl", "temporaryPassword"),
}
# Kinds with no button: the SMTP test message asks nothing of its reader.
WITHOUT_ACTION = {"smtp-test"}
HOSTILE = '<script>alert("x")</script>&<img src=x onerror=alert(1)>'
LOGO = "https://cdn.acme.example/logo.png"
ACTION_URL = "https://app.example.com/accept?token=abc&next=%2F"
AT = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def mail(kind: str, value: str = "value", action: bool = True) -> Mail:
    return Mail(
        to="bob@example.com",
        template=kind,
        data=dict.fromkeys(VALUES[kind], value),
        action=Action("Do it", ACTION_URL) if action else None,
    )


def letterhead(**changes) -> Letterhead:
    return Letterhead.of(
        changes.pop("workspace_name", "Acme Voice"),
        **{"logo_url": LOGO, "accent_color": "#0F766E", "sender_name": "Acme", **changes},
    )


def test_every_kind_of_mail_has_a_text_and_an_html_template_and_is_listed_here():
    assert sorted(VALUES) == KINDS
    templates = files("teamspace.mail").joinpath("templates")
    for kind in KINDS:
        assert templates.joinpath(f"{kind}.html").is_file(), kind
        assert templates.joinpath(f"{kind}.txt").read_text().startswith("Subject: "), kind


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_every_value_in_both_parts(kind):
    values = {name: f"<{name}-value>" for name in VALUES[kind]}
    rendered = render(Mail("bob@example.com", kind, values, Action("Go", ACTION_URL)), letterhead())
    assert rendered.subject
    assert "\n" not in rendered.subject
    for name, value in values.items():
        if name.endswith("Url"):
            continue  # links are checked below
        assert value in rendered.text, (kind, name)
        assert value.replace("<", "&lt;").replace(">", "&gt;") in rendered.html, (kind, name)
    assert "$" not in rendered.text + rendered.html  # no placeholder left unfilled
    assert "Acme Voice" in rendered.text
    assert "Acme Voice" in rendered.html


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_value_is_an_error_not_a_hole_in_the_mail(kind):
    values = dict.fromkeys(VALUES[kind][1:], "v")
    with pytest.raises(KeyError):
        render(Mail("bob@example.com", kind, values), letterhead())


@pytest.mark.parametrize("kind", KINDS)
def test_every_value_arrives_as_text_in_the_html(kind):
    """A workspace, a person or a role called `<script>...` is shown, never run."""
    rendered = render(mail(kind, HOSTILE), letterhead(workspace_name=HOSTILE))
    tags = Tags(rendered.html)
    assert "script" not in tags.names()
    assert not [a for _, attrs in tags.tags for a in attrs if a.startswith("on")]
    assert "&lt;script&gt;" in rendered.html
    assert HOSTILE in tags.text  # what a reader sees: the text itself
    assert HOSTILE in rendered.text  # the text part is plain text: nothing to escape


@pytest.mark.parametrize("kind", KINDS)
def test_styles_are_inline_and_the_only_outside_resource_is_the_logo(kind):
    rendered = render(mail(kind), letterhead())
    tags = Tags(rendered.html)
    assert not tags.names() & {"style", "link", "script", "iframe", "object", "embed", "form"}
    assert tags.sources() == [LOGO]
    assert tags.links() == (set() if kind in WITHOUT_ACTION else {ACTION_URL})
    assert "url(" not in rendered.html  # no CSS that loads anything either
    assert any("style" in attrs for _, attrs in tags.tags)


def test_without_a_logo_the_mail_loads_nothing_and_shows_the_name():
    rendered = render(mail("invitation"), letterhead(logo_url=None))
    tags = Tags(rendered.html)
    assert tags.sources() == []
    assert "Acme Voice" in tags.text


def test_the_accent_colours_the_rule_and_the_button_in_a_colour_that_reads_on_it():
    dark = render(mail("invitation"), letterhead(accent_color="#0F766E"))
    assert "border-top:4px solid #0F766E" in dark.html
    assert "background-color:#0F766E" in dark.html
    assert "color:#ffffff;text-decoration:none" in dark.html
    light = render(mail("invitation"), letterhead(accent_color="#FDE047"))
    assert "color:#111827;text-decoration:none" in light.html
    assert f"color:{DEFAULT_LINK}" in light.html  # links stay readable on white


@pytest.mark.parametrize(
    ("accent", "ink", "link"),
    [
        ("#000000", "#ffffff", "#000000"),
        ("#ffffff", "#111827", DEFAULT_LINK),
        ("#FDE047", "#111827", DEFAULT_LINK),
        ("#0F766E", "#ffffff", "#0F766E"),
        ("#1d4ed8", "#ffffff", "#1d4ed8"),
    ],
)
def test_contrast(accent, ink, link):
    assert ink_on(accent) == ink
    assert link_colour(accent) == link


@pytest.mark.parametrize(
    ("stored", "kept"),
    [
        ({"accent_color": "red;background:url(https://x)"}, {"accent_color": DEFAULT_ACCENT}),
        ({"logo_url": "http://cdn.example/logo.png"}, {"logo_url": None}),
        ({"logo_url": "javascript:alert(1)"}, {"logo_url": None}),
        ({"sender_name": "Acme\r\nBcc: x@example.com"}, {"sender_name": "Acme Bcc: x@example.com"}),
        ({"sender_name": None}, {"sender_name": DEFAULT_SENDER_NAME}),
    ],
)
def test_a_letterhead_trusts_no_stored_value_the_settings_would_refuse(stored, kept):
    made = letterhead(**stored)
    for name, value in kept.items():
        assert getattr(made, name) == value


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)


def test_the_message_is_text_then_html_and_seven_bit_clean():
    rendered = render(mail("invitation", "Zoë Ångström ✓"), letterhead(workspace_name="Café"))
    message = compose(
        rendered,
        to="bob@example.com",
        sender_address="no-reply@example.com",
        sender_name="Café Support",
        at=AT,
    )
    raw = message.as_bytes(policy=policy.SMTP)
    assert max(raw) < 128  # quoted-printable and encoded words: any server takes it
    back = parsed(message)
    assert back.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in back.iter_parts()] == ["text/plain", "text/html"]
    assert back.get_body(("plain",)).get_content().replace("\r\n", "\n") == rendered.text
    assert "Zoë Ångström ✓" in back.get_body(("html",)).get_content()
    assert str(back["From"]) == "Café Support <no-reply@example.com>"
    assert back["Subject"] == rendered.subject
    assert back["Message-ID"].endswith("@example.com>")
    assert back["Auto-Submitted"] == "auto-generated"


def test_no_value_can_add_a_header():
    rendered = render(
        mail("invitation", "Olivia\r\nBcc: victim@example.com"),
        letterhead(workspace_name="Acme\nX-Injected: 1", sender_name="Acme\r\nCc: x@y.example"),
    )
    message = compose(
        rendered,
        to="bob@example.com",
        sender_address="no-reply@example.com",
        sender_name="Acme\r\nCc: x@y.example",
        at=AT,
    )
    back = parsed(message)
    assert set(back.keys()) == {
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "Auto-Submitted",
        "MIME-Version",
        "Content-Type",
    }
    assert "\n" not in back["Subject"]
    assert "\n" not in str(back["From"])


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", "8 December 2026 at 10:00 UTC"),
        ("Europe/Berlin", "8 December 2026 at 11:00 CET (Europe/Berlin)"),
        ("America/New_York", "8 December 2026 at 05:00 EST (America/New_York)"),
        ("Asia/Tokyo", "8 December 2026 at 19:00 JST (Asia/Tokyo)"),
        ("Mars/Olympus", "8 December 2026 at 10:00 UTC"),  # unknown: UTC, not a failure
    ],
)
def test_dates_are_shown_in_the_workspaces_time_zone(zone, shown):
    assert human_date(AT, zone) == shown


def test_summer_time_is_the_zones_own():
    assert human_date(datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "Europe/Berlin") == (
        "1 July 2026 at 12:00 CEST (Europe/Berlin)"
    )
