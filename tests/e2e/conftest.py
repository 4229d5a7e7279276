"""The local runtime on a free port, driven over real HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
import requests

from local_runtime.aws import FAKE_ENVIRONMENT
from local_runtime.server import LocalRuntime
from teamspace.store.table import TeamspaceStore


class Client:
    """A user of the API: a token from /_local/tokens, and JSON requests with it."""

    def __init__(self, base: str, token: str | None) -> None:
        self.base = base
        self.token = token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return requests.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


class Api:
    def __init__(self, runtime: LocalRuntime) -> None:
        self.runtime = runtime
        self.base = runtime.url
        self.store = TeamspaceStore(
            boto3.client("dynamodb", region_name="us-east-1"), runtime.template.table_name()
        )

    def token(self, sub: str, email: str | None = None, **extra: Any) -> str:
        body = {"sub": sub, "email": email or f"{sub}@example.com", "name": sub.title(), **extra}
        reply = requests.post(f"{self.base}/_local/tokens", json=body, timeout=10)
        reply.raise_for_status()
        return reply.json()["token"]

    def user(self, sub: str, **extra: Any) -> Client:
        return Client(self.base, self.token(sub, **extra))

    def anonymous(self) -> Client:
        return Client(self.base, None)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    # The runtime gives this process every function's environment; none of it may
    # outlive the module, or later tests would read this runtime's settings.
    with mock.patch.dict(os.environ), pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_ENVIRONMENT.items():
            patch.setenv(name, value)
        runtime = LocalRuntime(port=0).start()
        try:
            yield Api(runtime)
        finally:
            runtime.stop()
