"""Runs a scenario: its setup, then warm-up and measured calls through the real handler,
each in a meter window. The first measured calls also get their read and write units
computed (which costs the benchmark some time of its own); the rest are timed with only
the request counter and moto's clock running."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from bench.meter import Window
from bench.scenarios import Scenario
from bench.world import World
from local_runtime.lambdas import LambdaContext, load_module


@dataclass
class Result:
    scenario: Scenario
    windows: list[Window] = field(default_factory=list)  # one per measured call
    seconds: list[float] = field(default_factory=list)  # each measured call, whole
    unit_windows: int = 0  # the first windows whose units were computed

    @property
    def first(self) -> Window:
        return self.windows[0]

    def own_seconds(self) -> list[float]:
        """Each call's time outside moto: our code, Powertools and botocore."""
        return [s - w.moto_seconds for s, w in zip(self.seconds, self.windows, strict=True)]

    def counts(self) -> list[int]:
        return [w.dynamodb_calls for w in self.windows]

    def mean(self, attribute: str) -> float:
        measured = self.windows[: self.unit_windows] or self.windows
        return sum(getattr(w, attribute) for w in measured) / len(measured)


def call_handler(world: World, logical_id: str, event: dict[str, Any]) -> tuple[Any, float]:
    module = load_module(world.specs[logical_id])
    context = LambdaContext(function_name=logical_id)
    started = time.perf_counter()
    result = module.lambda_handler(event, context)
    return result, time.perf_counter() - started


def check(scenario: Scenario, result: Any) -> dict[str, Any] | None:
    """The reply's body; a call that did not do what the scenario meant fails the run."""
    if scenario.kind == "consumer":
        if isinstance(result, dict) and result.get("batchItemFailures"):
            raise AssertionError(f"{scenario.label}: {result}")
        if isinstance(result, dict) and result.get("isAuthorized") is False:
            raise AssertionError(f"{scenario.label}: the key was refused")
        return None
    status = result["statusCode"]
    body = result.get("body") or ""
    if status != scenario.expect:
        raise AssertionError(f"{scenario.label}: {status} {body[:300]}")
    media = {k.lower(): v for k, v in (result.get("headers") or {}).items()}.get(
        "content-type", "application/json"
    )
    return json.loads(body) if body and media.startswith("application/json") else None


def run(
    scenario: Scenario,
    *,
    calls: int,
    warmup: int,
    unit_calls: int,
    world: World | None = None,
    check_all: bool = False,
) -> Result:
    """The scenario in a World of its own, or in `world` (the smoke run shares one).
    moto's responses are checked (bench/lean_moto.py) in warm-up calls, or all with
    `check_all`."""
    if world is None:
        with World() as own:
            return run(
                scenario,
                calls=calls,
                warmup=warmup,
                unit_calls=unit_calls,
                world=own,
                check_all=check_all,
            )
    outcome = Result(scenario)
    prepare = scenario.build(world)
    after = getattr(prepare, "after", None)
    for n in range(warmup + calls):
        event = prepare(n)
        measured = n >= warmup
        world.meter.units = measured and len(outcome.windows) < unit_calls
        world.lean.checking = check_all or not measured
        with world.meter.measuring() as window:
            result, seconds = call_handler(world, scenario.function, event)
        body = check(scenario, result)
        if after is not None and body is not None:
            after(body)
        if measured:
            outcome.windows.append(window)
            outcome.seconds.append(seconds)
            if world.meter.units:
                outcome.unit_windows += 1
    return outcome
