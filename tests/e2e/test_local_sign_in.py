"""The local runtime's identity provider (local_runtime/idp.py) over real HTTP, as the
invitation page uses it: the authorization request and its sign-in page, a managed
account's password through the emulated pool, a development user, and the code
exchanged with its PKCE verifier for an ID token the API accepts."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.support.http import Api, create_workspace, mails_to

pytestmark = pytest.mark.e2e

AUTHORIZE = "/_local/idp/oauth2/authorize"
LOGIN = "/_local/idp/login"
TOKEN = "/_local/idp/oauth2/token"


class SignInRequest:
    """One authorization request of the invitation page, with its PKCE verifier."""

    def __init__(self, api: Api, **changes: str) -> None:
        self.api = api
        self.verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(self.verifier.encode()).digest()
        self.params = {
            "response_type": "code",
            "client_id": api.runtime.aws.user_pool_client_id,
            "redirect_uri": f"{api.base}/accept",
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(16),
            "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
            "code_challenge_method": "S256",
            **changes,
        }

    def authorize(self) -> requests.Response:
        return requests.get(f"{self.api.base}{AUTHORIZE}?{urlencode(self.params)}", timeout=10)

    def login(self, **form: str) -> requests.Response:
        return requests.post(
            f"{self.api.base}{LOGIN}",
            data={**self.params, **form},
            allow_redirects=False,
            timeout=10,
        )

    def code_of(self, reply: requests.Response) -> str:
        assert reply.status_code == 303, reply.text
        location = urlsplit(reply.headers["location"])
        back = f"{location.scheme}://{location.netloc}{location.path}"
        assert back == self.params["redirect_uri"]
        query = parse_qs(location.query)
        assert query["state"] == [self.params["state"]]
        return query["code"][0]

    def exchange(self, code: str, **changes: str) -> requests.Response:
        form = {
            "grant_type": "authorization_code",
            "client_id": self.params["client_id"],
            "code": code,
            "redirect_uri": self.params["redirect_uri"],
            "code_verifier": self.verifier,
            **changes,
        }
        return requests.post(f"{self.api.base}{TOKEN}", data=form, timeout=10)


class Labels(HTMLParser):
    """The ids of the visible inputs, and the ids that labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[str] = []
        self.labelled: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") != "hidden":
            self.inputs.append(found.get("id") or "")
        if tag == "label":
            self.labelled.append(found.get("for") or "")


def test_the_sign_in_page_labels_every_field_and_allows_nothing_inline(api):
    reply = SignInRequest(api).authorize()
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    policy = reply.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "style-src 'self';" in policy
    assert "script-src" not in policy  # no script at all
    assert f"form-action 'self' {api.base};" in policy
    assert reply.headers["referrer-policy"] == "no-referrer"
    labels = Labels()
    labels.feed(reply.text)
    assert len(labels.inputs) >= 5
    assert sorted(labels.inputs) == sorted(labels.labelled)
    assert "style=" not in reply.text
    assert "<script" not in reply.text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"client_id": "another-client"}, "unknown client_id"),
        ({"redirect_uri": "https://evil.example.com/accept"}, "callback URLs"),
        ({"response_type": "token"}, "response_type must be code"),
        ({"code_challenge_method": "plain"}, "S256"),
        ({"code_challenge": ""}, "S256"),
        ({"scope": "email"}, "openid"),
    ],
)
def test_a_request_the_client_was_not_set_up_for_is_refused(api, change, reason):
    request = SignInRequest(api, **change)
    for reply in (request.authorize(), request.login(method="developer", email="x@example.com")):
        assert reply.status_code == 400
        assert reason in reply.text
        assert "location" not in reply.headers


def test_a_development_user_continues_and_the_code_becomes_an_id_token_once(api):
    request = SignInRequest(api)
    code = request.code_of(
        request.login(method="developer", email="Dev@Example.com", name="Dev Eloper")
    )
    reply = request.exchange(code)
    assert reply.status_code == 200, reply.text
    assert reply.headers["cache-control"] == "no-store"
    token = reply.json()["id_token"]
    assert reply.json()["token_type"] == "Bearer"
    dev = api.bearer(token)
    assert create_workspace(dev, "Dev's own")
    [workspace] = dev.get("/v1/workspaces").json()["items"]
    members = dev.get(f"/v1/workspaces/{workspace['workspaceId']}/members").json()["items"]
    assert [(m["userId"], m["email"]) for m in members] == [("Dev", "dev@example.com")]
    again = request.exchange(code)  # a code works once
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "INVALID_GRANT"


