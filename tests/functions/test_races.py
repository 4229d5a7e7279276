"""Races on an invitation, interleaved deterministically: a before-call hook on the
handler's own TransactWriteItems runs the competing request to completion first, so the
competitor commits between the first request's read and its write. Conditional writes
must let exactly one of them win, and the workspace counters must stay true."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functions.chain_helpers import (
    Chain,
    SecondInstance,
    assert_counters_consistent,
    first_goes_second,
    outbox,
    partition,
    racing,
)
from tests.support import SAMPLE_WORKSPACE, sample_event, token_of

INV = "InvitationsFunction"
BOB = {
    "sub": "33333333-3333-4333-8333-333333333333",
    "email": "bob@example.com",
    "email_verified": True,
    "name": "Bob Builder",
}
WS_PK = f"WS#{SAMPLE_WORKSPACE}"
# Invitations live 7 days (template default): a run 15 minutes past that finds it due.
EXPIRY_RUN = "2026-11-29T10:15:00Z"


@pytest.fixture
def chain(functions, monkeypatch) -> Chain:
    return Chain(monkeypatch)


@pytest.fixture
def other_instance() -> SecondInstance:
    """The invitations function in a second execution environment (the competitor)."""
    return SecondInstance(INV)


@pytest.fixture
def invitation(functions, chain) -> dict[str, Any]:
    """Bob's pending invitation to the sample workspace, and its link."""
    created = functions.call("WorkspacesFunction", sample_event("workspaces/create-workspace.json"))
    assert created.status == 201, created.body
    body = {"email": "bob@example.com", "role": "developer", "sendEmail": False}
    reply = functions.call(INV, sample_event("invitations/create-invitation.json", body=body))
    assert reply.status == 201, reply.body
    assert assert_counters_consistent(chain.dynamodb_reader, SAMPLE_WORKSPACE) == {
        "memberCount": 1,
        "pendingInvites": 1,
        "seatsUsed": 2,
    }
    return {"id": reply.body["invitationId"], "token": token_of(reply.body["acceptUrl"])}


def accept_event(token: str) -> dict[str, Any]:
    return sample_event("invitations/accept-invitation.json", caller=BOB, body={"token": token})


def revoke_event(invitation_id: str) -> dict[str, Any]:
    return sample_event(
        "invitations/revoke-invitation.json",
        path={"workspaceId": SAMPLE_WORKSPACE, "invitationId": invitation_id},
    )


def status_of(chain: Chain, invitation_id: str) -> str:
    found = chain.item(WS_PK, f"INVITE#{invitation_id}")
    assert found is not None
    return found["status"]


def bob_is_member(chain: Chain) -> bool:
    return chain.item(WS_PK, f"MEMBER#{BOB['sub']}") is not None


def event_types(chain: Chain) -> list[str]:
    return sorted(e["detailType"] for e in outbox(chain.dynamodb_reader))


# ---- 6. accept vs revoke --------------------------------------------------------------------


def test_revoke_committing_first_makes_the_accept_gone(
    functions, chain, invitation, other_instance
):
    with racing(chain.dynamodb, lambda: other_instance.call(revoke_event(invitation["id"]))) as (
        log,
        revoke,
    ):
        accepted = functions.call(INV, accept_event(invitation["token"]))

    assert revoke[0].status == 204, revoke[0].body
    assert accepted.status == 410, accepted.body
    assert accepted.body["code"] == "INVITATION_REVOKED"
    # The accept did reach its commit, and lost there: the race happened at the write.
    assert log.error_codes("TransactWriteItems") == [None, "TransactionCanceledException"]
    assert status_of(chain, invitation["id"]) == "REVOKED"
    assert not bob_is_member(chain)
    assert assert_counters_consistent(chain.dynamodb_reader, SAMPLE_WORKSPACE) == {
        "memberCount": 1,
        "pendingInvites": 0,
        "seatsUsed": 1,
    }
    assert "InvitationAccepted" not in event_types(chain)
    assert "MemberJoined" not in event_types(chain)
    assert event_types(chain).count("InvitationRevoked") == 1


def accept_commits_during_revoke(functions, chain, invitation, other_instance):
    with racing(chain.dynamodb, lambda: other_instance.call(accept_event(invitation["token"]))) as (
        log,
        accept,
    ):
        revoked = functions.call(INV, revoke_event(invitation["id"]))
    return accept[0], revoked, log


