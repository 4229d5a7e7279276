"""Secrets never leak: a full flow over HTTP, with every log line, event, stored item and
response captured, and each secret found only where it must be.

The secrets: invitation link tokens (one passed on by the inviter, one mailed), an API
key, with their SHA-256 hashes, and passwords of managed members (one set at creation,
one set by an administrator later, one temporary, made for the welcome mail).
- A token appears only in the one response that hands it to the inviter, or in the mail;
  previewing it (a public route, the token in its query) shows it nowhere. A token's
  locator (`<workspaceId>.<invitationId>`) is no secret; its secret part is held to the
  same rule as the whole token.
- The key appears only in the response that creates it.
- A password set by an administrator appears in no response at all; a temporary one
  only in its welcome mail.
- A workspace's SMTP password (configured, then used for a test message and an
  invitation through an SMTP server on 127.0.0.1) appears in no response, event, audit
  record, item or log line: only in Secrets Manager and on the wire to that server.
- None appears in any log record, printed line or stored item; a hash appears only
  in the items keyed or addressed by it (the link-token and key-lookup items, the
  invitation's and key's own items), never in an event, an audit record, a response
  or a log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import Any

import boto3
import pytest

from tests.support.handlers import mistyped
from tests.support.http import authorizer_says, create_workspace, link_token, mails_to
from tests.support.smtp import MailServer

pytestmark = pytest.mark.e2e

# Items that are addressed by a hash, or must know it to reach the item that is.
HASH_HOLDERS = {"invitation_token", "invitation", "api_key_secret", "api_key"}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Recorder:
    """Every response body of the flow, by the request that got it."""

    def __init__(self) -> None:
        self.responses: list[tuple[str, str]] = []

    def __call__(self, label: str, reply: Any) -> Any:
        self.responses.append((label, reply.text))
        assert reply.status_code < 500, (label, reply.text)
        return reply


def run_full_flow(api, seen: Recorder) -> dict[str, str]:
    """Invite (passed on and mailed), accept, manage, key create/use/revoke, audit read."""
    owner = api.user("secret-owner", email="sol@example.com")
    workspace_id = create_workspace(owner, "Secretive")
    base = f"/v1/workspaces/{workspace_id}"
    passed_on = seen(
        "invite-passed-on",
        owner.post(
            f"{base}/invitations",
            json={"email": "pat@example.com", "role": "member", "sendEmail": False},
        ),
    )
    passed_token = re.search(r"token=([A-Za-z0-9_.-]+)", passed_on.json()["acceptUrl"]).group(1)
    seen(
        "invite-mailed",
        owner.post(f"{base}/invitations", json={"email": "mae@example.com", "role": "viewer"}),
    )
    [mail] = mails_to(api, "mae@example.com")
    mailed_token = link_token(mail)
    anyone = api.anonymous()
    for label, token in (("preview-passed-on", passed_token), ("preview-mailed", mailed_token)):
        seen(label, anyone.get("/v1/invitations/preview", params={"token": token}))
    # The link opens the invitation page (its token in the query of the page's URL).
    seen("invitation-page", anyone.get(f"/accept?token={mailed_token}"))
    pat = api.user("secret-pat", email="pat@example.com")
    mae = api.user("secret-mae", email="mae@example.com")
    seen("accept-passed-on", pat.post("/v1/invitations/accept", json={"token": passed_token}))
    seen("accept-mailed", mae.post("/v1/invitations/accept", json={"token": mailed_token}))
    seen("accept-again", mae.post("/v1/invitations/accept", json={"token": mailed_token}))
    seen("list-invitations", owner.get(f"{base}/invitations"))
    seen("members", owner.get(f"{base}/members"))
    created = seen("key-create", owner.post(f"{base}/api-keys", json={"name": "CRM"}))
    key = created.json()["key"]
    seen("key-list", owner.get(f"{base}/api-keys"))
    assert authorizer_says(api, key, workspace_id)["isAuthorized"] is True
    assert authorizer_says(api, mistyped(key), workspace_id)["isAuthorized"] is False
    seen("key-revoke", owner.delete(f"{base}/api-keys/{created.json()['keyId']}"))
    assert authorizer_says(api, key, workspace_id)["isAuthorized"] is False
    first_password, second_password = "first-secret-pw", "second-secret-pw"
    made = seen(
        "member-create",
        owner.post(
            f"{base}/members",
            json={
                "email": "mel@example.com",
                "name": "Mel",
                "role": "member",
                "password": first_password,
            },
        ),
    )
    mel = made.json()["userId"]
    sign_in = {"email": "mel@example.com", "password": first_password}
    seen("sign-in", api.anonymous().post("/_local/sign-in", json=sign_in))
    seen(
        "password-set",
        owner.put(f"{base}/members/{mel}/password", json={"password": second_password}),
    )
    seen(
        "member-create-temporary",
        owner.post(
            f"{base}/members", json={"email": "tim@example.com", "name": "Tim", "role": "viewer"}
        ),
    )
    [welcome] = mails_to(api, "tim@example.com")
    temporary = re.search(r"temporary password:\s+(\S+)", welcome["text"]).group(1)
    smtp_password = "smtp-relay-secret-pw"
    with MailServer(login=("relay", smtp_password)) as relay:
        settings = {
            "host": relay.host,
            "port": relay.port,
            "security": "none",
            "username": "relay",
            "password": smtp_password,
            "fromAddress": "team@secretive.example",
        }
        seen("smtp-configure", owner.put(f"{base}/integrations/smtp", json=settings))
        seen("smtp-read", owner.get(f"{base}/integrations/smtp"))
        seen(
            "smtp-test",
            owner.post(f"{base}/integrations/smtp/test", json={"to": "sol@example.com"}),
        )
        seen(
            "invite-over-smtp",
            owner.post(f"{base}/invitations", json={"email": "sid@example.com", "role": "viewer"}),
        )
    assert [m["rcptTos"] for m in relay.received] == [["sol@example.com"], ["sid@example.com"]]
    seen("audit-log", owner.get(f"{base}/audit-log", params={"limit": 100}))
    seen("audit-export", owner.get(f"{base}/audit-log/export", params={"format": "jsonl"}))
    seen("audit-csv", owner.get(f"{base}/audit-log/export", params={"format": "csv"}))
    seen("outbox-mail", api.anonymous().get("/_local/outbox"))
    return {
        "passed_token": passed_token,
        "mailed_token": mailed_token,
        "key": key,
        "first_password": first_password,
        "second_password": second_password,
        "temporary_password": temporary,
        "smtp_password": smtp_password,
    }


def entity(item: dict[str, Any]) -> str | None:
    return item.get("entity", {}).get("S")


def every_item(api) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    table = api.runtime.template.table_name()
    items, start = [], None
    while True:  # a test-only Scan: what the table holds, whatever it is
        page = client.scan(TableName=table, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def test_no_token_key_or_hash_is_anywhere_it_must_not_be(api, caplog, capfd):
    # The stage's log level (LogLevel, INFO). botocore's DEBUG wire logs would show the
    # SES request, which carries the mailed link by design; they are never turned on.
    caplog.set_level(logging.INFO)
    seen = Recorder()
    secrets = run_full_flow(api, seen)
    # Every log record whole (message, arguments and the extra fields a JSON line
    # carries), and whatever reached stdout or stderr (metrics, prints).
    # Not the records of `responses`, which moto's mock puts around this process's own
    # HTTP client: it logs each URL the test requests, as a browser's history holds
    # them, and a preview's URL holds its token (the contract's query parameter).
    records = [
        json.dumps(vars(record), default=str)
        for record in caplog.records
        if record.name != "responses"
    ]
    assert any("api key checked" in r for r in records)  # the runtime's logs were caught
    printed = capfd.readouterr()
    log_text = "\n".join([*records, printed.out, printed.err])
    items = every_item(api)

    allowed_in = {
        "passed_token": {"invite-passed-on"},
        "mailed_token": {"outbox-mail"},
        "key": {"key-create"},
        "first_password": set(),
        "second_password": set(),
        "temporary_password": {"outbox-mail"},
        "smtp_password": set(),
    }
    # A token's secret part alone, after its locator.
    for name in ("passed_token", "mailed_token"):
        secrets[f"{name}_secret"] = secrets[name].rsplit(".", 1)[1]
        allowed_in[f"{name}_secret"] = allowed_in[name]
    for name, secret in secrets.items():
        digest = sha256(secret)
        for label, body in seen.responses:
            if label not in allowed_in[name]:
                assert secret not in body, (name, label)
            assert digest not in body, (name, "hash", label)
        assert secret not in log_text, name
        assert digest not in log_text, (name, "hash in logs")
        for item in items:
            text = json.dumps(item)
            assert secret not in text, (name, item["PK"])
            if digest in text:
                assert entity(item) in HASH_HOLDERS, (name, item["PK"], entity(item))

    events = [i for i in items if entity(i) in ("outbox", "audit_record")]
    assert len(events) > 10  # the flow's events and their audit records were looked at
    for label in ("invite-passed-on", "outbox-mail", "key-create", "preview-mailed"):
        assert label in {lbl for lbl, _ in seen.responses}
