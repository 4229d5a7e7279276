"""The local runtime on a free port, driven over real HTTP (tests/support/http.py).

One runtime serves every module of this package that does not need its own (each flow
signs in users and makes workspaces of its own): starting and stopping one costs about a
second. It is started by the first module that asks and stopped when the package's last
test has run, so that no test outside this package ever runs beside it (they start moto
accounts of their own); a module that must have a runtime to itself (the soak, which
measures the process's growth) stops it first with `shared_runtime.stop()`, and the next
module that asks starts a new one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.support.browser import launched
from tests.support.http import Api, SharedRuntime


@pytest.fixture(scope="package")
def shared_runtime() -> Iterator[SharedRuntime]:
    shared = SharedRuntime()
    try:
        yield shared
    finally:
        shared.stop()


@pytest.fixture(scope="module")
def api(shared_runtime: SharedRuntime) -> Api:
    return shared_runtime.api()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One chromium for every page test of the run (tests/support/browser.py)."""
    with launched() as started:
        yield started
