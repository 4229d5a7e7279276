"""A plan downgrade over real HTTP and the local bus: the billing service puts
`WorkspacePlanChanged` on the bus (`POST /_local/bus`, source in BillingSources), the
billing function sets the plan, and the routes answer by it: what the workspace holds
beyond its new plan stays readable and removable, nothing grows until an upgrade, and
the change is on the audit chain."""

from __future__ import annotations

import pytest
import requests

from tests.support.http import billing_request, create_workspace

pytestmark = pytest.mark.e2e


def plan_changed(api, workspace_id: str, plan: str) -> requests.Response:
    return billing_request(api, "WorkspacePlanChanged", workspaceId=workspace_id, plan=plan)


def refused_for(reply: requests.Response, feature: str) -> None:
    assert reply.status_code == 403, reply.text
    problem = reply.json()
    assert (problem["code"], problem["feature"]) == ("PLAN_UPGRADE_REQUIRED", feature)


def test_a_downgrade_keeps_what_the_workspace_holds_and_stops_it_growing(api):
    owner = api.user("plan-paula", email="plan-paula@example.com")
    workspace_id = create_workspace(owner, "Plans")
    base = f"/v1/workspaces/{workspace_id}"
    assert owner.get(base).json()["plan"] == "enterprise"  # no plan yet: the default
    for n in range(3):
        assert owner.post(f"{base}/api-keys", json={"name": f"sync {n}"}).status_code == 201
    role = {"key": "qa", "name": "QA", "rank": 25, "permissions": ["workspace:view"]}
    assert owner.post(f"{base}/roles", json=role).status_code == 201
    every = {"callRecording": True, "phiRedaction": True, "endToEndEncryption": True}
    patched = owner.patch(base, json={"settings": {"securityControls": every}})
    assert patched.status_code == 200, patched.text

    assert plan_changed(api, workspace_id, "free").status_code == 202
    shown = owner.get(base).json()
    assert shown["plan"] == "free"
    assert shown["settings"]["securityControls"] == every  # kept on

    keys = owner.get(f"{base}/api-keys").json()["items"]
    assert len(keys) == 3
    refused_for(owner.post(f"{base}/api-keys", json={"name": "one more"}), "apiKeys")
    assert owner.delete(f"{base}/api-keys/{keys[0]['keyId']}").status_code == 204
    refused_for(
        owner.post(f"{base}/roles", json={**role, "key": "qa_two", "name": "QA two"}),
        "customRoles",
    )
    assert "qa" in {r["key"] for r in owner.get(f"{base}/roles").json()["items"]}
    refused_for(owner.get(f"{base}/audit-log/export", params={"format": "jsonl"}), "auditExport")
    refused_for(owner.patch(base, json={"settings": {"maxMembers": 50}}), "seats")

    records = owner.get(f"{base}/audit-log", params={"action": "WorkspacePlanSet"}).json()
    (record,) = records["items"]
    assert record["actor"] == {"type": "system", "id": "billing"}
    assert record["summary"]["plan"] == "free"
    assert record["summary"]["previousPlan"] is None

    assert plan_changed(api, workspace_id, "enterprise").status_code == 202
    assert owner.post(f"{base}/api-keys", json={"name": "after the upgrade"}).status_code == 201
    assert owner.get(f"{base}/audit-log/verify").json()["valid"] is True
