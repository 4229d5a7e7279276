"""DynamoDB's faults (local_runtime/faults.py) in the layer's own calls, and what its
transactions put on the wire: the test's own reads and seeding stay unfaulted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from local_runtime import faults
from teamspace import wiring


@contextmanager
def injected(text: str) -> Iterator[faults.Injector]:
    """`text`'s faults (`conflict=1,limit=1`, ...) in the DynamoDB calls of the layer's
    client (wiring's, which the functions' services use) until the block ends."""
    injector = faults.install(wiring.dynamodb_client(), faults.parse(text))
    try:
        yield injector
    finally:
        injector.remove()


class SentTransactions:
    """The TransactWriteItems requests the layer's client sends, as sent (a botocore
    `before-send` hook reading each request's body, faulted ones included)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._events = wiring.dynamodb_client().meta.events
        self._events.register("before-send.dynamodb.TransactWriteItems", self._sent)

    def _sent(self, request: Any, **_kwargs: Any) -> None:
        self.requests.append(json.loads(request.body))

    @property
    def tokens(self) -> list[str]:
        return [request.get("ClientRequestToken") for request in self.requests]

    def close(self) -> None:
        self._events.unregister("before-send.dynamodb.TransactWriteItems", self._sent)
