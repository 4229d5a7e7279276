from __future__ import annotations

import pytest

from teamspace.api import wiring
from tests.conftest import TEMPLATE
from tests.support import Functions


@pytest.fixture
def functions(aws, clock, ids) -> Functions:
    """Handlers of the template's functions, on a fresh moto table, with a frozen clock."""
    wiring.configure(clock=clock, ids=ids)
    return Functions(TEMPLATE)
