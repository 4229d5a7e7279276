"""The API key authorizer's decision: is this key good for this route, right now?

`judge_key` is the whole rule, pure, over what one GetItem brought; `KeyAuthorizer`
reads that item (after the key's format and checksum have been checked without any
read) and records the key's last use at most once per LAST_USED_EVERY. Nothing here
ever logs or returns the key or its hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from teamspace.core.clock import Clock
from teamspace.core.errors import Conflict
from teamspace.core.observability import logger
from teamspace.core.records import ApiKeySecret, ApiKeyStatus
from teamspace.domain.key_format import parse_key
from teamspace.store import api_keys as key_store
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
    WORKSPACE_INACTIVE = "WORKSPACE_INACTIVE"  # the key's workspace is deleted or suspended
    EXPIRED = "EXPIRED"
    OTHER_WORKSPACE = "OTHER_WORKSPACE"  # the route names another workspace


@dataclass(frozen=True, slots=True)
class KeyVerdict:
    reason: KeyReason
    key: ApiKeySecret | None = None

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
    """Checks a request's key: format first (no read), then one GetItem by hash."""

    def __init__(self, store: TeamspaceStore, clock: Clock, stage: str) -> None:
        self.store = store
        self.clock = clock
        self.stage = stage

    def authorize(
        self, headers: Mapping[str, str] | None, route_workspace_id: str | None
    ) -> KeyVerdict:
        text = presented_key(headers)
        if text is None:
            return KeyVerdict(KeyReason.NO_KEY)
        parsed = parse_key(text, self.stage)
        if parsed is None:
            return KeyVerdict(KeyReason.MALFORMED)
        now = self.clock.now()
        verdict = judge_key(
            key_store.get_secret(self.store, parsed.key_hash), now, route_workspace_id
        )
        if verdict.allowed and verdict.key is not None and is_due(verdict.key, now):
            self._record_use(verdict.key, now)
        return verdict

    def _record_use(self, secret: ApiKeySecret, now: datetime) -> None:
        """Best effort: a key that works is never refused because this write failed."""
        try:
            self.store.commit(key_store.record_use(secret, now, now - LAST_USED_EVERY))
        except Conflict:
            # Another request recorded it first, or the key was revoked meanwhile.
            logger.debug("last use already recorded", extra={"key_id": secret.key_id})
        except Exception as error:
            logger.warning(
                "could not record the key's last use",
                extra={"key_id": secret.key_id, "error_type": type(error).__name__},
            )
