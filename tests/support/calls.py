"""The DynamoDB requests a handler sends, counted by operation with a botocore hook on
the very client the handlers use (`teamspace.wiring`): what a route costs at a given
size, deterministic, whatever the machine's speed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from teamspace import wiring


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    """Counts of the DynamoDB requests sent inside the block, by operation."""
    counts: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        counts[model.name] += 1

    events = wiring.dynamodb_client().meta.events
    events.register("before-call.dynamodb", count)
    try:
        yield counts
    finally:
        events.unregister("before-call.dynamodb", count)
