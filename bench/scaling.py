"""Table 2: items read and time per call as the data grows. The items read must follow
the page (or the number due), never the size of the workspace, the log or the backlog.

States are seeded with BatchWriteItem (bench/seed.py); every measured call goes through
the real handler with the meter on. Times are medians of a few calls and include moto,
whose Query on a GSI walks the whole table (DynamoDB's does not), so in moto a call's
time can grow with the table even when its reads do not.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bench import seed
from bench.meter import Window
from bench.runner import call_handler
from bench.scenarios import event, team
from bench.world import OWNER, OWNER_SUB, World, sample_event
from teamspace.core.clock import iso
from teamspace.domain.audit import VERIFY_LIMIT
from tests.support import EVENTS

PAGE = "50"


@dataclass
class Point:
    operation: str
    size: str  # what grows: "1,000 members"
    calls: int = 0
    items_read: int = 0
    requests: int = 0
    rru: float = 0.0
    seconds: list[float] = field(default_factory=list)
    seed_seconds: float = 0.0
    note: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000 if self.seconds else 0.0


@dataclass(frozen=True)
class Sizes:
    members: tuple[int, ...] = (10, 1_000, 10_000)
    pending: int = 10_000
    due: tuple[int, ...] = (1, 100, 1_000)
    audit: tuple[int, ...] = (100, 10_000, 100_000)
    workspaces: tuple[int, ...] = (1, 50, 500)
    repeats: int = 5


SMOKE_SIZES = Sizes(
    members=(10, 60), pending=20, due=(1, 3), audit=(10, 30), workspaces=(1, 3), repeats=1
)


def measure(
    world: World, function: str, make_event: Any, point: Point, repeats: int, expect: Any = None
) -> Window:
    """Call `repeats` times; the first call's reads and units are the point's."""
    first: Window | None = None
    for n in range(repeats):
        request = make_event(n)
        world.meter.units = n == 0
        world.lean.checking = False  # (the round-trip table's warm-up calls check them)
        with world.meter.measuring() as window:
            result, seconds = call_handler(world, function, request)
        if expect is not None:
            expect(result)
        point.seconds.append(seconds)
        if first is None:
            first = window
    assert first is not None
    point.calls = repeats
    point.items_read = first.items_read
    point.requests = first.dynamodb_calls
    point.rru = first.rru
    return first


def ok(result: dict[str, Any]) -> None:
    if result["statusCode"] != 200:
        raise AssertionError(result.get("body"))


def timed[T](build: Callable[[], T]) -> tuple[T, float]:
    """What `build` returns, and the seconds it took (seeding is timed apart from calls)."""
    started = time.perf_counter()
    value = build()
    return value, time.perf_counter() - started


def members(sizes: Sizes) -> Iterator[Point]:
    for size in sizes.members:
        with World() as world:
            ws, seeded = timed(lambda world=world, size=size: team(world, size=size))
            for label, query in (
                ("list members (page of 50)", {"limit": PAGE}),
                ("name search `ana` (page of 50)", {"q": "ana", "limit": PAGE}),
            ):
                point = Point(label, f"{size:,} members", seed_seconds=seeded)
                measure(
                    world,
                    "MembershipFunction",
                    lambda _n, q=query, ws=ws: event("membership/list-members.json", ws, query=q),
                    point,
                    sizes.repeats,
                    ok,
                )
                yield point


def expiry(sizes: Sizes) -> Iterator[Point]:
    scheduled = json.loads((EVENTS / "invitation_expiry/scheduled.json").read_text())
    with World() as world:
        ws = team(world, size=5)
        later = world.clock.now() + timedelta(days=30)
        _, seeded = timed(
            lambda: seed.invitations(
                world,
                ws,
                [later + timedelta(seconds=n) for n in range(sizes.pending)],
                inviter=OWNER_SUB,
            )
        )
        for due in sizes.due:
            now = world.clock.now()
            seed.invitations(
                world, ws, [now - timedelta(seconds=n + 1) for n in range(due)], inviter=OWNER_SUB
            )
            point = Point(
                "expiry job run", f"{sizes.pending:,} pending, {due:,} due", seed_seconds=seeded
            )
            window = measure(
                world,
                "InvitationExpiryFunction",
                lambda _n: {**scheduled, "time": iso(world.clock.now())},
                point,
                1,  # the run expires them: once per size
            )
            expired = window.events.count("InvitationExpired")
            if expired != due:
                raise AssertionError(f"the job expired {expired} of {due}")
            point.note = f"{expired:,} expired, one transaction each"
            yield point


def audit(sizes: Sizes) -> Iterator[Point]:
    for size in sizes.audit:
        with World() as world:
            ws = team(world, size=5)
            _, seeded = timed(
                lambda world=world, ws=ws, size=size: seed.audit_chain(
                    world, ws, size, actor=OWNER_SUB
                )
            )
            page = Point(
                "audit log page (50, newest first)", f"{size:,} records", seed_seconds=seeded
            )
            measure(
                world,
                "AuditFunction",
                lambda _n, ws=ws: event("audit/list-audit-log.json", ws, query={"limit": PAGE}),
                page,
                sizes.repeats,
                ok,
            )
            yield page
            verify = Point("audit log verify", f"{size:,} records", seed_seconds=seeded)

            def valid(result: dict[str, Any], expected: int = min(size, VERIFY_LIMIT)) -> None:
                ok(result)
                body = json.loads(result["body"])
                if not body.get("valid") or body.get("records") != expected:
                    raise AssertionError(body)

            measure(
                world,
                "AuditFunction",
                lambda _n, ws=ws: event("audit/verify-audit-log.json", ws),
                verify,
                1 if size > 10_000 else min(sizes.repeats, 3),
                valid,
            )
            verify.note = "reads every record: verifying is a walk of the chain"
            if size > VERIFY_LIMIT:
                verify.note = (
                    f"the first part of {VERIFY_LIMIT:,} records; the rest follows its nextCursor"
                )
            yield verify


def workspaces(sizes: Sizes) -> Iterator[Point]:
    for size in sizes.workspaces:
        with World() as world:
            _, seeded = timed(lambda world=world, size=size: seed.memberships(world, OWNER, size))
            point = Point(
                "the caller's workspaces (page of 50)",
                f"in {size:,} workspaces",
                seed_seconds=seeded,
            )
            measure(
                world,
                "WorkspacesFunction",
                lambda _n: sample_event("workspaces/list-workspaces.json", query={"limit": PAGE}),
                point,
                sizes.repeats,
                ok,
            )
            yield point


def run(sizes: Sizes, progress: Any = lambda _point: None) -> list[Point]:
    """Every point of table 2, each reported to `progress` as soon as it is measured."""
    points = []
    for section in (members, expiry, audit, workspaces):
        for point in section(sizes):
            progress(point)
            points.append(point)
    return points
