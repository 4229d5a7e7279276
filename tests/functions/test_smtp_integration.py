"""A workspace's own SMTP server (API.md, "Workspace integrations and branding"), against
a real SMTP server on 127.0.0.1 (aiosmtpd, tests/support/smtp.py) and Secrets Manager on
moto: configure, read, remove; the test message (200, or 502 `SMTP_DELIVERY_FAILED` with
the server's reply); TLS verified; and the workspace's invitations going out through it,
a refusal failing the event (so that it is retried, then dead-lettered) and never losing
the invitation."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from teamspace import wiring
from teamspace.mail.smtp import SmtpDeliveryFailed
from tests.functions.chain_helpers import SENDER, Chain, all_items, hooked, only, racing
from tests.support import (
    SAMPLE_WORKSPACE,
    TEMPLATE,
    create_workspace,
    invite,
    sample_event,
    seed_member,
    token_of,
)
from tests.support.events import user
from tests.support.mail import Tags, first_link
from tests.support.plans import put_on_plan
from tests.support.smtp import Certificate, MailServer, allow_private_smtp

INT = "IntegrationsFunction"
MAILER = "MailerFunction"
PASSWORD = "smtp-pass-Zq81"
LOGIN = ("mailer@acme.example", PASSWORD)
SECRET = f"teamspace-{TEMPLATE.parameters['Stage']}/smtp/{SAMPLE_WORKSPACE}"


@pytest.fixture
def chain(functions, monkeypatch) -> Chain:
    return Chain(monkeypatch)


@pytest.fixture
def local_stage(chain, monkeypatch) -> Chain:
    """The workspace, on a stage that allows SMTP hosts on 127.0.0.1 (as the local runtime)."""
    allow_private_smtp(monkeypatch)
    return chain


def settings(server: MailServer, **changes: Any) -> dict[str, Any]:
    body = {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "username": LOGIN[0],
        "password": LOGIN[1],
        "fromAddress": "team@acme.example",
        "fromName": "Acme Team",
    }
    return {k: v for k, v in (body | changes).items() if v is not None}


def configure(functions, body: dict[str, Any], who: Any = None):
    event = sample_event("integrations/configure-smtp.json", body=body, caller=who)
    return functions.call(INT, event)


def smtp_test(functions, to: str = "olivia@acme.example", who: Any = None):
    event = sample_event("mailer/test-smtp.json", body={"to": to}, caller=who)
    return functions.call(MAILER, event)


def read(functions):
    return functions.call(INT, sample_event("integrations/get-smtp.json"))


def secret_versions() -> list[str]:
    client = boto3.client("secretsmanager", region_name=TEMPLATE.region)
    listed = client.list_secret_version_ids(SecretId=SECRET)["Versions"]
    return [v["VersionId"] for v in listed]


def stored_password(version: str) -> str:
    client = boto3.client("secretsmanager", region_name=TEMPLATE.region)
    found = client.get_secret_value(SecretId=SECRET, VersionId=version)
    return json.loads(found["SecretString"])["password"]


# ---- configure, read, remove -----------------------------------------------------------


def test_the_owner_configures_the_server_and_the_password_goes_to_secrets_manager_only(
    functions, local_stage
):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        reply = configure(functions, settings(server))
    assert reply.status == 200, reply.body
    assert reply.body["host"] == "127.0.0.1"
    assert reply.body["passwordSet"] is True
    assert reply.body["lastTestedAt"] is None
    assert PASSWORD not in json.dumps(reply.body)
    assert "password" not in reply.body
    (version,) = secret_versions()
    assert stored_password(version) == PASSWORD

    read_back = read(functions)
    assert read_back.status == 200
    assert read_back.body == reply.body

    (event,) = [e for e in local_stage.flush() if e["detail-type"] == "SmtpIntegrationConfigured"]
    data = event["detail"]["data"]
    assert data["authenticated"] is True
    assert data["passwordChanged"] is True
    assert PASSWORD not in json.dumps(event)
    assert LOGIN[0] not in json.dumps(event)
    for item in all_items(local_stage.dynamodb_reader):
        assert PASSWORD not in json.dumps(item)


def test_a_change_without_a_password_keeps_the_stored_one(functions, local_stage):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server)).status == 200
        changed = configure(functions, settings(server, password=None, fromName="Acme Ops"))
        assert changed.status == 200, changed.body
        assert changed.body["fromName"] == "Acme Ops"
        assert changed.body["passwordSet"] is True
        assert len(secret_versions()) == 1
        assert smtp_test(functions).status == 200  # it still logs in
    assert server.logins == [LOGIN]


def test_a_username_without_any_password_is_refused(functions, local_stage):
    create_workspace(functions, expect=201)
    with MailServer() as server:
        reply = configure(functions, settings(server, password=None))
    assert reply.status == 422
    assert reply.code == "VALIDATION_FAILED"


def test_removing_deletes_the_configuration_and_the_password(functions, local_stage):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server)).status == 200
    removed = functions.call(INT, sample_event("integrations/remove-smtp.json"))
    assert removed.status == 204
    assert read(functions).code == "SMTP_NOT_CONFIGURED"
    client = boto3.client("secretsmanager", region_name=TEMPLATE.region)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_secret(SecretId=SECRET)
    again = functions.call(INT, sample_event("integrations/remove-smtp.json"))
    assert (again.status, again.code) == (404, "SMTP_NOT_CONFIGURED")


def test_a_removal_refused_for_a_conflict_leaves_a_password_that_still_opens(
    functions, local_stage
):
    # The secret goes only after the commit: deleted first, a removal that lost a race
    # would leave the configuration naming a password that no longer exists.
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server)).status == 200
        renamed = settings(server, password=None, fromName="Acme Support")
        with racing(wiring.dynamodb_client(), lambda: configure(functions, renamed)) as (_, won):
            removed = functions.call(INT, sample_event("integrations/remove-smtp.json"))
        assert won[0].status == 200
        assert (removed.status, removed.code) == (409, "VERSION_CONFLICT")
        assert smtp_test(functions).status == 200
    assert server.logins == [LOGIN]


def test_a_removal_whose_password_was_not_deleted_is_finished_by_its_retry(functions, local_stage):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server)).status == 200

    def unavailable(**_: Any) -> None:
        error = {"Error": {"Code": "InternalServiceError", "Message": "try again"}}
        raise ClientError(error, "DeleteSecret")

    secrets = wiring.secrets_client()
    with hooked(secrets, "before-call.secrets-manager.DeleteSecret", unavailable):
        failed = functions.call(INT, sample_event("integrations/remove-smtp.json"))
    assert failed.status == 500
    assert stored_password(secret_versions()[0]) == PASSWORD  # the commit went through
    again = functions.call(INT, sample_event("integrations/remove-smtp.json"))
    assert (again.status, again.code) == (404, "SMTP_NOT_CONFIGURED")
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        secrets.describe_secret(SecretId=SECRET)


def test_nothing_configured_is_404(functions, local_stage):
    create_workspace(functions, expect=201)
    reply = read(functions)
    assert (reply.status, reply.code) == (404, "SMTP_NOT_CONFIGURED")
    assert reply.headers["content-type"] == "application/problem+json"
    tested = smtp_test(functions)
    assert (tested.status, tested.code) == (404, "SMTP_NOT_CONFIGURED")


def test_a_loopback_host_is_refused_where_the_stage_does_not_allow_it(functions, chain):
    """The template's default (SmtpAllowPrivateHosts false), as in AWS."""
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        for host in ("127.0.0.1", "localhost", "169.254.169.254", "10.1.2.3", "::1"):
            reply = configure(functions, settings(server, host=host))
            assert (reply.status, reply.code) == (422, "SMTP_HOST_NOT_ALLOWED"), host
    assert read(functions).code == "SMTP_NOT_CONFIGURED"
    client = boto3.client("secretsmanager", region_name=TEMPLATE.region)
    assert client.list_secrets()["SecretList"] == []  # no password kept for a refused host


