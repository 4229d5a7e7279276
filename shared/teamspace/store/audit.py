"""The audit log in the table: appending to a chain, reading pages of it, walking it.

A workspace's chain lives in its own partition (`AUDIT#<workspaceId>`): records by
sequence number, the head, and one marker per recorded event. An append is one
transaction, conditional on the marker not existing (an event is recorded once) and on
the head being the one read (one writer extends a chain at a time; a loser re-reads).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from teamspace.audit.chain import AuditRecord, Head
from teamspace.domain.records import Page
from teamspace.errors import Conflict
from teamspace.store import codec, keys
from teamspace.store.table import TeamspaceStore
from teamspace.store.writes import WriteOp, attribute_values


class AlreadyRecorded(Conflict):
    """The event has a record already: a duplicate delivery."""


class ChainMoved(Conflict):
    """Another writer extended the chain since its head was read."""


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Which records a page holds: by actor and/or action, within a time range."""

    actor: tuple[str, str] | None = None  # (type, id)
    action: str | None = None
    since: str | None = None  # ISO-8601, inclusive
    until: str | None = None  # ISO-8601, inclusive


def record_item(record: AuditRecord) -> dict[str, Any]:
    ws, seq = record.workspace_id, record.seq
    time_sk = keys.audit_time_sk(record.occurred_at, seq)
    return {
        **keys.audit_record_key(ws, seq),
        keys.GSI1PK: keys.audit_actor_pk(ws, record.actor["type"], record.actor["id"]),
        keys.GSI1SK: time_sk,
        keys.GSI2PK: keys.audit_action_pk(ws, record.action),
        keys.GSI2SK: time_sk,
        keys.GSI3PK: keys.audit_log_pk(ws),
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
    )


def head_from_item(item: dict[str, Any]) -> Head:
    return Head(item["seq"], item["hash"], item["expiresAt"])


class AuditStore(TeamspaceStore):
    def head(self, workspace_id: str, event_id: str) -> tuple[Head, bool]:
        """The chain's head, and whether `event_id` is recorded already (one read)."""
        head, recorded = Head(), False
        wanted = [keys.audit_head_key(workspace_id), keys.audit_event_key(workspace_id, event_id)]
        for item in self._batch_get(wanted):
            if item["SK"] == "HEAD":
                head = head_from_item(item)
            else:
                recorded = True
        return head, recorded

    def append(self, record: AuditRecord, previous: Head) -> None:
        """Add `record` after `previous`; AlreadyRecorded or ChainMoved when it cannot."""
        ws = record.workspace_id
        marker = {
            **keys.audit_event_key(ws, record.event_id),
            "entity": "audit_event",
            "seq": record.seq,
            keys.TTL: record.expires_at,
        }
        head_item = {
            **keys.audit_head_key(ws),
            "entity": "audit_head",
            "workspaceId": ws,
            "seq": record.seq,
            "hash": record.hash,
            "expiresAt": record.expires_at,
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
        self.commit(
            [
                WriteOp(
                    "Put",
                    {
                        "Item": codec.to_attributes(marker),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    },
                    AlreadyRecorded("AUDIT_DUPLICATE", "This event is recorded already"),
                ),
                WriteOp(
                    "Put",
                    {
                        "Item": codec.to_attributes(record_item(record)),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    },
                    moved,
                ),
                WriteOp("Put", {"Item": codec.to_attributes(head_item), **head_condition}, moved),
            ]
        )

    def page(
        self, workspace_id: str, query: LogQuery, *, limit: int, cursor: str | None
    ) -> Page[AuditRecord]:
        """Newest first. The index follows the filter (actor, else action, else all),
        and the time range is part of the key condition, so reads follow the page."""
        ws = workspace_id
        if query.actor is not None:
            index, pk = keys.GSI1, keys.audit_actor_pk(ws, *query.actor)
        elif query.action is not None:
            index, pk = keys.GSI2, keys.audit_action_pk(ws, query.action)
        else:
            index, pk = keys.GSI3, keys.audit_log_pk(ws)
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
        return self._query_page(
            request, limit, cursor, {f"{index}PK": pk}, record_from_item, None, None, equals=equals
        )

    def walk(self, workspace_id: str, *, page_size: int = 500) -> Iterator[AuditRecord]:
        """Every record of a chain in `seq` order, a page at a time (verify, export)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :seq)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.audit_pk(workspace_id)},
                ":seq": {"S": keys.AUDIT_SEQ_PREFIX},
            },
            "ConsistentRead": True,
            "Limit": page_size,
        }
        while True:
            response = self._call(self._client.query, **request)
            for raw in response.get("Items", []):
                yield record_from_item(codec.from_attributes(raw))
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
