"""Schemathesis against the local runtime, with docs/openapi.json as it serves it.

Authenticated as the owner of a seeded agency workspace (with a client, a custom role,
a pending invitation and an API key, so that the operations on them reach the code and
not just a 404), it generates a bounded number of requests per operation (the coverage
phase's edge cases, then a few fuzzed ones, then stateful sequences) and fails on:
- any 5xx;
- a status the document does not declare for the operation;
- a body that does not match the document's schema for its status;
- a content type other than the declared one: every error must be problem+json.

It found two real faults when first run: a non-UTF-8 body (base64 from API Gateway)
answered 500, and methods no route has answered an HTML 501 from the local server.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from local_runtime.template import Template

pytestmark = pytest.mark.e2e

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
MAX_EXAMPLES = 5
SEED = 20261122


def seed(api) -> tuple[str, dict[str, str]]:
    """An owner's token, and the ids of what their agency holds, by path parameter."""
    owner = api.user("fuzz-owner", email="fuzz-owner@example.com")
    agency = owner.post("/v1/workspaces", json={"name": "Fuzzed", "type": "agency"}).json()
    base = f"/v1/workspaces/{agency['workspaceId']}"
    assert owner.patch(base, json={"settings": {"minutePool": 1000}}).ok
    client = owner.post(f"{base}/clients", json={"name": "Fuzzed client"}).json()
    role = {"key": "fuzz_role", "name": "Fuzz role", "rank": 20, "permissions": ["workspace:view"]}
    assert owner.post(f"{base}/roles", json=role).ok
    invitation = owner.post(
        f"{base}/invitations", json={"email": "fuzzed@example.com", "role": "member"}
    ).json()
    key = owner.post(f"{base}/api-keys", json={"name": "fuzz key"}).json()
    return owner.token, {
        "path.workspaceId": agency["workspaceId"],
        "path.clientId": client["workspaceId"],
        "path.userId": "fuzz-owner",
        "path.roleKey": "fuzz_role",
        "path.invitationId": invitation["invitationId"],
        "path.keyId": key["keyId"],
    }


def test_the_api_holds_to_its_document_under_fuzzing(api, tmp_path):
    token, parameters = seed(api)
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        # Requests carry the owner's token, never a made-up key: Schemathesis would send
        # random `X-Api-Key` values to the operations that take a key, and the key API's
        # authorizer refuses them with API Gateway's own 403 `{"message": "Forbidden"}`,
        # not the code's (what keys get on each route: tests/e2e/test_key_on_own_routes.py
        # and tests/functions/test_isolation.py).
        "[generation]\nwith-security-parameters = false\n"
        "[parameters]\n" + "".join(f'"{name}" = "{value}"\n' for name, value in parameters.items())
    )
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{api.base}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--checks",
        CHECKS,
        "--seed",
        str(SEED),
        "--no-color",
        "--report-dir",
        str(tmp_path),
    ]
    run = subprocess.run(  # noqa: S603 - our own venv's schemathesis, arguments built here
        command, check=False, capture_output=True, text=True, timeout=900, cwd=tmp_path
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    routes = len(Template().http_routes())
    assert f"{routes} selected / {routes} total" in output