@pytest.mark.parametrize(
    ("security", "login", "status"),
    [
        ("none", LOGIN, 422),  # a password in clear text over the internet
        ("none", (None, None), 200),  # an open relay: nothing to give away
        ("starttls", LOGIN, 200),
        ("tls", LOGIN, 200),
    ],
)
def test_a_login_goes_to_a_public_host_only_over_tls(functions, chain, security, login, status):
    """The template's default stage; configuring makes no connection (8.8.8.8 is only
    vetted as a public address, never dialled)."""
    create_workspace(functions, expect=201)
    body = {
        "host": "8.8.8.8",
        "port": 587,
        "security": security,
        "username": login[0],
        "password": login[1],
        "fromAddress": "team@acme.example",
    }
    reply = configure(functions, {k: v for k, v in body.items() if v is not None})
    assert reply.status == status, reply.body
    if status == 422:
        assert reply.code == "VALIDATION_FAILED"
        assert [f["field"] for f in reply.body["errors"]] == ["security"]


def test_admins_manage_integrations_and_managers_may_not(functions, local_stage, store, clock):
    create_workspace(functions, expect=201)
    seed_member(store, SAMPLE_WORKSPACE, "ada", "admin", clock.now())
    seed_member(store, SAMPLE_WORKSPACE, "mia", "manager", clock.now())
    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server), who=user("ada")).status == 200
        refused = configure(functions, settings(server), who=user("mia"))
        assert (refused.status, refused.code) == (403, "PERMISSION_DENIED")
        assert smtp_test(functions, who=user("mia")).status == 403
        assert smtp_test(functions, who=user("ada")).status == 200


