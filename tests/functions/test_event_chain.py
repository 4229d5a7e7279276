"""The event chain on moto, with faults injected on the AWS side: the stream publisher
(batches, partial failures, a handler dying after its write), and the mailer (links,
idempotency, stale sends, SES refusing)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from local_runtime.events import EventChain
from local_runtime.lambdas import LocalFunction
from teamspace.core.events import EventDetail
from teamspace.domain.tokens import parse_token
from tests.functions.chain_helpers import (
    ACCEPT_URL_BASE,
    DETAIL_KEYS,
    SENDER,
    SPECS,
    CallLog,
    Chain,
    all_items,
    bus_refusing,
    event_id_of,
    failures,
    hooked,
    is_outbox_insert,
    only,
    outbox,
    sequence,
    sha256,
)
from tests.support import (
    SAMPLE_WORKSPACE,
    TEMPLATE,
    create_workspace,
    invite,
    sample_event,
    token_of,
)
from tests.support.mail import first_link

WS = "WorkspacesFunction"
INV = "InvitationsFunction"
ISO_SECOND = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
BOB = {
    "sub": "33333333-3333-4333-8333-333333333333",
    "email": "bob@example.com",
    "email_verified": True,
    "name": "Bob Builder",
}


@pytest.fixture
def chain(functions, monkeypatch) -> Chain:
    return Chain(monkeypatch)


def invite_bob(functions, **fields: Any):
    """Bob's invitation as a developer, mailed unless `sendEmail` says otherwise."""
    return invite(
        functions, "Bob@Example.com", "developer", send_email=None, name="Bob Builder", **fields
    )


def invitation_item(chain: Chain, invitation_id: str) -> dict[str, Any]:
    found = chain.item(f"WS#{SAMPLE_WORKSPACE}", f"INVITE#{invitation_id}")
    assert found is not None
    return found


def mailed_token(mail: dict[str, Any]) -> str:
    """The token of the link a sent mail carries (the first link of its text)."""
    return token_of(first_link(mail["text"]))


def expected_events(records: list[dict[str, Any]]) -> dict[str, tuple[str, dict]]:
    """event id -> (detail type, detail), from the outbox inserts among stream records."""
    found = {}
    for record in records:
        if is_outbox_insert(record):
            image = record["dynamodb"]["NewImage"]
            found[event_id_of(record)] = (
                image["detailType"]["S"],
                json.loads(image["detail"]["S"]),
            )
    return found


def assert_on_bus_once(on_bus: list[dict[str, Any]], expected: dict[str, tuple[str, dict]]):
    """Every expected event on the bus exactly once, as the contract says, and nothing else."""
    ids = [e["detail"]["eventId"] for e in on_bus]
    assert sorted(ids) == sorted(expected), {
        "missing": sorted(set(expected) - set(ids)),
        "unexpected": sorted(set(ids) - set(expected)),
        "duplicates": sorted({i for i in ids if ids.count(i) > 1}),
    }
    for event in on_bus:
        detail = event["detail"]
        detail_type, written = expected[detail["eventId"]]
        assert event["source"] == "teamspace"
        assert event["detail-type"] == detail_type
        assert set(detail) == DETAIL_KEYS, detail
        assert detail["version"] == 1
        assert set(detail["actor"]) == {"type", "id"}
        assert detail["actor"]["type"] in {"user", "apiKey", "system"}
        assert ISO_SECOND.fullmatch(detail["occurredAt"]), detail["occurredAt"]
        assert isinstance(detail["data"], dict)
        EventDetail.model_validate(detail)
        assert detail == written


# ---- 1. the publisher: batches of ten, outbox inserts only --------------------------------


