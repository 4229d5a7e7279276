"""Marks of the platform's events this stack has applied (`APPLIED#<eventId>` /
`APPLIED`, expiring by TTL): a billing event redelivered, or put on the bus twice, is
applied once. The mark is written in the change's own transaction and read with the
workspace, in the one read under the event (`snapshots.load(..., also=...)`)."""

from __future__ import annotations

from datetime import datetime

from teamspace.core import errors
from teamspace.core.clock import iso
from teamspace.store import keys
from teamspace.store.ops import WriteOp, put_new

# Longer than EventBridge retries an event (24 hours) and than a DLQ keeps one for
# redrive by hand (14 days).
KEPT_SECONDS = 15 * 24 * 3600


def applied_key(event_id: str) -> keys.Key:
    return {keys.PK: f"APPLIED#{event_id}", keys.SK: "APPLIED"}


def mark_applied(event_id: str, detail_type: str, workspace_id: str, at: datetime) -> WriteOp:
    """The mark that `event_id` was applied; fails (ALREADY_APPLIED) when it was."""
    item = {
        **applied_key(event_id),
        "entity": "applied",
        "detailType": detail_type,
        "workspaceId": workspace_id,
        "appliedAt": iso(at),
        keys.TTL: int(at.timestamp()) + KEPT_SECONDS,
    }
    return put_new(item, errors.already_applied())