# ---- the test message ------------------------------------------------------------------


def test_the_test_message_arrives_over_smtp_and_is_recorded(functions, local_stage):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server)).status == 200
        reply = smtp_test(functions, "olivia@acme.example")
    assert (reply.status, reply.body) == (200, {"accepted": True})
    (message,) = server.received
    assert server.logins == [LOGIN]
    assert message["rcptTos"] == ["olivia@acme.example"]
    assert message["mailFrom"] == "team@acme.example"
    assert message["from"] == "Acme Team <team@acme.example>"
    assert "Test message from Acme Voice" in message["subject"]
    assert "127.0.0.1" in message["text"]
    assert "127.0.0.1" in Tags(message["html"]).text
    recorded = read(functions).body
    assert recorded["lastTestedAt"] == "2026-11-22T10:00:00Z"
    assert recorded["lastError"] is None


@pytest.mark.parametrize(
    ("server_options", "login", "reply_says"),
    [
        ({"refuse": "550 5.7.1 Relaying denied"}, LOGIN, "550 5.7.1 Relaying denied"),
        ({}, ("mailer@acme.example", "wrong-password"), "535"),
    ],
    ids=["rcpt-refused", "auth-refused"],
)
def test_a_refusing_server_answers_502_with_its_reply(
    functions, local_stage, server_options, login, reply_says
):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN, **server_options) as server:
        body = settings(server, username=login[0], password=login[1])
        assert configure(functions, body).status == 200
        reply = smtp_test(functions)
    assert (reply.status, reply.code) == (502, "SMTP_DELIVERY_FAILED")
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply_says in reply.body["detail"]
    assert login[1] not in json.dumps(reply.body)
    assert server.received == []
    recorded = read(functions).body
    assert reply_says in recorded["lastError"]
    assert recorded["lastTestedAt"] == "2026-11-22T10:00:00Z"


def test_a_server_that_is_not_listening_answers_502(functions, local_stage):
    create_workspace(functions, expect=201)
    with MailServer() as server:
        body = settings(server, username=None, password=None)
    assert configure(functions, body).status == 200  # stopped now: nothing on its port
    reply = smtp_test(functions)
    assert (reply.status, reply.code) == (502, "SMTP_DELIVERY_FAILED")
    assert "connection refused" in reply.body["detail"]


@pytest.fixture
def certificate(tmp_path) -> Certificate:
    return Certificate.make(tmp_path)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_is_verified_an_untrusted_certificate_is_refused(
    functions, local_stage, certificate, security
):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN, tls=security, certificate=certificate) as server:
        assert configure(functions, settings(server, security=security)).status == 200
        reply = smtp_test(functions)
    assert (reply.status, reply.code) == (502, "SMTP_DELIVERY_FAILED")
    assert "certificate" in reply.body["detail"].lower()
    assert server.logins == []  # the password never crossed an unverified connection
    assert server.received == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_a_trusted_certificate_delivers(
    functions, local_stage, certificate, monkeypatch, security
):
    certificate.trusted_by_the_process(monkeypatch)
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN, tls=security, certificate=certificate) as server:
        # By name: the certificate is checked against the host named.
        body = settings(server, security=security, host="localhost")
        assert configure(functions, body).status == 200
        reply = smtp_test(functions)
    assert reply.status == 200, reply.body
    (message,) = server.received
    assert message["tls"] is True
    assert server.logins == [LOGIN]


def test_a_certificate_for_another_name_is_refused(functions, local_stage, tmp_path, monkeypatch):
    other = Certificate.make(tmp_path, names=("mail.other.example",))
    other.trusted_by_the_process(monkeypatch)
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN, tls="starttls", certificate=other) as server:
        body = settings(server, security="starttls", host="localhost")
        assert configure(functions, body).status == 200
        reply = smtp_test(functions)
    assert (reply.status, reply.code) == (502, "SMTP_DELIVERY_FAILED")
    assert server.logins == []


# ---- the workspace's mail goes through it ----------------------------------------------


def invited_event(functions, chain: Chain, email: str = "bob@example.com") -> dict[str, Any]:
    invite(functions, email, "developer", send_email=None, expect=201)
    return only(chain.flush(), "InvitationCreated")


