from __future__ import annotations

import pytest

from teamspace import wiring
from tests.conftest import TEMPLATE
from tests.support import SAMPLE_TARGET, SAMPLE_WORKSPACE, Functions, sample_event, seed_member


@pytest.fixture
def functions(aws, clock, ids) -> Functions:
    """Handlers of the template's functions, on a fresh moto table, with a frozen clock."""
    wiring.configure(clock=clock, ids=ids)
    return Functions(TEMPLATE)


@pytest.fixture
def ranked_team(functions, store, clock) -> dict[str, str]:
    """The sample workspace (owned by the sample owner) with an admin, a manager, a member
    and a viewer, and a second admin (`ada2`) to test peers; returns role -> user id."""
    created = functions.call("WorkspacesFunction", sample_event("workspaces/create-workspace.json"))
    assert created.status == 201
    people = {"admin": "ada", "manager": "mia", "member": SAMPLE_TARGET, "viewer": "vic"}
    for role, user_id in people.items():
        seed_member(store, SAMPLE_WORKSPACE, user_id, role, clock.now())
    seed_member(store, SAMPLE_WORKSPACE, "ada2", "admin", clock.now())
    return people
