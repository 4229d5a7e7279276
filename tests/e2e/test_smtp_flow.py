"""A workspace's own SMTP server over real HTTP on the local runtime (which allows SMTP
hosts on 127.0.0.1, as its stage says): the owner configures an aiosmtpd server, tests
it, and the invitation arrives over the SMTP protocol with its link, which works; a
server that refuses gets the event retried and then dead-lettered, and the invitation
stays pending until a resend goes out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.http import create_workspace, mails_to
from tests.support.mail import Tags, first_link
from tests.support.smtp import MailServer

pytestmark = pytest.mark.e2e

LOGIN = ("relay@acme.example", "relay-pass-7Qx")


def smtp_settings(server: MailServer) -> dict[str, object]:
    return {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "username": LOGIN[0],
        "password": LOGIN[1],
        "fromAddress": "hello@acme.example",
        "fromName": "Acme",
    }


def test_the_invitation_arrives_through_the_workspaces_server_and_its_link_works(api):
    owner = api.user("smtp-owner", email="sam@example.com")
    workspace_id = create_workspace(owner, "Relay Co")
    smtp = f"/v1/workspaces/{workspace_id}/integrations/smtp"
    with MailServer(login=LOGIN) as server:
        configured = owner.put(smtp, json=smtp_settings(server))
        assert configured.status_code == 200, configured.text
        assert LOGIN[1] not in configured.text
        tested = owner.post(f"{smtp}/test", json={"to": "sam@example.com"})
        assert tested.status_code == 200, tested.text
        assert tested.json() == {"accepted": True}
        invited = owner.post(
            f"/v1/workspaces/{workspace_id}/invitations",
            json={"email": "ivy@example.com", "role": "developer"},
        )
        assert invited.status_code == 201, invited.text
    assert mails_to(api, "ivy@example.com") == []  # not through SES
    test_message, invitation = server.received
    assert test_message["rcptTos"] == ["sam@example.com"]
    assert invitation["rcptTos"] == ["ivy@example.com"]
    assert invitation["from"] == "Acme <hello@acme.example>"
    link = first_link(invitation["text"])
    assert Tags(invitation["html"]).links() == {link}
    assert link.startswith(f"{api.base}/accept?token=")
    token = parse_qs(urlsplit(link).query)["token"][0]
    ivy = api.user("smtp-ivy", email="ivy@example.com")
    accepted = ivy.post("/v1/invitations/accept", json={"token": token})
    assert accepted.status_code == 200, accepted.text
    assert owner.get(smtp).json()["lastError"] is None


def test_a_refusing_server_dead_letters_the_event_and_the_invitation_waits(api):
    owner = api.user("smtp-owner-2", email="sue@example.com")
    workspace_id = create_workspace(owner, "Refused Co")
    smtp = f"/v1/workspaces/{workspace_id}/integrations/smtp"
    invitations = f"/v1/workspaces/{workspace_id}/invitations"
    with MailServer(login=LOGIN, refuse="550 5.1.1 No such user here") as refusing:
        assert owner.put(smtp, json=smtp_settings(refusing)).status_code == 200
        tested = owner.post(f"{smtp}/test", json={"to": "sue@example.com"})
        assert tested.status_code == 502
        assert tested.headers["content-type"] == "application/problem+json"
        assert tested.json()["code"] == "SMTP_DELIVERY_FAILED"
        assert "550 5.1.1 No such user here" in tested.json()["detail"]
        created = owner.post(invitations, json={"email": "una@example.com", "role": "member"})
        assert created.status_code == 201
    assert refusing.received == []
    dead = api.runtime.chain.dead_letters["MailerFunction"]
    assert [event["detail"]["data"]["email"] for event in dead][-1] == "una@example.com"
    pending = owner.get(invitations, params={"status": "pending"}).json()["items"]
    assert [i["email"] for i in pending] == ["una@example.com"]

    with MailServer(login=LOGIN) as server:
        body = smtp_settings(server) | {"password": None}
        body.pop("password")  # the stored password is kept
        assert owner.put(smtp, json=body).status_code == 200
        resent = owner.post(f"{invitations}/{created.json()['invitationId']}/resend")
        assert resent.status_code == 200
    (message,) = server.received
    assert message["rcptTos"] == ["una@example.com"]
    assert first_link(message["text"]).startswith(f"{api.base}/accept?token=")
