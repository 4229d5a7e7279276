"""The workspace's owner count (`ownerCount`) on moto: it moves one owner at a time,
never past settings.maxOwners as the item holds it at the write, never below one, and a
new maxOwners is never written below it. An absent counter is the one owner every
workspace starts with."""

from __future__ import annotations

from dataclasses import replace

import pytest

from teamspace.core.errors import Conflict, version_conflict
from teamspace.core.records import Workspace
from teamspace.store import codec, snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore

WS = "ws_owners"
FULL = Conflict("OWNER_LIMIT_REACHED", "full")


def found(store: TeamspaceStore) -> Workspace:
    workspace = snapshots.load(store, WS).workspace
    assert workspace is not None
    return workspace


def owners(store: TeamspaceStore) -> int:
    return found(store).owner_count


@pytest.fixture
def workspace(make_workspace, seed):
    created = make_workspace(WS)
    seed(created)
    return created


def allow(store: TeamspaceStore, workspace, limit: int):
    """settings.maxOwners set to `limit` (the version moves; returns the new record)."""
    changed = replace(workspace, settings={"maxOwners": limit}, version=workspace.version + 1)
    store.commit([workspace_store.update_workspace(changed, workspace.version)])
    return changed


def test_a_workspace_starts_with_one_owner_and_no_counter(store, workspace, dynamodb) -> None:
    assert owners(store) == 1
    (table,) = dynamodb.list_tables()["TableNames"]
    key = codec.to_attributes(workspace_store.workspace_key(WS))
    assert "ownerCount" not in dynamodb.get_item(TableName=table, Key=key)["Item"]


def no_room(store: TeamspaceStore, owners_then: int) -> None:
    """One more owner is refused with the caller's error, and nothing moves."""
    with pytest.raises(Conflict) as refused:
        store.commit([workspace_store.count_owners(WS, 1, FULL)])
    assert refused.value is FULL
    assert owners(store) == owners_then


def test_no_second_owner_without_max_owners(store, workspace) -> None:
    no_room(store, 1)


def test_owners_grow_up_to_max_owners_and_no_further(store, workspace) -> None:
    allow(store, workspace, 3)
    store.commit([workspace_store.count_owners(WS, 1, FULL)])
    store.commit([workspace_store.count_owners(WS, 1, FULL)])
    no_room(store, 3)


def test_owners_never_fall_below_one(store, workspace) -> None:
    allow(store, workspace, 2)
    store.commit([workspace_store.count_owners(WS, 1, FULL)])
    store.commit([workspace_store.count_owners(WS, -1, version_conflict("owners"))])
    assert owners(store) == 1
    with pytest.raises(Conflict):
        store.commit([workspace_store.count_owners(WS, -1, version_conflict("owners"))])
    with pytest.raises(Conflict):  # a removal's counters, with the owner's
        store.commit(
            [
                workspace_store.adjust_counters(
                    WS, members=-1, owners=-1, on_failed=version_conflict("owners")
                )
            ]
        )
    assert owners(store) == 1


def test_a_removal_moves_members_and_owners_together(store, workspace) -> None:
    allow(store, workspace, 2)
    store.commit([workspace_store.adjust_counters(WS, members=2)])
    store.commit([workspace_store.count_owners(WS, 1, FULL)])
    store.commit([workspace_store.adjust_counters(WS, members=-1, owners=-1)])
    assert (found(store).member_count, found(store).owner_count) == (1, 1)


def test_the_primary_handing_over_to_a_co_owner_moves_owner_and_count(
    store, workspace, clock
) -> None:
    allow(store, workspace, 2)
    store.commit([workspace_store.count_owners(WS, 1, FULL)])
    store.commit([workspace_store.change_owner(WS, "u-owner", "u-co", clock.now(), owners=-1)])
    assert (found(store).owner_id, found(store).owner_count) == ("u-co", 1)


def test_max_owners_is_never_written_below_the_owners(store, workspace) -> None:
    current = allow(store, workspace, 3)
    store.commit([workspace_store.count_owners(WS, 1, FULL)])
    lowered = replace(current, settings={"maxOwners": 1}, version=current.version + 1)
    with pytest.raises(Conflict):
        store.commit([workspace_store.update_workspace(lowered, current.version, owners_at_most=1)])
    to_two = replace(current, settings={"maxOwners": 2}, version=current.version + 1)
    store.commit([workspace_store.update_workspace(to_two, current.version, owners_at_most=2)])
    assert owners(store) == 2
