"""The local runtime's identity provider for the invitation page: what Cognito's hosted UI
is in AWS, at the same paths under `/_local/idp` (`/oauth2/authorize`, `/oauth2/token`),
so that the page's code is the same in both places.

`GET /oauth2/authorize` (authorization code with PKCE, S256 only) shows a sign-in page:
a managed account signs in with its password through the emulated user pool (as
`POST /_local/sign-in` does, its post-authentication trigger included), and a development
user continues as any address (as `POST /_local/tokens` issues). Either way the browser
goes back to the page with a one-time code, which `POST /oauth2/token` exchanges, with
the PKCE verifier, for the ID token. A code lives five minutes and works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qsl, urlencode

from pydantic import SecretStr

from local_runtime.sign_in import SignedIn, SignInRefused, SignInRequest
from local_runtime.tokens import LocalIssuer

PREFIX = "/_local/idp"
AUTHORIZE = f"{PREFIX}/oauth2/authorize"
TOKEN = f"{PREFIX}/oauth2/token"
LOGIN = f"{PREFIX}/login"
STYLESHEET = f"{PREFIX}/sign-in.css"
STATIC = Path(__file__).resolve().parent / "static"
CODE_LIFETIME_SECONDS = 300
# What an authorization request carries through the sign-in form.
REQUEST_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
# A development user's id: the part of the address before the @, as the README's users.
USER_ID = re.compile(r"^[A-Za-z0-9._@:|+=-]{1,128}$")
DEVELOPER_REFUSED = (
    "Give an email address, and a user id of letters, digits and . _ @ : | + = - (or none)."
)

Reply = tuple[int, dict[str, str], bytes]
PoolSignIn = Callable[[SignInRequest], SignedIn]


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Grant:
    id_token: str
    client_id: str
    redirect_uri: str
    challenge: str
    expires: float


def _challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _headers(content_type: str, form_action: str = "'none'") -> dict[str, str]:
    return {
        "content-type": content_type,
        "content-security-policy": (
            "default-src 'none'; style-src 'self'; base-uri 'none'; "
            f"form-action {form_action}; frame-ancestors 'none'"
        ),
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
    }


def _oauth_error(status: int, error: str, detail: str) -> Reply:
    """A refusal of the token endpoint: OAuth's `error` member (what the page, like any
    OAuth client, reads) inside an RFC 9457 problem."""
    body = {
        "type": "https://teamspace.dev/problems/" + error.replace("_", "-"),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": error.upper(),
        "error": error,
        "error_description": detail,
    }
    return status, {"content-type": "application/problem+json"}, json.dumps(body).encode()


class LocalIdentityProvider:
    def __init__(
        self,
        issuer: LocalIssuer,
        client_id: str,
        redirect_uris: list[str],
        pool_sign_in: PoolSignIn,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.redirect_uris = redirect_uris
        self.pool_sign_in = pool_sign_in
        self._grants: dict[str, Grant] = {}
        self._page = Template((STATIC / "sign-in.html").read_text())

    def handle(self, method: str, path: str, query: str, body: bytes) -> Reply | None:
        if (method, path) == ("GET", AUTHORIZE):
            return self.authorize(dict(parse_qsl(query)))
        if (method, path) == ("POST", LOGIN):
            return self.login(dict(parse_qsl(body.decode("utf-8", "replace"))))
        if (method, path) == ("POST", TOKEN):
            return self.token(dict(parse_qsl(body.decode("utf-8", "replace"))))
        if (method, path) == ("GET", STYLESHEET):
            css = (STATIC / "sign-in.css").read_bytes()
            return 200, _headers("text/css; charset=utf-8"), css
        return None

    # ---- the authorization request and its sign-in page -------------------------------

    def _check(self, request: dict[str, str]) -> None:
        """Refused as Cognito refuses it: an unknown client, a redirect it was not given,
        anything but the code flow with an S256 challenge."""
        if request.get("client_id") != self.client_id:
            raise Refused("unknown client_id")
        if request.get("redirect_uri") not in self.redirect_uris:
            raise Refused("redirect_uri is not one of the client's callback URLs")
        if request.get("response_type") != "code":
            raise Refused("response_type must be code")
        if request.get("code_challenge_method") != "S256" or not request.get("code_challenge"):
            raise Refused("a PKCE code_challenge with code_challenge_method S256 is required")
        if "openid" not in request.get("scope", "").split():
            raise Refused("scope must include openid")

    def authorize(self, request: dict[str, str]) -> Reply:
        try:
            self._check(request)
        except Refused as refused:
            return self._refusal(refused.reason)
        return self._form(request, 200)

    def _refusal(self, reason: str) -> Reply:
        text = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Sign-in refused</title><link rel='stylesheet' href='{STYLESHEET}'>"
            "</head><body><main class='card'><p class='badge'>Local identity provider</p>"
            "<h1>This sign-in request was refused</h1>"
            f"<p>{html.escape(reason)}.</p><p class='muted'>Open the link in an invitation "
            "mail (GET /_local/outbox lists them): the invitation page sends you here "
            "with a complete request.</p></main></body></html>"
        )
        return 400, _headers("text/html; charset=utf-8"), text.encode()

    def _form(
        self,
        request: dict[str, str],
        status: int,
        *,
        error: str = "",
        email: str = "",
        new_password: bool = False,
    ) -> Reply:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(request.get(name, ""))}">'
            for name in REQUEST_FIELDS
        )
        cancel = {"error": "access_denied", "state": request.get("state", "")}
        values = {
            "login": LOGIN,
            "stylesheet": STYLESHEET,
            "request": hidden,
            "email": html.escape(email),
            "error": f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
            "new_password_hidden": "" if new_password else " hidden",
            "new_password_required": " required" if new_password else "",
            "cancel": html.escape(f"{request['redirect_uri']}?{urlencode(cancel)}"),
        }
        page = self._page.substitute(values)
        origin = re.match(r"^https?://[^/]+", request["redirect_uri"])
        # The form posts here, and its answer redirects to the page.
        form_action = "'self'" + (f" {origin.group(0)}" if origin else "")
        return status, _headers("text/html; charset=utf-8", form_action), page.encode()

    def login(self, form: dict[str, str]) -> Reply:
        request = {name: form.get(name, "") for name in REQUEST_FIELDS}
        try:
            self._check(request)
        except Refused as refused:
            return self._refusal(refused.reason)
        email = form.get("email", "").strip()
        if form.get("method") == "developer":
            token = self._developer(form, email)
            if token is None:
                return self._form(request, 422, error=DEVELOPER_REFUSED, email=email)
        else:
            try:
                signed_in = self.pool_sign_in(
                    SignInRequest(
                        email=email or "-",
                        password=SecretStr(form.get("password", "")),
                        newPassword=SecretStr(form["newPassword"])
                        if form.get("newPassword")
                        else None,
                    )
                )
            except SignInRefused as refused:
                required = refused.code == "NEW_PASSWORD_REQUIRED"
                message = (
                    "Your password is temporary: choose a new one." if required else refused.detail
                )
                status = 200 if required else 401
                return self._form(
                    request, status, error=message, email=email, new_password=required
                )
            token = signed_in.token
        return self._redirect(request, token)

    def _developer(self, form: dict[str, str], email: str) -> str | None:
        """A development user's token, as /_local/tokens issues it."""
        user_id = form.get("sub", "").strip() or email.split("@", 1)[0]
        if "@" not in email or not USER_ID.match(user_id):
            return None
        name = form.get("name", "").strip() or None
        return self.issuer.issue(sub=user_id, email=email.lower(), name=name)

    def _redirect(self, request: dict[str, str], id_token: str) -> Reply:
        code = secrets.token_urlsafe(32)
        self._grants[code] = Grant(
            id_token,
            request["client_id"],
            request["redirect_uri"],
            request["code_challenge"],
            time.monotonic() + CODE_LIFETIME_SECONDS,
        )
        back = urlencode({"code": code, "state": request["state"]})
        location = f"{request['redirect_uri']}?{back}"
        headers = _headers("text/plain; charset=utf-8")
        headers["location"] = location
        return 303, headers, b""

    # ---- the token endpoint -------------------------------------------------------------

    def token(self, form: dict[str, str]) -> Reply:
        if form.get("grant_type") != "authorization_code":
            return _oauth_error(400, "unsupported_grant_type", "Only authorization_code is served")
        now = time.monotonic()
        self._grants = {c: g for c, g in self._grants.items() if g.expires > now}
        grant = self._grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None:
            return _oauth_error(400, "invalid_grant", "The code is unknown, used or expired")
        if form.get("client_id") != grant.client_id:
            return _oauth_error(400, "invalid_client", "The code was issued to another client")
        if form.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error(400, "invalid_grant", "redirect_uri differs from the request's")
        verifier = form.get("code_verifier", "")
        if not hmac.compare_digest(_challenge_of(verifier), grant.challenge):
            return _oauth_error(400, "invalid_grant", "The code_verifier does not match")
        answer: dict[str, Any] = {
            "id_token": grant.id_token,
            "token_type": "Bearer",
            "expires_in": 3600,
        }
        return (
            200,
            {"content-type": "application/json", "cache-control": "no-store"},
            json.dumps(answer).encode(),
        )
