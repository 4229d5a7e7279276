"""Invitations over real HTTP: the mail goes through the stream, the bus and SES for real
(moto), and the invitee accepts with the link read from /_local/outbox."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from tests.support import earlier_format_link
from tests.support.http import create_workspace, link_token, mails_to

pytestmark = pytest.mark.e2e


def test_invite_accept_resend_and_the_old_link(api):
    owner = api.user("inviter-olga", email="olga@example.com")
    workspace_id = create_workspace(owner, "Voice Ops")
    invited = owner.post(
        f"/v1/workspaces/{workspace_id}/invitations",
        json={
            "email": "Pia.Invitee@Example.com",
            "role": "developer",
            "jobTitle": "Voice engineer",
            "permissions": {"canViewRecordings": True},
            "agentIds": ["agent-7"],
        },
    )
    assert invited.status_code == 201, invited.text
    invitation = invited.json()
    assert invitation["email"] == "pia.invitee@example.com"
    assert "acceptUrl" not in invitation
    assert "token" not in invited.text.lower()

    [mail] = mails_to(api, "pia.invitee@example.com")
    assert mail["subject"] == "Inviter-Olga invited you to Voice Ops on Teamspace"
    assert "Developer" in mail["text"]
    assert "expires on" in mail["text"]
    first_token = link_token(mail)
    assert first_token in mail["html"]

    pia = api.user("pia", email="pia.invitee@example.com")
    mine = pia.get("/v1/me/invitations").json()["items"]
    assert [i["invitationId"] for i in mine] == [invitation["invitationId"]]

    resent = owner.post(
        f"/v1/workspaces/{workspace_id}/invitations/{invitation['invitationId']}/resend"
    )
    assert resent.status_code == 200
    mails = mails_to(api, "pia.invitee@example.com")
    assert len(mails) == 2
    second_token = link_token(mails[-1])
    assert second_token != first_token

    old = pia.post("/v1/invitations/accept", json={"token": first_token})
    assert old.status_code == 410
    assert old.headers["content-type"] == "application/problem+json"
    assert old.json()["code"] == "INVITATION_SUPERSEDED"

    stranger = api.user("not-pia", email="someone.else@example.com")
    wrong_person = stranger.post("/v1/invitations/accept", json={"token": second_token})
    assert wrong_person.status_code == 403
    assert wrong_person.json()["code"] == "EMAIL_MISMATCH"

    accepted = pia.post("/v1/invitations/accept", json={"token": second_token})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["workspaceId"] == workspace_id
    again = pia.post("/v1/invitations/accept", json={"token": second_token})
    assert again.status_code == 200
    assert again.json()["member"]["userId"] == "pia"

    members = owner.get(f"/v1/workspaces/{workspace_id}/members").json()["items"]
    joined = next(m for m in members if m["userId"] == "pia")
    assert joined["role"] == "developer"
    assert joined["jobTitle"] == "Voice engineer"
    assert joined["permissionOverrides"] == {"canViewRecordings": True}
    assert joined["agentIds"] == ["agent-7"]
    assert len(members) == 2

    status = owner.get(
        f"/v1/workspaces/{workspace_id}/invitations", params={"status": "accepted"}
    ).json()["items"]
    assert [i["invitationId"] for i in status] == [invitation["invitationId"]]
    allowed = pia.post(
        f"/v1/workspaces/{workspace_id}/authorize",
        json={"permission": "recordings:view", "resourceId": "agent-7"},
    ).json()
    assert allowed["allowed"] is True


def test_the_mailed_link_previews_without_signing_in_then_accepts(api):
    owner = api.user("inviter-lena", email="lena@example.com")
    workspace_id = create_workspace(owner, "Previewed")
    invited = owner.post(
        f"/v1/workspaces/{workspace_id}/invitations",
        json={"email": "quinn@example.com", "role": "viewer"},
    )
    assert invited.status_code == 201, invited.text
    token = link_token(mails_to(api, "quinn@example.com")[-1])
    anyone = api.anonymous()  # no bearer token: the page shows this before any sign-in

    preview = anyone.get("/v1/invitations/preview", params={"token": token})
    assert preview.status_code == 200, preview.text
    assert preview.headers["cache-control"] == "no-store"
    body = preview.json()
    assert body["workspaceName"] == "Previewed"
    assert (body["role"], body["roleName"]) == ("viewer", "Viewer")
    assert body["emailHint"] == "q***@example.com"
    assert body["expiresAt"] == invited.json()["expiresAt"]
    assert body["status"] == "pending"
    assert "quinn@" not in preview.text
    assert anyone.get("/v1/invitations/preview", params={"token": token}).json() == body

    quinn = api.user("quinn", email="quinn@example.com")
    accepted = quinn.post("/v1/invitations/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text
    used = anyone.get("/v1/invitations/preview", params={"token": token})
    assert used.status_code == 410
    assert used.headers["content-type"] == "application/problem+json"
    assert used.json()["code"] == "INVITATION_ALREADY_USED"

    # Unknown and malformed tokens get one same answer.
    unknown = anyone.get("/v1/invitations/preview", params={"token": token[:-1] + "x"})
    malformed = anyone.get("/v1/invitations/preview", params={"token": "no such thing"})
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.json() == malformed.json()
    assert unknown.json()["code"] == "INVITATION_NOT_FOUND"


def passed_on(api, inviter: str, workspace: str, email: str, role: str):
    """A new workspace of `inviter`'s and an invitation to `email` that the inviter passes
    on (`sendEmail: false`): the owner's client, the workspace id, the invitation."""
    owner = api.user(inviter, email=f"{inviter}@example.com")
    workspace_id = create_workspace(owner, workspace)
    created = owner.post(
        f"/v1/workspaces/{workspace_id}/invitations",
        json={"email": email, "role": role, "sendEmail": False},
    ).json()
    return owner, workspace_id, created


