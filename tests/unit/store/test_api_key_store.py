"""The API key items and their reads and writes, on moto (store/api_keys.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from teamspace.core.errors import Conflict, LimitExceeded, NotFound
from teamspace.core.records import ApiKey, ApiKeyStatus
from teamspace.domain.api_keys import MAX_API_KEYS
from teamspace.domain.key_format import generate_key
from teamspace.store import api_keys as key_store
from teamspace.store import workspaces as workspace_store

WS = "ws_a"


@pytest.fixture
def workspace(seed, make_workspace, make_member) -> None:
    seed(make_workspace(WS, owner_id="u-1"), [make_member(WS, "u-1", role="owner")])


def new_key(clock, n: int, created_by: str = "u-1") -> ApiKey:
    issued = generate_key("test")
    return ApiKey(
        workspace_id=WS,
        key_id=f"key_{n:026d}",
        name=f"key {n}",
        prefix=issued.prefix,
        role="viewer",
        permissions=frozenset({"workspace:view"}),
        created_by=created_by,
        created_at=clock.now(),
        key_hash=issued.key_hash,
        expires_at=clock.now() + timedelta(days=30) if n % 2 else None,
    )


def test_a_key_round_trips_through_both_items(store, workspace, clock):
    key = new_key(clock, 1)
    store.commit(key_store.create_key(key, MAX_API_KEYS))
    assert key_store.get_key(store, WS, key.key_id) == key
    secret = key_store.get_secret(store, key.key_hash)
    assert secret is not None
    assert (secret.workspace_id, secret.key_id, secret.role) == (WS, key.key_id, "viewer")
    assert secret.status is ApiKeyStatus.ACTIVE
    assert secret.workspace_status == "ACTIVE"
    assert secret.expires_at == key.expires_at
    assert key_store.get_secret(store, "0" * 64) is None


def test_keys_of_reads_every_key_or_one_creators(store, workspace, clock, dynamodb_calls):
    made = [new_key(clock, n, created_by="u-1" if n % 3 else "u-2") for n in range(12)]
    for key in made:
        store.commit(key_store.create_key(key, MAX_API_KEYS))
    dynamodb_calls.clear()
    assert key_store.keys_of(store, WS, MAX_API_KEYS) == made
    assert dynamodb_calls == ["Query"]
    assert key_store.keys_of(store, WS, MAX_API_KEYS, created_by="u-2") == [
        k for k in made if k.created_by == "u-2"
    ]
    assert key_store.keys_of(store, WS, MAX_API_KEYS, created_by="nobody") == []


def test_the_counter_refuses_the_twenty_first_key(store, workspace, clock):
    for n in range(MAX_API_KEYS):
        store.commit(key_store.create_key(new_key(clock, n), MAX_API_KEYS))
    with pytest.raises(LimitExceeded) as refused:
        store.commit(key_store.create_key(new_key(clock, 99), MAX_API_KEYS))
    assert refused.value.code == "API_KEY_LIMIT"
    assert len(key_store.keys_of(store, WS, MAX_API_KEYS)) == MAX_API_KEYS


def test_revoking_twice_is_not_found(store, workspace, clock):
    key = new_key(clock, 1)
    store.commit(key_store.create_key(key, MAX_API_KEYS))
    store.commit(key_store.revoke_keys([key], clock.now()))
    assert key_store.get_key(store, WS, key.key_id) is None
    assert key_store.get_secret(store, key.key_hash).status is ApiKeyStatus.REVOKED
    with pytest.raises(NotFound):
        store.commit(key_store.revoke_keys([key], clock.now()))


def test_a_deletion_that_read_fewer_keys_than_there_are_is_refused(store, workspace, clock):
    read = [new_key(clock, 1)]
    store.commit(key_store.create_key(read[0], MAX_API_KEYS))
    store.commit(key_store.create_key(new_key(clock, 2), MAX_API_KEYS))  # made after the read
    with pytest.raises(Conflict) as refused:
        store.commit(
            [
                workspace_store.delete_workspace(WS, "u-1", clock.now(), api_keys=len(read)),
                *key_store.retire_keys(read),
            ]
        )
    assert refused.value.code == "VERSION_CONFLICT"
    store.commit(
        [
            workspace_store.delete_workspace(WS, "u-1", clock.now(), api_keys=2),
            *key_store.retire_keys(key_store.keys_of(store, WS, MAX_API_KEYS)),
        ]
    )
    assert key_store.get_secret(store, read[0].key_hash).workspace_status == "DELETED"


def test_use_is_recorded_on_both_items_and_never_brings_a_revoked_listing_back(
    store, workspace, clock
):
    key = new_key(clock, 1)
    store.commit(key_store.create_key(key, MAX_API_KEYS))
    secret = key_store.get_secret(store, key.key_hash)
    now = clock.now()
    store.commit(key_store.record_use(secret, now, now - timedelta(minutes=5)))
    assert key_store.get_key(store, WS, key.key_id).last_used_at == now
    assert key_store.get_secret(store, key.key_hash).last_used_at == now
    store.commit(key_store.revoke_keys([key], now))
    later = now + timedelta(minutes=10)
    with pytest.raises(Conflict):
        store.commit(key_store.record_use(secret, later, later - timedelta(minutes=5)))
    assert key_store.get_key(store, WS, key.key_id) is None
