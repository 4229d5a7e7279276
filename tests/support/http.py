"""The API over real HTTP, as the end-to-end tests drive the local runtime: users with a
token from /_local/tokens, and the requests and mail look-ups the flows share."""

from __future__ import annotations

import json
import os
import re
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from local_runtime.aws import FAKE_ENVIRONMENT
from local_runtime.faults import FaultSpec
from local_runtime.server import LocalRuntime
from teamspace.store.table import TeamspaceStore
from tests.support.clock import FrozenClock
from tests.support.events import EVENTS
from tests.support.teams import Team


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


class Users:
    """The users of a local runtime at `base`, each with a token from /_local/tokens;
    works for a runtime in another process too."""

    def __init__(self, base: str) -> None:
        self.base = base

    def token(self, sub: str, email: str | None = None, **extra: Any) -> str:
        body = {"sub": sub, "email": email or f"{sub}@example.com", "name": sub.title(), **extra}
        reply = requests.post(f"{self.base}/_local/tokens", json=body, timeout=10)
        reply.raise_for_status()
        return reply.json()["token"]

    def user(self, sub: str, **extra: Any) -> Client:
        return Client(self.base, self.token(sub, **extra))

    def anonymous(self) -> Client:
        return Client(self.base, None)

    def sign_in(self, email: str, password: str, **more: str) -> requests.Response:
        """POST /_local/sign-in: a password sign-in through the runtime's user pool."""
        return self.anonymous().post(
            "/_local/sign-in", json={"email": email, "password": password, **more}
        )

    def bearer(self, token: str) -> Client:
        """A client presenting `token` (one that /_local/sign-in handed out)."""
        return Client(self.base, token)


class Api(Users):
    """A local runtime running in this process: its users, and its table through the store."""

    def __init__(self, runtime: LocalRuntime) -> None:
        super().__init__(runtime.url)
        self.runtime = runtime
        self.store = TeamspaceStore(
            boto3.client("dynamodb", region_name="us-east-1"), runtime.template.table_name()
        )


def create_workspace(client: Client, name: str = "Acme", kind: str = "simple") -> str:
    """POST /v1/workspaces as `client`; the new workspace's id."""
    reply = client.post("/v1/workspaces", json={"name": name, "type": kind})
    assert reply.status_code == 201, reply.text
    return reply.json()["workspaceId"]


def create_team(api: Api, owner: Client, name: str = "Acme", kind: str = "simple") -> Team:
    """A workspace `owner` creates over HTTP, as a `Team` (tests/support/teams.py) whose
    members are seeded through the runtime's table, all at the instant it was created."""
    workspace_id = create_workspace(owner, name, kind)
    return Team(None, api.store, FrozenClock(datetime.now(UTC)), workspace_id)


def mails_to(api: Api, address: str) -> list[dict[str, Any]]:
    """The mail the runtime sent to `address` (/_local/outbox), oldest first."""
    outbox = api.anonymous().get("/_local/outbox")
    assert outbox.status_code == 200
    return [mail for mail in outbox.json() if mail["to"] == address]


def link_token(mail: dict[str, Any]) -> str:
    """The token of the first link in a mail's text."""
    url = re.search(r"https?://\S+", mail["text"]).group(0)
    return parse_qs(urlsplit(url).query)["token"][0]


def authorizer_says(api: Api, key: str, workspace_id: str) -> dict[str, Any]:
    """The API key authorizer's answer for `key` on a route of `workspace_id`, called
    in-process as another service's API Gateway would call it."""
    event = json.loads((EVENTS / "api_key_authorizer" / "bearer.json").read_text())
    event["headers"]["authorization"] = f"Bearer {key}"
    event["pathParameters"] = {"workspaceId": workspace_id}
    return api.runtime.functions["ApiKeyAuthorizerFunction"].invoke(event)


def own_runtime(undo: ExitStack, faults: FaultSpec | None = None) -> LocalRuntime:
    """A local runtime on a free port, with `faults` injected into DynamoDB's answers
    (local_runtime/faults.py; none when not given). The runtime gives this process every
    function's environment: `undo` stops it and puts the environment back as it was."""
    undo.enter_context(mock.patch.dict(os.environ))
    patch = undo.enter_context(pytest.MonkeyPatch.context())
    for name, value in FAKE_ENVIRONMENT.items():
        patch.setenv(name, value)
    runtime = LocalRuntime(port=0, faults=faults or FaultSpec()).start()
    undo.callback(runtime.stop)
    return runtime


class SharedRuntime:
    """One runtime for the modules that do not need their own, started on first use;
    `stop` stops it (the next `api()` starts a new one)."""

    def __init__(self) -> None:
        self._api: Api | None = None
        self._undo = ExitStack()

    def api(self) -> Api:
        if self._api is None:
            self._api = Api(own_runtime(self._undo))
        return self._api

    def stop(self) -> None:
        self._api = None
        self._undo.close()


def runtime_alone(shared: SharedRuntime, undo: ExitStack, **options: Any) -> LocalRuntime:
    """A runtime of a module's own, alone in the process: the package's shared one is
    stopped first (its memory and threads are not this one's); on a free port, its
    environment undone with `undo`; `options` as `own_runtime` takes them."""
    shared.stop()
    return own_runtime(undo, **options)


def billing_request(api: Api, detail_type: str, **detail: Any) -> requests.Response:
    """The platform's billing service putting `detail_type` on the bus (`POST /_local/bus`,
    from `platform.billing`, the local runtime's source in BillingSources)."""
    body = {"source": "platform.billing", "detailType": detail_type, "detail": detail}
    return requests.post(f"{api.base}/_local/bus", json=body, timeout=10)
