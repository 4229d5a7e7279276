"""The mailer's marks: an event whose mail went out (`MAILED#<eventId>` / `MAILED`,
expiring by TTL), so a redelivered event is not mailed twice. The mailer reads the mark
with the workspace, in the one read under each event (`snapshots.load(..., also=...)`)."""

from __future__ import annotations

from datetime import datetime

from teamspace.core import errors
from teamspace.core.clock import iso
from teamspace.store import keys
from teamspace.store.ops import WriteOp, put_new


def mailed_key(event_id: str) -> keys.Key:
    return {keys.PK: f"MAILED#{event_id}", keys.SK: "MAILED"}


def mark_mailed(event_id: str, at: datetime) -> WriteOp:
    item = {
        **mailed_key(event_id),
        "entity": "mailed",
        "sentAt": iso(at),
        keys.TTL: int(at.timestamp()) + 7 * 24 * 3600,
    }
    return put_new(item, errors.already_mailed())
