"""The plan's writes on moto: the workspace's `plan` (round trip, and its conditions) and
the plan's seats in the counters' condition."""

from __future__ import annotations

import pytest

from teamspace.core.errors import Conflict
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore

WS = "ws_plan"


@pytest.fixture
def workspace(seed, make_workspace, make_member):
    ws = make_workspace(WS, owner_id="u-owner", member_count=1, seats_used=1)
    seed(ws, [make_member(WS, "u-owner", role="owner")])
    return ws


def test_a_workspace_reads_back_its_plan_and_none_without_one(
    store: TeamspaceStore, workspace, clock
):
    assert snapshots.load_workspace(store, WS)[0].plan is None
    store.commit([workspace_store.set_plan(WS, "pro", workspace.version, clock.now())])
    loaded = snapshots.load_workspace(store, WS)[0]
    assert (loaded.plan, loaded.version) == ("pro", workspace.version + 1)


def test_a_plan_set_on_a_stale_version_or_a_deleted_workspace_is_refused(
    store: TeamspaceStore, workspace, clock
):
    store.commit([workspace_store.set_plan(WS, "pro", workspace.version, clock.now())])
    with pytest.raises(Conflict) as stale:
        store.commit([workspace_store.set_plan(WS, "free", workspace.version, clock.now())])
    assert stale.value.code == "VERSION_CONFLICT"
    store.commit([workspace_store.delete_workspace(WS, "u-owner", clock.now())])
    deleted = snapshots.load_workspace(store, WS)[0]
    with pytest.raises(Conflict):
        store.commit([workspace_store.set_plan(WS, "free", deleted.version, clock.now())])
    assert snapshots.load_workspace(store, WS)[0].plan == "pro"


def test_the_plans_seats_hold_the_counters(store: TeamspaceStore, workspace):
    store.commit([workspace_store.adjust_counters(WS, pending=1, seat_limit=True, seat_ceiling=2)])
    full = Conflict("SEATS", "no room")
    with pytest.raises(Conflict, match="no room"):
        store.commit(
            [
                workspace_store.adjust_counters(
                    WS, pending=1, seat_limit=True, seat_ceiling=2, on_failed=full
                )
            ]
        )
    # Giving a seat back needs no room.
    store.commit([workspace_store.adjust_counters(WS, pending=-1, seat_ceiling=2)])
    assert snapshots.load_workspace(store, WS)[0].seats_used == 1