def test_publisher_puts_every_outbox_insert_in_batches_of_ten_and_skips_the_rest(
    functions, chain, clock
):
    for n in range(23):
        clock.advance(seconds=1)
        create_workspace(functions, f"Team {n}", "simple", key=f"create-{n}", expect=201)
    reply = functions.call(WS, sample_event("workspaces/update-workspace.json"))  # a MODIFY
    assert reply.status == 200, reply.body
    # An outbox item rewritten in place (MODIFY) and another one removed (as TTL would):
    # neither is an insert, so neither may be published (again).
    reader = chain.dynamodb_reader
    outbox_keys = sorted(
        (i["PK"], i["SK"]) for i in all_items(reader) if i.get("entity") == "outbox"
    )
    (pk, sk), (gone_pk, gone_sk) = outbox_keys[0], outbox_keys[1]
    rewritten = reader.get_item(TableName="teamspace-test", Key={"PK": {"S": pk}, "SK": {"S": sk}})
    tampered = dict(rewritten["Item"], detailType={"S": "WorkspaceDeleted"})
    reader.put_item(TableName="teamspace-test", Item=tampered)
    reader.delete_item(TableName="teamspace-test", Key={"PK": {"S": gone_pk}, "SK": {"S": gone_sk}})

    records = chain.stream_records()
    names = {r["eventName"] for r in records}
    assert {"INSERT", "MODIFY", "REMOVE"} <= names, names
    expected = expected_events(records)
    assert len(expected) == 24  # 23 WorkspaceCreated + 1 WorkspaceUpdated
    assert len(records) > len(expected)  # workspaces, members, emails, keys: not events

    calls: list[int] = []
    with hooked(
        chain.events,
        "before-parameter-build.events.PutEvents",
        lambda params, **_: calls.append(len(params["Entries"])),
    ):
        response = chain.publish(records)

    assert failures(response) == []
    assert len(calls) == math.ceil(len(expected) / 10) == 3, calls
    assert calls == [10, 10, 4]
    assert_on_bus_once(chain.bus(), expected)


def test_a_batch_without_outbox_inserts_puts_nothing(functions, chain):
    chain.flush()
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    records = [r for r in chain.stream_records() if not is_outbox_insert(r)]
    assert records
    calls: list[Any] = []
    with hooked(chain.events, "before-call.events.PutEvents", lambda **kw: calls.append(kw)):
        response = chain.publish(records)
    assert failures(response) == []
    assert calls == []
    assert chain.bus() == []


# ---- 2. partial failures: only the refused records are retried, none is lost ---------------


def many_events(functions, chain, clock, count: int = 25) -> list[dict[str, Any]]:
    for n in range(count):
        clock.advance(seconds=1)
        create_workspace(functions, f"Team {n}", "simple", key=f"create-{n}", expect=201)
    return chain.stream_records()


def test_entries_the_bus_refuses_are_reported_and_published_on_redelivery(functions, chain, clock):
    records = many_events(functions, chain, clock)
    inserts = [r for r in records if is_outbox_insert(r)]
    assert len(inserts) == 25
    refused_records = [inserts[0], inserts[13], inserts[24]]  # one in each PutEvents call
    refuse = {event_id_of(r) for r in refused_records}
    with bus_refusing(chain.events, refuse):
        response = chain.publish(records)
        failed = failures(response)
        assert sorted(failed) == sorted(sequence(r) for r in refused_records)
        assert len(failed) == len(set(failed)) == 3
        first = {e["detail"]["eventId"] for e in chain.bus()}
        assert first.isdisjoint(event_id_of(r) for r in refused_records)

        # Lambda delivers the failed records again; this time the bus takes them.
        retry = chain.publish([r for r in records if sequence(r) in set(failed)])
        assert failures(retry) == []

    chain.bus()
    assert_on_bus_once(chain.on_bus, expected_events(records))


