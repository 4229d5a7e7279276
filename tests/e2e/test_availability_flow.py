"""A support agent's availability over real HTTP on the local runtime (issue 20): the
literal `members/me/availability` route reaches the membership function beside the
`members/{userId}` routes, the team list shows it, the audit log records the change
once the bus has run, and a key (through the key authorizer) is refused as not a
member."""

from __future__ import annotations

import pytest

from tests.support.http import create_team

pytestmark = pytest.mark.e2e


def test_an_agent_goes_available_the_team_sees_it_and_a_key_cannot(api):
    owner = api.user("avail-owner", email="avail-owner@example.com")
    team = create_team(api, owner, "Escalations Desk")
    team.add("avail-agent", "support_agent")
    agent = api.user("avail-agent")
    base = f"/v1/workspaces/{team.workspace_id}"

    changed = agent.put(f"{base}/members/me/availability", json={"status": "available"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["userId"] == "avail-agent"
    # Still a member's path: `me` read as a user id is the agent, not a route of its own.
    assert agent.get(f"{base}/members/me").json()["availability"] == "available"
    listed = {m["userId"]: m for m in owner.get(f"{base}/members").json()["items"]}
    assert listed["avail-agent"]["availability"] == "available"
    assert listed["avail-owner"]["availability"] == "offline"

    log = owner.get(f"{base}/audit-log?action=MemberAvailabilityChanged")
    assert log.status_code == 200, log.text
    [record] = log.json()["items"]
    assert record["actor"] == {"type": "user", "id": "avail-agent"}
    assert record["summary"]["availability"] == "available"

    key = owner.post(f"{base}/api-keys", json={"name": "router", "role": "admin"}).json()["key"]
    refused = api.bearer(key).put(f"{base}/members/me/availability", json={"status": "busy"})
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "API_KEY_NOT_ALLOWED"
