"""Every access pattern is a GetItem, a BatchGetItem, a Query or a TransactWriteItems."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from teamspace.core.clock import iso
from teamspace.core.errors import IdempotentReplay
from teamspace.core.event_data import build_event
from teamspace.core.events import Actor, DetailType
from teamspace.store import idempotency as idempotency_store
from teamspace.store import members as member_store
from teamspace.store import outbox as outbox_store
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore

STORE_PACKAGE = Path(snapshots.__file__).parent
ALLOWED = {"GetItem", "BatchGetItem", "Query", "TransactWriteItems"}


def test_a_representative_sequence_of_store_calls_never_scans(
    store: TeamspaceStore, make_workspace, make_member, clock, dynamodb_calls: list[str]
) -> None:
    now = clock.now()
    workspace = make_workspace("ws_a", owner_id="u-1", member_count=1)
    owner = make_member("ws_a", "u-1", role="owner", name="Ola")
    others = [make_member("ws_a", f"u-{i}", name=f"Jo {i}") for i in range(2, 8)]
    event = build_event(
        event_id="evt_1",
        occurred_at=iso(now),
        detail_type=DetailType.WORKSPACE_CREATED,
        workspace_id="ws_a",
        actor=Actor(type="user", id="u-1"),
        data={"name": workspace.name, "type": "simple", "ownerId": "u-1"},
    )
    replay = IdempotentReplay("IDEMPOTENT_REPLAY", "replayed")

    store.commit(
        [
            workspace_store.create_workspace(workspace),
            member_store.create_member(owner),
            outbox_store.put_outbox(event, now),
            idempotency_store.put_idempotency_record("s" * 64, "fp", {"id": "ws_a"}, now, replay),
        ]
    )
    store.commit(
        [
            *map(member_store.create_member, others),
            workspace_store.adjust_counters("ws_a", members=6),
        ]
    )
    idempotency_store.get_idempotency_record(store, "s" * 64)
    _, members = snapshots.load_workspace(store, "ws_a", ["u-1", "u-2"])
    page = member_store.list_members(store, "ws_a", limit=2, cursor=None)
    member_store.list_members(store, "ws_a", limit=2, cursor=page.next_cursor)
    member_store.list_members(store, "ws_a", limit=2, cursor=None, role="admin", status="ACTIVE")
    member_store.search_members(store, "ws_a", "jo", limit=3, cursor=None)
    member_store.list_memberships(store, "u-1", limit=5, cursor=None)
    store.commit(
        [
            member_store.replace_member(
                replace(members["u-2"], role="admin", version=2), expected_version=1
            ),
            member_store.require_member_unchanged(owner),
        ]
    )
    store.commit(
        [
            member_store.delete_member(others[-1]),
            workspace_store.adjust_counters("ws_a", members=-1),
        ]
    )
    store.commit([workspace_store.delete_workspace("ws_a", "u-1", now)])

    assert "Scan" not in dynamodb_calls
    assert set(dynamodb_calls) <= ALLOWED
    # The sequence did exercise every allowed kind of call.
    assert set(dynamodb_calls) == ALLOWED


def test_the_store_source_has_no_scan() -> None:
    scan = re.compile(r"\.scan\s*\(|[\"']Scan[\"']|paginator\(\s*[\"']scan", re.IGNORECASE)
    for module in sorted(STORE_PACKAGE.glob("*.py")):
        assert not scan.search(module.read_text()), module.name
