"""DynamoDB on-demand request units, computed from item sizes by DynamoDB's published rules.

moto reports no meaningful ConsumedCapacity (fixed 0.5 / 1 / 2 per request, whatever the
item size), so the benchmark computes the units each request would consume from the
items it reads and writes, by the rules of the DynamoDB Developer Guide ("DynamoDB item
sizes and formats", "Read/write capacity mode", "Capacity management for transactions"):

- item size: the sum of attribute names and values (strings and binaries by their UTF-8 /
  raw length, numbers 1 byte per two significant digits + 1, booleans and nulls 1 byte,
  lists and maps 3 bytes + 1 byte per element + the elements);
- read request units (RRU): 1 per 4 KB for a strongly consistent read, 0.5 per 4 KB for
  an eventually consistent one (every GSI read); GetItem and each key of a BatchGetItem
  are rounded up on their own, an absent item still costs the minimum; a Query rounds
  the total size of the items it *evaluated* (before any FilterExpression) up once;
- write request units (WRU): 1 per 1 KB of the larger of the item before and after the
  write (the deleted item for a Delete), at least 1; inside TransactWriteItems every
  write costs twice that, and a ConditionCheck is a transactional read (2 RRU per 4 KB);
- each global secondary index an item is in (before or after the write) costs standard
  writes of its index entry (projection ALL: the whole item): a put when the item enters
  the index or changes there, a delete when it leaves, both when its index key changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

AttributeMap = dict[str, dict[str, Any]]

READ_BLOCK = 4096
WRITE_BLOCK = 1024


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").lower().split("e")[0].replace(".", "").strip("0")
    return math.ceil(max(len(digits), 1) / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    """The size of one typed attribute value (`{"S": ...}`, `{"M": {...}}`, ...)."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(data) if isinstance(data, bytes | bytearray) else len(str(data).encode())
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in data)
    if kind == "NS":
        return sum(_number_size(n) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in data.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: AttributeMap | None) -> int:
    """An item's size in bytes (0 for no item)."""
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, *, consistent: bool) -> float:
    """RRU of reading `size` bytes in one unit of rounding (at least the minimum)."""
    blocks = max(1, math.ceil(size / READ_BLOCK))
    return float(blocks) if consistent else blocks / 2


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_BLOCK))


@dataclass(frozen=True)
class IndexKeys:
    """A GSI's key attribute names."""

    name: str
    partition: str
    sort: str | None

    def key_of(self, item: AttributeMap | None) -> tuple[Any, ...] | None:
        """The item's key in this index, or None when the item is not in it (sparse)."""
        if not item or self.partition not in item:
            return None
        if self.sort is not None and self.sort not in item:
            return None
        return (
            str(item[self.partition]),
            str(item[self.sort]) if self.sort is not None else None,
        )


def index_write_units(
    indexes: list[IndexKeys], before: AttributeMap | None, after: AttributeMap | None
) -> int:
    """Standard WRU the GSIs consume for one item going from `before` to `after`."""
    units = 0
    for index in indexes:
        old, new = index.key_of(before), index.key_of(after)
        if old is None and new is None:
            continue
        if old is not None and new is not None and old == new:
            if before != after:
                units += write_units(item_size(after))
        else:
            if old is not None:
                units += write_units(item_size(before))
            if new is not None:
                units += write_units(item_size(after))
    return units


def table_indexes(definition: dict[str, Any]) -> list[IndexKeys]:
    """The GSIs of a CreateTable definition (template.yaml's table)."""
    found = []
    for index in definition.get("GlobalSecondaryIndexes", []):
        schema = {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]}
        found.append(IndexKeys(index["IndexName"], schema["HASH"], schema.get("RANGE")))
    return found
