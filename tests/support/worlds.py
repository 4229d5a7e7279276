"""Worlds built once per module and handed to each of its tests as they were built.

A function test's fixtures used to build its world (a team, the isolation tests' victim)
through the handlers for every test. `Worlds.once` builds it in the first test that asks
and takes a `Snapshot` (moto's tables, the clock's time, the ids' position); every later
test of the module gets that snapshot restored into its own new account, and a copy of
what the building returned. A test still starts on exactly the state it would have
built, and whatever it changes is gone for the next one.

With TEAMSPACE_CHECK_WORLDS=1 in the environment, every test builds its worlds again
instead, and the state it built (every item, every stream record, the clock, the ids
and what the building returned; the secrets the layer draws at random aside) must equal
the snapshot's: the proof that restoring hands each test the state it would have built
(docs/testing.md says when it last ran).
"""

from __future__ import annotations

import copy
import difflib
import os
import pprint
from collections.abc import Callable
from typing import Any, TypeVar

from tests.support.aws import Snapshot, unrandom
from tests.support.clock import FrozenClock, SequentialIds

T = TypeVar("T")

CHECK_WORLDS = os.environ.get("TEAMSPACE_CHECK_WORLDS") == "1"


class Worlds:
    """The worlds of one module, by name."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[Snapshot, Any]] = {}

    def once(self, name: str, clock: FrozenClock, ids: SequentialIds, build: Callable[[], T]) -> T:
        """`build()`'s world: built now if this module has not built it yet (and kept),
        else put back as it was when it was built."""
        if name in self._built:
            snapshot, value = self._built[name]
            if CHECK_WORLDS:
                rebuilt = build()
                _same(name, snapshot.state(), Snapshot.take(clock, ids).state())
                _same(name, unrandom(value), unrandom(rebuilt))
                return rebuilt
            snapshot.restore(clock, ids)
            return copy.deepcopy(value)
        value = build()
        self._built[name] = (Snapshot.take(clock, ids), copy.deepcopy(value))
        return value


def _same(name: str, kept: Any, rebuilt: Any) -> None:
    if kept != rebuilt:
        diff = difflib.unified_diff(
            pprint.pformat(kept).splitlines(), pprint.pformat(rebuilt).splitlines(), lineterm=""
        )
        raise AssertionError(f"world {name!r} built again differs:\n" + "\n".join(diff))
