"""Fixtures for the store's tests: record builders, seeding through commit(), call recording.

Records are built directly and written with `store.commit([...])` of the entity modules'
operations, the same path the services use, so the items under test have exactly the
production shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import pytest

from teamspace.core.records import Member, Workspace, WorkspaceType
from teamspace.store import members as member_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore

MakeWorkspace = Callable[..., Workspace]
MakeMember = Callable[..., Member]


@pytest.fixture
def make_workspace(clock) -> MakeWorkspace:
    """A Workspace record stamped with the test clock's time; any field can be overridden."""

    def build(workspace_id: str, owner_id: str = "u-owner", **fields: Any) -> Workspace:
        now = clock.now()
        base = Workspace(
            workspace_id=workspace_id,
            name=f"Workspace {workspace_id}",
            type=WorkspaceType.SIMPLE,
            owner_id=owner_id,
            created_at=now,
            updated_at=now,
        )
        return replace(base, **fields)

    return build


@pytest.fixture
def make_member(clock) -> MakeMember:
    """A Member record (ACTIVE viewer by default) stamped with the test clock's time."""

    def build(workspace_id: str, user_id: str, **fields: Any) -> Member:
        now = clock.now()
        base = Member(
            workspace_id=workspace_id,
            user_id=user_id,
            email=f"{user_id}@example.com",
            name=f"Name {user_id}",
            role="viewer",
            status="ACTIVE",
            joined_at=now,
            updated_at=now,
        )
        return replace(base, **fields)

    return build


@pytest.fixture
def seed(store: TeamspaceStore) -> Callable[..., None]:
    """Write a workspace and/or members in one transaction, as a service would."""

    def write(workspace: Workspace | None = None, members: Iterable[Member] = ()) -> None:
        ops = [workspace_store.create_workspace(workspace)] if workspace is not None else []
        ops += [member_store.create_member(member) for member in members]
        store.commit(ops)

    return write


@pytest.fixture
def dynamodb_calls(dynamodb) -> list[str]:
    """The name of every DynamoDB operation the test's client makes, in order.

    A botocore `before-call` hook on the real (moto-backed) client: the store itself is
    not mocked, only watched.
    """
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    dynamodb.meta.events.register("before-call.dynamodb", record)
    return calls
