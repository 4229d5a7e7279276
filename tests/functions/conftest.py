from __future__ import annotations

import pytest

from local_runtime.aws import create_user_pool
from teamspace import wiring
from tests.support import SAMPLE_TARGET, TEMPLATE, Functions, Team

# The sample workspace's people below its owner in `ranked_team`: role -> user id.
RANKED = {"admin": "ada", "manager": "mia", "member": SAMPLE_TARGET, "viewer": "vic"}


@pytest.fixture
def functions(aws, clock, ids) -> Functions:
    """Handlers of the template's functions, on a fresh moto table, with a frozen clock."""
    wiring.configure(clock=clock, ids=ids)
    return Functions(TEMPLATE)


@pytest.fixture
def pool(functions, monkeypatch) -> dict[str, str]:
    """The template's Cognito user pool in the test's moto account, named to the
    functions (USER_POOL_ID), so that the managed-account routes reach the pool instead
    of their 501. A world's snapshot holds the tables only: each test makes its own."""
    pool_id, client_id = create_user_pool(TEMPLATE)
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    wiring.reset()
    return {"pool": pool_id, "client": client_id}


@pytest.fixture
def ranked_team(functions, store, clock, ids, worlds) -> dict[str, str]:
    """The sample workspace (owned by the sample owner) with an admin, a manager, a member
    and a viewer, and a second admin (`ada2`) to test peers; returns role -> user id.
    Built once per module (tests/support/worlds.py)."""

    def build() -> dict[str, str]:
        team = Team.create(functions, store, clock)
        people = team.add_people(RANKED)
        team.add("ada2", "admin")
        return people

    return worlds.once("ranked_team", clock, ids, build)
