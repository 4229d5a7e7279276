"""Adjustments to moto's bookkeeping, for speed only, while a benchmark World is open.

moto 5.2 is built for correctness, not volume, and five of its costs would swamp the
figures (and the time budget) at the sizes the benchmarks use. None of the adjustments
changes a request, a response or the project's code; each is undone on close.

1. Transactions (as tests/functions/test_expiry.py's `lean_moto_transactions` fixture,
   described in docs/testing.md, and the local runtime): moto backs up the whole table
   with copy.deepcopy once per item of every TransactWriteItems so that it can roll a
   cancelled one back. The backup is narrowed to the items the transaction touches
   (`local_runtime.moto_tuning.narrow_transaction_backups`).
2. Read responses: moto's generic response serializer walks the botocore output shape
   for every attribute of every item (about 17 ms per audit record here, so verifying a
   chain of 3,000 records took 68 s). GetItem, BatchGetItem and Query results are
   already DynamoDB's wire format, so their JSON is written directly. The responses of
   every warm-up call (and of every call of the smoke run) below 64 KB are also
   serialized moto's way and compared (parsed): any difference stops the run.
3. String keys: moto compares keys through a property that tries every attribute type
   in turn; two strings are compared directly (the same order, faster).
4. Queries on the table's key: moto sorts the whole table to find one partition's items;
   it is handed that partition's items (the same items come out, in the same order).
5. Seeding: states of up to 200,000 items are put straight into moto's table (moto's
   own put re-measures the whole item at every attribute it adds, ~2 ms per item). Such
   items are as if restored from a backup: they have no stream records, which nothing
   in the benchmarks reads.
"""

from __future__ import annotations

import inspect
from typing import Any

from local_runtime.moto_tuning import narrow_transaction_backups
from tests.support.aws import DirectReads

FAST_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query"})


class LeanMoto:
    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any]] = []
        # While on, each fast response is also made moto's way and compared (the runner
        # turns it on for warm-up calls, whose time is not measured; the smoke run, always).
        self.reads = DirectReads(FAST_OPERATIONS, checking=True)

    @property
    def checking(self) -> bool:
        return self.reads.checking

    @checking.setter
    def checking(self, value: bool) -> None:
        self.reads.checking = value

    def start(self) -> None:
        self._lean_transactions()
        self._fast_reads()
        self._fast_string_keys()
        self._partition_queries()

    def stop(self) -> None:
        for owner, name, value in reversed(self._saved):
            setattr(owner, name, value)
        self._saved = []

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        self._saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    # ---- 1. transactions -----------------------------------------------------------

    def _lean_transactions(self) -> None:
        narrow_transaction_backups(self._patch)

    # ---- 2. read responses ---------------------------------------------------------

    def _fast_reads(self) -> None:
        """As the tests do (tests/support/aws.py, `DirectReads`)."""
        self.reads.apply(self._patch)

    # ---- 3. comparing string keys -------------------------------------------------

    def _fast_string_keys(self) -> None:
        """moto orders and matches keys through `DynamoType.cast_value`, a property that
        tests every type in turn, for every comparison of every sort of a Query. For
        two strings (every key of this table) `cast_value` is the string itself, so
        comparing the strings directly gives the same answer without the detour."""
        from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415

        def fast(name: str, compare: Any) -> Any:
            original = getattr(DynamoType, name)

            def method(self: Any, other: Any) -> Any:
                if self.type == "S" and type(other) is DynamoType and other.type == "S":
                    return compare(self.value, other.value)
                return original(self, other)

            return method

        for name, compare in (
            ("__eq__", lambda a, b: a == b),
            ("__ne__", lambda a, b: a != b),
            ("__lt__", lambda a, b: a < b),
            ("__le__", lambda a, b: a <= b),
            ("__gt__", lambda a, b: a > b),
            ("__ge__", lambda a, b: a >= b),
        ):
            self._patch(DynamoType, name, fast(name, compare))
        original_hash = DynamoType.__hash__

        def fast_hash(self: Any) -> int:
            return hash(("S", self.value)) if self.type == "S" else original_hash(self)

        self._patch(DynamoType, "__hash__", fast_hash)

    # ---- 4. queries on the table's own key -------------------------------------------

    def _partition_queries(self) -> None:
        """For a Query on the table's key, moto sorts every item of the table, keeps those
        of the partition asked for, sorts them again and steps over those up to the
        start key, one comparison each (every page of a walk re-reads the pages before
        it). Handing it the partition's items after the start key, in key order, gives
        the same result: the same items come out, in the same order."""
        from moto.dynamodb.models.table import Table  # noqa: PLC0415

        original = Table.query
        signature = inspect.signature(original)

        def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
            arguments = signature.bind(self, hash_key, *args, **kwargs).arguments
            if arguments.get("index_name") or hash_key is None or not self.range_key_attr:
                return original(self, hash_key, *args, **kwargs)
            items = list(self.items.get(hash_key, {}).values())
            if all(i.range_key.type == "S" for i in items):
                # In key order already, moto's own sort has nothing left to do; and the
                # items up to the start key, which it would step over, are left out.
                forward = arguments.get("scan_index_forward", True)
                items.sort(key=lambda i: i.range_key.value, reverse=not forward)
                start = (arguments.get("exclusive_start_key") or {}).get(self.range_key_attr)
                if start is not None and "S" in start:
                    after = (lambda v: v > start["S"]) if forward else (lambda v: v < start["S"])
                    items = [i for i in items if after(i.range_key.value)]
                if not forward:
                    items.reverse()  # moto sorts ascending, then reverses
            self.all_items = lambda: items
            try:
                return original(self, hash_key, *args, **kwargs)
            finally:
                del self.all_items

        self._patch(Table, "query", query)


def put_directly(table_name: str, items: list[dict[str, Any]], *, region: str) -> None:
    """Items (attribute maps) straight into moto's table: no stream records, no checks."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict  # noqa: PLC0415

    from local_runtime.template import ACCOUNT_ID  # noqa: PLC0415

    table = dynamodb_backends[ACCOUNT_ID][region].get_table(table_name)
    for attributes in items:
        hash_key = DynamoType(attributes[table.hash_key_attr])
        range_key = DynamoType(attributes[table.range_key_attr])
        item = Item(hash_key, range_key, {})
        # dict.update does not go through LimitedSizeDict.__setitem__'s re-measuring
        item.attrs = LimitedSizeDict({k: DynamoType(v) for k, v in attributes.items()})
        table.items[hash_key][range_key] = item
