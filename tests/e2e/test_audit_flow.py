"""The audit log over real HTTP: every change goes outbox -> stream -> bus -> the audit
audit queue -> the consumer, and the log reads and verifies through the API."""

from __future__ import annotations

import pytest

from tests.support.http import create_workspace, link_token, mails_to

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


def make_every_change(api, owner, base):
    """Each change of the earlier issues, once; returns the new owner's client."""
    people = {}

    def join(name: str, role: str = "member"):
        email = f"every-{name}@example.com"
        assert owner.post(f"{base}/invitations", json={"email": email, "role": role}).ok
        client = api.user(f"every-{name}", email=email)
        token = link_token(mails_to(api, email)[-1])
        assert client.post("/v1/invitations/accept", json={"token": token}).ok
        people[name] = client
        return client

    assert owner.patch(base, json={"name": "Everything v2"}).ok
    ana = join("ana", "admin")
    join("ben")
    cid = owner.post(
        f"{base}/invitations", json={"email": "every-cy@example.com", "role": "viewer"}
    )
    assert owner.post(f"{base}/invitations/{cid.json()['invitationId']}/resend").ok
    assert owner.delete(f"{base}/invitations/{cid.json()['invitationId']}").status_code == 204
    assert owner.post(
        f"{base}/invitations", json={"email": "every-dee@example.com", "role": "viewer"}
    ).ok
    dee = api.user("every-dee", email="every-dee@example.com")
    declined = dee.post(
        "/v1/invitations/decline",
        json={"token": link_token(mails_to(api, "every-dee@example.com")[-1])},
    )
    assert declined.status_code == 204
    assert ana.patch(f"{base}/members/every-ben", json={"jobTitle": "Agent wrangler"}).ok
    assert ana.put(f"{base}/members/every-ben/role", json={"role": "developer"}).ok
    assert ana.post(f"{base}/members/every-ben/suspend").ok
    assert ana.post(f"{base}/members/every-ben/reactivate").ok
    role = {"key": "qa", "name": "QA", "permissions": ["workspace:view"]}
    assert ana.post(f"{base}/roles", json=role).status_code == 201
    assert ana.patch(f"{base}/roles/qa", json={"name": "Quality"}).ok
    assert ana.delete(f"{base}/roles/qa").status_code == 204
    transfer = {"newOwnerId": "every-ana", "confirmName": "Everything v2"}
    assert owner.post(f"{base}/ownership-transfer", json=transfer).status_code == 202
    assert owner.delete(f"{base}/ownership-transfer").status_code == 204
    assert owner.post(f"{base}/ownership-transfer", json=transfer).status_code == 202
    assert ana.post(f"{base}/ownership-transfer/decline").status_code == 204
    join("eve")
    assert people["eve"].delete(f"{base}/members/me").status_code == 204
    join("fay")
    assert ana.delete(f"{base}/members/every-fay").status_code == 204
    assert owner.post(f"{base}/ownership-transfer", json=transfer).status_code == 202
    assert ana.post(f"{base}/ownership-transfer/accept").ok
    late = ana.post(
        f"{base}/invitations",
        json={"email": "every-gus@example.com", "role": "viewer", "sendEmail": False},
    ).json()
    job = api.anonymous().post("/_local/jobs/expire-invitations", json={"now": late["expiresAt"]})
    assert job.json()["expired"] >= 1
    return ana


def read_whole_log(client, base):
    records, cursor = [], None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{base}/audit-log", params=params).json()
        records += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            return records


def test_every_kind_of_change_makes_exactly_one_record_by_its_actor(api):
    """Each change of the earlier issues, made once over HTTP: the log holds exactly the
    records those changes call for, each by the person (or the system) who made it."""
    owner = api.user("every-olga", email="every-olga@example.com")
    base = f"/v1/workspaces/{create_workspace(owner, 'Everything')}"
    ana = make_every_change(api, owner, base)
    records = read_whole_log(ana, base)
    counts: dict[str, int] = {}
    for record in records:
        counts[record["action"]] = counts.get(record["action"], 0) + 1
    assert counts == {
        "WorkspaceCreated": 1,
        "WorkspaceUpdated": 1,
        "InvitationCreated": 7,  # ana, ben, cy, dee, eve, fay, gus
        "InvitationResent": 1,
        "InvitationRevoked": 1,
        "InvitationDeclined": 1,
        "InvitationAccepted": 4,
        "InvitationExpired": 1,
        "MemberJoined": 4,
        "MemberUpdated": 1,
        "MemberRoleChanged": 3,  # ben; then the two of the transfer
        "MemberSuspended": 1,
        "MemberReactivated": 1,
        "MemberLeft": 1,
        "MemberRemoved": 1,
        "RoleCreated": 1,
        "RoleUpdated": 1,
        "RoleDeleted": 1,
        "OwnershipTransferRequested": 3,
        "OwnershipTransferCancelled": 1,
        "OwnershipTransferDeclined": 1,
        "OwnershipTransferred": 1,
    }
    actors = {(r["action"], r["actor"]["id"]) for r in records}
    assert ("MemberSuspended", "every-ana") in actors
    assert ("MemberLeft", "every-eve") in actors
    assert ("InvitationDeclined", "every-dee") in actors
    assert ("OwnershipTransferCancelled", "every-olga") in actors
    assert ("InvitationExpired", "invitation-expiry") in {
        (r["action"], r["actor"]["id"]) for r in records if r["actor"]["type"] == "system"
    }
    assert ana.get(f"{base}/audit-log/verify").json()["valid"] is True