def test_the_invitation_arrives_over_smtp_with_both_parts_and_its_link(functions, local_stage):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server)).status == 200
        event = invited_event(functions, local_stage)
        assert local_stage.mail(event)["sent"] == 1
    assert local_stage.sent_mail() == []  # not through SES
    (message,) = server.received
    assert message["rcptTos"] == ["bob@example.com"]
    assert message["from"] == "Acme Team <team@acme.example>"
    assert message["subject"] == "Olivia Owner invited you to Acme Voice on Teamspace"
    link = first_link(message["text"])
    assert link.startswith(local_stage_accept_base() + "?token=")
    assert Tags(message["html"]).links() == {link}
    assert "as Developer" in message["text"]
    assert "Developer" in Tags(message["html"]).text
    accept = sample_event(
        "invitations/accept-invitation.json",
        caller=user("bob", "bob@example.com", "Bob"),
        body={"token": token_of(link)},
    )
    assert functions.call("InvitationsFunction", accept).status == 200


def local_stage_accept_base() -> str:
    return TEMPLATE.functions()[MAILER].environment["ACCEPT_URL_BASE"]


def test_a_refusing_server_fails_the_event_and_the_redelivery_goes_out(functions, local_stage):
    """As SES refusing does (test_event_chain): the event fails, so that Lambda retries
    it and then dead-letters it; the invitation stays pending, nothing is marked mailed;
    once the server takes mail, the same event sends a working link."""
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN, refuse="554 5.7.1 Rejected by policy") as refusing:
        assert configure(functions, settings(refusing)).status == 200
        event = invited_event(functions, local_stage)
        with pytest.raises(SmtpDeliveryFailed) as failed:
            local_stage.mail(event)
    assert "554 5.7.1 Rejected by policy" in failed.value.reply
    assert PASSWORD not in str(failed.value)
    event_id = event["detail"]["eventId"]
    assert local_stage.item(f"MAILED#{event_id}", "MAILED") is None
    invitation_id = event["detail"]["data"]["invitationId"]
    item = local_stage.item(f"WS#{SAMPLE_WORKSPACE}", f"INVITE#{invitation_id}")
    assert item["status"] == "PENDING"

    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server, password=None)).status == 200
        local_stage.flush()
        assert local_stage.mail(event)["sent"] == 1
    (message,) = server.received
    assert local_stage.item(f"MAILED#{event_id}", "MAILED") is not None
    accept = sample_event(
        "invitations/accept-invitation.json",
        caller=user("bob", "bob@example.com", "Bob"),
        body={"token": token_of(first_link(message["text"]))},
    )
    assert functions.call("InvitationsFunction", accept).status == 200


def test_without_a_server_the_mail_goes_through_ses_again(functions, local_stage):
    create_workspace(functions, expect=201)
    with MailServer(login=LOGIN) as server:
        assert configure(functions, settings(server)).status == 200
        assert functions.call(INT, sample_event("integrations/remove-smtp.json")).status == 204
        event = invited_event(functions, local_stage)
        assert local_stage.mail(event)["sent"] == 1
    assert server.received == []
    (mail,) = local_stage.sent_mail()
    assert mail["source"] == SENDER


# ---- plans (issue 20) --------------------------------------------------------------------


def test_a_plan_without_smtp_keeps_the_configuration_readable_and_mails_through_ses(
    functions, local_stage
):
    """A plan without smtpIntegration: no configuring, no test message; one configured
    before the downgrade is kept (read, removed) and the mail goes through SES until an
    upgrade, when it goes through the workspace's server again."""
    create_workspace(functions, expect=201)
    with MailServer() as server:
        body = settings(server, username=None, password=None)
        put_on_plan(functions, SAMPLE_WORKSPACE, "free")
        refused = configure(functions, body)
        assert (refused.status, refused.code) == (403, "PLAN_UPGRADE_REQUIRED")
        assert refused.body["feature"] == "smtpIntegration"
        put_on_plan(functions, SAMPLE_WORKSPACE, "pro")
        assert configure(functions, body).status == 200
        put_on_plan(functions, SAMPLE_WORKSPACE, "free")
        assert read(functions).status == 200
        tested = smtp_test(functions)
        assert (tested.status, tested.body["feature"]) == (403, "smtpIntegration")
        assert local_stage.mail(invited_event(functions, local_stage))["sent"] == 1
        assert server.received == []
        assert len(local_stage.sent_mail()) == 1  # through SES
        put_on_plan(functions, SAMPLE_WORKSPACE, "pro")
        assert local_stage.mail(invited_event(functions, local_stage, "eve@example.com"))
        assert len(server.received) == 1
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")
    remove = functions.call(INT, sample_event("integrations/remove-smtp.json"))
    assert remove.status == 204
