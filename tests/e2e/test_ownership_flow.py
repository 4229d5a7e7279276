"""Ownership transfer over real HTTP, with its notices going out through SES (moto)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_transfer_request_accept_and_the_notices(api):
    olga = api.user("olga-owner", email="olga@example.com")
    workspace_id = olga.post("/v1/workspaces", json={"name": "Handover", "type": "simple"}).json()[
        "workspaceId"
    ]
    base = f"/v1/workspaces/{workspace_id}"
    olga.post(f"{base}/invitations", json={"email": "nina@example.com", "role": "admin"})
    outbox = api.anonymous().get("/_local/outbox").json()
    invite = next(m for m in reversed(outbox) if m["to"] == "nina@example.com")
    token = invite["text"].split("token=")[1].split()[0]
    nina = api.user("nina", email="nina@example.com")
    assert nina.post("/v1/invitations/accept", json={"token": token}).status_code == 200

    wrong = olga.post(
        f"{base}/ownership-transfer", json={"newOwnerId": "nina", "confirmName": "handover"}
    )
    assert wrong.status_code == 422
    requested = olga.post(
        f"{base}/ownership-transfer", json={"newOwnerId": "nina", "confirmName": "Handover"}
    )
    assert requested.status_code == 202
    asked = [
        m for m in api.anonymous().get("/_local/outbox").json() if m["to"] == "nina@example.com"
    ]
    assert asked[-1]["subject"] == "Olga-Owner wants to hand Handover over to you"

    accepted = nina.post(f"{base}/ownership-transfer/accept")
    assert accepted.status_code == 200
    assert olga.get(base).json()["ownerId"] == "nina"
    assert olga.get(base).json()["role"] == "admin"
    mails = api.anonymous().get("/_local/outbox").json()
    done = [m["to"] for m in mails if m["subject"] == "Nina now owns Handover"]
    assert sorted(done) == ["nina@example.com", "olga@example.com"]
    assert olga.get(f"{base}/ownership-transfer").status_code == 404
