"""The audit log in the table: appending to a chain, reading pages of it, walking it.

A workspace's chain lives in its own partition (`AUDIT#<workspaceId>`): records by
sequence number (`SEQ#<seq, 12 digits>`; by time, newest first, in GSI3
`AUDIT#<ws>#LOG`, GSI1 `AUDIT#<ws>#ACTOR#<type>:<id>` and GSI2 `AUDIT#<ws>#ACTION#<action>`,
each / `<occurredAt>#<seq>`), the head (`HEAD`: last seq and hash, the anchor), and one
marker per recorded event (`EVENT#<eventId>`). An append is one transaction, conditional
on the marker not existing (an event is recorded once) and on the head being the one
read (one writer extends a chain at a time; a loser re-reads: concurrent consumers of
the standard audit queue race on one chain, docs/decisions.md "Audit").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from teamspace.core.audit import TEAMSPACE_SOURCE, AuditRecord, Head
from teamspace.core.errors import Conflict
from teamspace.core.records import LogQuery, Page
from teamspace.store import codec, keys
from teamspace.store.cursor import decode_cursor, encode_cursor
from teamspace.store.ops import WriteOp, attribute_values, put_new
from teamspace.store.snapshots import Snapshot
from teamspace.store.table import TeamspaceStore

AUDIT_SEQ_PREFIX = "SEQ#"


def audit_pk(workspace_id: str) -> str:
    return f"AUDIT#{workspace_id}"


def audit_record_key(workspace_id: str, seq: int) -> keys.Key:
    return {keys.PK: audit_pk(workspace_id), keys.SK: f"{AUDIT_SEQ_PREFIX}{seq:012d}"}


def audit_head_key(workspace_id: str) -> keys.Key:
    return {keys.PK: audit_pk(workspace_id), keys.SK: "HEAD"}


def audit_event_key(workspace_id: str, event_id: str) -> keys.Key:
    return {keys.PK: audit_pk(workspace_id), keys.SK: f"EVENT#{event_id}"}


def audit_time_sk(occurred_at: str, seq: int) -> str:
    return f"{occurred_at}#{seq:012d}"


def audit_log_pk(workspace_id: str) -> str:
    return f"AUDIT#{workspace_id}#LOG"


def audit_actor_pk(workspace_id: str, actor_type: str, actor_id: str) -> str:
    return f"AUDIT#{workspace_id}#ACTOR#{actor_type}:{actor_id}"


def audit_action_pk(workspace_id: str, action: str) -> str:
    return f"AUDIT#{workspace_id}#ACTION#{action}"


class AlreadyRecorded(Conflict):
    """The event has a record already: a duplicate delivery."""


class ChainMoved(Conflict):
    """Another writer extended the chain since its head was read."""


def record_item(record: AuditRecord) -> dict[str, Any]:
    ws, seq = record.workspace_id, record.seq
    time_sk = audit_time_sk(record.occurred_at, seq)
    return {
        **audit_record_key(ws, seq),
        keys.GSI1PK: audit_actor_pk(ws, record.actor["type"], record.actor["id"]),
        keys.GSI1SK: time_sk,
        keys.GSI2PK: audit_action_pk(ws, record.action),
        keys.GSI2SK: time_sk,
        keys.GSI3PK: audit_log_pk(ws),
        keys.GSI3SK: time_sk,
        "entity": "audit_record",
        **record.hashed_fields(),
        "hash": record.hash,
        keys.TTL: record.expires_at,
    }


def record_from_item(item: dict[str, Any]) -> AuditRecord:
    return AuditRecord(
        workspace_id=item["workspaceId"],
        seq=item["seq"],
        event_id=item["eventId"],
        occurred_at=item["occurredAt"],
        actor=item["actor"],
        action=item["action"],
        target=item["target"],
        summary=item["summary"],
        prev_hash=item["prevHash"],
        expires_at=item["expiresAt"],
        prev_expires_at=item["prevExpiresAt"],
        hash=item["hash"],
        # Records written before the format had a version hold neither field.
        source=item.get("source", TEAMSPACE_SOURCE),
        format_version=int(item.get("formatVersion", 0)),
    )


def head_item(record: AuditRecord) -> dict[str, Any]:
    """The chain's head once `record` is its last."""
    return {
        **audit_head_key(record.workspace_id),
        "entity": "audit_head",
        "workspaceId": record.workspace_id,
        "seq": record.seq,
        "hash": record.hash,
        "expiresAt": record.expires_at,
    }


def head_from_item(item: dict[str, Any]) -> Head:
    return Head(item["seq"], item["hash"], item["expiresAt"])


def head_in(snapshot: Snapshot, workspace_id: str) -> Head:
    """The chain's head a workspace read brought along (`also=[audit_head_key]`); an
    empty chain's when it has none."""
    found = snapshot.other(audit_head_key(workspace_id))
    return head_from_item(found) if found else Head()


def marker_of(source: str, event_id: str) -> str:
    """The id an event's marker is kept under: its event id for Teamspace's own events
    (as every chain has them), `<source>#<eventId>` for another service's, so that two
    services' ids never collide with each other's or with Teamspace's (an intake event
    id holds no `#`)."""
    return event_id if source == TEAMSPACE_SOURCE else f"{source}#{event_id}"


