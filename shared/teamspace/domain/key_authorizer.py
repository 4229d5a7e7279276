"""The API key authorizer's decision: is this key good for this route, right now?

`judge_key` is the whole rule, pure, over the key's lookup item; `KeyAuthorizer` reads
that item (after the key's format and checksum have been checked without any read)
with one UpdateItem that also counts the request: in its minute, for the per-key rate,
and its route in its 5-minute window, for ApiKeyUsed. The key's last use, and the
ApiKeyUsed records of the windows that have ended, are written at most once per
LAST_USED_EVERY, on one conditional write; an ApiKeyRejected (revoked, expired, other
workspace) at most once per key per LAST_USED_EVERY. Nothing here ever logs or returns
the key or its hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from teamspace import permissions
from teamspace.core.clock import Clock, iso
from teamspace.core.errors import Conflict, Contention, Unavailable
from teamspace.core.ids import IdGenerator
from teamspace.core.observability import logger
from teamspace.core.records import ApiKeySecret, ApiKeyStatus
from teamspace.core.retry import Retrying
from teamspace.domain.key_format import parse_key
from teamspace.store import api_keys as key_store
from teamspace.store.ops import WriteOp
from teamspace.store.table import TeamspaceStore

# lastUsedAt is written at most this often per key, never once per request.
LAST_USED_EVERY = timedelta(minutes=5)


class KeyReason(StrEnum):
    """Why a key was let through or refused (logged; never shown to the caller)."""

    ALLOWED = "ALLOWED"
    NO_KEY = "NO_KEY"  # neither header carries one
    MALFORMED = "MALFORMED"  # not a key of this stage, or its checksum fails: no read made
    UNKNOWN_KEY = "UNKNOWN_KEY"  # well-formed, but no key has this hash
    REVOKED = "REVOKED"
    WORKSPACE_INACTIVE = "WORKSPACE_INACTIVE"  # the key's workspace is deleted
    # The billing service suspended the key's workspace (permissions/standing.py): its
    # keys are refused until it is reactivated, when they work again as they were.
    WORKSPACE_SUSPENDED = "WORKSPACE_SUSPENDED"
    EXPIRED = "EXPIRED"
    OTHER_WORKSPACE = "OTHER_WORKSPACE"  # the route names another workspace
    RATE_LIMITED = "RATE_LIMITED"  # a good key past its rate this minute
    # The count could not be made within the retry budget (conflicts, throttles): the
    # key is neither known good nor known bad, and nothing may run on its behalf.
    STORE_BUSY = "STORE_BUSY"


# The rejections that reach the key's audit log (ApiKeyRejected), bounded per key.
REJECTION_OF = {
    KeyReason.REVOKED: "revoked",
    KeyReason.EXPIRED: "expired",
    KeyReason.OTHER_WORKSPACE: "other_workspace",
}


@dataclass(frozen=True, slots=True)
class KeyVerdict:
    reason: KeyReason
    key: ApiKeySecret | None = None
    # With RATE_LIMITED: seconds until the key's next minute; with STORE_BUSY: 1.
    retry_after: int = 0

    @property
    def allowed(self) -> bool:
        return self.reason is KeyReason.ALLOWED

    def __bool__(self) -> bool:
        return self.allowed


def judge_key(
    secret: ApiKeySecret | None, now: datetime, route_workspace_id: str | None
) -> KeyVerdict:
    """The decision on a well-formed key whose lookup item is `secret` (None: no such
    key), for a route whose path names `route_workspace_id` (None: it names none)."""
    if secret is None:
        return KeyVerdict(KeyReason.UNKNOWN_KEY)
    if secret.status is not ApiKeyStatus.ACTIVE:
        return KeyVerdict(KeyReason.REVOKED, secret)
    if permissions.is_suspended(secret.workspace_status):
        return KeyVerdict(KeyReason.WORKSPACE_SUSPENDED, secret)
    if secret.workspace_status != "ACTIVE":
        return KeyVerdict(KeyReason.WORKSPACE_INACTIVE, secret)
    if secret.expires_at is not None and secret.expires_at <= now:
        return KeyVerdict(KeyReason.EXPIRED, secret)
    if route_workspace_id is not None and route_workspace_id != secret.workspace_id:
        return KeyVerdict(KeyReason.OTHER_WORKSPACE, secret)
    return KeyVerdict(KeyReason.ALLOWED, secret)


def presented_key(headers: Mapping[str, str] | None) -> str | None:
    """The key a request carries: `X-Api-Key: <key>`, else `Authorization: Bearer
    <key>`. Header names in any case."""
    found = {str(name).lower(): value for name, value in (headers or {}).items()}
    direct = str(found.get("x-api-key") or "").strip()
    if direct:
        return direct
    scheme, _, credential = str(found.get("authorization") or "").strip().partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return credential.strip()
    return None


def is_due(secret: ApiKeySecret, now: datetime) -> bool:
    """Whether this use should be recorded: never recorded, or not for a while."""
    return secret.last_used_at is None or secret.last_used_at < now - LAST_USED_EVERY


class KeyAuthorizer:
    """Checks a request's key: format first (no read), then one UpdateItem by hash that
    reads the key and counts the request (its rate, its use in the window) at once.

    Not a DomainService, on purpose: the event contract (pydantic) loads only when an
    event is written (test_cold_path), never on the hot path."""

    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock,
        ids: IdGenerator,
        *,
        stage: str,
        rate_per_minute: int,
    ) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        self.stage = stage
        self.rate_per_minute = rate_per_minute
        self.retrying = Retrying(clock.sleep)

    def authorize(
        self,
        headers: Mapping[str, str] | None,
        route_workspace_id: str | None,
        route: str = "",
        *,
        own_routes: bool = False,
    ) -> KeyVerdict:
        """The verdict on the request's key for `route` (its route key) of the workspace
        `route_workspace_id`. On this stack's own routes (`own_routes`), a key of another
        workspace is let through to the function, which answers 404 as for any
        stranger; elsewhere it is refused here."""
        text = presented_key(headers)
        if text is None:
            return KeyVerdict(KeyReason.NO_KEY)
        parsed = parse_key(text, self.stage)
        if parsed is None:
            return KeyVerdict(KeyReason.MALFORMED)
        now = self.clock.now()
        minute = int(now.timestamp()) // 60
        # A cancelled or throttled count was not applied: counted again under the retry
        # policy (core/retry.py); once it is spent, the invocation fails closed.
        try:
            item, _counted = self.retrying.run(
                lambda: self.store.update_returning(
                    key_store.count_use(parsed.key_hash, minute, route or "-")
                )
            )
        except (Contention, Unavailable):
            return KeyVerdict(KeyReason.STORE_BUSY, retry_after=1)
        secret = key_store.secret_from_item(item) if item else None
        verdict = judge_key(secret, now, route_workspace_id)
        if verdict.reason in REJECTION_OF and verdict.key is not None:
            self._record_rejection(verdict.key, REJECTION_OF[verdict.reason], now)
        if verdict.reason is KeyReason.OTHER_WORKSPACE and own_routes:
            verdict = KeyVerdict(KeyReason.ALLOWED, verdict.key)
        if not verdict.allowed or verdict.key is None or item is None:
            return verdict
        closed = key_store.closed_windows(item, minute)
        if closed or is_due(verdict.key, now):
            self._record_use(verdict.key, now, item, closed)
        used = key_store.calls_in_minute(item, minute)
        if used > self.rate_per_minute:
            return KeyVerdict(KeyReason.RATE_LIMITED, verdict.key, 60 - now.second)
        return verdict

    def _record_use(
        self,
        secret: ApiKeySecret,
        now: datetime,
        item: dict[str, Any],
        closed: dict[int, tuple[int, list[str]]],
    ) -> None:
        """`lastUsedAt`, and one ApiKeyUsed per closed window, in one conditional write.
        Best effort: a key that works is never refused because this write failed."""
        events = [
            self._event(
                "ApiKeyUsed",
                secret,
                {
                    "keyId": secret.key_id,
                    "windowStart": iso(window_start(window)),
                    "calls": calls,
                    "routes": routes,
                },
                now,
            )
            for window, (calls, routes) in closed.items()
        ]
        ops = key_store.record_use(secret, now, now - LAST_USED_EVERY, item, list(closed))
        self._best_effort([*ops, *events], secret, "use")

    def _record_rejection(self, secret: ApiKeySecret, reason: str, now: datetime) -> None:
        """One ApiKeyRejected per key per LAST_USED_EVERY at most, however often it is
        presented: the write is conditional on the last one being older."""
        event = self._event(
            "ApiKeyRejected", secret, {"keyId": secret.key_id, "reason": reason}, now
        )
        op = key_store.record_rejection(secret, now, now - LAST_USED_EVERY)
        self._best_effort([op, event], secret, "rejection")

    def _event(
        self, detail_type: str, secret: ApiKeySecret, data: dict[str, Any], at: datetime
    ) -> WriteOp:
        """The outbox record of an event the key itself is the actor of. The event
        contract loads here, on the first write, not at the cold start."""
        from teamspace.core.events import Actor, DetailType  # noqa: PLC0415 - see above
        from teamspace.domain.service import DomainService  # noqa: PLC0415 - see above

        writer = DomainService(self.store, self.clock, self.ids)
        actor = Actor(type="apiKey", id=secret.key_id)
        return writer.event(DetailType(detail_type), secret.workspace_id, actor, data, at)

    def _best_effort(self, ops: list[WriteOp], secret: ApiKeySecret, what: str) -> None:
        try:
            self.store.commit(ops)
        except Conflict:
            # Another request recorded it first, or the key was revoked meanwhile.
            logger.debug(f"{what} already recorded", extra={"key_id": secret.key_id})
        except Exception as error:
            logger.warning(
                f"could not record the key's {what}",
                extra={"key_id": secret.key_id, "error_type": type(error).__name__},
            )


def window_start(window: int) -> datetime:
    """The start of a 5-minute window (epoch minutes // 5), UTC."""
    return datetime.fromtimestamp(window * key_store.MINUTES_PER_WINDOW * 60, UTC)