def test_accept_committing_first_makes_the_revoke_a_conflict(
    functions, chain, invitation, other_instance
):
    accepted, revoked, log = accept_commits_during_revoke(
        functions, chain, invitation, other_instance
    )

    assert accepted.status == 200, accepted.body
    assert accepted.body["workspaceId"] == SAMPLE_WORKSPACE
    assert revoked.status == 409, revoked.body
    assert log.error_codes("TransactWriteItems")[-1] == "TransactionCanceledException"
    assert status_of(chain, invitation["id"]) == "ACCEPTED"
    assert bob_is_member(chain)
    assert assert_counters_consistent(chain.dynamodb_reader, SAMPLE_WORKSPACE) == {
        "memberCount": 2,
        "pendingInvites": 0,
        "seatsUsed": 2,
    }
    assert "InvitationRevoked" not in event_types(chain)
    assert event_types(chain).count("MemberJoined") == 1


def test_a_revoke_that_loses_to_an_accept_says_the_invitation_is_not_pending(
    functions, chain, invitation, other_instance
):
    _, revoked, _ = accept_commits_during_revoke(functions, chain, invitation, other_instance)
    assert revoked.status == 409
    assert revoked.body["code"] == "INVITATION_NOT_PENDING"


# ---- 7. accept vs expiry --------------------------------------------------------------------


def test_expiry_committing_first_makes_the_accept_gone(functions, chain, invitation):
    with first_goes_second(
        chain.dynamodb, "TransactWriteItems", lambda: chain.expire(EXPIRY_RUN)
    ) as expiry:
        accepted = functions.call(INV, accept_event(invitation["token"]))

    assert expiry[0] == {"read": 1, "expired": 1, "lost_races": 0, "deferred": 0, "finished": True}
    assert accepted.status == 410, accepted.body
    assert accepted.body["code"] == "INVITATION_EXPIRED"
    assert status_of(chain, invitation["id"]) == "EXPIRED"
    assert not bob_is_member(chain)
    assert assert_counters_consistent(chain.dynamodb_reader, SAMPLE_WORKSPACE) == {
        "memberCount": 1,
        "pendingInvites": 0,
        "seatsUsed": 1,
    }
    (expired,) = outbox(chain.dynamodb_reader, "InvitationExpired")
    assert expired["actor"]["type"] == "system"
    assert "MemberJoined" not in event_types(chain)


def test_accept_committing_first_makes_the_expiry_lose_its_race(
    functions, chain, invitation, other_instance
):
    with first_goes_second(
        chain.dynamodb,
        "TransactWriteItems",
        lambda: other_instance.call(accept_event(invitation["token"])),
    ) as accept:
        report = chain.expire(EXPIRY_RUN)

    assert accept[0].status == 200, accept[0].body
    assert report == {"read": 1, "expired": 0, "lost_races": 1, "deferred": 0, "finished": True}
    assert status_of(chain, invitation["id"]) == "ACCEPTED"
    assert bob_is_member(chain)
    assert assert_counters_consistent(chain.dynamodb_reader, SAMPLE_WORKSPACE) == {
        "memberCount": 2,
        "pendingInvites": 0,
        "seatsUsed": 2,
    }
    assert "InvitationExpired" not in event_types(chain)
    assert event_types(chain).count("MemberJoined") == 1
    # And a later run finds nothing due any more.
    assert chain.expire(EXPIRY_RUN) == {
        "read": 0,
        "expired": 0,
        "lost_races": 0,
        "deferred": 0,
        "finished": True,
    }


# ---- 8. the same user accepting twice at once -------------------------------------------------


def test_two_accepts_by_the_same_user_both_succeed_with_one_member(
    functions, chain, invitation, other_instance
):
    with racing(chain.dynamodb, lambda: other_instance.call(accept_event(invitation["token"]))) as (
        log,
        other,
    ):
        first = functions.call(INV, accept_event(invitation["token"]))

    assert other[0].status == 200, other[0].body
    assert first.status == 200, first.body
    assert first.body == other[0].body
    assert log.error_codes("TransactWriteItems") == [None, "TransactionCanceledException"]
    members = partition(chain.dynamodb_reader, SAMPLE_WORKSPACE, f"MEMBER#{BOB['sub']}")
    assert len(members) == 1
    assert event_types(chain).count("MemberJoined") == 1
    assert event_types(chain).count("InvitationAccepted") == 1
    assert assert_counters_consistent(chain.dynamodb_reader, SAMPLE_WORKSPACE) == {
        "memberCount": 2,
        "pendingInvites": 0,
        "seatsUsed": 2,
    }
