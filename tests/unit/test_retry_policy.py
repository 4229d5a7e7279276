"""core/retry.py as a table: attempts, the pauses' bounds (full jitter, capped) and the
deadline, with a clock that records its pauses instead of waiting."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from teamspace.core.errors import Busy, Conflict, Contention, Unavailable
from teamspace.core.retry import Budget, Retrying, RetryPolicy, budget
from tests.support.clock import FrozenClock

POLICY = RetryPolicy(attempts=4, base=0.1, cap=0.25, margin=1.0)


@dataclass
class Context:
    """A Lambda context whose remaining time does not count down by itself."""

    remaining_ms: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.mark.parametrize(
    ("retry", "draw", "pause"),
    [
        (0, 0.0, 0.0),
        (0, 0.5, 0.05),
        (0, 0.999, 0.0999),
        (1, 0.999, 0.1998),
        (2, 0.5, 0.125),  # 0.4 capped at 0.25
        (9, 0.999, 0.24975),
    ],
)
def test_a_pause_is_a_draw_of_the_capped_exponential(retry: int, draw: float, pause: float) -> None:
    assert POLICY.pause(retry, draw) == pytest.approx(pause)


def failing(times: int, error: Exception) -> tuple[list[int], object]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "done"

    return calls, attempt


@pytest.mark.parametrize(
    ("failures", "error", "calls", "outcome"),
    [
        (0, Contention(), 1, "done"),
        (1, Contention(), 2, "done"),
        (3, Busy(), 4, "done"),
        (4, Contention(), 4, Contention),  # spent: the last error
        (9, Busy(), 4, Busy),
        (1, Conflict("ALREADY_A_MEMBER", "x"), 1, Conflict),  # a condition: the answer
        (1, Unavailable("STORE_BUSY", "x"), 1, Unavailable),  # maybe applied: never re-run
    ],
)
def test_what_is_retried_and_how_often(failures, error, calls, outcome) -> None:
    clock = FrozenClock()
    made, attempt = failing(failures, error)
    retrying = Retrying(clock.sleep, POLICY, draw=lambda: 0.999)
    if isinstance(outcome, str):
        assert retrying.run(attempt) == outcome
    else:
        with pytest.raises(outcome) as raised:
            retrying.run(attempt)
        assert raised.value is error
    assert len(made) == calls
    assert len(clock.slept) == calls - 1
    assert all(0 <= s <= POLICY.cap for s in clock.slept)


@pytest.mark.parametrize(
    ("remaining_ms", "attempts"),
    [
        (10_000, 4),  # plenty: every attempt
        (1_000, 1),  # nothing past the margin: no retry
        (900, 1),
        (1_150, 2),  # 0.1 s slept, 0.05 left: the next 0.2 s pause does not fit
        (1_300, 3),  # 0.1 + 0.2 slept
    ],
)
def test_the_deadline_bounds_the_attempts(remaining_ms: int, attempts: int) -> None:
    clock = FrozenClock()
    made, attempt = failing(99, Contention())
    retrying = Retrying(clock.sleep, POLICY, draw=lambda: 0.999999)
    with budget(Context(remaining_ms)), pytest.raises(Contention):
        retrying.run(attempt)
    assert len(made) == attempts
    assert sum(clock.slept) <= max(remaining_ms / 1000 - POLICY.margin, 0)


def test_nested_runs_spend_from_one_budget() -> None:
    clock = FrozenClock()
    retrying = Retrying(clock.sleep, POLICY, draw=lambda: 0.999999)
    with budget(Context(1_300)) as opened:
        assert retrying.pause(0)  # 0.1 s, e.g. the store resending a commit
        assert retrying.pause(1)  # 0.2 s, e.g. the route running again
        assert not retrying.pause(0)  # 0.3 s of 0.3 spent: not even a short one
    assert opened is not None
    assert opened.slept == pytest.approx(0.3, abs=1e-5)


def test_a_context_counting_down_is_believed() -> None:
    left = [5.0]
    opened = Budget(lambda: left[0])
    opened.slept = 1.0
    assert opened.left() == 4.0
    left[0] = 2.0  # time spent working, not only sleeping
    assert opened.left() == 2.0


def test_without_a_context_only_the_attempts_bound_it() -> None:
    clock = FrozenClock()
    made, attempt = failing(99, Busy())
    with budget(object()), pytest.raises(Busy):
        Retrying(clock.sleep, POLICY).run(attempt)
    assert len(made) == POLICY.attempts
