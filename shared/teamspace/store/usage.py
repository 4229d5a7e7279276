"""A client workspace's minutes used, per budget period (`USAGE#<clientId>` /
`PERIOD#<YYYY-MM>`), and the marker of each report counted (`USED#<clientId>#<usageId>`
/ `USED`, expiring by TTL).

Kept off the workspace item (`WS#<id>` / `META`) on purpose: every request reads that
item, and a counter moved by every call a client makes would make it the hot item of
docs/decisions.md, "Hot items". Each in a partition of its own, so that a client's
reports do not share the workspace's partition either.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from teamspace.core import errors
from teamspace.core.clock import iso, parse_iso
from teamspace.core.records import ClientUsage
from teamspace.store import codec, keys
from teamspace.store.ops import WriteOp, attribute_values, put_new
from teamspace.store.table import TeamspaceStore

# How long a report's marker is kept, so a late redelivery is still recognised: the
# platform's retries and EventBridge's (24 hours) are long over by then, and the period
# it was counted in is closed.
MARKER_RETENTION_SECONDS = 90 * 24 * 3600


def usage_key(client_id: str, period: str) -> keys.Key:
    return {keys.PK: f"USAGE#{client_id}", keys.SK: f"PERIOD#{period}"}


def counted_key(client_id: str, usage_id: str) -> keys.Key:
    return {keys.PK: f"USED#{client_id}#{usage_id}", keys.SK: "USED"}


def usage_item(usage: ClientUsage) -> dict[str, Any]:
    return {
        **usage_key(usage.client_id, usage.period),
        "entity": "client_usage",
        "workspaceId": usage.client_id,
        "agencyId": usage.agency_id,
        "period": usage.period,
        "minutes": usage.minutes,
        "thresholds": sorted(usage.thresholds),
        "updatedAt": iso(usage.updated_at) if usage.updated_at else None,
    }


def usage_from_item(item: dict[str, Any]) -> ClientUsage:
    updated = item.get("updatedAt")
    return ClientUsage(
        client_id=item["workspaceId"],
        agency_id=item["agencyId"],
        period=item["period"],
        minutes=item.get("minutes", 0),
        thresholds=frozenset(item.get("thresholds") or ()),
        updated_at=parse_iso(updated) if updated else None,
    )


def put_usage(usage: ClientUsage, read_minutes: int | None) -> WriteOp:
    """The period's count as the report leaves it, written only over the count that was
    read (`read_minutes`; None: there was no item yet). Another report counted meanwhile
    fails it with `Contention`, and the whole read-add-decide cycle runs again, so the
    thresholds are decided on the total that is written."""
    if read_minutes is None:
        condition, values = "attribute_not_exists(PK)", {}
    else:
        condition, values = "minutes = :read", {"read": read_minutes}
    request: dict[str, Any] = {
        "Item": codec.to_attributes(usage_item(usage)),
        "ConditionExpression": condition,
    }
    if values:
        request["ExpressionAttributeValues"] = attribute_values(**values)
    return WriteOp("Put", request, errors.Contention())


def mark_counted(client_id: str, usage_id: str, at: datetime) -> WriteOp:
    """The report's marker, written with its count: a second delivery of it fails here
    (`USAGE_ALREADY_COUNTED`) and adds nothing."""
    item = {
        **counted_key(client_id, usage_id),
        "entity": "usage_counted",
        "workspaceId": client_id,
        "usageId": usage_id,
        "countedAt": iso(at),
        keys.TTL: int(at.timestamp()) + MARKER_RETENTION_SECONDS,
    }
    return put_new(item, errors.usage_already_counted())


def usage_of(store: TeamspaceStore, client_ids: Sequence[str], period: str) -> dict[str, int]:
    """Minutes each of these clients used in `period` (one BatchGetItem, at most 100
    clients: a page of the clients' list); a client with no report has used none."""
    if not client_ids:
        return {}
    wanted = [usage_key(client_id, period) for client_id in dict.fromkeys(client_ids)]
    used = dict.fromkeys(client_ids, 0)
    for item in store.batch_get(wanted):
        used[item["workspaceId"]] = item.get("minutes", 0)
    return used
