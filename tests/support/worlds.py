"""Worlds built once per module and handed to each of its tests as they were built.

A function test's fixtures used to build its world (a team, the isolation tests' victim)
through the handlers for every test. `Worlds.once` builds it in the first test that asks
and takes a `Snapshot` (moto's tables, the clock's time, the ids' position); every later
test of the module gets that snapshot restored into its own new account, and a copy of
what the building returned. A test still starts on exactly the state it would have
built, and whatever it changes is gone for the next one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from tests.support.aws import Snapshot
from tests.support.clock import FrozenClock, SequentialIds

T = TypeVar("T")


class Worlds:
    """The worlds of one module, by name."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[Snapshot, Any]] = {}

    def once(self, name: str, clock: FrozenClock, ids: SequentialIds, build: Callable[[], T]) -> T:
        """`build()`'s world: built now if this module has not built it yet (and kept),
        else put back as it was when it was built."""
        if name in self._built:
            snapshot, value = self._built[name]
            snapshot.restore(clock, ids)
            return copy.deepcopy(value)
        value = build()
        self._built[name] = (Snapshot.take(clock, ids), copy.deepcopy(value))
        return value
