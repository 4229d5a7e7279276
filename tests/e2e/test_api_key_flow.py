"""An API key over real HTTP: created (shown once), listed, used at the authorizer other
services attach (called in-process, as their API Gateway would), refused on another
workspace, revoked, and the audit log's record of all three."""

from __future__ import annotations

import pytest

from tests.support.http import authorizer_says, create_workspace

pytestmark = pytest.mark.e2e


def test_an_api_key_from_creation_to_revocation(api):
    owner = api.user("key-owner", email="kim@example.com")
    workspace_id = create_workspace(owner, "Key Works")
    base = f"/v1/workspaces/{workspace_id}/api-keys"

    created = owner.post(base, json={"name": "CRM sync", "role": "viewer"})
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    key = body["key"]
    assert key.startswith("tsk_local_")
    assert key.startswith(body["prefix"])

    listed = owner.get(base)
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert item["keyId"] == body["keyId"]
    assert item["prefix"] == body["prefix"]
    assert "key" not in item
    assert key not in listed.text

    allowed = authorizer_says(api, key, workspace_id)
    assert allowed["isAuthorized"] is True
    assert allowed["context"]["keyId"] == body["keyId"]
    assert allowed["context"]["workspaceId"] == workspace_id
    assert authorizer_says(api, key, "ws_" + "0" * 26) == {"isAuthorized": False}
    assert owner.get(base).json()["items"][0]["lastUsedAt"] is not None

    revoked = owner.delete(f"{base}/{body['keyId']}")
    assert revoked.status_code == 204, revoked.text
    assert owner.get(base).json()["items"] == []
    assert authorizer_says(api, key, workspace_id) == {"isAuthorized": False}
    again = owner.delete(f"{base}/{body['keyId']}")
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "API_KEY_NOT_FOUND"

    log = owner.get(f"/v1/workspaces/{workspace_id}/audit-log?limit=10")
    assert log.status_code == 200, log.text
    records = [r for r in log.json()["items"] if r["action"].startswith("ApiKey")]
    # The key tried on another workspace's route is on the log once; tried again once
    # revoked, within the same 5 minutes, it is not logged again (bounded).
    assert [r["action"] for r in records] == ["ApiKeyRevoked", "ApiKeyRejected", "ApiKeyCreated"]
    assert {r["target"]["id"] for r in records} == {body["keyId"]}
    assert records[0]["summary"]["reason"] == "revoked"
    assert records[1]["summary"]["reason"] == "other_workspace"
    assert records[1]["actor"] == {"type": "apiKey", "id": body["keyId"]}
    assert key not in log.text
