"""What the services taking the billing service's requests share (workspace_standing,
plan_changes, client_usage): the actor their events name, and how a request's
transaction, its marker among its writes, is committed once."""

from __future__ import annotations

from teamspace.core.errors import Conflict, Contention
from teamspace.core.events import Actor
from teamspace.store.billing_requests import RequestTaken
from teamspace.store.ops import WriteOp
from teamspace.store.table import TeamspaceStore

# The actor of the changes the billing service asks for.
BILLING_ACTOR = Actor(type="system", id="billing")


def commit_request(store: TeamspaceStore, ops: list[WriteOp]) -> bool:
    """Commit a billing request's transaction (its marker among `ops`): False when a
    concurrent delivery of the same request took the marker first. Anything else the
    transaction found changed since the read (the workspace, its keys) raises
    `Contention`, so the retry policy (core/retry.py) runs the whole cycle again from a
    fresh read."""
    try:
        store.commit(ops)
    except RequestTaken:
        return False
    except Contention:
        raise
    except Conflict as error:
        raise Contention() from error
    return True
