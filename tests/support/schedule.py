"""How `make test` splits the run over the machine's cores (pytest-xdist, `--dist loadscope`).

Each unit of work goes whole to one worker process, so that what a unit shares is built
once per unit: a module's worlds (tests/support/worlds.py) and module-scoped fixtures.
A unit is a test file, except that every end-to-end module but the soak and the
contention run is one unit, so that they share one local runtime (tests/e2e/conftest.py);
the soak, which measures its own runtime's growth, and the contention run, whose runtime
injects DynamoDB's faults, are units of their own.

Units go to the workers longest first (`LONGEST_FIRST`, from `--durations`), then in
collection order: a long unit handed out last would keep one core busy alone at the end.
"""

from __future__ import annotations

from typing import Any

import pytest

SOAK = "tests/e2e/test_runtime_soak.py"
CONTENTION = "tests/e2e/test_contention.py"
OWN_RUNTIME = (SOAK, CONTENTION)  # end-to-end modules that start a runtime of their own
E2E = "tests/e2e"

# The longest units, measured (docs/testing.md); any other unit comes after them. The soak
# goes first, and function tests beside it (each one process on one core, steady), not
# the end-to-end unit: its processes (make run, schemathesis, bash and curl) come and go,
# and the soak compares its first requests' latency with its last ones'.
LONGEST_FIRST = (
    SOAK,  # about 60 s: a thousand requests
    CONTENTION,  # about 60 s: twenty writers on one workspace, then the checks
    "tests/functions/test_expiry.py",  # 5,000 invitations
    "tests/functions/test_properties.py",  # the state machine
    "tests/functions/test_isolation.py",
    "tests/functions/test_invitations.py",
    E2E,  # about 60 s, the schemathesis run half of it
    "tests/unit/test_bench_smoke.py",
)


def unit_of(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    if path.startswith(E2E + "/") and path not in OWN_RUNTIME:
        return E2E
    return path


def _rank(item: pytest.Item) -> int:
    unit = unit_of(item.nodeid)
    return LONGEST_FIRST.index(unit) if unit in LONGEST_FIRST else len(LONGEST_FIRST)


def longest_first(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker, order the collection longest unit first (a stable sort: within
    a unit, and among the rest, collection order). Every worker collects the same order,
    and the scheduler hands out units in it."""
    if hasattr(config, "workerinput"):
        items.sort(key=_rank)


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope` with the units above, in the workers' collection order."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415 - only under xdist

    class ByUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    config.option.loadscopereorder = False  # the order is longest_first's
    return ByUnit(config, log)
