"""Shared fixtures: an emulated AWS account (moto) with the table built from template.yaml,
the store on top of it, and a controllable clock and id generator."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from local_runtime.aws import FAKE_ENVIRONMENT, create_table
from local_runtime.template import Template
from teamspace.store.table import TeamspaceStore

TEMPLATE = Template(stage="test")


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class SequentialIds:
    """Ids of the production shape, in a predictable order."""

    _ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new(self, prefix: str) -> str:
        n = next(self._counter)
        body = ""
        for _ in range(26):
            body = self._ALPHABET[n % 32] + body
            n //= 32
        return f"{prefix}_{body}"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TABLE_NAME", TEMPLATE.table_name())
    monkeypatch.setenv("STAGE", "test")


@pytest.fixture
def aws(aws_env: None) -> Iterator[None]:
    """A fresh moto account with the template's table in it."""
    with mock_aws():
        create_table(TEMPLATE)
        yield


@pytest.fixture
def dynamodb(aws: None):
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def store(dynamodb) -> TeamspaceStore:
    return TeamspaceStore(dynamodb, TEMPLATE.table_name())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()
