"""A custom role over real HTTP: defined, handed out by invitation (mail and link through
the stream, the bus and SES), changed while held, and deleted once nobody holds it."""

from __future__ import annotations

import pytest

from tests.support.http import create_workspace, link_token, mails_to

pytestmark = pytest.mark.e2e


def test_a_custom_role_from_definition_to_deletion(api):
    owner = api.user("role-owner", email="rowan@example.com")
    workspace_id = create_workspace(owner, "Call QA")
    base = f"/v1/workspaces/{workspace_id}"
    role = {
        "key": "qa_reviewer",
        "name": "QA reviewer",
        "rank": 25,
        "permissions": ["workspace:view", "members:view", "calls:view", "recordings:view"],
    }
    created = owner.post(f"{base}/roles", json=role)
    assert created.status_code == 201, created.text
    assert created.json()["builtin"] is False

    invited = owner.post(
        f"{base}/invitations", json={"email": "quinn@example.com", "role": "qa_reviewer"}
    )
    assert invited.status_code == 201, invited.text
    [mail] = mails_to(api, "quinn@example.com")
    quinn = api.user("quinn", email="quinn@example.com")
    joined = quinn.post("/v1/invitations/accept", json={"token": link_token(mail)})
    assert joined.status_code == 200, joined.text
    assert joined.json()["member"]["role"] == "qa_reviewer"

    mine = quinn.get(f"{base}/me/permissions").json()
    assert sorted(mine["permissions"]) == sorted(role["permissions"])
    changed = owner.patch(
        f"{base}/roles/qa_reviewer", json={"permissions": ["workspace:view", "analytics:view"]}
    )
    assert changed.status_code == 200, changed.text
    mine = quinn.get(f"{base}/me/permissions").json()
    assert sorted(mine["permissions"]) == ["analytics:view", "workspace:view"]
    refused = quinn.post(f"{base}/authorize", json={"permission": "calls:view"}).json()
    assert refused["allowed"] is False

    in_use = owner.delete(f"{base}/roles/qa_reviewer")
    assert in_use.status_code == 409
    assert in_use.headers["content-type"] == "application/problem+json"
    assert in_use.json()["code"] == "ROLE_IN_USE"
    moved = owner.put(f"{base}/members/quinn/role", json={"role": "viewer"})
    assert moved.status_code == 200, moved.text
    assert owner.delete(f"{base}/roles/qa_reviewer").status_code == 204
    keys = [r["key"] for r in owner.get(f"{base}/roles").json()["items"]]
    assert "qa_reviewer" not in keys
    assert len(keys) == 8
