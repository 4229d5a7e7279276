"""The table adapter under DynamoDB's faults (local_runtime/faults.py on its client):
BatchGetItem's UnprocessedKeys asked again after growing pauses, Busy once the policy is
spent; each DynamoDB answer mapped to what may run again and what may not."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config

from local_runtime import faults
from teamspace.core.errors import Busy, Contention, Unavailable
from teamspace.core.retry import Retrying, RetryPolicy
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore
from tests.support import TABLE, TEMPLATE

POLICY = RetryPolicy(attempts=4, base=0.1, cap=1.0, margin=1.0)
IDS = [f"ws_{n}" for n in range(8)]


@pytest.fixture
def faulted(aws, make_workspace, clock):
    """A store on a client of its own (no botocore retries, as wiring's), the eight
    workspaces in it, pausing on the test's clock, and a way to inject faults."""
    client = boto3.client(
        "dynamodb",
        region_name=TEMPLATE.region,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    store = TeamspaceStore(client, TABLE, Retrying(clock.sleep, POLICY, draw=lambda: 0.999))
    for workspace_id in IDS:
        workspace = make_workspace(workspace_id)
        store.commit([workspace_store.create_workspace(workspace)])
    installed: list[faults.Injector] = []

    def inject(text: str) -> faults.Injector:
        installed.append(faults.install(client, faults.parse(text)))
        return installed[-1]

    yield store, inject
    for injector in installed:
        injector.remove()


def keys() -> list:
    return [workspace_store.workspace_key(i) for i in IDS]


def test_unprocessed_keys_are_asked_again_after_growing_pauses(faulted, clock) -> None:
    store, inject = faulted
    injector = inject("unprocessed=1,limit=3,seed=3")
    found = store.batch_get(keys())
    assert sorted(item["workspaceId"] for item in found) == IDS  # each once
    assert injector.total() == 3
    assert clock.slept == pytest.approx([0.0999, 0.1998, 0.3996])


def test_unprocessed_keys_past_the_policy_are_busy(faulted, clock) -> None:
    store, inject = faulted
    inject("unprocessed=1,seed=1")
    many = keys() + [workspace_store.workspace_key(f"ws_none_{n}") for n in range(92)]
    with pytest.raises(Busy):
        store.batch_get(many)  # 100 keys: some are left unprocessed every time
    assert len(clock.slept) == POLICY.attempts - 1


@pytest.mark.parametrize(
    ("spec", "raised"),
    [
        ("conflict=1", Contention),  # cancelled: nothing applied, run again
        ("throttle=1", Busy),
        ("internal=1", Unavailable),  # maybe applied: resent, then not re-decided
    ],
)
def test_what_a_commit_raises(faulted, make_workspace, clock, spec: str, raised: type) -> None:
    store, inject = faulted
    injector = inject(f"{spec},only=TransactWriteItems")
    with pytest.raises(raised) as error:
        store.commit([workspace_store.create_workspace(make_workspace("ws_new"))])
    assert type(error.value) is raised
    # Only the one that may have been applied is resent (as it was) by the store itself.
    assert injector.total() == (POLICY.attempts if raised is Unavailable else 1)


def test_a_read_that_failed_inside_may_run_again(faulted) -> None:
    store, inject = faulted
    inject("internal=1,only=GetItem")
    with pytest.raises(Busy):
        store.get(workspace_store.workspace_key(IDS[0]))
