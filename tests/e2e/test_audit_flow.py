"""The audit log over real HTTP: every change goes outbox -> stream -> bus -> the audit
FIFO queue -> the consumer, and the log reads and verifies through the API."""

from __future__ import annotations

import pytest

from tests.e2e.test_invitation_flow import create_workspace, link_token, mails_to

pytestmark = pytest.mark.e2e


def test_a_team_s_changes_land_in_a_log_that_verifies(api):
    owner = api.user("audit-olga", email="audit-olga@example.com")
    workspace_id = create_workspace(owner, "Audited")
    base = f"/v1/workspaces/{workspace_id}"
    assert (
        owner.post(
            f"{base}/invitations", json={"email": "audit-nina@example.com", "role": "member"}
        ).status_code
        == 201
    )
    [mail] = mails_to(api, "audit-nina@example.com")
    nina = api.user("audit-nina", email="audit-nina@example.com")
    assert nina.post("/v1/invitations/accept", json={"token": link_token(mail)}).status_code == 200
    assert owner.put(f"{base}/members/audit-nina/role", json={"role": "admin"}).status_code == 200
    transfer = {"newOwnerId": "audit-nina", "confirmName": "Audited"}
    assert owner.post(f"{base}/ownership-transfer", json=transfer).status_code == 202
    assert nina.post(f"{base}/ownership-transfer/accept").status_code == 200

    log = owner.get(f"{base}/audit-log", params={"limit": 100})
    assert log.status_code == 200, log.text
    records = log.json()["items"]
    actions = [r["action"] for r in reversed(records)]
    assert actions == [
        "WorkspaceCreated",
        "InvitationCreated",
        "InvitationAccepted",
        "MemberJoined",
        "MemberRoleChanged",
        "OwnershipTransferRequested",
        "OwnershipTransferred",
        "MemberRoleChanged",
        "MemberRoleChanged",
    ]
    by_action = {r["action"]: r for r in records}
    assert by_action["InvitationAccepted"]["actor"] == {"type": "user", "id": "audit-nina"}
    assert by_action["OwnershipTransferRequested"]["actor"] == {"type": "user", "id": "audit-olga"}
    assert sorted(r["seq"] for r in records) == list(range(1, 10))
    assert "token" not in log.text.lower()

    mine = owner.get(f"{base}/audit-log", params={"actor": "audit-nina"}).json()["items"]
    assert {r["actor"]["id"] for r in mine} == {"audit-nina"}
    verified = nina.get(f"{base}/audit-log/verify")
    assert verified.json() == {"valid": True, "records": 9, "firstInvalidSeq": None}
    exported = nina.get(f"{base}/audit-log/export", params={"format": "csv"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert len(exported.text.strip().splitlines()) == 10
