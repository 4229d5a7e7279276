"""What the agency's client services share: entering the agency as someone who may manage
its clients, finding one of its clients, and the actor of the agency's own changes.

The agency's clients are four modules: `clients` (create, list, budgets),
`client_staff` (assigning agency staff, and withdrawing them when they leave) and
`client_handover` (a client following its agency's new owner), over this one.
"""

from __future__ import annotations

from teamspace import permissions
from teamspace.core.errors import InvalidInput, NotFound
from teamspace.core.events import Actor
from teamspace.core.identity import Caller
from teamspace.core.records import Workspace
from teamspace.domain.access import Access, admit, enforce
from teamspace.domain.service import DomainService
from teamspace.permissions import Permission, Use
from teamspace.store.snapshots import Snapshot

# The system actor of clean-ups the agency's own changes set off.
CLIENT_ACCESS_ACTOR = "client-access"


def client_not_found() -> NotFound:
    return NotFound("CLIENT_NOT_FOUND", "No such client workspace of this agency")


class ClientSteps(DomainService):
    """The steps every client service takes."""

    def enter_agency(self, caller: Caller, snapshot: Snapshot) -> Access:
        """The caller in the agency, allowed to manage its clients."""
        access = admit(self.store, caller, snapshot)
        access.require(Permission.CLIENTS_MANAGE)
        if not access.workspace.is_agency:
            raise InvalidInput("NOT_AN_AGENCY", "Only an agency workspace has client workspaces")
        return access


def via(access: Access) -> Actor:
    """The caller acting in one of the agency's clients, through the agency."""
    return Actor(type="user", id=access.actor.user_id, via=access.workspace.workspace_id)


def client_of(snapshot: Snapshot, agency_id: str, use: Use = Use.ACT) -> Workspace:
    """The agency's client the read brought; 404 if it is none, 403 WORKSPACE_SUSPENDED
    while it is suspended, unless its standing allows `use` (nothing in it grows or
    changes meanwhile; taking an assignment away still works)."""
    client = snapshot.workspace
    if client is None or not client.is_live or client.parent_workspace_id != agency_id:
        raise client_not_found()
    enforce(permissions.check_standing(client.status.value, use))
    return client