def test_a_failed_put_events_call_fails_exactly_its_chunk(functions, chain, clock):
    records = many_events(functions, chain, clock)
    inserts = [r for r in records if is_outbox_insert(r)]
    calls: list[int] = []

    def second_call_fails(params: dict[str, Any], **_: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise ClientError(
                {"Error": {"Code": "InternalException", "Message": "try again"}}, "PutEvents"
            )

    with hooked(chain.events, "before-call.events.PutEvents", second_call_fails):
        response = chain.publish(records)
    assert len(calls) == 3
    failed = failures(response)
    assert sorted(failed) == sorted(sequence(r) for r in inserts[10:20])
    assert len(chain.bus()) == 15

    retry = chain.publish([r for r in records if sequence(r) in set(failed)])
    assert failures(retry) == []
    chain.bus()
    assert_on_bus_once(chain.on_bus, expected_events(records))


# ---- 3. the outbox: written with the change, and only with it ------------------------------


def test_an_event_survives_a_handler_that_dies_after_its_transaction(functions, chain):
    chain.flush()
    died: list[int] = []

    def reply_lost(http_response: Any, **_: Any) -> None:
        """The transaction committed; its reply never reached the function."""
        if http_response.status_code == 200 and not died:
            died.append(1)
            raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/")

    with hooked(chain.dynamodb, "after-call.dynamodb.TransactWriteItems", reply_lost):
        reply = functions.call(WS, sample_event("workspaces/create-workspace.json"))
    assert died == [1]
    assert reply.status == 500
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.body["code"] == "INTERNAL_ERROR"

    (written,) = outbox(chain.dynamodb_reader)
    assert written["detailType"] == "WorkspaceCreated"
    assert written["workspaceId"] == SAMPLE_WORKSPACE
    arrived = chain.flush()
    assert [(e["detail-type"], e["detail"]["eventId"]) for e in arrived] == [
        ("WorkspaceCreated", written["eventId"])
    ]

    # The client retries with its Idempotency-Key: the first result, and no second event.
    again = functions.call(WS, sample_event("workspaces/create-workspace.json"))
    assert again.status == 201, again.body
    assert again.body["workspaceId"] == SAMPLE_WORKSPACE
    assert len(outbox(chain.dynamodb_reader)) == 1
    assert chain.flush() == []


def test_a_transaction_that_fails_writes_no_event_and_sends_none(functions, chain):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    assert invite_bob(functions).status == 201
    before = chain.flush()
    assert [e["detail-type"] for e in before] == ["WorkspaceCreated", "InvitationCreated"]

    log = CallLog(chain.dynamodb, "TransactWriteItems")
    with log.recording():
        reply = invite_bob(functions)  # the same address again: the pending lock's condition fails
    assert reply.status == 409
    assert reply.body["code"] == "INVITATION_PENDING"
    assert log.error_codes("TransactWriteItems") == ["TransactionCanceledException"]
    assert [e["detailType"] for e in outbox(chain.dynamodb_reader)].count("InvitationCreated") == 1
    assert [r for r in chain.stream_records() if is_outbox_insert(r)] == []
    assert chain.flush() == []


# ---- 4. the mailer ------------------------------------------------------------------------


@pytest.fixture
def invited(functions, chain) -> dict[str, Any]:
    """The sample workspace, an invitation for Bob, and its InvitationCreated off the bus."""
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    reply = invite_bob(functions)
    assert reply.status == 201, reply.body
    assert reply.body.get("acceptUrl") is None  # mailed, so never handed to the inviter
    event = only(chain.flush(), "InvitationCreated")
    assert event["detail"]["data"]["invitationId"] == reply.body["invitationId"]
    return {"invitation": reply.body, "event": event}


def test_the_mailer_sends_the_invitee_a_link_whose_hash_the_invitation_keeps(chain, invited):
    invitation_id = invited["invitation"]["invitationId"]
    assert invitation_item(chain, invitation_id).get("tokenHash") is None

    result = chain.mail(invited["event"])

    assert result == {"eventId": invited["event"]["detail"]["eventId"], "sent": 1}
    (message,) = chain.sent_mail()
    assert message["source"] == SENDER
    assert message["to"] == "bob@example.com"
    assert message["subject"] == "Olivia Owner invited you to Acme Voice on Teamspace"
    assert (
        "Olivia Owner invited you to join Acme Voice on Teamspace as Developer" in message["text"]
    )
    url = first_link(message["text"])
    assert url.startswith(ACCEPT_URL_BASE + "?token=")
    token = token_of(url)
    parsed = parse_token(token)
    assert parsed is not None
    # The token says where its invitation is; its secret part follows.
    assert (parsed.workspace_id, parsed.invitation_id) == (SAMPLE_WORKSPACE, invitation_id)
    item = invitation_item(chain, invitation_id)
    assert item["status"] == "PENDING"
    assert item["tokenHash"] == sha256(token)
    link = chain.item(f"INVTOKEN#{sha256(token)}", "INVTOKEN")
    assert link is not None
    assert link["state"] == "ACTIVE"
    # Both parts carry the link.
    assert f'href="{url}"' in message["html"]

    # The token is in the mail only: no event, no item, nothing on the bus carries it.
    assert token not in json.dumps(outbox(chain.dynamodb_reader))
    assert token not in json.dumps(item)
    assert token not in json.dumps(all_items(chain.dynamodb_reader), default=str)
    chain.flush()
    assert chain.on_bus
    assert token not in json.dumps(chain.on_bus)


def test_the_same_event_delivered_twice_sends_one_mail(chain, invited):
    first = chain.mail(invited["event"])
    second = chain.mail(invited["event"])
    assert first["sent"] == 1
    assert second["sent"] == 0
    assert len(chain.sent_mail()) == 1
    (message,) = chain.sent_mail()
    token = mailed_token(message)
    # The redelivery issued no new link: the mailed one still works.
    item = invitation_item(chain, invited["invitation"]["invitationId"])
    assert item["tokenHash"] == sha256(token)


def test_a_stale_send_mails_nothing_after_a_resend(functions, chain, invited, clock):
    invitation_id = invited["invitation"]["invitationId"]
    clock.advance(minutes=5)
    resend = sample_event(
        "invitations/resend-invitation.json",
        path={"workspaceId": SAMPLE_WORKSPACE, "invitationId": invitation_id},
    )
    reply = functions.call(INV, resend)
    assert reply.status == 200, reply.body
    resent = only(chain.flush(), "InvitationResent")
    assert resent["detail"]["data"]["sendId"] == 2
    assert invited["event"]["detail"]["data"]["sendId"] == 1

    late = chain.mail(invited["event"])  # the first send's event, delivered late
    assert late["sent"] == 0
    assert chain.sent_mail() == []
    assert invitation_item(chain, invitation_id).get("tokenHash") is None

    assert chain.mail(resent)["sent"] == 1
    (message,) = chain.sent_mail()
    token = mailed_token(message)
    assert invitation_item(chain, invitation_id)["tokenHash"] == sha256(token)
    assert chain.mail(invited["event"])["sent"] == 0  # and never afterwards either
    assert len(chain.sent_mail()) == 1


def test_an_invitation_without_email_is_not_mailed(functions, chain):
    create_workspace(functions, "Acme Voice", "simple", expect=201)
    reply = invite_bob(functions, sendEmail=False)
    assert reply.status == 201, reply.body
    token = token_of(reply.body["acceptUrl"])
    event = only(chain.flush(), "InvitationCreated")
    assert event["detail"]["data"]["sendEmail"] is False
    assert token not in json.dumps(event)

    assert chain.mail(event)["sent"] == 0
    assert chain.sent_mail() == []
    # The inviter's link is the one the invitation keeps.
    item = invitation_item(chain, reply.body["invitationId"])
    assert item["tokenHash"] == sha256(token)


# ---- 5. SES refuses: nothing is lost, the retry sends a working link ----------------------


def test_a_refused_send_leaves_the_invitation_pending_and_the_retry_works(
    functions, chain, invited
):
    chain.ses.delete_identity(Identity=SENDER)  # the sender is no longer verified
    invitation_id = invited["invitation"]["invitationId"]
    event = invited["event"]
    before = invitation_item(chain, invitation_id)

    with pytest.raises(ClientError) as refused:
        chain.mail(event)
    assert refused.value.response["Error"]["Code"] == "MessageRejected"

    after = invitation_item(chain, invitation_id)
    assert chain.sent_mail() == []
    assert after["status"] == before["status"] == "PENDING"
    assert after["sendId"] == before["sendId"] == 1
    assert after["expiresAt"] == before["expiresAt"]
    assert chain.item(f"MAILED#{event['detail']['eventId']}", "MAILED") is None

    chain.ses.verify_email_identity(EmailAddress=SENDER)
    assert chain.mail(event)["sent"] == 1  # the same event, redelivered
    (message,) = chain.sent_mail()
    token = mailed_token(message)
    assert chain.item(f"MAILED#{event['detail']['eventId']}", "MAILED") is not None

    accept = sample_event("invitations/accept-invitation.json", caller=BOB, body={"token": token})
    accepted = functions.call(INV, accept)
    assert accepted.status == 200, accepted.body
    member = chain.item(f"WS#{SAMPLE_WORKSPACE}", f"MEMBER#{BOB['sub']}")
    assert member is not None
    assert member["role"] == "developer"
    assert invitation_item(chain, invitation_id)["status"] == "ACCEPTED"
    # The link issued for the refused attempt was replaced by the one that went out.
    states = sorted(
        i["state"]
        for i in all_items(chain.dynamodb_reader)
        if i.get("entity") == "invitation_token"
    )
    assert states == ["SUPERSEDED", "USED"]


# ---- the local runtime's own stream pump ---------------------------------------------------


def test_the_local_runtime_chain_survives_a_cancelled_transaction(functions, chain):
    local = EventChain(TEMPLATE, {name: LocalFunction(spec) for name, spec in SPECS.items()})
    local.start()
    assert functions.call(WS, sample_event("workspaces/create-workspace.json")).status == 201
    local.drain()
    # The client's retry with its Idempotency-Key: a transaction cancelled by its last item.
    assert functions.call(WS, sample_event("workspaces/create-workspace.json")).status == 201
    local.drain()
    assert invite_bob(functions).status == 201
    local.drain()

    arrived = chain.bus()
    written = outbox(chain.dynamodb_reader)
    assert sorted(e["detail"]["eventId"] for e in arrived) == sorted(e["eventId"] for e in written)
    assert [m["to"] for m in chain.sent_mail()] == ["bob@example.com"]
