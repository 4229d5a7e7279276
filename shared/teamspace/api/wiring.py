"""Collaborators, built once per cold start and lazily (a route that needs no table
never creates a client). Tests and the local runtime swap the clock and id generator
through `configure`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from teamspace.clock import Clock, SystemClock
from teamspace.domain.membership import MembershipService
from teamspace.domain.workspaces import WorkspaceService
from teamspace.ids import IdGenerator, UlidGenerator
from teamspace.settings import get_settings
from teamspace.store.table import TeamspaceStore

_clock: Clock = SystemClock()
_ids: IdGenerator = UlidGenerator()


def configure(*, clock: Clock | None = None, ids: IdGenerator | None = None) -> None:
    """Replace the clock or id generator (tests, the local runtime)."""
    global _clock, _ids  # noqa: PLW0603 - process-wide collaborators by design
    if clock is not None:
        _clock = clock
    if ids is not None:
        _ids = ids
    reset()


def reset() -> None:
    """Forget what was built, so the next call builds it again from the environment."""
    for cached in (dynamodb_client, store, workspaces, membership):
        cached.cache_clear()
    get_settings.cache_clear()


@lru_cache(maxsize=1)
def dynamodb_client() -> Any:
    import boto3  # noqa: PLC0415 - imported on first use: it dominates cold start

    return boto3.client("dynamodb", region_name=get_settings().region)


@lru_cache(maxsize=1)
def store() -> TeamspaceStore:
    return TeamspaceStore(dynamodb_client(), get_settings().table_name)


@lru_cache(maxsize=1)
def workspaces() -> WorkspaceService:
    return WorkspaceService(store(), _clock, _ids)


@lru_cache(maxsize=1)
def membership() -> MembershipService:
    return MembershipService(store(), _clock, _ids)
