"""The local runtime serves the API's OpenAPI document and a page to try it in."""

from __future__ import annotations

import json
import re

import pytest
import requests

from tools import openapi

pytestmark = pytest.mark.e2e


def test_the_runtime_serves_the_document_the_code_describes(api):
    reply = requests.get(f"{api.base}/openapi.json", timeout=30)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    served = reply.json()
    assert served["servers"] == [{"url": api.base, "description": "this local runtime"}]
    committed = json.loads(openapi.DOCUMENT.read_text())
    assert {k: v for k, v in served.items() if k != "servers"} == {
        k: v for k, v in committed.items() if k != "servers"
    }


def test_the_docs_page_loads_swagger_ui_from_the_runtime_itself(api):
    """No CDN: the page renders offline (tests/e2e/test_browser_pages.py draws it)."""
    reply = requests.get(f"{api.base}/docs", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "https://" not in reply.text
    assert "script-src 'self';" in reply.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="(/docs/[^"]+)"', reply.text)
    assert sorted(assets) == [
        "/docs/docs.js",
        "/docs/swagger-ui-bundle.min.js",
        "/docs/swagger-ui.min.css",
    ]
    for asset in assets:
        served = requests.get(f"{api.base}{asset}", timeout=10)
        assert served.status_code == 200, asset
        assert len(served.content) > 50
    starter = requests.get(f"{api.base}/docs/docs.js", timeout=10).text
    assert "url: '/openapi.json'" in starter
