"""One benchmark run: the scenarios through the handlers (round trips and warm latency
from the same calls), the scaling points, the cold starts and the cost, with the
machine they ran on."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

from bench import cold_start, cost, report, scaling, scenarios
from bench.runner import Result
from bench.runner import run as run_scenario
from bench.world import World
from tests.support import TEMPLATE

TABLES = ("round_trips", "scaling", "cold_start", "latency", "cost")
PACKAGES = ("boto3", "botocore", "moto", "aws-lambda-powertools", "pydantic")


@dataclass(frozen=True)
class Config:
    name: str
    calls: int  # measured calls per scenario (warm latency: at least 200 in the full run)
    warmup: int
    unit_calls: int  # the first measured calls whose request units are computed
    sizes: scaling.Sizes
    cold_rounds: int
    cold_functions: tuple[str, ...] | None  # None: every function
    shared_world: bool = False  # one World for every scenario (the smoke run: faster)
    other_calls: int | None = None  # variants and consumers (None: `calls`)

    def calls_of(self, scenario: scenarios.Scenario) -> int:
        main_route = scenario.kind == "http" and not scenario.variant
        return self.calls if main_route or self.other_calls is None else self.other_calls


FULL = Config("full", 200, 10, 3, scaling.Sizes(), 7, None, other_calls=50)
SMOKE = Config("smoke", 1, 0, 1, scaling.SMOKE_SIZES, 1, ("MembershipFunction",), True)


@dataclass
class Outcome:
    config: Config
    command: str
    tables: list[str]
    started_at: datetime
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    results: list[Result] = field(default_factory=list)
    points: list[scaling.Point] = field(default_factory=list)
    targets: list[cold_start.Target] = field(default_factory=list)
    sizes: list[cold_start.Size] = field(default_factory=list)
    costs: list[cost.CostRow] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = [f"route without a scenario: {r}" for r in scenarios.missing_routes(TEMPLATE)]
        found += [
            f"function without a scenario: {f}" for f in scenarios.missing_consumers(TEMPLATE)
        ]
        found += [
            f"above {report.TARGET} round trips with no reason: {label}"
            for label in report.missing_reasons(self.results)
        ]
        found += [
            f"a reason is kept for a row within the target (remove it): {label}"
            for label in report.stale_reasons(self.results)
        ]
        return found

    def machine(self) -> str:
        uname = platform.uname()
        cpu = _cpu_model()
        memory = _memory_gib()
        versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
        load = ", ".join(f"{x:.2f}" for x in self.load_before)
        load_after = ", ".join(f"{x:.2f}" for x in self.load_after)
        return (
            f"- machine: `{uname.system} {uname.release} {uname.machine}`, {cpu}, "
            f"{os.cpu_count()} CPUs, {memory}\n"
            f"- Python {platform.python_version()} ({sys.executable}); {versions}\n"
            f"- load average (1, 5, 15 min): {load} at the start, {load_after} at the end"
        )

    def markdown(self, *, elapsed: float) -> str:
        when = self.started_at.strftime("%Y-%m-%d %H:%M UTC")
        parts = [
            f"Measured {when} by `{self.command.strip()}` ({self.config.name} run, "
            f"{elapsed / 60:.1f} min).\n\n{self.machine()}",
        ]
        if self.results and "round_trips" in self.tables:
            parts.append(
                "### 1. DynamoDB round trips per call\n\n"
                "Counted at the botocore level on the handlers' own client, for every call "
                f"({self.config.calls} per route, {self.config.other_calls or self.config.calls} "
                f"per variant or consumer, after {self.config.warmup} warm-up calls; a "
                "range shows when calls differ). Items read: as returned, or evaluated by a "
                f"Query. RRU / WRU: mean of the first {self.config.unit_calls} calls, computed "
                "from item sizes (see above). Events written: the outbox items of the call's "
                "transaction. Identity provider: the Cognito calls of the first call, counted "
                "apart (they are not DynamoDB round trips, and the target does not cover "
                "them).\n\n" + report.round_trips(self.results)
            )
        if self.points:
            parts.append(
                "### 2. Scaling: items read and time per call\n\n" + report.scaling(self.points)
            )
        if self.targets:
            parts.append(
                "### 3. Cold start: importing each handler in a fresh interpreter\n\n"
                + report.cold_start(self.targets, self.sizes)
            )
        if self.results and "latency" in self.tables:
            parts.append(
                "### 4. Warm latency per route, in-process against moto\n\n"
                + report.latency(self.results)
            )
        if self.costs:
            parts.append("### 5. Cost of one million operations\n\n" + report.cost(self.costs))
        return "\n\n".join(parts)


def run(
    config: Config,
    tables: list[str],
    *,
    command: str,
    progress: Callable[[str], None] = lambda _message: None,
) -> Outcome:
    outcome = Outcome(config, command, tables, datetime.now(UTC), os.getloadavg())
    if {"round_trips", "latency", "cost"} & set(tables):
        with contextlib.ExitStack() as stack:
            shared = stack.enter_context(World()) if config.shared_world else None
            for scenario in scenarios.SCENARIOS:
                started = time.perf_counter()
                result = run_scenario(
                    scenario,
                    calls=config.calls_of(scenario),
                    warmup=config.warmup,
                    unit_calls=config.unit_calls,
                    world=shared,
                    check_all=config.name == "smoke",
                )
                outcome.results.append(result)
                progress(
                    f"{scenario.label}: {report.count_range(result.counts())} requests, "
                    f"{time.perf_counter() - started:.1f} s"
                )
    if "scaling" in tables:
        outcome.points = scaling.run(
            config.sizes, lambda p: progress(f"scaling: {p.operation}, {p.size}")
        )
    if "cold_start" in tables:
        outcome.targets = cold_start.measure(
            TEMPLATE, config.cold_rounds, progress, only=config.cold_functions
        )
        outcome.sizes = cold_start.artifact_sizes(TEMPLATE)
    if "cost" in tables:
        measured = cost.measured_from({r.scenario.label: r for r in outcome.results})
        outcome.costs = cost.estimate(TEMPLATE, measured)
    outcome.load_after = os.getloadavg()
    return outcome


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo").read().splitlines():  # noqa: SIM115
            if line.lower().startswith(("model name", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> str:
    try:
        for line in open("/proc/meminfo").read().splitlines():  # noqa: SIM115
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    return "unknown RAM"