def test_a_development_user_may_name_their_user_id(api):
    request = SignInRequest(api)
    code = request.code_of(request.login(method="developer", email="dee@example.com", sub="dee-42"))
    token = request.exchange(code).json()["id_token"]
    workspace_id = create_workspace(api.bearer(token), "Dee's")
    members = api.bearer(token).get(f"/v1/workspaces/{workspace_id}/members").json()["items"]
    assert [m["userId"] for m in members] == ["dee-42"]
    bad = request.login(method="developer", email="dee@example.com", sub="dee/42")
    assert bad.status_code == 422
    assert "user id" in bad.text


@pytest.mark.parametrize(
    "change",
    [
        {"code_verifier": "not-the-verifier"},
        {"code_verifier": ""},
        {"redirect_uri": "http://127.0.0.1:1/accept"},
        {"client_id": "another-client"},
        {"grant_type": "refresh_token"},
    ],
)
def test_the_code_is_exchanged_only_with_its_verifier_client_and_redirect(api, change):
    request = SignInRequest(api)
    code = request.code_of(request.login(method="developer", email="pk@example.com"))
    refused = request.exchange(code, **change)
    assert refused.status_code == 400
    assert refused.json()["error"] in {"invalid_grant", "invalid_client", "unsupported_grant_type"}
    assert "id_token" not in refused.text


def test_a_managed_account_signs_in_with_its_password_through_the_pool(api):
    owner = api.user("idp-owner", email="ivy@example.com")
    workspace_id = create_workspace(owner, "Pool")
    base = f"/v1/workspaces/{workspace_id}"
    body = {"email": "max@example.com", "name": "Max", "role": "member", "password": "max-pass-1"}
    made = owner.post(f"{base}/members", json=body)
    assert made.status_code == 201, made.text
    request = SignInRequest(api)

    wrong = request.login(method="password", email="max@example.com", password="nope-nope")
    assert wrong.status_code == 401
    assert "Wrong email or password" in wrong.text
    assert 'value="max@example.com"' in wrong.text  # the address stays, the password not
    assert "nope-nope" not in wrong.text

    code = request.code_of(
        request.login(method="password", email="max@example.com", password="max-pass-1")
    )
    token = request.exchange(code).json()["id_token"]
    assert api.bearer(token).get(base).status_code == 200
    # The pool's own token, and its post-authentication trigger ran.
    claims = base64.urlsafe_b64decode(token.split(".")[1] + "==")
    assert b"cognito-idp" in claims
    user_id = made.json()["userId"]
    assert len(owner.get(f"{base}/members/{user_id}/sign-ins").json()["items"]) == 1


def test_a_temporary_password_asks_for_a_new_one_on_the_sign_in_page(api):
    owner = api.user("idp-temp-owner", email="tao@example.com")
    workspace_id = create_workspace(owner, "Temporary")
    body = {"email": "tia@example.com", "name": "Tia", "role": "viewer", "sendEmail": True}
    assert owner.post(f"/v1/workspaces/{workspace_id}/members", json=body).status_code == 201
    [welcome] = mails_to(api, "tia@example.com")
    temporary = re.search(r"temporary password:\s+(\S+)", welcome["text"]).group(1)
    request = SignInRequest(api)

    asked = request.login(method="password", email="tia@example.com", password=temporary)
    assert asked.status_code == 200
    assert "choose a new one" in asked.text
    assert re.search(r'<div class="field">\s*<label for="new-password">', asked.text)
    code = request.code_of(
        request.login(
            method="password",
            email="tia@example.com",
            password=temporary,
            newPassword="tia-own-pass",
        )
    )
    token = request.exchange(code).json()["id_token"]
    assert api.bearer(token).get(f"/v1/workspaces/{workspace_id}").status_code == 200
