"""An API key on Teamspace's own routes over real HTTP on the local runtime, served the
way the key API serves it (the key authorizer, then the route's function): a key
changes a member's role and the audit log says an API key did it; outside a workspace
it is refused; in another workspace it finds nothing; revoked, it is refused."""

from __future__ import annotations

import pytest

from tests.support.http import create_team, create_workspace

pytestmark = pytest.mark.e2e


def test_a_key_changes_a_members_role_and_the_audit_log_names_the_key(api):
    owner = api.user("keys-own-owner", email="ona@example.com")
    team = create_team(api, owner, "Scripted Team")
    team.add("keys-own-member", "viewer")
    base = f"/v1/workspaces/{team.workspace_id}"
    created = owner.post(f"{base}/api-keys", json={"name": "HR sync", "role": "admin"})
    assert created.status_code == 201, created.text
    key, key_id = created.json()["key"], created.json()["keyId"]
    script = api.bearer(key)

    changed = script.put(f"{base}/members/keys-own-member/role", json={"role": "member"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "member"
    # The same key in X-Api-Key, and a read.
    listed = api.anonymous().get(f"{base}/members", headers={"X-Api-Key": key})
    assert listed.status_code == 200, listed.text

    log = owner.get(f"{base}/audit-log?limit=20")
    assert log.status_code == 200, log.text
    [record] = [r for r in log.json()["items"] if r["action"] == "MemberRoleChanged"]
    assert record["actor"] == {"type": "apiKey", "id": key_id}
    assert key not in log.text

    # What only a person may do, and routes outside one workspace.
    assert script.delete(base).json()["code"] == "PERMISSION_DENIED"
    for method, path in (("GET", "/v1/workspaces"), ("GET", "/v1/me/invitations")):
        refused = script.request(method, path)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "API_KEY_NOT_ALLOWED"

    # Another workspace's routes: as for any stranger.
    elsewhere = create_workspace(owner, "Other Team")
    stranger = script.get(f"/v1/workspaces/{elsewhere}/members")
    assert (stranger.status_code, stranger.json()["code"]) == (404, "WORKSPACE_NOT_FOUND")

    assert owner.delete(f"{base}/api-keys/{key_id}").status_code == 204
    assert script.get(f"{base}/members").status_code == 403  # the authorizer's refusal
