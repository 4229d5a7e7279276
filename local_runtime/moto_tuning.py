"""Adjustments to moto's bookkeeping that keep a long-running local runtime fast and bounded.

moto 5.2 is built for tests that start from nothing and stop after a few calls; `make run`
stays up for hours. Three of moto's habits made each write slower than the last and the
process grow by gigabytes (issue 14, measured in docs/performance.md):

1. Every TransactWriteItems deep-copies the whole table, items and stream, once per item,
   to be able to roll a cancelled one back: its cost grows with everything ever written.
   `narrow_transaction_backups` backs up only the items the transaction touches.
2. Every model object moto creates (each item put or updated, each copy of an item or of
   a whole table, each stream record, shard iterator, SQS message) is appended to a
   class-level list, `instances_tracked`, for moto server's /moto-api/data.json
   dashboard, and only moto's reset empties it: nothing is ever freed.
   `forget_tracked_instances` empties those lists.
3. The stream API keeps every shard iterator it hands out (GetShardIterator's, and the
   NextShardIterator of every GetRecords, even an empty one) in a dict, forever, and the
   shard keeps every record. `forget_shard_iterator` drops a used iterator and
   `trim_stream` the records already read, as DynamoDB trims a stream after 24 hours
   (local_runtime/events.py uses both).

None of them changes a request or a response of moto, nor the project's code; the
patches of 1 are undone by whoever applied them (the runtime, on stop).

And one for threads: `one_request_at_a_time` makes each request to moto atomic, as each
request to DynamoDB or SQS is, for code that calls moto from several threads at once (the
audit consumers' concurrency test and benchmark); the local runtime needs none, it runs
whole invocations under its own lock.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any

from local_runtime.template import ACCOUNT_ID

# moto's S3 reads its keys' tracked instances on reset, to close their files: left alone.
KEEP_TRACKED = frozenset({"s3"})


def one_request_at_a_time(patch: Callable[[Any, str, Any], None], latency: float = 0.0) -> None:
    """moto answers a request by reading and changing plain Python structures with no lock:
    two threads' TransactWriteItems can both pass their conditions before either writes,
    which DynamoDB never allows. This runs moto's handling of each request under one lock:
    a request is atomic, while whatever a caller does between two requests (read a head,
    then write after it) still interleaves with other threads, as against AWS. `patch` as
    in `narrow_transaction_backups`. `latency` (seconds) is a network round trip added to
    each request, outside the lock, so that callers overlap their waits as they do against
    AWS (bench/audit_throughput.py)."""
    from moto.core.botocore_stubber import BotocoreStubber  # noqa: PLC0415

    lock = threading.Lock()
    original = BotocoreStubber.process_request

    def process_request(self: Any, request: Any) -> Any:
        if latency:
            time.sleep(latency)
        with lock:
            return original(self, request)

    patch(BotocoreStubber, "process_request", process_request)


def narrow_transaction_backups(patch: Callable[[Any, str, Any], None]) -> None:
    """moto 5.2 backs up the whole table (items and stream) with copy.deepcopy once per
    item of every TransactWriteItems, so that it can roll a cancelled one back. This keeps
    moto's semantics with a backup of only the items a transaction touches: moto's own
    table copy becomes the table itself, and a cancelled transaction restores the touched
    items and drops the stream records it added. `patch(owner, name, value)` applies each
    change (the local runtime's or a benchmark World's undoable patch, or pytest's
    monkeypatch.setattr); the project's code is not touched. tests/functions/test_expiry.py
    checks that cancelled transactions stay all-or-nothing with it.

    A side effect the local runtime relies on: the table object (and its stream shard) is
    never swapped for a copy, so a shard iterator stays on the live shard.
    """
    from moto.dynamodb import models as moto_dynamodb  # noqa: PLC0415
    from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    real_copy = copy

    class _TablesNotCopied:
        @staticmethod
        def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
            return value if isinstance(value, Table) else real_copy.deepcopy(value, memo)

    backend = moto_dynamodb.DynamoDBBackend
    original = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched = []
        streams = {}
        for entry in transact_items:
            (_, op), *_ = entry.items()
            table = self.get_table(op["TableName"])
            key = op.get("Key") or op["Item"]
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr])
            before = table.get_item(hash_key, range_key)
            touched.append((table, hash_key, range_key, real_copy.deepcopy(before)))
            if table.stream_shard is not None:
                streams[id(table)] = (table.stream_shard, len(table.stream_shard.items))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, before in reversed(touched):
                if before is None:
                    table.items[hash_key].pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = before
            for shard, length in streams.values():
                del shard.items[length:]
            raise

    patch(moto_dynamodb, "copy", _TablesNotCopied)
    patch(backend, "transact_write_items", transact_write_items)


def forget_tracked_instances() -> int:
    """Empty moto's per-class lists of every model object it ever created (but S3's);
    how many references were dropped. In-process nothing else reads them: the objects
    still in use stay reachable from moto's backends, the rest can be freed."""
    from moto.core.model_instances import model_data  # noqa: PLC0415

    dropped = 0
    for service, models in model_data.items():
        if service in KEEP_TRACKED:
            continue
        for model in models.values():
            tracked = model.instances_tracked  # type: ignore[attr-defined]
            dropped += len(tracked)
            tracked.clear()
    return dropped


def _stream_shard(region: str, table_name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415

    return dynamodb_backends[ACCOUNT_ID][region].get_table(table_name).stream_shard


def _shard_iterators(region: str) -> dict[str, Any]:
    from moto.dynamodbstreams.models import dynamodbstreams_backends  # noqa: PLC0415

    return dynamodbstreams_backends[ACCOUNT_ID][region].shard_iterators


def forget_shard_iterator(region: str, iterator: str) -> None:
    """Drop a shard iterator that has been used (GetRecords answered with the next one):
    moto would keep it, and the shard it reads, for as long as the process lives."""
    _shard_iterators(region).pop(iterator, None)


def shard_iterator_is_live(region: str, table_name: str, iterator: str) -> bool:
    """Whether `iterator` reads the table's stream shard as it is now. moto rolls a
    cancelled transaction back by swapping in a copy of the table made before it, stream
    shard included, unless `narrow_transaction_backups` is on; an iterator made before
    would go on reading the replaced shard, cancelled writes and all."""
    used = _shard_iterators(region).get(iterator)
    return used is not None and used.stream_shard is _stream_shard(region, table_name)


def trim_stream(region: str, table_name: str, through: int) -> int:
    """Drop the stream records up to sequence number `through` (included); how many.

    moto numbers a shard's records from its starting sequence number by their position
    in the shard's list: the start moves up by as many as are dropped, so the records
    left keep their numbers, and so do the next ones. Only for records every reader has
    read: an iterator before the new start would fail. A cancelled transaction removes
    the records it added by position (`narrow_transaction_backups`), so this must not run
    during one: the runtime calls it between requests, under its lock."""
    shard = _stream_shard(region, table_name)
    count = min(through - shard.starting_sequence_number + 1, len(shard.items))
    if count <= 0:
        return 0
    del shard.items[:count]
    shard.starting_sequence_number += count
    return count