def head(store: TeamspaceStore, workspace_id: str, event_id: str) -> tuple[Head, bool]:
    """The chain's head, and whether `event_id` is recorded already (one read)."""
    found, recorded, _ = head_and(store, workspace_id, event_id, [])
    return found, recorded


def head_and(
    store: TeamspaceStore, workspace_id: str, marker_id: str, also: list[keys.Key]
) -> tuple[Head, bool, list[dict[str, Any]]]:
    """`head`, and the items of `also` that exist, in the same read (the intake reads
    the workspace with the chain's head)."""
    head_key = audit_head_key(workspace_id)
    marker_key = audit_event_key(workspace_id, marker_id)
    found, recorded, others = Head(), False, []
    for item in store.batch_get([head_key, marker_key, *also]):
        if item[keys.PK] == head_key[keys.PK] and item[keys.SK] == head_key[keys.SK]:
            found = head_from_item(item)
        elif item[keys.PK] == marker_key[keys.PK] and item[keys.SK] == marker_key[keys.SK]:
            recorded = True
        else:
            others.append(item)
    return found, recorded, others


def append(store: TeamspaceStore, record: AuditRecord, previous: Head) -> None:
    """Add `record` after `previous`; AlreadyRecorded or ChainMoved when it cannot."""
    ws = record.workspace_id
    marker = {
        **audit_event_key(ws, marker_of(record.source, record.event_id)),
        "entity": "audit_event",
        "seq": record.seq,
        keys.TTL: record.expires_at,
    }
    moved = ChainMoved("AUDIT_CHAIN_MOVED", "The chain grew meanwhile; read it again")
    head_condition = (
        {"ConditionExpression": "attribute_not_exists(PK)"}
        if previous.seq == 0
        else {
            "ConditionExpression": "seq = :seq",
            "ExpressionAttributeValues": attribute_values(seq=previous.seq),
        }
    )
    store.commit(
        [
            put_new(marker, AlreadyRecorded("AUDIT_DUPLICATE", "This event is recorded already")),
            put_new(record_item(record), moved),
            WriteOp(
                "Put", {"Item": codec.to_attributes(head_item(record)), **head_condition}, moved
            ),
        ]
    )


def page(
    store: TeamspaceStore, workspace_id: str, query: LogQuery, *, limit: int, cursor: str | None
) -> Page[AuditRecord]:
    """Newest first. The index follows the filter (actor, else action, else all),
    and the time range is part of the key condition, so reads follow the page."""
    ws = workspace_id
    if query.actor is not None:
        index, pk = keys.GSI1, audit_actor_pk(ws, *query.actor)
    elif query.action is not None:
        index, pk = keys.GSI2, audit_action_pk(ws, query.action)
    else:
        index, pk = keys.GSI3, audit_log_pk(ws)
    condition = f"{index}PK = :pk"
    values: dict[str, Any] = {":pk": {"S": pk}}
    low, high = query.since, (query.until + "#~") if query.until else None
    if low and high:
        condition += f" AND {index}SK BETWEEN :low AND :high"
        values |= {":low": {"S": low}, ":high": {"S": high}}
    elif low:
        condition += f" AND {index}SK >= :low"
        values[":low"] = {"S": low}
    elif high:
        condition += f" AND {index}SK <= :high"
        values[":high"] = {"S": high}
    request = {
        "IndexName": index,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
    }
    both = query.actor is not None and query.action is not None
    equals = {"action": query.action} if both and query.action else None
    return store.query_page(
        request, limit, cursor, {f"{index}PK": pk}, record_from_item, None, None, equals=equals
    )


def cursor_after(record: AuditRecord) -> str:
    """The cursor a walk resumes from, just after `record` (the export's pages)."""
    return position_after(record.workspace_id, record.seq)


def position_after(workspace_id: str, seq: int) -> str:
    """The cursor a walk resumes from, just after the record `seq` of a chain."""
    # A record's key is never empty, so neither is its cursor.
    return cast(str, encode_cursor(audit_record_key(workspace_id, seq)))


def walk(
    store: TeamspaceStore,
    workspace_id: str,
    *,
    page_size: int = 500,
    after: str | None = None,
) -> Iterator[AuditRecord]:
    """Every record of a chain in `seq` order, a page at a time (verify, export); from
    just after the record of the cursor `after` (`cursor_after`) when given. A cursor
    that names no record of this chain is INVALID_CURSOR."""
    start = decode_cursor(
        after,
        {keys.PK: audit_pk(workspace_id)},
        frozenset({keys.PK, keys.SK}),
        {keys.SK: AUDIT_SEQ_PREFIX},
    )
    request: dict[str, Any] = {
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :seq)",
        "ExpressionAttributeValues": {
            ":pk": {"S": audit_pk(workspace_id)},
            ":seq": {"S": AUDIT_SEQ_PREFIX},
        },
        "ConsistentRead": True,
        "Limit": page_size,
    }
    if start is not None:
        request["ExclusiveStartKey"] = codec.to_attributes(start)
    while True:
        response = store.query(request)
        for raw in response.get("Items", []):
            yield record_from_item(codec.from_attributes(raw))
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
