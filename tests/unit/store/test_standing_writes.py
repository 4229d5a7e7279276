"""The writes of a workspace's standing (the billing service's suspension), against the
moto table: the status moved only from the one read and with the keys read, the request
marker taken once, and what a suspended workspace still takes (seats freed) and refuses
(anything that grows)."""

from __future__ import annotations

import pytest

from teamspace.core.errors import Conflict, NotFound
from teamspace.core.records import WorkspaceStatus
from teamspace.store import billing_requests, snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.billing_requests import RequestTaken
from teamspace.store.table import TeamspaceStore

WS = "ws_a"
ACTIVE, SUSPENDED = WorkspaceStatus.ACTIVE, WorkspaceStatus.SUSPENDED


@pytest.fixture
def workspace(seed, make_workspace):
    ws = make_workspace(WS, member_count=1, pending_invites=2, seats_used=3)
    seed(ws)
    return ws


def suspend(store: TeamspaceStore, clock, *, expected=ACTIVE, api_keys: int = 0) -> None:
    op = workspace_store.set_standing(
        WS, expected, SUSPENDED, clock.now(), api_keys=api_keys, reason="payment_failed"
    )
    store.commit([op])


def test_the_status_moves_from_the_one_read_and_back(store, workspace, clock):
    suspend(store, clock)
    assert snapshots.load(store, WS).workspace.status is SUSPENDED
    with pytest.raises(Conflict):  # read as active, but suspended meanwhile
        suspend(store, clock)
    store.commit([workspace_store.set_standing(WS, SUSPENDED, ACTIVE, clock.now(), api_keys=0)])
    assert snapshots.load(store, WS).workspace.status is ACTIVE


def test_the_status_moves_only_with_the_keys_read(store, workspace, clock):
    with pytest.raises(Conflict):  # the workspace holds no key, not one
        suspend(store, clock, api_keys=1)
    assert snapshots.load(store, WS).workspace.status is ACTIVE


def test_the_status_check_holds_the_one_read(store, workspace, clock):
    store.commit([workspace_store.require_status(workspace)])
    suspend(store, clock)
    with pytest.raises(Conflict):
        store.commit([workspace_store.require_status(workspace)])


def test_a_request_is_taken_once(store, workspace, clock):
    take = billing_requests.take_request(WS, "evt-1", "WorkspaceSuspensionRequested", clock.now())
    store.commit([take])
    marker = billing_requests.request_key(WS, "evt-1")
    assert snapshots.load(store, WS, also=[marker]).other(marker)["eventId"] == "evt-1"
    with pytest.raises(RequestTaken):
        store.commit([take])


def test_a_suspended_workspace_frees_seats_and_grows_nothing(store, workspace, clock):
    suspend(store, clock)
    store.commit([workspace_store.adjust_counters(WS, pending=-1)])
    assert snapshots.load(store, WS).workspace.pending_invites == 1
    for growing in ({"members": 1, "pending": -1}, {"pending": 1}, {"api_keys": 1}):
        with pytest.raises(NotFound):
            store.commit([workspace_store.adjust_counters(WS, **growing)])
    assert snapshots.load(store, WS).workspace.pending_invites == 1


def test_a_deleted_workspace_frees_nothing(store, workspace, clock):
    store.commit([workspace_store.delete_workspace(WS, "u-owner", clock.now())])
    with pytest.raises(NotFound):
        store.commit([workspace_store.adjust_counters(WS, pending=-1)])
