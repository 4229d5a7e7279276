"""What a person opens in a browser on the local runtime besides the API: the start-up
banner lists it, and so does the runtime's own front page (`GET /`), which is also where
the invitation page's "Open <workspace>" leads locally (the `AppUrl` of the platform,
which does not run here)."""

from __future__ import annotations

import html

from local_runtime.idp import AUTHORIZE, STYLESHEET

# (path, what it is)
ADDRESSES = (
    ("/docs", "API docs: Swagger UI, offline"),
    ("/openapi.json", "the OpenAPI document"),
    ("/_local/outbox", "mail sent, with the invitation links (they open /accept?token=...)"),
    (AUTHORIZE, "the sign-in page the invitation page sends you to"),
)
POLICY = (
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def banner(url: str) -> str:
    """The lines `make run` prints once it listens."""
    lines = [f"Teamspace local runtime on {url} (data lives in memory until this process stops)"]
    width = max(len(url + path) for path, _ in ADDRESSES)
    lines += [f"  {url + path:<{width}}  {what}" for path, what in ADDRESSES]
    return "\n".join(lines)


def front_page(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET /: the same addresses as links."""
    items = "".join(
        f'<li><a href="{html.escape(path)}">{html.escape(path)}</a> '
        f'<span class="muted">{html.escape(what)}</span></li>'
        for path, what in ADDRESSES
    )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Teamspace (local)</title><link rel='stylesheet' href='{STYLESHEET}'>"
        "</head><body><main class='card'><p class='badge'>Local runtime</p>"
        "<h1>Teamspace</h1><p class='muted'>The API is served at "
        f"{html.escape(url)}/v1/... Your data lives in memory until the runtime stops.</p>"
        f"<ul class='addresses'>{items}</ul></main></body></html>"
    )
    headers = {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": POLICY,
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
    }
    return 200, headers, page.encode()
