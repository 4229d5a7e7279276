"""The local runtime stays up under load (issue 14): about 1,000 requests over real HTTP,
reads and writes, with a burst of 20 concurrent writers every 80 requests, each burst on
20 new connections. The driver is local_runtime/soak.py; `make bench` runs it for
10,000 requests (docs/performance.md).

Before issue 14 this test stopped at 150 requests: the process had gone from 146 MB to
2.2 GB resident (moto kept every deep copy of the whole table, one per item of every
transaction) and 5 of a burst's 20 writers were reset without an answer (a listen
backlog of 5); in a run of the driver alone, the median of its first 50 requests was
0.19 s and of its last 50 0.56 s.

Fixed, 1,000 requests grow it by about 30 MB (the items written, which moto keeps as
DynamoDB would, and their outbox and audit records), at a steady median of about 60 ms.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from local_runtime.server import LocalRuntime
from local_runtime.soak import BURST_SIZE, Soak, SoakResult, rss_mb
from tests.support.http import SharedRuntime, runtime_alone

pytestmark = pytest.mark.e2e

REQUESTS = 1_000
BURST_EVERY = 80
# About 30 MB measured here for 1,000 requests, linear in the items written; the bound
# leaves room for allocator noise while a leak of the old kind (1 GB per 100 writes, or
# even 1 MB per write) crosses it well before the end.
RSS_GROWTH_MB = 200
WINDOW = 200  # requests of the sequential mix compared at the start and at the end
SLOWDOWN = 2.0
# Seconds: a guard against a runtime that hangs, not a measure of speed (the slowdown
# check below is). About 55 here on a quiet machine; 182 when the suite ran beside three
# other test runs, which the old limit of 180 failed.
TIME_LIMIT = 600


@pytest.fixture(scope="module")
def runtime(shared_runtime: SharedRuntime) -> Iterator[LocalRuntime]:
    # Its own: the growth measured is this runtime's alone.
    with ExitStack() as undo:
        yield runtime_alone(shared_runtime, undo)


@pytest.fixture(scope="module")
def soak(runtime: LocalRuntime) -> SoakResult:
    limit = rss_mb() + RSS_GROWTH_MB
    result = Soak(runtime.url).run(
        REQUESTS, burst_every=BURST_EVERY, rss_limit_mb=limit, time_limit=TIME_LIMIT
    )
    print(result.summary())  # shown by pytest -s
    if result.window(last=False, count=WINDOW):
        first, last = result.p50(last=False, count=WINDOW), result.p50(last=True, count=WINDOW)
        print(f"p50 of the first and last {WINDOW}: {first * 1000:.1f}, {last * 1000:.1f} ms")
    return result


def test_the_run_completes_within_its_memory_and_time(soak):
    assert soak.stopped is None, soak.summary()
    assert soak.requests >= REQUESTS
    assert soak.bursts >= REQUESTS // (BURST_EVERY * 2), soak.summary()


def test_every_request_is_answered(soak):
    assert soak.unanswered == [], soak.summary()
    assert sum(1 for s in soak.samples if s.phase == "burst") == soak.bursts * BURST_SIZE


def test_every_request_succeeds(soak):
    assert soak.refused == [], soak.summary()


def test_the_event_chain_delivered_every_change_exactly_once(soak):
    # Each mailed invitation arrived once; each workspace's audit log has one record
    # per change and verifies.
    assert soak.problems == [], soak.summary()


def test_resident_memory_stays_bounded(soak):
    assert soak.rss_peak - soak.rss_start < RSS_GROWTH_MB, soak.summary()


def test_requests_do_not_slow_down(soak):
    # A run stopped early still compares its first and last quarters.
    window = min(WINDOW, len(soak.window(last=False, count=soak.requests)) // 4)
    first = soak.p50(last=False, count=window)
    last = soak.p50(last=True, count=window)
    assert last <= SLOWDOWN * first, (
        f"p50 of the first {window} requests {first * 1000:.1f} ms, "
        f"of the last {last * 1000:.1f} ms; {soak.summary()}"
    )
