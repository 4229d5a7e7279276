"""Twenty writers on one workspace over real HTTP (issue 19): the bar of the concurrency
run, checked on the local runtime. The driver is local_runtime/contention.py (what it
does and how each check reads the API back); `python -m bench.contention` runs it
larger for `make bench` (docs/reliability.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import boto3
import pytest

from local_runtime import faults
from local_runtime.contention import Contention, ContentionResult, by_fault, injected, undelivered
from local_runtime.server import LocalRuntime
from tests.support.audit import record_key
from tests.support.http import SharedRuntime, runtime_alone

pytestmark = pytest.mark.e2e

OPERATIONS = 10  # per writer; with set-up and checks about 500 requests
# One write in five cancelled for a conflict, one call in twenty throttled (issue 19).
FAULTS = "conflict=0.2,throttle=0.05,seed=19"
FLOW_CYCLES = 4


@pytest.fixture(scope="module")
def runtime(shared_runtime: SharedRuntime) -> Iterator[LocalRuntime]:
    with ExitStack() as undo:
        yield runtime_alone(shared_runtime, undo, faults=faults.parse(FAULTS))


@pytest.fixture(scope="module")
def driver(runtime: LocalRuntime) -> Contention:
    return Contention(
        runtime.url,
        faults=lambda: by_fault(injected(runtime), FAULTS),
        dead_letters=lambda: undelivered(runtime),
    )


@pytest.fixture(scope="module")
def run(driver: Contention) -> ContentionResult:
    result = driver.run(OPERATIONS, flow_cycles=FLOW_CYCLES)
    print(result.summary())  # shown by pytest -s
    return result


def test_the_faults_were_injected(run):
    # Not a vacuous pass: conflicts and throttles were answered, on the calls of the
    # run's changes (counted by the runtime's injector).
    assert run.faults is not None
    assert run.faults["conflict"] > 20, run.faults
    assert run.faults["throttle"] > 5, run.faults


def test_every_request_is_answered_without_a_5xx(run):
    assert [s for s in run.samples if s.status is None] == []
    failed = [s for s in run.samples if s.status is not None and s.status >= 500]
    assert [s for s in failed if not (s.status == 503 and s.retry_after)] == [], run.summary()


def test_at_most_one_percent_of_requests_meet_a_concurrent_update(run):
    assert run.conflict_rate() <= 0.01, run.summary()


def test_every_answer_is_a_planned_one(run):
    # A success, or a refusal the workload asked for: both kinds of probe ran.
    assert run.found["answers"] == [], run.summary()
    assert set(run.planned) <= {"409 INVITATION_PENDING", "409 ALREADY_A_MEMBER"}
    assert sum(run.planned.values()) > 0, run.summary()


def test_every_change_has_one_audit_record_and_the_chain_verifies(run):
    assert run.found["audit"] == [], run.summary()
    assert run.found["chain"] == []
    assert run.changes > OPERATIONS * 20 // 2, run.summary()  # the run did change things


def test_the_state_is_what_the_answers_said(run):
    # One owner, named by the workspace; memberCount what the members list holds; the
    # members, invitations and keys those the writers were told they made.
    assert run.found["state"] == [], run.summary()


def test_every_mailed_invitation_is_mailed_once(run):
    assert run.found["mail"] == [], run.summary()


def test_the_checks_find_a_change_they_were_not_told_of_and_a_lost_record(run, driver, runtime):
    # Last, as it changes the workspace behind the driver's back: an invitation the
    # model does not know of, and an audit record gone from the table.
    owner = driver.owner_token()
    hidden = driver.until(
        lambda: driver.request(
            "check",
            "POST",
            f"/v1/workspaces/{driver.workspace_id}/invitations",
            token=owner,
            body={"email": "hidden@example.com", "role": "viewer", "sendEmail": False},
            ok=(201,),
        )
    )
    assert hidden.ok, hidden.reply is not None and hidden.reply.text
    # A client of its own session: the runtime's fault injector hooks the default one.
    dynamodb = boto3.Session().client("dynamodb", region_name="us-east-1")
    dynamodb.delete_item(
        TableName=runtime.template.table_name(), Key=record_key(5, driver.workspace_id)
    )

    again = driver.check()

    assert any(
        "invitations differ" in p and "hidden@example.com" in p for p in again.found["state"]
    )
    audit = " / ".join(again.found["audit"])
    assert "records of no change" in audit, audit
    assert "InvitationCreated" in audit, audit
    assert "changes without a record" in audit, audit
    assert "seqs are not" in audit, audit
    assert "the audit chain" in audit, audit
