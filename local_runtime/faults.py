"""DynamoDB's unkind answers, injected on the AWS side of botocore (issue 19).

moto never cancels a transaction for a conflict, never throttles, never fails inside and
never leaves part of a BatchGetItem unprocessed; DynamoDB does all four. An `Injector`
answers a share of DynamoDB calls the way DynamoDB does, from a `before-send` hook: the
request has been built and signed and botocore's own retry loop sees the answer, as it
would see DynamoDB's (a throttle it retries is a realistic throttle). Nothing of the
project's code is touched.

The spec comes from `TEAMSPACE_FAULTS` (the local runtime reads it at start), e.g.
`conflict=0.2,throttle=0.05,internal=0.01,unprocessed=0.3,seed=7`: a rate from 0 to 1 per
DynamoDB call for each fault, `seed` for a reproducible run, and two narrowing options
for tests: `limit=N` (inject at most N faults in all) and `only=PutItem+UpdateItem` (the
operations that may be faulted). An unknown name is an error.

- `conflict`: TransactWriteItems is cancelled (`TransactionCanceledException`, one item's
  reason `TransactionConflict`, the others' `None`); PutItem, UpdateItem and DeleteItem
  answer `TransactionConflictException`.
- `throttle`: `ThrottlingException` (on-demand tables) or
  `ProvisionedThroughputExceededException` (provisioned ones), on any call.
- `internal`: `InternalServerError` (HTTP 500), on any call.
- `unprocessed`: BatchGetItem with two keys or more answers some of them (never none,
  as DynamoDB throttles the whole call then) and returns the rest in `UnprocessedKeys`.

An injected error means the request was not applied: the hook answers first, and the
request is pointed at an address nothing serves, so an emulator behind it (moto's own
`before-send` handler, registered as a built-in) finds nothing to do; botocore sends
nothing over the network once a handler has answered. For `unprocessed` the request
goes on with the keys that are answered, and the withheld ones are added to the
response's body in `before-parse`, before botocore parses it.

`install(target, spec)` hooks a boto3 or botocore session (clients created from it later
carry the hook: botocore copies a session's handlers into each new client) or one client.
`injector.remove()` unhooks it and disarms the copies clients already carry.
"""

from __future__ import annotations

import binascii
import json
import os
import random
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

ENVIRONMENT_VARIABLE = "TEAMSPACE_FAULTS"

FAULTS = ("conflict", "throttle", "internal", "unprocessed")  # drawn in this order
OPTIONS = ("seed", "limit", "only")

SINGLE_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
APPLIES_TO: Mapping[str, frozenset[str] | None] = {  # None: every DynamoDB operation
    "conflict": frozenset({"TransactWriteItems"}) | SINGLE_WRITES,
    "throttle": None,
    "internal": None,
    "unprocessed": frozenset({"BatchGetItem"}),
}

HOOKED_EVENT = "before-send.dynamodb"
PARSE_EVENT = "before-parse.dynamodb.BatchGetItem"
NOWHERE = "https://fault-injected.invalid/"  # served by nothing: see the module's docstring
DYNAMODB = "com.amazonaws.dynamodb.v20120810#"


class BadFaultSpec(ValueError):
    """TEAMSPACE_FAULTS (or a spec's text) says something this module does not know."""


@dataclass(frozen=True)
class FaultSpec:
    """How often each fault is injected (0..1 per call), from which seed, how many at most
    and on which operations (None: all)."""

    rates: Mapping[str, float] = field(default_factory=dict)
    seed: int | None = None
    limit: int | None = None
    only: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for name, rate in self.rates.items():
            if name not in FAULTS:
                raise BadFaultSpec(f"unknown fault {name!r}; the faults are {', '.join(FAULTS)}")
            if not 0 <= rate <= 1:
                raise BadFaultSpec(f"the rate of {name} must be from 0 to 1, not {rate}")
        if self.limit is not None and self.limit < 0:
            raise BadFaultSpec(f"limit must be 0 or more, not {self.limit}")

    @property
    def active(self) -> bool:
        return any(rate > 0 for rate in self.rates.values()) and self.limit != 0

    def rate(self, fault: str, operation: str) -> float:
        """The chance of `fault` on a call of `operation`."""
        applies = APPLIES_TO[fault]
        if applies is not None and operation not in applies:
            return 0.0
        if self.only is not None and operation not in self.only:
            return 0.0
        return self.rates.get(fault, 0.0)


