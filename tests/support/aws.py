"""The emulated AWS account every test on moto runs in, made cheaply.

Four costs dominated the suite, and each is paid once here instead of per test (or
per write):

1. boto3's session. moto starts each mock by setting `boto3.DEFAULT_SESSION = None`, so
   the first client of every test (the test's own, then each one the layer builds in
   `teamspace.wiring`) made a new session that loaded botocore's service models again
   (0.15-0.4 s a test). `account()` starts moto with its documented
   `reset_boto3_session: False` and makes one `boto3.Session` of the process the default
   one: the layer's `boto3.client(...)` calls are served from it, about 3 ms a client.
   The layer's code is unchanged.
2. The table. Creating it from the template's definition through the API takes about
   30 ms in moto; the first account of a process does, and keeps a copy of moto's empty
   table object; every later account is given a deep copy of that (0.2 ms).
3. Seeded worlds (`Snapshot`): the state a module's tests start from (a team, the
   isolation tests' victim), built once through the handlers, is kept as moto's table
   objects with the clock's time and the ids' position, and put back before each test:
   each test starts on exactly the state it would have had, had it built it itself.
4. Transactions. moto 5.2 deep-copies the whole table once per item of every
   TransactWriteItems, to be able to roll a cancelled one back: half of a function
   test's time went there, more the more it had written. Every account narrows that
   backup to the items a transaction touches (`narrow_transaction_backups`, as the
   local runtime and the benchmarks do; tests/functions/test_expiry.py checks that a
   cancelled transaction still leaves nothing behind, in the table or its stream).
5. Read responses. moto writes every response through a generic serializer that walks
   botocore's output shape for every attribute of every item: it was the other half of
   the time, more the more items a read returns (the isolation tests' Scan of the
   outbox: a quarter of a second). GetItem, BatchGetItem, Query and Scan results are
   DynamoDB's wire format already, so `DirectReads` writes their JSON directly (the
   benchmarks do the same, bench/lean_moto.py). With TEAMSPACE_CHECK_READS=1 in the
   environment, every such response below 64 KB is also made moto's way and compared:
   any difference fails the call (docs/testing.md says when the suite last passed so).

Putting a table object into moto's backend and narrowing its backups are adjustments
of moto's internals, for speed only, as local_runtime/moto_tuning.py and
bench/lean_moto.py make theirs, undone when the account closes: nothing of the
project's code is replaced, and every request is still served by moto.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime
from functools import cache
from typing import Any

import boto3
from moto import mock_aws
from moto.core.config import default_user_config

from local_runtime.aws import create_table
from local_runtime.moto_tuning import narrow_transaction_backups
from local_runtime.template import ACCOUNT_ID, Template
from tests.support.clock import FrozenClock, SequentialIds

TEMPLATE = Template(stage="test")
TABLE = TEMPLATE.table_name()
REGION = TEMPLATE.region

# moto's own defaults, but for the boto3 session it would otherwise drop at each start.
KEEP_SESSION = {"core": {**default_user_config["core"], "reset_boto3_session": False}}

Tables = Mapping[str, Any]  # table name -> moto's Table object
Patch = Callable[[Any, str, Any], None]  # (owner, name, value): an undoable setattr

READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})
CHECK_BELOW_BYTES = 64 * 1024  # the larger responses are pages of the same items
CHECK_READS = os.environ.get("TEAMSPACE_CHECK_READS") == "1"


class DirectReads:
    """DynamoDB read responses written as JSON directly instead of through moto's
    serializer (their results are the wire format already); while `checking`, each one
    below 64 KB is also made moto's way and the two compared, parsed."""

    def __init__(self, operations: frozenset[str] = READ_OPERATIONS, *, checking: bool) -> None:
        self.operations = operations
        self.checking = checking
        self.checked = 0

    def apply(self, patch: Patch) -> None:
        from moto.dynamodb.responses import DynamoResult  # noqa: PLC0415

        reads = self
        original = DynamoResult.execute_result

        def execute_result(self: Any, context: Any) -> Any:
            if context.operation_model.name not in reads.operations:
                return original(self, context)
            try:
                body = json.dumps(self.result)
            except TypeError:  # bytes or datetimes: moto's way
                return original(self, context)
            if reads.checking and len(body) < CHECK_BELOW_BYTES:
                reads.checked += 1
                status, _, expected = original(self, context)
                if status != 200 or json.loads(expected) != json.loads(body):
                    raise AssertionError("the direct read response differs from moto's")
            return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

        patch(DynamoResult, "execute_result", execute_result)


