"""The billing service's requests a workspace has taken: one marker item per bus event
(`WS#<workspaceId>` / `BILLING#<eventId>`), written in the transaction that acts on it,
so that a redelivered request, or an old one delivered again after a newer one, finds
its marker and changes nothing. Markers expire by TTL well after EventBridge stops
retrying (24 hours at most)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from teamspace.core.clock import iso
from teamspace.core.errors import Conflict
from teamspace.store import keys, workspaces
from teamspace.store.ops import WriteOp, put_new

PREFIX = "BILLING#"
# Long after the bus's last retry, short enough not to pile up.
KEPT_SECONDS = 30 * 24 * 3600


class RequestTaken(Conflict):
    """The marker exists: this request was taken already (a concurrent delivery)."""


def request_key(workspace_id: str, event_id: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: f"{PREFIX}{event_id}"}


def take_request(workspace_id: str, event_id: str, detail_type: str, at: datetime) -> WriteOp:
    """The marker of a request, put only if it is not there yet."""
    item: dict[str, Any] = {
        **request_key(workspace_id, event_id),
        "entity": "billing_request",
        "workspaceId": workspace_id,
        "eventId": event_id,
        "detailType": detail_type,
        "takenAt": iso(at),
        keys.TTL: int(at.timestamp()) + KEPT_SECONDS,
    }
    return put_new(item, RequestTaken("BILLING_REQUEST_TAKEN", "This request was taken already"))
