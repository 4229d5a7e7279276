"""The outbox: each change's events, written in the change's own transaction
(`OUTBOX#<eventId>` / `OUTBOX`, expiring by TTL), which the table's stream carries to the
publisher."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from teamspace.core.errors import version_conflict
from teamspace.store import keys
from teamspace.store.ops import WriteOp, put_new

if TYPE_CHECKING:  # an annotation only: the store loads no pydantic model
    from teamspace.core.events import OutboxEvent


OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600


def outbox_key(event_id: str) -> keys.Key:
    return {keys.PK: f"OUTBOX#{event_id}", keys.SK: "OUTBOX"}


def put_outbox(event: OutboxEvent, at: datetime) -> WriteOp:
    """The event of a change, written with it; the stream publisher sends it on."""
    detail = event.detail
    item = {
        **outbox_key(detail.eventId),
        "entity": "outbox",
        "detailType": event.detail_type.value,
        "workspaceId": detail.workspaceId,
        "detail": detail.model_dump_json(),
        keys.TTL: int(at.timestamp()) + OUTBOX_RETENTION_SECONDS,
    }
    return put_new(item, version_conflict("event"))
