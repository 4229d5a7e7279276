"""What one call costs on the AWS side, counted at the botocore level.

Hooks on the very clients the handlers use (`teamspace.wiring`), as the tests inject
faults (docs/testing.md): `before-parameter-build` sees each request's parameters before
it is sent, `after-call` its parsed response. Per request the meter keeps the operation
name, the items it read, and the read and write units it consumes (bench/capacity.py,
from the sizes of the items it read and of every item a write touched, before and
after, taken from moto's table directly so that no extra request is made or counted).
It also keeps every outbox event written (the events an operation emits) and the time
spent inside moto (its request handler, timed around), so that our own code's share of
a call's time is visible.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bench import capacity
from local_runtime.template import ACCOUNT_ID
from teamspace import wiring

if TYPE_CHECKING:
    from bench.world import World

SERVICES = ("dynamodb", "events", "ses", "sqs", "cognito-identity-provider")
IDENTITY_PROVIDER = "cognito-identity-provider"


@dataclass
class Request:
    service: str
    operation: str
    items_read: int = 0
    items_written: int = 0
    rru: float = 0.0
    wru: float = 0.0
    entries: int = 0  # PutEvents entries, SES destinations
    failed: bool = False
    # DynamoDB: the keys (PK, SK) it read, and each action of a write with its key and
    # its update expression ("" for a Put, Delete or ConditionCheck): bench/hot_items.py
    # reads them to say which calls write the workspace item.
    keys_read: list[tuple[str, str]] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


@dataclass(frozen=True)
class Action:
    """One action of a write: Put, Update, Delete or ConditionCheck, on one item."""

    kind: str
    key: tuple[str, str]
    expression: str = ""
    wru: float = 0.0  # the table's own write units (not its indexes'), when computed


@dataclass
class Window:
    """Everything recorded between `start` and `stop` of one measured call."""

    requests: list[Request] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # detail-types written to the outbox
    moto_seconds: float = 0.0

    def of(self, service: str) -> list[Request]:
        return [r for r in self.requests if r.service == service]

    @property
    def dynamodb_calls(self) -> int:
        return len(self.of("dynamodb"))

    @property
    def operations(self) -> list[str]:
        return [r.operation for r in self.of("dynamodb")]

    @property
    def items_read(self) -> int:
        return sum(r.items_read for r in self.of("dynamodb"))

    @property
    def rru(self) -> float:
        return sum(r.rru for r in self.of("dynamodb"))

    @property
    def wru(self) -> float:
        return sum(r.wru for r in self.of("dynamodb"))

    @property
    def put_events(self) -> int:
        return sum(r.entries for r in self.requests if r.operation == "PutEvents")

    @property
    def identity_provider_calls(self) -> list[str]:
        """Calls to the identity provider (Cognito), counted apart from DynamoDB's."""
        return [r.operation for r in self.of(IDENTITY_PROVIDER)]

    @property
    def emails(self) -> int:
        return sum(r.entries for r in self.of("ses"))


