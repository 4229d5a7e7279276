"""The write operations a transaction is made of, whatever they write.

A service composes a change from the entity modules' operations (the state change, the
re-checks its permission decision relied on, the outbox record) and the table adapter
commits them in one TransactWriteItems. Each operation names the error to raise when
its condition fails, so the cancellation reasons map back to what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from teamspace.core.errors import TeamspaceError
from teamspace.store import codec, keys


@dataclass(frozen=True, slots=True)
class WriteOp:
    """One item of a TransactWriteItems, without the table name."""

    kind: str  # Put | Update | Delete | ConditionCheck
    request: dict[str, Any]
    on_condition_failed: TeamspaceError | None = None

    def key(self) -> tuple[str, str]:
        if self.kind == "Put":
            item = self.request["Item"]
            return item[keys.PK]["S"], item[keys.SK]["S"]
        key = self.request["Key"]
        return key[keys.PK]["S"], key[keys.SK]["S"]


def attribute_values(**values: Any) -> dict[str, Any]:
    return codec.to_attributes({f":{name}": value for name, value in values.items()})


def put_new(item: dict[str, Any], error: TeamspaceError) -> WriteOp:
    """Put `item`, which must not exist yet; `error` when it does."""
    return WriteOp(
        "Put",
        {"Item": codec.to_attributes(item), "ConditionExpression": "attribute_not_exists(PK)"},
        error,
    )
