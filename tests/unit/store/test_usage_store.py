"""A client's minutes per budget period and its reports' markers (store/usage.py), on the
moto table: the round trip, each condition, and the clients' totals in one read."""

from __future__ import annotations

import pytest

from teamspace.core.errors import Conflict, Contention
from teamspace.core.records import ClientUsage
from teamspace.store import snapshots
from teamspace.store import usage as usage_store
from teamspace.store.table import TeamspaceStore

CLIENT = "ws_client"
AGENCY = "ws_agency"
PERIOD = "2026-11"


def _usage(clock, minutes: int, thresholds: frozenset[int] = frozenset()) -> ClientUsage:
    return ClientUsage(CLIENT, AGENCY, PERIOD, minutes, thresholds, clock.now())


def _read(store: TeamspaceStore) -> ClientUsage | None:
    key = usage_store.usage_key(CLIENT, PERIOD)
    item = snapshots.load(store, CLIENT, also=[key]).other(key)
    return usage_store.usage_from_item(item) if item else None


def test_a_period_s_count_round_trips(store, clock) -> None:
    written = _usage(clock, 1_700, frozenset({80}))
    store.commit([usage_store.put_usage(written, None)])
    assert _read(store) == written


def test_the_first_count_of_a_period_needs_no_item_there(store, clock) -> None:
    store.commit([usage_store.put_usage(_usage(clock, 10), None)])
    with pytest.raises(Contention):
        store.commit([usage_store.put_usage(_usage(clock, 20), None)])
    assert _read(store).minutes == 10


def test_a_count_is_written_only_over_the_count_read(store, clock) -> None:
    store.commit([usage_store.put_usage(_usage(clock, 10), None)])
    with pytest.raises(Contention):
        store.commit([usage_store.put_usage(_usage(clock, 25), read_minutes=5)])
    store.commit([usage_store.put_usage(_usage(clock, 25), read_minutes=10)])
    assert _read(store).minutes == 25


def test_a_report_is_marked_once_and_a_second_marking_writes_nothing(store, clock) -> None:
    store.commit(
        [
            usage_store.mark_counted(CLIENT, "use-1", clock.now()),
            usage_store.put_usage(_usage(clock, 10), None),
        ]
    )
    with pytest.raises(Conflict) as raised:
        store.commit(
            [
                usage_store.mark_counted(CLIENT, "use-1", clock.now()),
                usage_store.put_usage(_usage(clock, 20), read_minutes=10),
            ]
        )
    assert raised.value.code == "USAGE_ALREADY_COUNTED"
    assert _read(store).minutes == 10
    # Another report of the same client is another marker.
    store.commit([usage_store.mark_counted(CLIENT, "use-2", clock.now())])


def test_a_marker_expires_long_after_its_report(store, clock) -> None:
    store.commit([usage_store.mark_counted(CLIENT, "use-1", clock.now())])
    key = usage_store.counted_key(CLIENT, "use-1")
    marker = snapshots.load(store, CLIENT, also=[key]).other(key)
    assert marker["ttl"] == int(clock.now().timestamp()) + 90 * 24 * 3600


def test_the_totals_of_a_page_of_clients_are_one_batch_get(store, clock, dynamodb_calls) -> None:
    clients = [f"ws_c{i}" for i in range(100)]
    store.commit(
        [
            usage_store.put_usage(ClientUsage(c, AGENCY, PERIOD, i + 1), None)
            for i, c in enumerate(clients[:3])
        ]
        + [usage_store.put_usage(ClientUsage(clients[3], AGENCY, "2026-10", 99), None)]
    )
    dynamodb_calls.clear()
    used = usage_store.usage_of(store, clients, PERIOD)
    assert dynamodb_calls == ["BatchGetItem"]
    assert [used[c] for c in clients[:4]] == [1, 2, 3, 0]  # last month's is not this one's
    assert set(used) == set(clients)
    assert sum(used.values()) == 6
    dynamodb_calls.clear()
    assert usage_store.usage_of(store, [], PERIOD) == {}
    assert dynamodb_calls == []
