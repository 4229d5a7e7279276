"""Every access pattern is a GetItem, a BatchGetItem, a Query or a TransactWriteItems."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from teamspace.clock import iso
from teamspace.domain.events import Actor, DetailType, build_event
from teamspace.errors import IdempotentReplay
from teamspace.store import writes
from teamspace.store.table import TeamspaceStore

STORE_PACKAGE = Path(writes.__file__).parent
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
            writes.create_workspace(workspace),
            writes.create_member(owner),
            writes.put_outbox(event, now),
            writes.put_idempotency_record("s" * 64, "fp", {"id": "ws_a"}, now, replay),
        ]
    )
    store.commit([*map(writes.create_member, others), writes.adjust_counters("ws_a", members=6)])
    store.get_idempotency_record("s" * 64)
    _, members = store.load_workspace("ws_a", ["u-1", "u-2"])
    page = store.list_members("ws_a", limit=2, cursor=None)
    store.list_members("ws_a", limit=2, cursor=page.next_cursor)
    store.list_members("ws_a", limit=2, cursor=None, role="admin", status="ACTIVE")
    store.search_members("ws_a", "jo", limit=3, cursor=None)
    store.list_memberships("u-1", limit=5, cursor=None)
    store.commit(
        [
            writes.replace_member(
                replace(members["u-2"], role="admin", version=2), expected_version=1
            ),
            writes.require_member_unchanged(owner),
        ]
    )
    store.commit([writes.delete_member(others[-1]), writes.adjust_counters("ws_a", members=-1)])
    store.commit([writes.delete_workspace("ws_a", "u-1", now)])

    assert "Scan" not in dynamodb_calls
    assert set(dynamodb_calls) <= ALLOWED
    # The sequence did exercise every allowed kind of call.
    assert set(dynamodb_calls) == ALLOWED


def test_the_store_source_has_no_scan() -> None:
    scan = re.compile(r"\.scan\s*\(|[\"']Scan[\"']|paginator\(\s*[\"']scan", re.IGNORECASE)
    for module in sorted(STORE_PACKAGE.glob("*.py")):
        assert not scan.search(module.read_text()), module.name
