"""A billing suspension over real HTTP on the local runtime: the billing service puts
WorkspaceSuspensionRequested on the bus (`POST /_local/bus`, a source in BillingSources),
the template's rule takes it to the billing function, and the workspace answers 403
WORKSPACE_SUSPENDED to its members and its keys, except its own read; reactivation, put
the same way, opens it again; both land on the audit chain, by the billing service."""

from __future__ import annotations

import pytest

from tests.support.http import billing_request, create_team

pytestmark = pytest.mark.e2e


def billing(api, detail_type: str, workspace_id: str) -> None:
    answer = billing_request(api, detail_type, workspaceId=workspace_id, reason="payment_failed")
    assert answer.status_code == 202, answer.text


def test_a_suspension_from_the_bus_closes_the_workspace_until_reactivated(api):
    owner = api.user("billing-olga", email="billing-olga@example.com")
    team = create_team(api, owner, "Billed Team")
    team.add("billing-mo", "member")
    member = api.user("billing-mo")
    base = f"/v1/workspaces/{team.workspace_id}"
    created = owner.post(f"{base}/api-keys", json={"name": "CRM", "role": "admin"})
    assert created.status_code == 201, created.text
    script = api.bearer(created.json()["key"])
    assert script.get(f"{base}/members").status_code == 200

    billing(api, "WorkspaceSuspensionRequested", team.workspace_id)
    shown = owner.get(base)
    assert (shown.status_code, shown.json()["status"]) == (200, "SUSPENDED")
    [listed] = member.get("/v1/workspaces").json()["items"]
    assert listed["status"] == "SUSPENDED"
    for caller, method, path in (
        (owner, "PATCH", base),
        (owner, "GET", f"{base}/members"),
        (member, "GET", f"{base}/me/permissions"),
    ):
        kwargs = {"json": {"name": "Renamed"}} if method == "PATCH" else {}
        refused = caller.request(method, path, **kwargs)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "WORKSPACE_SUSPENDED"
    assert script.get(f"{base}/members").status_code == 403  # the authorizer's refusal

    billing(api, "WorkspaceReactivationRequested", team.workspace_id)
    assert owner.get(base).json()["status"] == "ACTIVE"
    assert owner.patch(base, json={"name": "Renamed"}).status_code == 200
    assert script.get(f"{base}/members").status_code == 200
    log = owner.get(f"{base}/audit-log", params={"limit": 50}).json()["items"]
    standing = [r for r in log if r["action"] in ("WorkspaceSuspended", "WorkspaceReactivated")]
    assert sorted(r["action"] for r in standing) == ["WorkspaceReactivated", "WorkspaceSuspended"]
    assert all(r["actor"] == {"type": "system", "id": "billing"} for r in standing)