def test_a_link_of_the_earlier_format_still_previews_and_accepts(api):
    """Links mailed before tokens named their invitation keep working until they expire."""
    _, workspace_id, created = passed_on(
        api, "inviter-ezra", "Old links", "olive@example.com", "member"
    )
    token = earlier_format_link(api.store, workspace_id, created["invitationId"])
    preview = api.anonymous().get("/v1/invitations/preview", params={"token": token})
    assert preview.status_code == 200, preview.text
    assert preview.json()["emailHint"] == "o***@example.com"
    olive = api.user("olive", email="olive@example.com")
    accepted = olive.post("/v1/invitations/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["workspaceId"] == workspace_id


def test_a_link_for_the_inviter_to_pass_on_and_the_expiry_job(api):
    owner, workspace_id, created = passed_on(
        api, "inviter-max", "Expiring", "late@example.com", "viewer"
    )
    assert created["acceptUrl"].startswith(api.base)
    assert mails_to(api, "late@example.com") == []
    token = parse_qs(urlsplit(created["acceptUrl"]).query)["token"][0]
    listed = owner.get(f"/v1/workspaces/{workspace_id}/invitations").json()["items"]
    assert "acceptUrl" not in listed[0]

    job = api.anonymous().post(
        "/_local/jobs/expire-invitations", json={"now": created["expiresAt"]}
    )
    assert job.status_code == 200
    assert job.json()["expired"] >= 1
    expired = owner.get(
        f"/v1/workspaces/{workspace_id}/invitations", params={"status": "expired"}
    ).json()["items"]
    assert [i["email"] for i in expired] == ["late@example.com"]
    late = api.user("late", email="late@example.com")
    refused = late.post("/v1/invitations/accept", json={"token": token})
    assert refused.status_code == 410
    assert refused.json()["code"] == "INVITATION_EXPIRED"


def test_decline_and_revoke(api):
    owner = api.user("inviter-rhea", email="rhea@example.com")
    workspace_id = create_workspace(owner, "Declines")
    base = f"/v1/workspaces/{workspace_id}/invitations"
    declined = owner.post(base, json={"email": "no@example.com", "role": "member"}).json()
    token = link_token(mails_to(api, "no@example.com")[-1])
    nope = api.user("nope", email="no@example.com")
    assert nope.post("/v1/invitations/decline", json={"token": token}).status_code == 204
    assert nope.post("/v1/invitations/accept", json={"token": token}).status_code == 410

    revoked = owner.post(base, json={"email": "gone@example.com", "role": "member"}).json()
    token = link_token(mails_to(api, "gone@example.com")[-1])
    assert owner.delete(f"{base}/{revoked['invitationId']}").status_code == 204
    gone = api.user("gone", email="gone@example.com")
    answer = gone.post("/v1/invitations/accept", json={"token": token})
    assert answer.status_code == 410
    assert answer.json()["code"] == "INVITATION_REVOKED"
    statuses = {i["invitationId"]: i["status"] for i in owner.get(base).json()["items"]}
    assert statuses == {declined["invitationId"]: "declined", revoked["invitationId"]: "revoked"}


def test_the_local_job_answers_in_camel_case_like_the_rest(api):
    reply = api.anonymous().post(
        "/_local/jobs/expire-invitations", json={"now": "2000-01-01T00:00:00Z"}
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    # Nothing was due in 2000: the run read nothing and lost no race.
    assert reply.json() == {
        "read": 0,
        "expired": 0,
        "lostRaces": 0,
        "deferred": 0,
        "finished": True,
    }


def test_local_job_refuses_a_bad_time(api):
    reply = api.anonymous().post("/_local/jobs/expire-invitations", json={"now": "tomorrow"})
    assert reply.status_code == 422


def test_a_send_that_keeps_failing_lands_in_the_dead_letter_queue(api):
    """SES refuses (sender not verified): retried, then dead-lettered; the invitation stays."""
    ses = boto3.client("ses", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    sender = api.runtime.template.parameters["SenderAddress"]
    owner = api.user("inviter-dora", email="dora@example.com")
    workspace_id = create_workspace(owner, "Dead letters")
    ses.delete_identity(Identity=sender)
    try:
        created = owner.post(
            f"/v1/workspaces/{workspace_id}/invitations",
            json={"email": "unlucky@example.com", "role": "member"},
        )
        assert created.status_code == 201
    finally:
        ses.verify_email_identity(EmailAddress=sender)
    assert mails_to(api, "unlucky@example.com") == []
    dead = api.runtime.chain.dead_letters["MailerFunction"]
    assert [event["detail"]["data"]["email"] for event in dead][-1] == "unlucky@example.com"
    queue = sqs.get_queue_url(QueueName="teamspace-local-mailer-dlq")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert any("unlucky@example.com" in m["Body"] for m in messages)
    pending = owner.get(
        f"/v1/workspaces/{workspace_id}/invitations", params={"status": "pending"}
    ).json()["items"]
    assert [i["email"] for i in pending] == ["unlucky@example.com"]
    resent = owner.post(
        f"/v1/workspaces/{workspace_id}/invitations/{created.json()['invitationId']}/resend"
    )
    assert resent.status_code == 200
    assert len(mails_to(api, "unlucky@example.com")) == 1