def parse(text: str) -> FaultSpec:
    """`conflict=0.2,throttle=0.05,seed=7` as a spec; "" is no fault at all."""
    rates: dict[str, float] = {}
    options: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, equals, value = (s.strip() for s in part.partition("="))
        if not equals or not value:
            raise BadFaultSpec(f"{part!r} is not name=value, e.g. conflict=0.2")
        if name in rates or name in options:
            raise BadFaultSpec(f"{name} is given twice")
        try:
            if name in FAULTS:
                rates[name] = float(value)
            elif name in ("seed", "limit"):
                options[name] = int(value)
            elif name == "only":
                options[name] = frozenset(filter(None, value.split("+")))
            else:
                known = ", ".join(FAULTS + OPTIONS)
                raise BadFaultSpec(f"unknown fault {name!r}; the names are {known}")
        except ValueError as error:
            if isinstance(error, BadFaultSpec):
                raise
            raise BadFaultSpec(f"{name}={value!r} is not a number") from None
    return FaultSpec(rates, **options)


def from_environment(environ: Mapping[str, str] | None = None) -> FaultSpec:
    """The spec TEAMSPACE_FAULTS holds (none when unset or empty)."""
    return parse((os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE, ""))


# ---- DynamoDB's answers ----------------------------------------------------------------


def _error(status: int, kind: str, message: str, **fields: Any) -> tuple[int, dict[str, Any]]:
    return status, {"__type": kind, "message": message, **fields}


def _cancelled(items: int, rng: random.Random) -> tuple[int, dict[str, Any]]:
    conflicting = rng.randrange(max(items, 1))
    reasons: list[dict[str, str]] = [{"Code": "None"} for _ in range(max(items, 1))]
    reasons[conflicting] = {
        "Code": "TransactionConflict",
        "Message": "Transaction is ongoing for the item",
    }
    codes = ", ".join(r["Code"] for r in reasons)
    return 400, {
        "__type": f"{DYNAMODB}TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific"
        f" reasons [{codes}]",
        "CancellationReasons": reasons,
    }


def _answer(fault: str, operation: str, body: Mapping[str, Any], rng: random.Random):
    """DynamoDB's (status, body) for `fault` on `operation`."""
    if fault == "conflict":
        if operation == "TransactWriteItems":
            return _cancelled(len(body.get("TransactItems", ())), rng)
        return _error(
            400, f"{DYNAMODB}TransactionConflictException", "Transaction is ongoing for the item"
        )
    if fault == "throttle":
        if rng.random() < 0.5:
            return _error(
                400,
                "com.amazon.coral.availability#ThrottlingException",
                "Throughput exceeds the current capacity of your table or index. DynamoDB is"
                " automatically scaling your table or index so please try again shortly.",
            )
        return _error(
            400,
            f"{DYNAMODB}ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded."
            " Consider increasing your provisioning level with the UpdateTable API.",
        )
    return _error(500, f"{DYNAMODB}InternalServerError", "Internal server error")


def _response(request: Any, status: int, body: Mapping[str, Any]) -> AWSResponse:
    payload = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "Content-Length": str(len(payload)),
        "x-amz-crc32": str(binascii.crc32(payload) & 0xFFFFFFFF),
    }
    return AWSResponse(request.url, status, headers, _Raw(payload))


class _Raw:
    """The raw body an AWSResponse reads its content from."""

    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_kwargs: Any) -> Iterable[bytes]:
        yield self._payload


# ---- the injector ----------------------------------------------------------------------


