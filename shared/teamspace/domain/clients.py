"""Agencies and their clients: client workspaces and their minute budgets. (The agency's
staff working in them are `client_staff`'s; a client following its agency's new owner is
`client_handover`'s.)

- A client is a simple workspace whose `parentWorkspaceId` is the agency. Whoever owns
  the agency owns it: the agency keeps control whoever created it, and when the agency
  changes hands its clients do too. Access follows the agency at once (`access.admit`
  decides a client's owner from the agency); the clients' own items follow when the
  client_access consumer has run (`client_handover`).
- A client's minute budget (`settings.minuteBudget`) is taken from the agency's pool
  (`settings.minutePool`). The agency item counts what its clients hold
  (`minutesAssigned`), and every change of a budget moves that count in the same
  transaction, conditional on the pool read: budgets can never add up past the pool.
- What a client used of its budget this month is `client_usage`'s, shown in the list
  beside the budget: one more read per page (a BatchGetItem), whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from teamspace.core.errors import Conflict
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.records import Member, Page, Workspace, WorkspaceType
from teamspace.domain.access import Access, assigned_before, owns
from teamspace.domain.client_steps import ClientSteps, client_of, via
from teamspace.domain.client_usage import used_in_period
from teamspace.domain.idempotency import IdempotencyRequest, commit_once
from teamspace.domain.workspaces import founding
from teamspace.permissions import OWNER, Feature, MemberStatus
from teamspace.store import members as member_store
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp


@dataclass(frozen=True, slots=True)
class ClientPage:
    agency: Workspace
    clients: Page[Workspace]
    # The caller's role in each client of the page (None where they have none), as
    # `GET /v1/workspaces` shows it.
    roles: dict[str, str | None]
    # The budget period (`YYYY-MM`, UTC) and the minutes each client of the page used in
    # it (domain/client_usage.py).
    period: str
    used: dict[str, int]


class ClientService(ClientSteps):
    """Client workspaces of an agency: created, listed, given budgets from its pool."""

    def create(
        self,
        caller: Caller,
        agency_id: str,
        *,
        name: str,
        description: str | None,
        minute_budget: int,
        idempotency: IdempotencyRequest | None = None,
    ) -> Workspace:
        access = self.enter_agency(caller, snapshots.load(self.store, agency_id, [caller.user_id]))
        # A new client is what an agency on a plan without agencies may no longer make;
        # its clients, their budgets and staff stay its to manage.
        access.entitled(Feature.AGENCY_WORKSPACE)
        agency = access.workspace
        owner = self._agency_owner(access)
        now = self.clock.now()
        client = Workspace(
            workspace_id=self.ids.new("ws"),
            name=name,
            description=description,
            type=WorkspaceType.SIMPLE,
            owner_id=owner.user_id,
            parent_workspace_id=agency_id,
            settings={"minuteBudget": minute_budget},
            created_at=now,
            updated_at=now,
            member_count=1,
            seats_used=1,
        )
        ops = [
            *founding(client, owner.user_id, owner.email, owner.name),
            *self._take_minutes(agency, minute_budget),
            *access.guards(),
            self.event(
                DetailType.WORKSPACE_CREATED,
                client.workspace_id,
                via(access),
                {
                    "name": name,
                    "type": client.type.value,
                    "ownerId": owner.user_id,
                    "parentWorkspaceId": agency_id,
                    "minuteBudget": minute_budget,
                },
                now,
            ),
        ]
        first = commit_once(
            self.store,
            ops,
            idempotency=idempotency,
            caller=caller,
            operation=f"CreateClient:{agency_id}",
            result=client,
            at=now,
        )
        return first or client

    def list(self, caller: Caller, agency_id: str, *, limit: int, cursor: str | None) -> ClientPage:
        access = self.enter_agency(caller, snapshots.load(self.store, agency_id, [caller.user_id]))
        agency = access.workspace
        page = workspace_store.list_clients(self.store, agency_id, limit=limit, cursor=cursor)
        if owns(agency, access.actor):
            roles: dict[str, str | None] = {c.workspace_id: OWNER for c in page.items}
        else:
            roles = self._roles_in(access, [c.workspace_id for c in page.items])
        period, used = used_in_period(
            self.store, self.clock.now(), [c.workspace_id for c in page.items]
        )
        return ClientPage(agency, page, roles, period, used)

    def _roles_in(self, access: Access, client_ids: list[str]) -> dict[str, str | None]:
        """The caller's role in each of these clients, for someone who does not own the
        agency (one read of their items there): what `access.admit` would let them act
        as, so that the list and the clients themselves agree."""
        places = member_store.memberships_in(self.store, access.actor.user_id, client_ids)
        roles: dict[str, str | None] = dict.fromkeys(client_ids)
        for client_id, member in places.items():
            if member.status != MemberStatus.ACTIVE or member.role == OWNER:
                continue  # an owner item of a past owner of the agency grants nothing
            if member.via is not None and assigned_before(member, access.actor):
                continue
            roles[client_id] = member.role
        return roles

    def set_budget(self, caller: Caller, agency_id: str, client_id: str, budget: int) -> Workspace:
        read = snapshots.load_related(self.store, {agency_id: [caller.user_id], client_id: []})
        access = self.enter_agency(caller, read[agency_id])
        client = client_of(read[client_id], agency_id)
        delta = budget - client.minute_budget
        if delta == 0:
            return client
        now = self.clock.now()
        updated = replace(
            client,
            settings={**client.settings, "minuteBudget": budget},
            updated_at=now,
            version=client.version + 1,
        )
        self.store.commit(
            [
                workspace_store.update_workspace(updated, expected_version=client.version),
                *self._take_minutes(access.workspace, delta),
                *access.guards(),
                self.event(
                    DetailType.WORKSPACE_UPDATED,
                    client_id,
                    via(access),
                    {"changed": ["settings"]},
                    now,
                ),
            ]
        )
        return updated

    def _agency_owner(self, access: Access) -> Member:
        owner_id = access.workspace.owner_id
        if owner_id == access.actor.user_id:
            return access.actor
        owner = snapshots.load(self.store, access.workspace.workspace_id, [owner_id]).members.get(
            owner_id
        )
        if owner is None:  # an owner is always a member; a half-read race at worst
            raise Conflict("CONCURRENT_UPDATE", "The agency changed while this request ran")
        return owner

    @staticmethod
    def _take_minutes(agency: Workspace, minutes: int) -> list[WriteOp]:
        """Move the minutes the agency's clients hold by `minutes`, within the pool."""
        if minutes == 0:
            return []
        room = agency.minute_pool - agency.minutes_assigned
        if minutes > room:
            raise minute_pool_exceeded(room)
        return [workspace_store.take_minutes(agency.workspace_id, minutes, agency.minute_pool)]


def minute_pool_exceeded(room: int) -> Conflict:
    return Conflict(
        "MINUTE_POOL_EXCEEDED",
        f"The agency's minute pool has {max(room, 0)} minutes left to assign",
    )
