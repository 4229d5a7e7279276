"""The services under DynamoDB's unkind answers (issue 19), injected with
local_runtime/faults.py into the layer's own client: a route meeting a conflict or a
throttle runs its whole cycle again (core/retry.py) and changes things once; only a
spent budget answers 409 CONCURRENT_UPDATE or 503 STORE_BUSY with Retry-After, leaving
the table as it was; a commit that failed inside is resent with its ClientRequestToken,
never decided again; the deadline bounds the attempts. The clock is frozen: the pauses
move it, nothing waits."""

from __future__ import annotations

from typing import Any

import pytest

from teamspace.core.retry import POLICY
from tests.support import SAMPLE_WORKSPACE, TABLE, outbox_events, sample_event
from tests.support.faults import SentTransactions, injected
from tests.support.teams import create_workspace, invite

WS = "WorkspacesFunction"
COMMITS = "only=TransactWriteItems"


def rename(functions, name: str, remaining_ms: int = 10_000):
    event = sample_event("workspaces/update-workspace.json", body={"name": name})
    return functions.call(WS, event, remaining_ms)


def everything(dynamodb) -> list[dict[str, Any]]:
    """Every item of the table (a test-only Scan on the test's own, unfaulted client)."""
    return sorted(
        dynamodb.scan(TableName=TABLE)["Items"], key=lambda i: (i["PK"]["S"], i["SK"]["S"])
    )


@pytest.fixture
def workspace(functions) -> str:
    create_workspace(functions, expect=201)
    return SAMPLE_WORKSPACE


@pytest.fixture
def sent(functions):
    recorder = SentTransactions()
    yield recorder
    recorder.close()


def created_under(functions, spec: str):
    """The sample workspace created with `spec`'s faults injected: it must be (201)."""
    with injected(spec) as injector:
        reply = create_workspace(functions)
    assert reply.status == 201, reply.body
    return injector


def test_a_conflict_on_the_first_commit_is_retried_and_changes_things_once(
    functions, dynamodb, clock
) -> None:
    injector = created_under(functions, f"conflict=1,limit=1,{COMMITS}")
    assert injector.counts == {("conflict", "TransactWriteItems"): 1}
    assert [e["detailType"] for e in outbox_events(dynamodb, TABLE)] == ["WorkspaceCreated"]
    workspaces = [i for i in everything(dynamodb) if i["SK"]["S"] == "META"]
    assert len(workspaces) == 1
    assert len(clock.slept) == 1
    assert 0 <= clock.slept[0] <= POLICY.base


def test_a_conflict_that_persists_answers_409_and_leaves_the_table_as_it_was(
    functions, workspace, dynamodb, clock
) -> None:
    before = everything(dynamodb)
    with injected(f"conflict=1,{COMMITS}") as injector:
        reply = rename(functions, "Renamed")
    assert (reply.status, reply.code) == (409, "CONCURRENT_UPDATE")
    assert reply.headers["content-type"] == "application/problem+json"
    assert injector.total() == POLICY.attempts  # the whole cycle, each time
    assert len(clock.slept) == POLICY.attempts - 1
    assert everything(dynamodb) == before


def test_throttles_that_persist_answer_503_with_retry_after(functions, workspace, dynamodb) -> None:
    before = everything(dynamodb)
    with injected("throttle=1") as injector:
        reply = rename(functions, "Renamed")
    assert (reply.status, reply.code) == (503, "STORE_BUSY")
    assert reply.headers["retry-after"] == "1"
    assert injector.total("throttle") == POLICY.attempts
    assert everything(dynamodb) == before


def test_a_throttled_read_is_retried_and_the_route_answers(functions, workspace) -> None:
    with injected("throttle=1,limit=2,only=GetItem+Query+BatchGetItem") as injector:
        reply = rename(functions, "Renamed")
    assert reply.status == 200, reply.body
    assert reply.body["name"] == "Renamed"
    assert injector.total() == 2


def test_an_internal_error_on_a_commit_is_resent_with_the_same_token(
    functions, dynamodb, sent
) -> None:
    injector = created_under(functions, f"internal=1,limit=2,{COMMITS}")
    assert injector.total() == 2
    assert len(sent.tokens) == 3
    assert len(set(sent.tokens)) == 1
    assert sent.tokens[0]  # DynamoDB's idempotency: an explicit ClientRequestToken
    assert sent.requests[0] == sent.requests[2]  # the same request, not a re-decided one
    assert [e["detailType"] for e in outbox_events(dynamodb, TABLE)] == ["WorkspaceCreated"]


def test_an_internal_error_that_persists_is_503_never_decided_again(
    functions, workspace, dynamodb, sent
) -> None:
    before = everything(dynamodb)
    with injected(f"internal=1,{COMMITS}"):
        reply = rename(functions, "Renamed")
    assert (reply.status, reply.code) == (503, "STORE_BUSY")
    assert reply.headers["retry-after"] == "1"
    assert len(sent.tokens) == POLICY.attempts
    assert len(set(sent.tokens)) == 1  # one decision, resent; the route did not run again
    assert everything(dynamodb) == before


def test_a_context_with_little_time_left_gets_fewer_attempts(functions, workspace, clock) -> None:
    margin_ms = int(POLICY.margin * 1000)
    with injected(f"conflict=1,{COMMITS}") as injector:
        reply = rename(functions, "Renamed", remaining_ms=margin_ms)
    assert (reply.status, reply.code) == (409, "CONCURRENT_UPDATE")
    assert injector.total() == 1
    assert clock.slept == []
    # Time for a few pauses, not for all of them: each pause is spent from the budget.
    with injected(f"conflict=1,{COMMITS}") as injector:
        reply = rename(functions, "Renamed", remaining_ms=margin_ms + 30)
    assert reply.status == 409
    assert 1 < injector.total() < POLICY.attempts
    assert sum(clock.slept) <= 0.030


# ---- the expiry job: each invitation retried on its own, the rest left to the next run ----


def expire(functions, remaining_ms: int = 10_000) -> dict[str, Any]:
    return functions.invoke(
        "InvitationExpiryFunction", sample_event("invitation_expiry/scheduled.json"), remaining_ms
    )


def test_the_expiry_job_retries_each_invitation_and_leaves_a_spent_one_to_the_next_run(
    functions, workspace, dynamodb
) -> None:
    for n in range(3):
        invite(functions, f"guest{n}@example.com", expect=201)
    # The first invitation's every attempt is cancelled, the second's first one too.
    with injected(f"conflict=1,limit={POLICY.attempts + 1},{COMMITS}") as injector:
        report = expire(functions)
    assert injector.total() == POLICY.attempts + 1
    assert report == {"read": 3, "expired": 2, "lost_races": 0, "deferred": 1, "finished": True}
    expired = [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "InvitationExpired"]
    assert len(expired) == 2
    again = expire(functions)
    assert again == {"read": 1, "expired": 1, "lost_races": 0, "deferred": 0, "finished": True}
    expired = [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "InvitationExpired"]
    assert len({e["data"]["invitationId"] for e in expired}) == len(expired) == 3


def test_an_expiry_run_whose_index_stays_throttled_ends_and_leaves_the_rest(
    functions, workspace
) -> None:
    invite(functions, "guest@example.com", expect=201)
    with injected("throttle=1,only=Query"):
        report = expire(functions)
    assert report == {"read": 0, "expired": 0, "lost_races": 0, "deferred": 0, "finished": False}
    assert expire(functions)["expired"] == 1
