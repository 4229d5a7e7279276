"""The API key items and their reads and writes, on moto (store/api_keys.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from teamspace.domain.key_format import generate_key
from teamspace.domain.records import ApiKey, ApiKeyStatus
from teamspace.errors import Conflict, LimitExceeded, NotFound
from teamspace.store import api_keys, writes

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
    store.commit(api_keys.create_key(key))
    assert api_keys.get_key(store, WS, key.key_id) == key
    secret = api_keys.get_secret(store, key.key_hash)
    assert secret is not None
    assert (secret.workspace_id, secret.key_id, secret.role) == (WS, key.key_id, "viewer")
    assert secret.status is ApiKeyStatus.ACTIVE
    assert secret.workspace_status == "ACTIVE"
    assert secret.expires_at == key.expires_at
    assert api_keys.get_secret(store, "0" * 64) is None


def test_keys_of_reads_every_key_or_one_creators(store, workspace, clock, dynamodb_calls):
    made = [new_key(clock, n, created_by="u-1" if n % 3 else "u-2") for n in range(12)]
    for key in made:
        store.commit(api_keys.create_key(key))
    dynamodb_calls.clear()
    assert api_keys.keys_of(store, WS) == made
    assert dynamodb_calls == ["Query"]
    assert api_keys.keys_of(store, WS, created_by="u-2") == [
        k for k in made if k.created_by == "u-2"
    ]
    assert api_keys.keys_of(store, WS, created_by="nobody") == []


def test_the_counter_refuses_the_twenty_first_key(store, workspace, clock):
    for n in range(api_keys.MAX_API_KEYS):
        store.commit(api_keys.create_key(new_key(clock, n)))
    with pytest.raises(LimitExceeded) as refused:
        store.commit(api_keys.create_key(new_key(clock, 99)))
    assert refused.value.code == "API_KEY_LIMIT"
    assert len(api_keys.keys_of(store, WS)) == api_keys.MAX_API_KEYS


def test_revoking_twice_is_not_found(store, workspace, clock):
    key = new_key(clock, 1)
    store.commit(api_keys.create_key(key))
    store.commit(api_keys.revoke_keys([key], clock.now()))
    assert api_keys.get_key(store, WS, key.key_id) is None
    assert api_keys.get_secret(store, key.key_hash).status is ApiKeyStatus.REVOKED
    with pytest.raises(NotFound):
        store.commit(api_keys.revoke_keys([key], clock.now()))


def test_a_deletion_that_read_fewer_keys_than_there_are_is_refused(store, workspace, clock):
    read = [new_key(clock, 1)]
    store.commit(api_keys.create_key(read[0]))
    store.commit(api_keys.create_key(new_key(clock, 2)))  # made after the read
    with pytest.raises(Conflict) as refused:
        store.commit(
            [
                writes.delete_workspace(WS, "u-1", clock.now(), api_keys=len(read)),
                *api_keys.retire_keys(read),
            ]
        )
    assert refused.value.code == "VERSION_CONFLICT"
    store.commit(
        [
            writes.delete_workspace(WS, "u-1", clock.now(), api_keys=2),
            *api_keys.retire_keys(api_keys.keys_of(store, WS)),
        ]
    )
    assert api_keys.get_secret(store, read[0].key_hash).workspace_status == "DELETED"


def test_use_is_recorded_on_both_items_and_never_brings_a_revoked_listing_back(
    store, workspace, clock
):
    key = new_key(clock, 1)
    store.commit(api_keys.create_key(key))
    secret = api_keys.get_secret(store, key.key_hash)
    now = clock.now()
    store.commit(api_keys.record_use(secret, now, now - timedelta(minutes=5)))
    assert api_keys.get_key(store, WS, key.key_id).last_used_at == now
    assert api_keys.get_secret(store, key.key_hash).last_used_at == now
    store.commit(api_keys.revoke_keys([key], now))
    later = now + timedelta(minutes=10)
    with pytest.raises(Conflict):
        store.commit(api_keys.record_use(secret, later, later - timedelta(minutes=5)))
    assert api_keys.get_key(store, WS, key.key_id) is None
