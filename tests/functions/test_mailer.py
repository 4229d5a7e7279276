"""What the mailer sends, read as the invitee reads it: the chain on moto (stream ->
publisher -> bus -> the mailer's entry point -> SES), each message parsed from what SES
took. The invitation carries the workspace's name and logo, the inviter, the role with
what it allows, the expiry in the workspace's time zone, how to get an account and the
link; the workspace's branding names the sender and colours the mail."""

from __future__ import annotations

from typing import Any

import pytest

from teamspace.core.errors import Busy
from teamspace.core.retry import POLICY
from tests.functions.chain_helpers import ACCEPT_URL_BASE, SENDER, Chain, only
from tests.support import (
    SAMPLE_WORKSPACE,
    create_workspace,
    invite,
    sample_event,
    seed_member,
    token_of,
)
from tests.support.faults import injected
from tests.support.mail import Tags, first_link

WS = "WorkspacesFunction"
LOGO = "https://cdn.acme.example/logo.png"
BRANDING = {"senderName": "Acme Support", "logoUrl": LOGO, "accentColor": "#0F766E"}


@pytest.fixture
def chain(functions, monkeypatch) -> Chain:
    return Chain(monkeypatch)


def settle(functions, body: dict[str, Any]) -> None:
    reply = functions.call(WS, sample_event("workspaces/update-workspace.json", body=body))
    assert reply.status == 200, reply.body


def mailed(chain: Chain, detail_type: str = "InvitationCreated") -> list[dict[str, Any]]:
    """The event of that type off the bus, through the mailer; what SES took."""
    assert chain.mail(only(chain.flush(), detail_type))["sent"] >= 1
    return chain.sent_mail()


def test_the_invitation_says_who_what_until_when_and_how(functions, chain):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    settle(functions, {"settings": {"timezone": "Europe/Berlin", "branding": BRANDING}})
    invite(functions, "bob@example.com", "developer", send_email=None, expect=201)

    (mail,) = mailed(chain)

    assert mail["from"] == f"Acme Support <{SENDER}>"
    assert mail["source"] == SENDER
    assert mail["subject"] == "Olivia Owner invited you to Acme Voice on Teamspace"
    text = mail["text"]
    link = first_link(text)
    assert link.startswith(ACCEPT_URL_BASE + "?token=")
    assert token_of(link)
    assert "Olivia Owner invited you to join Acme Voice on Teamspace as Developer." in text
    assert "What Developer can do: Create and manage agents" in text
    # The sample clock starts 2026-11-22T10:00Z; 7 days on, in Berlin (CET, UTC+1).
    assert "expires on 29 November 2026 at 11:00 CET (Europe/Berlin)" in text
    assert "sign up with this address, bob@example.com" in text
    html = Tags(mail["html"])
    assert html.sources() == [LOGO]
    assert html.links() == {link}
    assert "Accept the invitation" in html.text
    assert "border-top:4px solid #0F766E" in mail["html"]
    assert "29 November 2026 at 11:00 CET (Europe/Berlin)" in html.text


def test_without_branding_the_mail_is_teamspaces_and_in_utc(functions, chain):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    invite(functions, "bob@example.com", "viewer", send_email=None, expect=201)

    (mail,) = mailed(chain)

    assert mail["from"] == f"Teamspace <{SENDER}>"
    assert "expires on 29 November 2026 at 10:00 UTC." in mail["text"]
    assert "What Viewer can do: Read-only" in mail["text"]
    assert Tags(mail["html"]).sources() == []  # no logo: nothing to load
    assert "Acme Voice" in Tags(mail["html"]).text


def test_the_workspaces_own_logo_serves_when_branding_names_none(functions, chain):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    settle(functions, {"logoUrl": "https://acme.example/own.png"})
    invite(functions, "bob@example.com", "viewer", send_email=None, expect=201)
    (mail,) = mailed(chain)
    assert Tags(mail["html"]).sources() == ["https://acme.example/own.png"]


def test_a_custom_role_is_described_by_what_it_holds(functions, chain):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    role = {"key": "qa_reviewer", "name": "QA reviewer", "rank": 5, "permissions": ["calls:view"]}
    reply = functions.call("RolesFunction", sample_event("roles/create-role.json", body=role))
    assert reply.status == 201, reply.body
    invite(functions, "bob@example.com", "qa_reviewer", send_email=None, expect=201)
    (mail,) = mailed(chain)
    assert "as QA reviewer." in mail["text"]
    assert "What QA reviewer can do: View call logs and conversations." in mail["text"]


def test_a_workspace_called_script_arrives_as_text(functions, chain):
    name = '<script>alert("hi")</script>'
    create_workspace(functions, name, "simple", expect=201)
    invite(functions, "bob@example.com", "viewer", send_email=None, expect=201)
    (mail,) = mailed(chain)
    html = Tags(mail["html"])
    assert "script" not in html.names()
    assert "&lt;script&gt;" in mail["html"]
    assert f"Join {name} on Teamspace" in html.text
    assert mail["subject"] == f"Olivia Owner invited you to {name} on Teamspace"


def test_the_ownership_mails_are_branded_too(functions, chain, store, clock):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    settle(functions, {"settings": {"branding": BRANDING, "timezone": "Asia/Tokyo"}})
    seed_member(store, SAMPLE_WORKSPACE, "nina", "admin", clock.now())
    chain.flush()
    body = {"newOwnerId": "nina", "confirmName": "Acme Voice"}
    reply = functions.call(
        "OwnershipFunction", sample_event("ownership/request-transfer.json", body=body)
    )
    assert reply.status == 202, reply.body

    (mail,) = mailed(chain, "OwnershipTransferRequested")

    assert mail["to"] == "nina@example.com"
    assert mail["from"] == f"Acme Support <{SENDER}>"
    assert "(Asia/Tokyo)" in mail["text"]
    assert Tags(mail["html"]).sources() == [LOGO]


def test_a_conflict_issuing_the_link_is_retried_and_one_mail_goes_out(functions, chain):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    invite(functions, "bob@example.com", "developer", send_email=None, expect=201)
    event = only(chain.flush(), "InvitationCreated")
    with injected("conflict=1,limit=1,only=TransactWriteItems") as injector:
        assert chain.mail(event)["sent"] == 1
    assert injector.total() == 1
    assert len(chain.sent_mail()) == 1
    assert chain.mail(event)["sent"] == 0  # marked: a redelivery sends nothing


def test_a_spent_budget_fails_the_event_unsent_and_its_redelivery_mails_once(functions, chain):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    invite(functions, "bob@example.com", "developer", send_email=None, expect=201)
    event = only(chain.flush(), "InvitationCreated")
    with injected("throttle=1") as injector, pytest.raises(Busy):
        chain.mail(event)
    assert injector.total() == POLICY.attempts
    assert chain.sent_mail() == []
    # Lambda's asynchronous retry delivers the event again.
    assert chain.mail(event)["sent"] == 1
    assert len(chain.sent_mail()) == 1
