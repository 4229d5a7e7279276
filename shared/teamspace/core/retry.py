"""The one retry policy: how often, how long apart and until when a change that met
contention or a busy table is run again (issue 19; docs/decisions.md, "Contention and
throttling").

DynamoDB cancels a transaction that meets another on one of its items
(`TransactionConflict`) and throttles a hot partition; both answer before anything is
applied, so the whole read-decide-write cycle may run again: it reads again, decides
again (a permission, a limit, an Idempotency-Key already used) and commits again. The
store raises `Contention` and `Busy` (core/errors.py) for exactly those answers; every
other error, a failed condition included, is the answer.

A run is bounded three ways: at most `attempts` attempts; between two, a pause drawn
uniformly from 0 to `base * 2**retry` capped at `cap` ("full jitter": writers that
collided do not collide again in step); and never past the function's deadline, the
Lambda context's remaining time less `margin` (kept for answering, logging and the
runtime). A budget is per invocation: the entry point opens it with `budget(context)`,
and every run inside, nested ones too (the store resending a commit), spends from it.

The pause is the clock's (`Clock.sleep`, from the composition root), so tests move a
frozen clock instead of waiting.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from teamspace.core.errors import Busy, Contention, TeamspaceError

RETRYABLE: tuple[type[TeamspaceError], ...] = (Contention, Busy)


class HasRemainingTime(Protocol):
    """What a Lambda context offers (the local runtime's and the tests' too)."""

    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts (the first included), the pauses' growth and cap, in seconds, and the
    time kept back from the function's deadline."""

    attempts: int = 6
    base: float = 0.02
    cap: float = 0.5
    margin: float = 1.0

    def pause(self, retry: int, draw: float) -> float:
        """The pause before retry number `retry` (0 for the first), `draw` from [0, 1)."""
        return draw * min(self.cap, self.base * 2**retry)


POLICY = RetryPolicy()


@dataclass
class Budget:
    """One invocation's time: what the context says is left, never more than what was
    left at the start less what was slept since (so a context that does not count down,
    as a test's, still runs out)."""

    remaining: Callable[[], float]
    slept: float = 0.0
    start: float = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.remaining()

    def left(self) -> float:
        return min(self.remaining(), self.start - self.slept)


_budget: ContextVar[Budget | None] = ContextVar("teamspace_retry_budget", default=None)


@contextmanager
def budget(context: HasRemainingTime | Any) -> Iterator[Budget | None]:
    """The retries inside spend from `context`'s remaining time (none without one)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    opened = Budget(lambda: remaining() / 1000) if callable(remaining) else None
    token = _budget.set(opened)
    try:
        yield opened
    finally:
        _budget.reset(token)


@dataclass
class Retrying:
    """The policy with a way to pause (the clock's) and to draw the jitter."""

    sleep: Callable[[float], None]
    policy: RetryPolicy = POLICY
    draw: Callable[[], float] = random.random

    def pause(self, retry: int) -> bool:
        """Pause before retry number `retry` (0 for the first) and say True, or say False
        when the attempts or the time are spent (nothing slept then)."""
        if retry + 1 >= self.policy.attempts:
            return False
        delay = self.policy.pause(retry, self.draw())
        current = _budget.get()
        if current is not None:
            if current.left() - self.policy.margin < delay:
                return False
            current.slept += delay
        self.sleep(delay)
        return True

    def run[T](
        self,
        attempt: Callable[[], T],
        retry_on: tuple[type[Exception], ...] = RETRYABLE,
    ) -> T:
        """`attempt()` again while it raises one of `retry_on` and the budget lasts; the
        last error is raised when it is spent."""
        retry = 0
        while True:
            try:
                return attempt()
            except retry_on:
                if not self.pause(retry):
                    raise
                retry += 1
