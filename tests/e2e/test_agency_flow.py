"""An agency over real HTTP: a pool of minutes, client workspaces with budgets, staff
who join the agency by invitation and work in a client through an assignment (audited
as via the agency), and who lose that access when they leave the agency."""

from __future__ import annotations

import pytest

from tests.support.http import link_token, mails_to

pytestmark = pytest.mark.e2e


def test_an_agency_runs_a_client_through_its_staff(api):
    owner = api.user("agency-owner", email="ann@agency.example")
    created = owner.post("/v1/workspaces", json={"name": "Voice Agency", "type": "agency"})
    assert created.status_code == 201, created.text
    agency = created.json()["workspaceId"]
    base = f"/v1/workspaces/{agency}"
    assert owner.patch(base, json={"settings": {"minutePool": 1000}}).status_code == 200

    client = owner.post(f"{base}/clients", json={"name": "Dental Clinic", "minuteBudget": 600})
    assert client.status_code == 201, client.text
    client_id = client.json()["workspaceId"]
    assert client.json()["parentWorkspaceId"] == agency
    over = owner.post(f"{base}/clients", json={"name": "Law Firm", "minuteBudget": 500})
    assert over.status_code == 409
    assert over.headers["content-type"] == "application/problem+json"
    assert over.json()["code"] == "MINUTE_POOL_EXCEEDED"

    invited = owner.post(
        f"{base}/invitations", json={"email": "sam@agency.example", "role": "member"}
    )
    assert invited.status_code == 201, invited.text
    sam = api.user("agency-sam", email="sam@agency.example")
    [mail] = mails_to(api, "sam@agency.example")
    assert sam.post("/v1/invitations/accept", json={"token": link_token(mail)}).status_code == 200
    assert sam.get(f"/v1/workspaces/{client_id}").status_code == 404

    assigned = owner.put(f"{base}/clients/{client_id}/assignments/agency-sam", json={})
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["role"], assigned.json()["via"]) == ("admin", agency)
    listed = owner.get(f"{base}/clients").json()
    assert listed["minutesAssigned"] == 600
    assert [(c["name"], c["memberCount"]) for c in listed["items"]] == [("Dental Clinic", 2)]

    renamed = sam.patch(f"/v1/workspaces/{client_id}", json={"name": "Dental Clinic East"})
    assert renamed.status_code == 200, renamed.text
    log = owner.get(f"/v1/workspaces/{client_id}/audit-log", params={"actor": "agency-sam"})
    assert log.status_code == 200, log.text
    [record] = log.json()["items"]
    assert record["action"] == "WorkspaceUpdated"
    assert record["actor"] == {"type": "user", "id": "agency-sam", "via": agency}

    assert owner.delete(f"{base}/members/agency-sam").status_code == 204
    assert sam.get(f"/v1/workspaces/{client_id}").status_code == 404
    members = owner.get(f"/v1/workspaces/{client_id}/members").json()["items"]
    assert [m["userId"] for m in members] == ["agency-owner"]
    log = owner.get(f"/v1/workspaces/{client_id}/audit-log").json()["items"]
    assert log[0]["action"] == "MemberRemoved"
    assert log[0]["actor"] == {"type": "system", "id": "client-access", "via": agency}
    assert owner.get(f"/v1/workspaces/{client_id}/audit-log/verify").json()["valid"] is True


def test_security_policies_over_http(api):
    owner = api.user("policy-owner", email="pat@acme.example")
    created = owner.post("/v1/workspaces", json={"name": "Locked Down", "type": "simple"})
    base = f"/v1/workspaces/{created.json()['workspaceId']}"
    domains = owner.patch(base, json={"settings": {"allowedEmailDomains": ["acme.example"]}})
    assert domains.status_code == 200, domains.text
    refused = owner.post(f"{base}/invitations", json={"email": "x@evil.example", "role": "member"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "EMAIL_DOMAIN_NOT_ALLOWED"
    allowed = owner.post(f"{base}/invitations", json={"email": "y@acme.example", "role": "member"})
    assert allowed.status_code == 201, allowed.text

    no_mfa = owner.patch(base, json={"settings": {"requireMfa": True}})
    assert (no_mfa.status_code, no_mfa.json()["code"]) == (403, "MFA_REQUIRED")
    owner_mfa = api.user("policy-owner", email="pat@acme.example", amr=["pwd", "mfa"])
    assert owner_mfa.patch(base, json={"settings": {"requireMfa": True}}).status_code == 200
    locked = owner.get(base)
    assert (locked.status_code, locked.json()["code"]) == (403, "MFA_REQUIRED")
    assert owner_mfa.get(base).status_code == 200


def test_an_agencys_clients_change_hands_with_it(api):
    """The issue's sequence over HTTP: the agency's owner creates a client, hands the
    agency to an admin, who removes them; the client goes with the agency."""
    alice = api.user("hand-alice", email="alice@hand.example")
    agency = alice.post("/v1/workspaces", json={"name": "Hand Agency", "type": "agency"}).json()
    base = f"/v1/workspaces/{agency['workspaceId']}"
    client = alice.post(f"{base}/clients", json={"name": "Clinic"}).json()["workspaceId"]
    invited = alice.post(f"{base}/invitations", json={"email": "bob@hand.example", "role": "admin"})
    assert invited.status_code == 201, invited.text
    bob = api.user("hand-bob", email="bob@hand.example")
    [mail] = mails_to(api, "bob@hand.example")
    assert bob.post("/v1/invitations/accept", json={"token": link_token(mail)}).status_code == 200
    assert bob.put(f"{base}/clients/{client}/assignments/hand-bob", json={}).status_code == 200

    offer = {"newOwnerId": "hand-bob", "confirmName": "Hand Agency"}
    assert alice.post(f"{base}/ownership-transfer", json=offer).status_code == 202
    assert bob.post(f"{base}/ownership-transfer/accept").status_code == 200
    assert bob.delete(f"{base}/members/hand-alice").status_code == 204

    assert alice.get(f"/v1/workspaces/{client}").status_code == 404
    assert alice.delete(f"/v1/workspaces/{client}").status_code == 404
    assert alice.delete(f"/v1/workspaces/{client}/members/hand-bob").status_code == 404
    shown = bob.get(f"/v1/workspaces/{client}").json()
    assert (shown["ownerId"], shown["role"]) == ("hand-bob", "owner")
    [listed] = bob.get(f"{base}/clients").json()["items"]
    assert (listed["workspaceId"], listed["role"], listed["ownerId"]) == (
        client,
        "owner",
        "hand-bob",
    )
    mine = {w["workspaceId"]: w["role"] for w in bob.get("/v1/workspaces").json()["items"]}
    assert mine[client] == "owner"
    assert client not in {w["workspaceId"] for w in alice.get("/v1/workspaces").json()["items"]}
    members = bob.get(f"/v1/workspaces/{client}/members").json()["items"]
    assert [(m["userId"], m["role"]) for m in members] == [("hand-bob", "owner")]
    transfer = bob.post(f"/v1/workspaces/{client}/ownership-transfer", json=offer)
    assert (transfer.status_code, transfer.json()["code"]) == (409, "CLIENT_OWNED_BY_AGENCY")
    assert bob.get(f"/v1/workspaces/{client}/audit-log/verify").json()["valid"] is True
