"""commit() and the entity modules' write operations, against the moto table."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from teamspace.core.clock import iso
from teamspace.core.errors import Conflict, IdempotentReplay, NotFound
from teamspace.core.event_data import build_event
from teamspace.core.events import Actor, DetailType
from teamspace.core.records import WorkspaceStatus
from teamspace.store import codec, snapshots
from teamspace.store import idempotency as idempotency_store
from teamspace.store import members as member_store
from teamspace.store import outbox as outbox_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore

WS = "ws_a"
OWNER = "u-owner"


def _get(dynamodb, key: dict[str, str]) -> dict[str, Any] | None:
    """The raw item, read past the store (what is really in the table)."""
    response = dynamodb.get_item(
        TableName=_table(dynamodb), Key=codec.to_attributes(key), ConsistentRead=True
    )
    return response.get("Item")


def _table(dynamodb) -> str:
    (name,) = dynamodb.list_tables()["TableNames"]
    return name


JOINED = {
    "userId": "u-2",
    "email": "u-2@example.com",
    "role": "viewer",
    "invitationId": "inv_1",
    "invitedBy": OWNER,
}


def _event(event_id: str, at, data: dict[str, Any] | None = None):
    return build_event(
        event_id=event_id,
        occurred_at=iso(at),
        detail_type=DetailType.MEMBER_JOINED,
        workspace_id=WS,
        actor=Actor(type="user", id=OWNER),
        data=data or JOINED,
    )


@pytest.fixture
def workspace(seed, make_workspace, make_member):
    ws = make_workspace(WS, owner_id=OWNER, member_count=1)
    seed(ws, [make_member(WS, OWNER, role="owner")])
    return ws


# ---- commit: all or nothing ----------------------------------------------------------


def test_commit_writes_every_item_of_the_transaction(
    store: TeamspaceStore, dynamodb, make_workspace, make_member, clock, dynamodb_calls
) -> None:
    ws = make_workspace(WS, owner_id=OWNER, member_count=1)
    owner = make_member(WS, OWNER, role="owner")

    store.commit(
        [
            workspace_store.create_workspace(ws),
            member_store.create_member(owner),
            outbox_store.put_outbox(_event("evt_1", clock.now()), clock.now()),
        ]
    )

    assert dynamodb_calls == ["TransactWriteItems"]
    assert snapshots.load_workspace(store, WS, [OWNER]) == (ws, {OWNER: owner})
    assert _get(dynamodb, outbox_store.outbox_key("evt_1")) is not None


def test_failed_condition_writes_nothing_and_raises_that_ops_error(
    store: TeamspaceStore, dynamodb, workspace, make_workspace, make_member, clock
) -> None:
    other = make_workspace("ws_new", owner_id=OWNER)
    duplicate = member_store.create_member(make_member(WS, OWNER, role="owner"))
    ops = [
        workspace_store.create_workspace(other),
        member_store.create_member(make_member("ws_new", OWNER, role="owner")),
        duplicate,  # the owner of ws_a exists already
        outbox_store.put_outbox(_event("evt_x", clock.now()), clock.now()),
    ]

    with pytest.raises(Conflict) as raised:
        store.commit(ops)

    assert raised.value is duplicate.on_condition_failed
    assert raised.value.code == "VERSION_CONFLICT"
    assert "member" in raised.value.detail
    # None of the other items of the transaction were written.
    assert snapshots.load_workspace(store, "ws_new", [OWNER]) == (None, {})
    assert _get(dynamodb, outbox_store.outbox_key("evt_x")) is None


def test_create_member_twice_is_a_version_conflict(
    store: TeamspaceStore, workspace, make_member
) -> None:
    member = make_member(WS, "u-2")
    store.commit([member_store.create_member(member)])

    with pytest.raises(Conflict) as raised:
        store.commit([member_store.create_member(replace(member, role="admin"))])

    assert raised.value.code == "VERSION_CONFLICT"
    assert snapshots.load_workspace(store, WS, ["u-2"])[1]["u-2"].role == "viewer"


def test_create_workspace_twice_is_a_version_conflict(store: TeamspaceStore, workspace) -> None:
    with pytest.raises(Conflict) as raised:
        store.commit([workspace_store.create_workspace(replace(workspace, name="Hijack"))])

    assert raised.value.code == "VERSION_CONFLICT"
    assert snapshots.load_workspace(store, WS)[0] == workspace


@pytest.mark.parametrize("first", ["workspace-check", "member-create"])
def test_the_first_failed_condition_names_the_error(
    store: TeamspaceStore, workspace, make_member, clock, first: str
) -> None:
    store.commit([workspace_store.delete_workspace(WS, OWNER, clock.now())])
    check = workspace_store.require_workspace_active(WS)
    duplicate = member_store.create_member(make_member(WS, OWNER))
    ops = [check, duplicate] if first == "workspace-check" else [duplicate, check]

    with pytest.raises(Exception) as raised:  # noqa: PT011 - which one is the point
        store.commit(ops)

    assert raised.value is ops[0].on_condition_failed


def test_require_member_unchanged_fails_when_the_callers_role_changed(
    store: TeamspaceStore, workspace, make_member, clock
) -> None:
    admin = make_member(WS, "u-admin", role="admin")
    store.commit([member_store.create_member(admin)])
    demoted = replace(admin, role="viewer", version=2)
    store.commit([member_store.replace_member(demoted, expected_version=1)])
    target = make_member(WS, "u-new")

    with pytest.raises(Conflict) as raised:
        store.commit(
            [member_store.create_member(target), member_store.require_member_unchanged(admin)]
        )

    assert raised.value.code == "VERSION_CONFLICT"
    assert "caller" in raised.value.detail
    assert "u-new" not in snapshots.load_workspace(store, WS, ["u-new"])[1]


# ---- members -------------------------------------------------------------------------


def test_replace_member_with_the_current_version(
    store: TeamspaceStore, workspace, make_member, clock
) -> None:
    member = make_member(WS, "u-2")
    store.commit([member_store.create_member(member)])
    clock.advance(minutes=5)
    updated = replace(member, role="admin", updated_at=clock.now(), version=2)

    store.commit([member_store.replace_member(updated, expected_version=1)])

    assert snapshots.load_workspace(store, WS, ["u-2"])[1]["u-2"] == updated


def test_replace_member_with_a_stale_version_is_a_version_conflict(
    store: TeamspaceStore, workspace, make_member
) -> None:
    member = make_member(WS, "u-2")
    store.commit([member_store.create_member(member)])
    store.commit([member_store.replace_member(replace(member, role="admin", version=2), 1)])

    with pytest.raises(Conflict) as raised:
        # A second writer that read version 1 too.
        store.commit([member_store.replace_member(replace(member, role="billing", version=2), 1)])

    assert raised.value.code == "VERSION_CONFLICT"
    assert snapshots.load_workspace(store, WS, ["u-2"])[1]["u-2"].role == "admin"


def test_replace_member_of_a_missing_member_is_a_version_conflict(
    store: TeamspaceStore, workspace, make_member
) -> None:
    with pytest.raises(Conflict) as raised:
        store.commit([member_store.replace_member(make_member(WS, "u-gone", version=2), 1)])

    assert raised.value.code == "VERSION_CONFLICT"
    assert snapshots.load_workspace(store, WS, ["u-gone"])[1] == {}


def test_delete_member_needs_the_current_version(
    store: TeamspaceStore, workspace, make_member
) -> None:
    member = make_member(WS, "u-2")
    store.commit(
        [member_store.create_member(member), workspace_store.adjust_counters(WS, members=1)]
    )

    with pytest.raises(Conflict):
        store.commit([member_store.delete_member(replace(member, version=7))])
    store.commit(
        [member_store.delete_member(member), workspace_store.adjust_counters(WS, members=-1)]
    )

    loaded, members = snapshots.load_workspace(store, WS, ["u-2"])
    assert members == {}
    assert loaded is not None
    assert loaded.member_count == 1


# ---- workspaces ----------------------------------------------------------------------


def test_update_workspace_with_a_stale_version_is_a_version_conflict(
    store: TeamspaceStore, workspace, clock
) -> None:
    clock.advance(minutes=1)
    first = replace(workspace, name="First", logo_url="https://x.test/l.png", version=2)
    store.commit([workspace_store.update_workspace(first, expected_version=1)])

    with pytest.raises(Conflict) as raised:
        store.commit([workspace_store.update_workspace(replace(workspace, name="Second"), 1)])

    assert raised.value.code == "VERSION_CONFLICT"
    loaded = snapshots.load_workspace(store, WS)[0]
    assert loaded is not None
    assert (loaded.name, loaded.logo_url, loaded.version) == ("First", "https://x.test/l.png", 2)


def test_delete_workspace_leaves_a_tombstone_and_keeps_member_items(
    store: TeamspaceStore, dynamodb, workspace, clock
) -> None:
    clock.advance(hours=1)

    store.commit([workspace_store.delete_workspace(WS, OWNER, clock.now())])

    item = codec.from_attributes(_get(dynamodb, workspace_store.workspace_key(WS)) or {})
    assert item["status"] == WorkspaceStatus.DELETED.value
    assert item["deletedAt"] == item["updatedAt"] == iso(clock.now())
    assert item["version"] == workspace.version + 1
    assert item["name"] == workspace.name  # a tombstone, not a delete
    # Member items stay until a purge; readers check the workspace status first.
    assert _get(dynamodb, member_store.member_key(WS, OWNER)) is not None
    assert member_store.list_memberships(store, OWNER, limit=10, cursor=None).items == []


def test_second_delete_workspace_is_workspace_not_found(
    store: TeamspaceStore, workspace, clock
) -> None:
    store.commit([workspace_store.delete_workspace(WS, OWNER, clock.now())])

    with pytest.raises(NotFound) as raised:
        store.commit([workspace_store.delete_workspace(WS, OWNER, clock.now())])

    assert raised.value.code == "WORKSPACE_NOT_FOUND"


@pytest.mark.parametrize(("workspace_id", "by"), [(WS, "u-not-owner"), ("ws_missing", OWNER)])
def test_delete_workspace_by_a_non_owner_or_of_a_missing_one_is_not_found(
    store: TeamspaceStore, workspace, clock, workspace_id: str, by: str
) -> None:
    with pytest.raises(NotFound) as raised:
        store.commit([workspace_store.delete_workspace(workspace_id, by, clock.now())])

    assert raised.value.code == "WORKSPACE_NOT_FOUND"
    loaded = snapshots.load_workspace(store, WS)[0]
    assert loaded is not None
    assert loaded.is_active
    assert snapshots.load_workspace(store, "ws_missing")[0] is None


def test_adjust_member_count_adds_to_the_counter(store: TeamspaceStore, workspace) -> None:
    store.commit([workspace_store.adjust_counters(WS, members=1)])
    store.commit([workspace_store.adjust_counters(WS, members=1)])
    store.commit([workspace_store.adjust_counters(WS, members=-1)])

    loaded = snapshots.load_workspace(store, WS)[0]
    assert loaded is not None
    assert loaded.member_count == workspace.member_count + 1


def test_adjust_member_count_on_a_deleted_workspace_fails(
    store: TeamspaceStore, dynamodb, workspace, make_member, clock
) -> None:
    store.commit([workspace_store.delete_workspace(WS, OWNER, clock.now())])
    late = make_member(WS, "u-late")

    with pytest.raises(NotFound) as raised:
        store.commit(
            [member_store.create_member(late), workspace_store.adjust_counters(WS, members=1)]
        )

    assert raised.value.code == "WORKSPACE_NOT_FOUND"
    assert _get(dynamodb, member_store.member_key(WS, "u-late")) is None
    item = codec.from_attributes(_get(dynamodb, workspace_store.workspace_key(WS)) or {})
    assert item["memberCount"] == workspace.member_count


def test_adjust_member_count_never_creates_a_workspace(store: TeamspaceStore, dynamodb) -> None:
    with pytest.raises(NotFound):
        store.commit([workspace_store.adjust_counters("ws_missing", members=1)])

    assert _get(dynamodb, workspace_store.workspace_key("ws_missing")) is None


# ---- outbox --------------------------------------------------------------------------


def test_put_outbox_writes_the_event_with_a_ttl_and_a_json_detail(
    store: TeamspaceStore, dynamodb, clock
) -> None:
    event = _event("evt_01", clock.now())

    store.commit([outbox_store.put_outbox(event, clock.now())])

    raw = _get(dynamodb, outbox_store.outbox_key("evt_01"))
    assert raw is not None
    assert set(raw["ttl"]) == {"N"}  # a Number, as DynamoDB TTL requires
    expected_ttl = int(clock.now().timestamp()) + outbox_store.OUTBOX_RETENTION_SECONDS
    assert int(raw["ttl"]["N"]) == expected_ttl
    assert set(raw["detail"]) == {"S"}
    # Only the contract's fields: nothing from a request, no token, key or secret.
    assert set(raw) == {"PK", "SK", "entity", "detailType", "workspaceId", "detail", "ttl"}
    assert raw["entity"] == {"S": "outbox"}
    assert raw["detailType"] == {"S": "MemberJoined"}
    detail = json.loads(raw["detail"]["S"])
    assert set(detail) == {"eventId", "version", "occurredAt", "workspaceId", "actor", "data"}
    assert detail == {
        "eventId": "evt_01",
        "version": 1,
        "occurredAt": iso(clock.now()),
        "workspaceId": WS,
        "actor": {"type": "user", "id": OWNER},
        "data": JOINED,
    }
    text = json.dumps(raw).lower()
    assert not any(word in text for word in ("token", "secret", "password", "authorization"))


def test_put_outbox_twice_with_one_event_id_is_refused(store: TeamspaceStore, clock) -> None:
    store.commit([outbox_store.put_outbox(_event("evt_01", clock.now()), clock.now())])

    with pytest.raises(Conflict):
        store.commit([outbox_store.put_outbox(_event("evt_01", clock.now()), clock.now())])


# ---- idempotency ---------------------------------------------------------------------


def test_idempotency_record_round_trip(store: TeamspaceStore, workspace, clock) -> None:
    scope = "a" * 64
    result = {"workspace": workspace_store.workspace_item(workspace), "count": 3}

    store.commit(
        [
            workspace_store.adjust_counters(WS, members=0),
            idempotency_store.put_idempotency_record(
                scope, "fp-1", result, clock.now(), IdempotentReplay("IDEMPOTENT_REPLAY", "x")
            ),
        ]
    )
    record = idempotency_store.get_idempotency_record(store, scope)

    assert record is not None
    assert record["requestFingerprint"] == "fp-1"
    assert record["createdAt"] == iso(clock.now())
    assert (
        record["ttl"]
        == int(clock.now().timestamp()) + idempotency_store.IDEMPOTENCY_RETENTION_SECONDS
    )
    assert record["result"]["count"] == 3
    assert workspace_store.workspace_from_item(record["result"]["workspace"]) == workspace


def test_idempotency_record_is_absent_until_written(store: TeamspaceStore) -> None:
    assert idempotency_store.get_idempotency_record(store, "b" * 64) is None


def test_second_idempotency_record_raises_the_replay_error_and_writes_nothing(
    store: TeamspaceStore, make_workspace, make_member, clock
) -> None:
    scope = "c" * 64
    replay = IdempotentReplay("IDEMPOTENT_REPLAY", "replayed")

    def create(workspace_id: str, fingerprint: str):
        return [
            workspace_store.create_workspace(make_workspace(workspace_id, owner_id=OWNER)),
            member_store.create_member(make_member(workspace_id, OWNER, role="owner")),
            idempotency_store.put_idempotency_record(
                scope, fingerprint, {"id": workspace_id}, clock.now(), replay
            ),
        ]

    store.commit(create("ws_first", "fp-1"))
    with pytest.raises(IdempotentReplay) as raised:
        store.commit(create("ws_retry", "fp-1"))

    assert raised.value is replay
    assert snapshots.load_workspace(store, "ws_retry", [OWNER]) == (None, {})
    record = idempotency_store.get_idempotency_record(store, scope)
    assert record is not None
    assert record["result"] == {"id": "ws_first"}
