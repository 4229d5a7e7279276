"""Fixtures every test on moto shares: an emulated AWS account with the template's table,
the store on top of it, and a controllable clock and id generator (from tests/support,
which the benchmarks import too: nothing is defined here that they need).

How the run is split over processes (pytest-xdist, `make test`): `pytest_xdist_make_scheduler`
below, explained in docs/testing.md ("How the suite is sped up").
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from local_runtime.aws import FAKE_ENVIRONMENT
from teamspace.store.table import TeamspaceStore
from tests.support import TABLE, TEMPLATE, FrozenClock, SequentialIds, Worlds, account, schedule


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("STAGE", "test")


@pytest.fixture
def aws(aws_env: None) -> Iterator[None]:
    """A fresh moto account with the template's table in it (tests/support/aws.py)."""
    with account():
        yield


@pytest.fixture
def dynamodb(aws: None):
    return boto3.client("dynamodb", region_name=TEMPLATE.region)


@pytest.fixture
def store(dynamodb) -> TeamspaceStore:
    return TeamspaceStore(dynamodb, TABLE)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture(scope="module")
def worlds() -> Worlds:
    """The module's worlds, each built once, restored for every test (tests/support/worlds.py)."""
    return Worlds()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    return schedule.make_scheduler(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    schedule.longest_first(config, items)
