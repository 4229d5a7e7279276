"""Items <-> DynamoDB's typed attributes: the one place that knows DynamoDB's types.
Each entity's module maps its records to plain items and back."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

AttributeMap = dict[str, dict[str, Any]]


@cache
def _types() -> tuple[Any, Any]:
    """boto3's (de)serializer, loaded on first use: importing boto3.dynamodb loads the
    whole of boto3 and botocore, which would otherwise be most of a cold start."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: PLC0415

    return TypeSerializer(), TypeDeserializer()


def to_attributes(item: dict[str, Any]) -> AttributeMap:
    """A plain dict as DynamoDB's typed attribute map; None values are left out."""
    serializer = _types()[0]
    return {name: serializer.serialize(value) for name, value in item.items() if value is not None}


def from_attributes(attributes: AttributeMap) -> dict[str, Any]:
    deserializer = _types()[1]
    return {name: _plain(deserializer.deserialize(value)) for name, value in attributes.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the domain wants int."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value
