"""Time and ids for tests and the benchmarks: a clock moved by hand and ids of the
production shape in a predictable order. The layer's `wiring.configure(clock=..., ids=...)`
takes them; nothing else makes them (never a conftest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

START = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or START
        self.slept: list[float] = []  # every pause asked for, in seconds

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def sleep(self, seconds: float) -> None:
        """A retry's pause (core/retry.py): the clock moves on, nothing waits."""
        self.slept.append(seconds)
        self.advance(seconds=seconds)


class SequentialIds:
    """Ids of the production shape, in a predictable order. Its position can be read and
    set again (`issued`), so that a world built once can be handed to each test with the
    ids it would have had, had it been built for that test."""

    _ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

    def __init__(self) -> None:
        self.issued = 0

    def new(self, prefix: str) -> str:
        self.issued += 1
        n = self.issued
        body = ""
        for _ in range(26):
            body = self._ALPHABET[n % 32] + body
            n //= 32
        return f"{prefix}_{body}"
