"""An emulated AWS account for the benchmarks: moto in-process with the template's table,
bus and queues, the functions loaded as Lambda loads them, a frozen
clock and sequential ids, exactly as the tests run them (tests/support/,
tests/functions/chain_helpers.py).

Everything a World changes in the process (environment, the wiring's clock and ids,
moto's adjustments of bench/lean_moto.py, the meter's hooks) is put back by `close()`,
so the smoke test can run it inside the test suite.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

import boto3
from moto import mock_aws

from bench.lean_moto import LeanMoto
from bench.meter import Meter
from local_runtime.aws import FAKE_ENVIRONMENT, create_resources, create_table, create_user_pool
from local_runtime.lambdas import LambdaContext, load_module
from teamspace import wiring
from teamspace.store.table import TeamspaceStore
from tests.support import (
    EVENTS,
    OWNER,
    OWNER_SUB,
    TEMPLATE,
    FrozenClock,
    Functions,
    Reply,
    SequentialIds,
    Team,
    create_workspace,
    invite,
    sample_event,
    user,
)

__all__ = ["OWNER", "OWNER_SUB", "World", "sample_event", "user"]

# Stage parameters raised for the benchmark only: hundreds of calls from one inviter in
# one (frozen) hour would otherwise meet the hourly send limit and the pending limit,
# which are business rules, not costs. Every other setting is the template's.
BENCH_ENVIRONMENT = {
    "MAX_PENDING_INVITATIONS": "1000000",
    "INVITES_PER_INVITER_PER_HOUR": "1000000",
    # The SMTP scenarios' server is on 127.0.0.1 (bench/scenarios.relay), as in the
    # local runtime, whose stage allows it.
    "SMTP_ALLOW_PRIVATE_HOSTS": "true",
}


class World:
    """One moto account with the suite's resources, and the handlers to call in it."""

    def __init__(self) -> None:
        self.template = TEMPLATE
        self.table = TEMPLATE.table_name()
        self.specs = TEMPLATE.functions()
        self._environ = dict(os.environ)
        self._wiring = (wiring.clock(), wiring.ids())  # restored on close
        self.lean = LeanMoto()
        self._mock = mock_aws()
        self.clock = FrozenClock()
        self.ids = SequentialIds()
        self._counter = 0

    # ---- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> World:
        self.open()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def open(self) -> None:
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        os.environ.update(FAKE_ENVIRONMENT)
        # One process plays every function: give it each function's environment, as
        # tests/functions/chain_helpers.Chain does.
        for spec in self.specs.values():
            os.environ.update(
                {k: v for k, v in spec.environment.items() if k != "POWERTOOLS_SERVICE_NAME"}
            )
        os.environ.update(BENCH_ENVIRONMENT)
        os.environ["STAGE"] = "test"
        os.environ["TABLE_NAME"] = self.table
        self._mock.start()
        self.lean.start()
        create_table(TEMPLATE)
        create_resources(TEMPLATE)
        os.environ["USER_POOL_ID"], self.user_pool_client = create_user_pool(TEMPLATE)
        wiring.configure(clock=self.clock, ids=self.ids)
        self.functions = Functions(TEMPLATE)
        self.raw = boto3.client("dynamodb", region_name=TEMPLATE.region)  # never hooked
        self.store = TeamspaceStore(self.raw, self.table)
        self.meter = Meter(self)
        self.meter.start()

    def close(self) -> None:
        if hasattr(self, "meter"):
            self.meter.stop()
        self.lean.stop()
        with contextlib.suppress(RuntimeError):  # it never started
            self._mock.stop()
        clock, ids = self._wiring
        wiring.configure(clock=clock, ids=ids)
        os.environ.clear()
        os.environ.update(self._environ)

    # ---- calling functions -------------------------------------------------------------

    def unique(self, prefix: str = "n") -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def call(self, logical_id: str, event: dict[str, Any], expect: int | None = None) -> Reply:
        return self._expect(self.functions.call(logical_id, event), logical_id, expect)

    @staticmethod
    def _expect(reply: Reply, logical_id: str, expect: int | None) -> Reply:
        if expect is not None and reply.status != expect:
            raise AssertionError(f"{logical_id} answered {reply.status}: {reply.body}")
        return reply

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        module = load_module(self.specs[logical_id])
        return module.lambda_handler(event, LambdaContext(function_name=logical_id))

    # ---- building state through the handlers -----------------------------------------

    def create_workspace(
        self, owner: dict[str, Any] | None = None, *, kind: str = "simple", name: str = "Acme Voice"
    ) -> str:
        reply = create_workspace(self.functions, name, kind, who=owner, key=None)
        return self._expect(reply, "WorkspacesFunction", 201).body["workspaceId"]

    def team(self, workspace_id: str) -> Team:
        """The workspace as a team of the tests' vocabulary (tests/support/teams.py)."""
        return Team(self.functions, self.store, self.clock, workspace_id)

    def seed_member(
        self, workspace_id: str, user_id: str, role: str = "member", **fields: Any
    ) -> None:
        self.team(workspace_id).add(user_id, role, **fields)

    def invite(
        self,
        workspace_id: str,
        email: str,
        role: str = "member",
        *,
        send_email: bool = False,
        who: dict[str, Any] | None = None,
    ) -> Reply:
        reply = invite(
            self.functions, email, role, who=who, workspace=workspace_id, send_email=send_email
        )
        return self._expect(reply, "InvitationsFunction", 201)

    def last_event(self, detail_type: str) -> dict[str, Any]:
        """The last outbox event of a type any handler wrote (the meter sees them all)."""
        for detail_type_seen, detail in reversed(self.meter.outbox):
            if detail_type_seen == detail_type:
                return detail
        raise LookupError(f"no {detail_type} event was written")

    @staticmethod
    def bus_event(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
        """An outbox event as EventBridge delivers it to a rule's target."""
        sample = json.loads((EVENTS / "bus" / "MemberRemoved.json").read_text())
        return {**sample, "detail-type": detail_type, "detail": detail}
