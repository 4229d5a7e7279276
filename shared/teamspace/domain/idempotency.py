"""Idempotency-Key: a retry with the same key and body returns the first result.

The key's record is written in the same transaction as the creation it guards, so a
crash between the write and the reply can never create a second thing. A key is scoped
to the caller and the operation, and kept for at least 24 hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from teamspace.core.errors import Conflict, IdempotentReplay
from teamspace.core.identity import Caller
from teamspace.store import idempotency as idempotency_store
from teamspace.store.idempotency import FirstResult, Result
from teamspace.store.ops import WriteOp
from teamspace.store.table import TeamspaceStore


@dataclass(frozen=True, slots=True)
class IdempotencyRequest:
    """An Idempotency-Key and a fingerprint of the request body it was sent with."""

    key: str
    request_fingerprint: str

    def scope(self, caller: Caller, operation: str) -> str:
        raw = f"{caller.user_id}\n{operation}\n{self.key}".encode()
        return hashlib.sha256(raw).hexdigest()


def commit_once[R: Result](
    store: TeamspaceStore,
    ops: Sequence[WriteOp],
    *,
    idempotency: IdempotencyRequest | None,
    caller: Caller,
    operation: str,
    result: R,
    at: datetime,
) -> R | None:
    """Commit `ops`; on a replayed key, return the first call's `result` instead (a
    record of the same kind: a workspace, an invitation, an API key's description).

    The key's record goes first in the transaction, so that on a retry its condition is
    the one reported, not that of whatever else the retry would collide with.
    """
    if idempotency is None:
        store.commit(ops)
        return None
    scope = idempotency.scope(caller, operation)
    record = idempotency_store.put_idempotency_record(
        scope,
        idempotency.request_fingerprint,
        idempotency_store.result_value(result),
        at,
        IdempotentReplay("IDEMPOTENT_REPLAY", "replayed"),
    )
    try:
        store.commit([record, *ops])
    except IdempotentReplay:
        return _first_result(store, scope, idempotency)
    return None


def prior_result(
    store: TeamspaceStore,
    idempotency: IdempotencyRequest | None,
    *,
    caller: Caller,
    operation: str,
) -> Result | None:
    """The first call's result, if this key was used before (one GetItem).

    For operations whose checks could refuse a retry that the first call passed (a
    limit its own success filled up): the replay is answered before the checks run.
    """
    if idempotency is None:
        return None
    found = idempotency_store.first_result(store, idempotency.scope(caller, operation))
    return None if found is None else _same_request(found, idempotency)


def _first_result(store: TeamspaceStore, scope: str, idempotency: IdempotencyRequest) -> Any:
    found = idempotency_store.first_result(store, scope)
    if found is None:
        raise Conflict("CONCURRENT_UPDATE", "The first request is still in progress; retry")
    return _same_request(found, idempotency)


def _same_request(found: FirstResult, idempotency: IdempotencyRequest) -> Any:
    """The first result, for a retry of the same request; a different body is a 409."""
    if found.request_fingerprint != idempotency.request_fingerprint:
        raise Conflict(
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was already used with a different request body",
        )
    return found.result