class Injector:
    """Injects `spec`'s faults into the DynamoDB calls of what it is installed on, and
    counts them: `counts[(fault, operation)]`."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self.counts: Counter[tuple[str, str]] = Counter()
        self.armed = True
        self._random = random.Random(spec.seed)  # noqa: S311 - a simulation, not a secret
        self._lock = threading.Lock()
        self._withheld = threading.local()  # BatchGetItem keys between send and parse
        self._emitters: list[Any] = []

    def total(self, fault: str | None = None) -> int:
        """How many faults were injected (of one kind, or all)."""
        return sum(n for (name, _), n in self.counts.items() if fault in (None, name))

    def hook(self, emitter: Any) -> None:
        emitter.register_first(f"{HOOKED_EVENT}.*", self._before_send, unique_id=self._id("send"))
        emitter.register_first(PARSE_EVENT, self._before_parse, unique_id=self._id("parse"))
        self._emitters.append(emitter)

    def remove(self) -> None:
        """Unhook from everything it was installed on; the copies of the hook that clients
        made while it was installed do nothing from now on."""
        self.armed = False
        for emitter in self._emitters:
            emitter.unregister(f"{HOOKED_EVENT}.*", unique_id=self._id("send"))
            emitter.unregister(PARSE_EVENT, unique_id=self._id("parse"))
        self._emitters.clear()

    def _id(self, what: str) -> str:
        return f"teamspace-faults-{what}-{id(self)}"

    def _draw(self, operation: str, body: Mapping[str, Any]) -> str | None:
        """The fault to inject into this call, if any (one random draw per fault that
        applies, in a fixed order, so a seeded spec gives the same run again)."""
        with self._lock:
            if self.spec.limit is not None and self.total() >= self.spec.limit:
                return None
            for fault in FAULTS:
                rate = self.spec.rate(fault, operation)
                if rate and self._random.random() < rate:
                    if fault == "unprocessed" and _key_count(body) < 2:
                        continue
                    self.counts[(fault, operation)] += 1
                    return fault
        return None

    def _before_send(self, request: Any, event_name: str, **_kwargs: Any) -> AWSResponse | None:
        self._withheld.keys = None
        if not self.armed:
            return None
        operation = event_name.rsplit(".", 1)[-1]
        body = json.loads(request.body or b"{}")
        fault = self._draw(operation, body)
        if fault is None:
            return None
        if fault == "unprocessed":
            with self._lock:
                answered, self._withheld.keys = _split_keys(body, self._random)
            payload = json.dumps(answered).encode()
            request.body = payload
            request.headers["Content-Length"] = str(len(payload))
            return None
        with self._lock:
            status, answer = _answer(fault, operation, body, self._random)
        request.url = NOWHERE  # nothing behind this hook applies the request
        return _response(request, status, answer)

    def _before_parse(self, response_dict: dict[str, Any], **_kwargs: Any) -> None:
        withheld, self._withheld.keys = getattr(self._withheld, "keys", None), None
        if not withheld or response_dict.get("status_code") != 200:
            return
        parsed = json.loads(response_dict["body"] or b"{}")
        unprocessed = parsed.setdefault("UnprocessedKeys", {})
        for table, request in withheld.items():
            unprocessed.setdefault(table, {**request, "Keys": []})["Keys"].extend(request["Keys"])
        response_dict["body"] = json.dumps(parsed).encode()


def _key_count(body: Mapping[str, Any]) -> int:
    return sum(len(r.get("Keys", ())) for r in body.get("RequestItems", {}).values())


def _split_keys(
    body: Mapping[str, Any], rng: random.Random
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request with the keys that will be answered, and the tables' requests with the
    keys withheld: at least one of each."""
    keys = [(t, k) for t, r in body["RequestItems"].items() for k in r["Keys"]]
    withheld = set(rng.sample(range(len(keys)), rng.randint(1, len(keys) - 1)))
    answered: dict[str, Any] = {}
    held: dict[str, Any] = {}
    for index, (table, key) in enumerate(keys):
        into = held if index in withheld else answered
        request = body["RequestItems"][table]
        into.setdefault(table, {**request, "Keys": []})["Keys"].append(key)
    return {**body, "RequestItems": answered}, held


def emitter_of(target: Any) -> Any:
    """The event emitter of a boto3 session, a botocore session or a client."""
    meta = getattr(target, "meta", None)
    if meta is not None and hasattr(meta, "events"):
        return meta.events  # a client
    session = getattr(target, "_session", target)  # boto3's Session wraps botocore's
    return session.get_component("event_emitter")


def install(target: Any, spec: FaultSpec) -> Injector:
    """Inject `spec`'s faults into the DynamoDB calls made through `target` (a session:
    the clients created from it from now on; or a client)."""
    injector = Injector(spec)
    injector.hook(emitter_of(target))
    return injector
