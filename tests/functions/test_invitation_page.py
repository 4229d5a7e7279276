"""The invitation page's function through its entry point: the document, its files and
settings, and the headers every answer carries (tests/e2e/test_browser_pages.py drives
the page in a real browser)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest

from teamspace.permissions.catalogue import PERMISSION_INFO, Permission
from tests.support import TEMPLATE, Functions, sample_event

PAGE = "InvitationPageFunction"
TOKEN = "sample-token-replace-with-the-one-from-the-mail-0123456789ab"
HOSTED_UI = "https://teamspace-dev-123456789012.auth.us-east-1.amazoncognito.com"
API = "https://api123.execute-api.us-east-1.amazonaws.com"


@pytest.fixture
def page(monkeypatch) -> Functions:
    """The page's function with the environment the template gives it in AWS."""
    for name, value in TEMPLATE.functions()[PAGE].environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("IDP_URL", HOSTED_UI)
    monkeypatch.setenv("IDP_CLIENT_ID", "client123")
    monkeypatch.setenv("API_URL", API)
    monkeypatch.setenv("APP_URL", "https://app.example.com")
    return Functions(TEMPLATE)


def get_file(page: Functions, name: str):
    return page.call(PAGE, sample_event("invitation_page/page-config.json", path={"file": name}))


def policy_of(headers: dict[str, str]) -> dict[str, list[str]]:
    directives = [d.split() for d in headers["content-security-policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside script and style tags."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, Any]]] = []
        self.inline: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._inside = tag if tag in ("script", "style") else None

    def handle_endtag(self, _tag: str) -> None:
        self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside and data.strip():
            self.inline.append(data)


def test_the_page_is_served_with_a_strict_policy_and_no_referrer(page):
    reply = page.call(PAGE, sample_event("invitation_page/open-page.json"))
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    policy = policy_of(reply.headers)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", API, HOSTED_UI]
    assert policy["img-src"] == ["'self'", "https:"]  # the workspace's logo
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "unsafe" not in reply.headers["content-security-policy"]
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["cache-control"] == "no-store"


def test_the_document_has_nothing_inline_and_loads_only_its_own_files(page):
    html = page.call(PAGE, sample_event("invitation_page/open-page.json")).body
    elements = Elements()
    elements.feed(html)
    assert elements.inline == []
    tags = elements.tags
    assert not [tag for tag, _ in tags if tag == "style"]
    for tag, attributes in tags:
        assert "style" not in attributes, tag
        assert not [name for name in attributes if name.startswith("on")], tag
    scripts = [a["src"] for t, a in tags if t == "script"]
    links = [a["href"] for t, a in tags if t == "link"]
    assert scripts == ["/accept/page.js"]
    assert sorted(links) == ["/accept/icon.svg", "/accept/page.css"]
    # Buttons are buttons, and none of them submits a form.
    buttons = [a for t, a in tags if t == "button"]
    assert len(buttons) >= 5
    assert all(a.get("type") == "button" for a in buttons)
    assert not [t for t, _ in tags if t == "form"]
    assert ("meta", {"name": "referrer", "content": "no-referrer"}) in tags


def test_the_settings_name_the_hosted_ui_at_cognitos_paths_the_client_and_the_api(page):
    reply = get_file(page, "config.json")
    assert reply.status == 200
    permissions = reply.body.pop("permissions")
    assert reply.body == {
        "apiUrl": API,
        "appUrl": "https://app.example.com",
        "signIn": {
            "authorizeUrl": f"{HOSTED_UI}/oauth2/authorize",
            "tokenUrl": f"{HOSTED_UI}/oauth2/token",
            "clientId": "client123",
            "scope": "openid email profile",
        },
    }
    assert reply.headers["cache-control"] == "no-store"
    # What each permission allows, for the page to say what the invitation's role does.
    assert list(permissions) == [str(p) for p in PERMISSION_INFO]
    assert permissions["agents:edit"] == PERMISSION_INFO[Permission.AGENTS_EDIT].summary


def test_without_a_hosted_ui_the_page_offers_no_sign_in(page, monkeypatch):
    monkeypatch.setenv("IDP_URL", "")  # another identity provider (JwtIssuer)
    reply = get_file(page, "config.json")
    assert reply.body["signIn"] is None
    assert policy_of(reply.headers)["connect-src"] == ["'self'", API]


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("page.js", "text/javascript; charset=utf-8"),
        ("page.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ],
)
def test_the_pages_files_are_served_with_their_type_and_the_same_policy(page, name, media):
    reply = get_file(page, name)
    assert reply.status == 200
    assert reply.headers["content-type"] == media
    assert reply.body
    assert policy_of(reply.headers)["script-src"] == ["'self'"]
    assert reply.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("name", ["app.py", "accept.html", "..%2Fapp.py", "../app.py", ""])
def test_anything_else_is_a_404_problem(page, name):
    reply = get_file(page, name)
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.code == "FILE_NOT_FOUND"


def test_the_link_token_never_reaches_the_functions_output(page, capfd):
    event = sample_event("invitation_page/open-page.json")
    assert TOKEN in json.dumps(event)
    page.call(PAGE, event)
    printed = capfd.readouterr()
    assert TOKEN not in printed.out + printed.err