@cache
def session() -> boto3.Session:
    """The process's one boto3 session: service models are loaded once per process."""
    return boto3.Session()


def _tables() -> dict[str, Any]:
    """moto's tables of the current account and region (the live objects)."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415

    return dynamodb_backends[ACCOUNT_ID][REGION].tables


def copy_tables() -> dict[str, Any]:
    """A deep copy of every table of the current account: items, indexes and stream."""
    return copy.deepcopy(dict(_tables()))


def put_tables(tables: Tables) -> None:
    """The current account's tables become (deep copies of) `tables`, and only those."""
    live = _tables()
    live.clear()
    live.update(copy.deepcopy(dict(tables)))


_empty: dict[str, Any] = {}


def _with_empty_table() -> None:
    if not _empty:
        create_table(TEMPLATE)  # through the API, as the template defines it
        _empty.update(copy_tables())
    else:
        put_tables(_empty)


@contextmanager
def account(tables: Tables | None = None) -> Iterator[None]:
    """A new moto account (every service empty) with the template's table, empty or as
    in `tables` (a snapshot), boto3's default session the process's one, moto's
    transaction backups narrowed and its read responses written directly."""
    saved: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    previous = boto3.DEFAULT_SESSION
    try:
        narrow_transaction_backups(patch)
        DirectReads(checking=CHECK_READS).apply(patch)
        with mock_aws(config=KEEP_SESSION):
            boto3.DEFAULT_SESSION = session()
            if tables is None:
                _with_empty_table()
            else:
                put_tables(tables)
            yield
    finally:
        boto3.DEFAULT_SESSION = previous
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)


@dataclass(frozen=True)
class Snapshot:
    """What a test's world is: the account's tables, the clock's time and how many ids
    were issued. Taken once after building; `restore` puts it back for each test."""

    tables: dict[str, Any]
    now: datetime
    issued: int

    @classmethod
    def take(cls, clock: FrozenClock, ids: SequentialIds) -> Snapshot:
        return cls(copy_tables(), clock.now(), ids.issued)

    def restore(self, clock: FrozenClock, ids: SequentialIds) -> None:
        put_tables(self.tables)
        clock.current = self.now
        ids.issued = self.issued

    def state(self) -> dict[str, Any]:
        """What a test can observe of it: every item, every stream record (but its
        random id, its wall-clock time and the size moto measures with that time in
        it), the clock's time and the ids issued."""
        return {
            "tables": {name: _table_state(table) for name, table in self.tables.items()},
            "now": self.now,
            "issued": self.issued,
        }


# The secrets the layer draws at random (link tokens, API keys) and their SHA-256 hashes:
# two builds of one world differ in those alone.
RANDOM = (
    (re.compile(r"[0-9a-f]{64}"), "<sha256>"),
    (re.compile(r"token=[A-Za-z0-9_.-]+"), "token=<token>"),
    (re.compile(r"(tsk_[a-z0-9]{1,16}_)[0-9A-Za-z]+"), r"\1<key>"),  # a key, or its prefix
)


def unrandom(value: Any) -> Any:
    """`value` (JSON-like, or a dataclass of it) with every random secret replaced by a
    placeholder, lists of items in a stable order."""
    if is_dataclass(value) and not isinstance(value, type):
        return unrandom(asdict(value))
    if isinstance(value, dict):
        return {unrandom(k): unrandom(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unrandom(v) for v in value]
    if isinstance(value, str):
        for pattern, placeholder in RANDOM:
            value = pattern.sub(placeholder, value)
    return value


def _table_state(table: Any) -> dict[str, Any]:
    items = [
        item.to_json()["Attributes"]
        for by_range in table.items.values()
        for item in by_range.values()
    ]
    records = []
    for record in table.stream_shard.items if table.stream_shard else ():
        dynamodb = dict(record.record["dynamodb"])
        dynamodb.pop("ApproximateCreationDateTime", None)
        dynamodb.pop("SizeBytes", None)
        records.append({"eventName": record.record["eventName"], "dynamodb": dynamodb})
    return {
        "items": sorted(json.dumps(unrandom(i), sort_keys=True) for i in items),
        "stream": unrandom(records),
    }
