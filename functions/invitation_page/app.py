"""The invitation page (template.yaml: InvitationPageApi, public): the HTML document an
invitation link opens, its script and stylesheet, and the settings the script reads
(`config.json`: the API, the identity provider's hosted UI and app client, the platform,
and what each permission means).

Everything else happens in the browser (static/page.js): the preview, the sign-in
(authorization code with PKCE against the identity provider, which is Cognito's hosted
UI in AWS and the local runtime's sign-in page locally, at the same paths), accept or
decline. This function makes no AWS call and never sees the invitation token: it is in
the query of the page's URL, which nothing here reads or logs, until the script moves it
into the tab's session storage.

Every answer carries a strict Content-Security-Policy: scripts and styles from this
origin only (no inline ones), connections to the API and the identity provider only,
images from here or any https address (the workspace's logo), no framing, no referrer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from teamspace.api import problems
from teamspace.core.observability import logger, metrics
from teamspace.permissions.catalogue import PERMISSION_INFO

STATIC = Path(__file__).resolve().parent / "static"
PAGE = "accept.html"
# The files the page loads, by the name in its URL (/accept/<name>).
FILES = {
    "page.js": "text/javascript; charset=utf-8",
    "page.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
SCOPES = "openid email profile"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def settings() -> dict[str, Any]:
    """What the script needs to know, from the function's environment (template.yaml)."""
    idp = os.environ.get("IDP_URL", "").rstrip("/")
    sign_in = None
    if idp:  # the identity provider's hosted UI, at Cognito's paths
        sign_in = {
            "authorizeUrl": f"{idp}/oauth2/authorize",
            "tokenUrl": f"{idp}/oauth2/token",
            "clientId": os.environ.get("IDP_CLIENT_ID", ""),
            "scope": SCOPES,
        }
    return {
        "apiUrl": os.environ.get("API_URL", "").rstrip("/"),
        "appUrl": os.environ.get("APP_URL", ""),
        "signIn": sign_in,
        # What each permission lets a member do, in the catalogue's order: the page says
        # what the invitation's role allows from the permissions the preview names.
        "permissions": {str(p): info.summary for p, info in PERMISSION_INFO.items()},
    }


def content_security_policy(config: dict[str, Any]) -> str:
    """Scripts, styles and connections from named origins only; nothing inline."""
    connect = ["'self'"]
    for url in (config["apiUrl"], (config["signIn"] or {}).get("tokenUrl", "")):
        origin = _origin(url)
        if origin and origin not in connect:
            connect.append(origin)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            # The workspace's logo may be hosted anywhere, over https.
            "img-src 'self' https:",
            "connect-src " + " ".join(connect),
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _answer(
    body: str, content_type: str, config: dict[str, Any], cache: str = "no-store"
) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {
            "Content-Type": content_type,
            "Content-Security-Policy": content_security_policy(config),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Cache-Control": cache,
        },
        "body": body,
        "isBase64Encoded": False,
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    config = settings()
    name = (event.get("pathParameters") or {}).get("file")
    if name is None:
        return _answer((STATIC / PAGE).read_text(), "text/html; charset=utf-8", config)
    if name == "config.json":
        return _answer(json.dumps(config), "application/json", config)
    if name in FILES:
        return _answer((STATIC / name).read_text(), FILES[name], config, cache="no-cache")
    missing = problems.problem(404, "FILE_NOT_FOUND", "The invitation page has no such file")
    return problems.to_proxy_result(missing)