class _MotoClock:
    """Time spent inside moto's request handler (the `before-send` stub that answers
    every request in-process), summed while a window is open."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.paused = False
        self._stub: Any = None

    def start(self) -> None:
        from moto.core.models import botocore_stubber  # noqa: PLC0415

        original = type(botocore_stubber).process_request

        def timed(request: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(botocore_stubber, request)
            finally:
                if not self.paused:
                    self.seconds += time.perf_counter() - started

        botocore_stubber.process_request = timed  # type: ignore[method-assign]
        self._stub = botocore_stubber

    def stop(self) -> None:
        if self._stub is not None:
            del self._stub.process_request  # back to the class's method
            self._stub = None


class Meter:
    def __init__(self, world: World, *, units: bool = True) -> None:
        self.world = world
        self.units = units
        self.window: Window | None = None
        self.outbox: list[tuple[str, dict[str, Any]]] = []
        self._attached: dict[int, Any] = {}
        self._moto = _MotoClock()
        self._indexes = capacity.table_indexes(world.template.table_definition())
        self._key_names = ("PK", "SK")

    # ---- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self._moto.start()
        self.attach()

    def stop(self) -> None:
        self._moto.stop()
        for client in self._attached.values():
            events = client.meta.events
            events.unregister("before-parameter-build", self._before)
            events.unregister("after-call", self._after)
        self._attached = {}

    def attach(self) -> None:
        """Hook the handlers' clients (again after a `wiring.reset()` built new ones)."""
        clients = (
            wiring.dynamodb_client(),
            wiring.events_client(),
            wiring.ses_client(),
            wiring.cognito_client(),
        )
        for client in clients:
            if id(client) in self._attached:
                continue
            client.meta.events.register("before-parameter-build", self._before)
            client.meta.events.register("after-call", self._after)
            self._attached[id(client)] = client

    @contextmanager
    def measuring(self) -> Iterator[Window]:
        self.attach()
        window = Window()
        self.window = window
        self._moto.seconds = 0.0
        try:
            yield window
        finally:
            window.moto_seconds = self._moto.seconds
            self.window = None

    # ---- hooks -------------------------------------------------------------------------

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any):
        service = model.service_model.service_id.hyphenize()
        context["bench_params"] = params
        if service == "dynamodb" and model.name == "TransactWriteItems":
            context["bench_before"] = [self._stored(a) for a in params["TransactItems"]]
        elif service == "dynamodb" and model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            context["bench_before"] = [self._stored({model.name: params})]

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, **kwargs: Any):
        context = kwargs.get("context") or {}
        params = context.get("bench_params", {})
        service = model.service_model.service_id.hyphenize()
        failed = http_response.status_code >= 300 or "Error" in parsed
        if not failed and service == "dynamodb":
            self._remember_outbox(model.name, params)
        if self.window is None:
            return
        request = Request(service=service, operation=model.name, failed=failed)
        if service == "dynamodb" and not failed:
            self._measure_dynamodb(request, model.name, params, parsed, context)
        elif model.name == "PutEvents":
            request.entries = len(params.get("Entries", []))
        elif service == "ses":
            destination = params.get("Destination", {})
            request.entries = sum(len(destination.get(k, [])) for k in destination) or 1
        self.window.requests.append(request)

    # ---- DynamoDB units ----------------------------------------------------------------

    def _measure_dynamodb(
        self,
        request: Request,
        operation: str,
        params: dict[str, Any],
        parsed: dict[str, Any],
        context: dict[str, Any],
    ) -> None:
        _record_keys(request, operation, params)
        if operation == "GetItem":
            found = parsed.get("Item")
            request.items_read = 1 if found else 0
            size = capacity.item_size(found)
            consistent = bool(params.get("ConsistentRead"))
            request.rru = capacity.read_units(size, consistent=consistent)
        elif operation == "BatchGetItem":
            for table, asked in params["RequestItems"].items():
                found = parsed.get("Responses", {}).get(table, [])
                unprocessed = len(parsed.get("UnprocessedKeys", {}).get(table, {}).get("Keys", []))
                consistent = bool(asked.get("ConsistentRead"))
                request.items_read += len(found)
                request.rru += sum(
                    capacity.read_units(capacity.item_size(i), consistent=consistent) for i in found
                )
                absent = len(asked["Keys"]) - len(found) - unprocessed
                request.rru += absent * capacity.read_units(0, consistent=consistent)
        elif operation == "Query":
            request.items_read = int(parsed.get("ScannedCount", parsed.get("Count", 0)))
            consistent = bool(params.get("ConsistentRead")) and "IndexName" not in params
            if self.units:
                size = self._evaluated_size(params, parsed)
                request.rru = capacity.read_units(size, consistent=consistent)
        elif operation in ("TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"):
            actions = (
                params["TransactItems"]
                if operation == "TransactWriteItems"
                else [{operation: params}]
            )
            befores = context.get("bench_before") or [None] * len(actions)
            factor = 2 if operation == "TransactWriteItems" else 1
            for n, (action, before) in enumerate(zip(actions, befores, strict=True)):
                ((kind, _),) = action.items()
                after = self._stored(action)
                if kind == "ConditionCheck":
                    size = capacity.item_size(before)
                    request.rru += factor * capacity.read_units(size, consistent=True)
                    continue
                request.items_written += 1
                size = max(capacity.item_size(before), capacity.item_size(after))
                units = factor * capacity.write_units(size)
                request.actions[n] = replace(request.actions[n], wru=units)
                request.wru += units
                request.wru += capacity.index_write_units(self._indexes, before, after)

    def _evaluated_size(self, params: dict[str, Any], parsed: dict[str, Any]) -> int:
        """The size of the items a Query evaluated: its items, or with a filter, the
        same Query without the filter (read from moto with no hook and no clock)."""
        if "FilterExpression" not in params:
            return sum(capacity.item_size(i) for i in parsed.get("Items", []))
        query = {k: v for k, v in params.items() if k not in ("FilterExpression", "Select")}
        used = query["KeyConditionExpression"] + " " + query.get("ProjectionExpression", "")
        tokens = set(re.findall(r"[#:][A-Za-z0-9_]+", used))
        for name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            kept = {k: v for k, v in query.get(name, {}).items() if k in tokens}
            if kept:
                query[name] = kept
            else:
                query.pop(name, None)
        self._moto.paused = True
        try:
            response = self.world.raw.query(**query)
        finally:
            self._moto.paused = False
        return sum(capacity.item_size(i) for i in response.get("Items", []))

    def _stored(self, action: dict[str, Any]) -> dict[str, Any] | None:
        """The item an action of a write addresses, as moto holds it now (or None)."""
        if not self.units:
            return None
        from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415
        from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415

        ((_, op),) = action.items()
        key = op.get("Key") or {name: op["Item"][name] for name in self._key_names}
        backend = dynamodb_backends[ACCOUNT_ID]
        table = backend[self.world.template.region].get_table(op["TableName"])
        found = table.get_item(DynamoType(key["PK"]), DynamoType(key["SK"]))
        return found.to_json()["Attributes"] if found is not None else None

    # ---- outbox events -----------------------------------------------------------------

    def _remember_outbox(self, operation: str, params: dict[str, Any]) -> None:
        if operation == "TransactWriteItems":
            puts = [a["Put"]["Item"] for a in params["TransactItems"] if "Put" in a]
        elif operation == "PutItem":
            puts = [params["Item"]]
        else:
            return
        for item in puts:
            if item.get("entity") == {"S": "outbox"}:
                detail_type = item["detailType"]["S"]
                detail = json.loads(item["detail"]["S"])
                self.outbox.append((detail_type, detail))
                if self.window is not None:
                    self.window.events.append(detail_type)


def _record_keys(request: Request, operation: str, params: dict[str, Any]) -> None:
    """The keys a DynamoDB request named: those a GetItem or BatchGetItem read, and each
    action of a write (a Query's keys are not known before it runs: it names none)."""

    def key_of(key: dict[str, Any]) -> tuple[str, str]:
        return key["PK"]["S"], key["SK"]["S"]

    if operation == "GetItem":
        request.keys_read.append(key_of(params["Key"]))
    elif operation == "BatchGetItem":
        for asked in params["RequestItems"].values():
            request.keys_read += [key_of(k) for k in asked["Keys"]]
    elif operation in ("TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"):
        actions = (
            params["TransactItems"] if operation == "TransactWriteItems" else [{operation: params}]
        )
        for action in actions:
            ((kind, op),) = action.items()
            key = op.get("Key") or op["Item"]
            kind = kind.removesuffix("Item")  # PutItem -> Put, as in a transaction
            request.actions.append(Action(kind, key_of(key), op.get("UpdateExpression", "")))
