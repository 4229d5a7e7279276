"""Agencies and their clients: client workspaces, their minute budgets, and the agency
staff assigned to work in them.

- A client is a simple workspace whose `parentWorkspaceId` is the agency. Whoever owns
  the agency owns it: the agency keeps control whoever created it, and when the agency
  changes hands its clients do too. Access follows the agency at once (`access.admit`
  decides a client's owner from the agency); the clients' own items follow when the
  client_access consumer has run (`follow_agency_owner`).
- A client's minute budget (`settings.minuteBudget`) is taken from the agency's pool
  (`settings.minutePool`). The agency item counts what its clients hold
  (`minutesAssigned`), and every change of a budget moves that count in the same
  transaction, conditional on the pool read: budgets can never add up past the pool.
- An assignment makes an agency member a member of the client (`via` the agency) with
  the role it names, admin unless told otherwise. They act there only while they are
  an active member of the agency (`access.admit`), and their events name the agency.
  Unassigning removes the membership at once; removing them from the agency leaves the
  clean-up of every assignment to the client_access consumer (`withdraw_staff`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from teamspace import permissions
from teamspace.clock import iso
from teamspace.domain.access import Access, admit, assigned_before, enforce, owns, role_of
from teamspace.domain.events import Actor, DetailType
from teamspace.domain.idempotency import IdempotencyRequest, commit_once
from teamspace.domain.identity import Caller
from teamspace.domain.membership import resolve_user_id
from teamspace.domain.records import Member, Page, Workspace, WorkspaceType
from teamspace.domain.service import DomainService
from teamspace.domain.workspaces import founding
from teamspace.errors import Conflict, InvalidInput, NotFound, member_not_found
from teamspace.permissions import ADMIN, OWNER, MemberStatus, Permission
from teamspace.store import codec, custom_roles, writes
from teamspace.store.table import Snapshot

# The system actor of clean-ups the agency's own changes set off.
CLIENT_ACCESS_ACTOR = "client-access"


@dataclass(frozen=True, slots=True)
class ClientPage:
    agency: Workspace
    clients: Page[Workspace]
    # The caller's role in each client of the page (None where they have none), as
    # `GET /v1/workspaces` shows it.
    roles: dict[str, str | None]


def client_not_found() -> NotFound:
    return NotFound("CLIENT_NOT_FOUND", "No such client workspace of this agency")


def assignment_not_found() -> NotFound:
    return NotFound("ASSIGNMENT_NOT_FOUND", "This member is not assigned to the client")


class ClientService(DomainService):
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
        access = self._enter(caller, self.store.load(agency_id, [caller.user_id]))
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
                _via(access),
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
            result={"workspace": codec.workspace_item(client)},
            at=now,
        )
        return codec.workspace_from_item(first["workspace"]) if first else client

    def list(self, caller: Caller, agency_id: str, *, limit: int, cursor: str | None) -> ClientPage:
        access = self._enter(caller, self.store.load(agency_id, [caller.user_id]))
        agency = access.workspace
        page = self.store.list_clients(agency_id, limit=limit, cursor=cursor)
        if owns(agency, access.actor):
            roles: dict[str, str | None] = {c.workspace_id: OWNER for c in page.items}
        else:
            roles = self._roles_in(access, [c.workspace_id for c in page.items])
        return ClientPage(agency, page, roles)

    def _roles_in(self, access: Access, client_ids: list[str]) -> dict[str, str | None]:
        """The caller's role in each of these clients, for someone who does not own the
        agency (one read of their items there): what `access.admit` would let them act
        as, so that the list and the clients themselves agree."""
        places = self.store.memberships_in(access.actor.user_id, client_ids)
        roles: dict[str, str | None] = dict.fromkeys(client_ids)
        for client_id, member in places.items():
            if member.status != MemberStatus.ACTIVE or member.role == OWNER:
                continue  # an owner item of a past owner of the agency grants nothing
            if member.via is not None and assigned_before(member, access.actor):
                continue
            roles[client_id] = member.role
        return roles

    def set_budget(self, caller: Caller, agency_id: str, client_id: str, budget: int) -> Workspace:
        snapshots = self.store.load_related({agency_id: [caller.user_id], client_id: []})
        access = self._enter(caller, snapshots[agency_id])
        client = _client_of(snapshots[client_id], agency_id)
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
                writes.update_workspace(updated, expected_version=client.version),
                *self._take_minutes(access.workspace, delta),
                *access.guards(),
                self.event(
                    DetailType.WORKSPACE_UPDATED,
                    client_id,
                    _via(access),
                    {"changed": ["settings"]},
                    now,
                ),
            ]
        )
        return updated

    def assign(
        self, caller: Caller, agency_id: str, client_id: str, user_id: str, role_key: str | None
    ) -> Member:
        """Give an agency member a role in a client (admin by default); assigning again
        changes the role."""
        user_id = resolve_user_id(caller, user_id)
        snapshots = self.store.load_related(
            {agency_id: [caller.user_id, user_id], client_id: [user_id]}
        )
        access = self._enter(caller, snapshots[agency_id])
        client = _client_of(snapshots[client_id], agency_id)
        staff = access.members.get(user_id)
        if staff is None or staff.status != MemberStatus.ACTIVE:
            raise member_not_found()
        if owns(access.workspace, staff):
            raise Conflict(
                "ALREADY_A_MEMBER",
                "The agency's owner owns its clients; there is nothing to assign",
            )
        role = client.role(role_key or ADMIN)
        if role is None:
            raise custom_roles.unknown_role(role_key or ADMIN)
        enforce(permissions.check_client_assignment(access.subject, role))
        existing = snapshots[client_id].members.get(user_id)
        now = self.clock.now()
        checks = [
            writes.require_member_unchanged(staff),
            *access.guards(actor=staff.user_id != access.actor.user_id),
        ]
        if existing is not None:
            return self._reassign(access, client, existing, role.key, checks, now)
        member = Member(
            workspace_id=client_id,
            user_id=user_id,
            email=staff.email,
            name=staff.name,
            job_title=staff.job_title,
            role=role.key,
            status=MemberStatus.ACTIVE,
            joined_at=now,
            updated_at=now,
            via=agency_id,
            role_definition=role,
        )
        self.store.commit(
            [
                writes.create_member(member),
                writes.claim_member_email(client_id, member.email, user_id),
                writes.adjust_counters(
                    client_id,
                    members=1,
                    seat_limit=True,
                    on_failed=Conflict("SEAT_LIMIT_REACHED", "All of the client's seats are taken"),
                ),
                *custom_roles.take_role(client, role.key),
                *checks,
                self.event(
                    DetailType.MEMBER_JOINED,
                    client_id,
                    _via(access),
                    {
                        "userId": user_id,
                        "email": member.email,
                        "role": role.key,
                        "invitedBy": caller.user_id,
                        "via": agency_id,
                    },
                    now,
                ),
            ]
        )
        return member

    def _reassign(
        self,
        access: Access,
        client: Workspace,
        existing: Member,
        role_key: str,
        checks: list[writes.WriteOp],
        now: datetime,
    ) -> Member:
        if existing.via != access.workspace.workspace_id:
            raise writes.already_member(existing.email)
        resolved = replace(existing, role_definition=role_of(role_key, client))
        if existing.role == role_key:
            return resolved
        updated = replace(resolved, role=role_key, updated_at=now, version=existing.version + 1)
        self.store.commit(
            [
                writes.replace_member(updated, expected_version=existing.version),
                *custom_roles.give_back_role(client.workspace_id, existing.role),
                *custom_roles.take_role(client, role_key),
                *checks,
                self.event(
                    DetailType.MEMBER_ROLE_CHANGED,
                    client.workspace_id,
                    _via(access),
                    {"userId": existing.user_id, "previousRole": existing.role, "role": role_key},
                    now,
                ),
            ]
        )
        return updated

    def unassign(self, caller: Caller, agency_id: str, client_id: str, user_id: str) -> None:
        """Take an agency member's access to a client away, at once."""
        user_id = resolve_user_id(caller, user_id)
        snapshots = self.store.load_related({agency_id: [caller.user_id], client_id: [user_id]})
        access = self._enter(caller, snapshots[agency_id])
        _client_of(snapshots[client_id], agency_id)
        member = snapshots[client_id].members.get(user_id)
        if member is None or member.via != agency_id:
            raise assignment_not_found()
        now = self.clock.now()
        self.store.commit(
            [
                *self._withdrawal(member, _via(access), now),
                *access.guards(),
            ]
        )

    def withdraw_staff(self, agency_id: str, user_id: str) -> int:
        """Remove every assignment an agency gave `user_id` once they are no longer an
        active member of it (the client_access consumer, on MemberRemoved/MemberLeft).

        Idempotent: an assignment already gone is skipped. A user who is back in the
        agency (removed, then invited again) keeps only what was assigned since.
        """
        standing = self.store.load(agency_id, [user_id]).members.get(user_id)
        actor = Actor(type="system", id=CLIENT_ACCESS_ACTOR, via=agency_id)
        withdrawn = 0
        for member in self.store.assignments_of(user_id, agency_id):
            if standing is not None and not assigned_before(member, standing):
                continue  # given since they came back: theirs to keep
            now = self.clock.now()
            try:
                self.store.commit(self._withdrawal(member, actor, now))
            except Conflict:
                # Changed since the index was read (a role change) or already gone:
                # read it again and withdraw what is there.
                current = self.store.load(member.workspace_id, [user_id]).members.get(user_id)
                if current is None or current.via != agency_id:
                    continue
                self.store.commit(self._withdrawal(current, actor, self.clock.now()))
            withdrawn += 1
        return withdrawn

    def follow_agency_owner(self, agency_id: str) -> int:
        """Hand every client of the agency to whoever owns the agency now (the
        client_access consumer, on OwnershipTransferred in an agency); how many moved.

        Access follows the agency already (`access.admit`); this brings each client's own
        items in line, one transaction per client: its `ownerId`, the previous owner's
        item removed, the new owner's made (or their assignment or membership turned into
        the owner's), with OwnershipTransferred and MemberRemoved in the client's log.
        It reads the agency's owner now rather than the event's, so it is idempotent and
        events arriving out of order end in the same place.
        """
        agency = self.store.load(agency_id).workspace
        if agency is None or not agency.is_agency:
            return 0
        owner = self.store.load(agency_id, [agency.owner_id]).members.get(agency.owner_id)
        if owner is None or not owns(agency, owner):
            raise Conflict("CONCURRENT_UPDATE", "The agency changed hands while this ran")
        actor = Actor(type="system", id=CLIENT_ACCESS_ACTOR, via=agency_id)
        moved = 0
        cursor: str | None = None
        while True:
            page = self.store.list_clients(agency_id, limit=100, cursor=cursor)
            for client in page.items:
                if client.owner_id == owner.user_id:
                    continue
                try:
                    moved += self._hand_over(client.workspace_id, client.owner_id, owner, actor)
                except Conflict:  # the client changed since it was read: once more
                    moved += self._hand_over(client.workspace_id, client.owner_id, owner, actor)
            if page.next_cursor is None:
                return moved
            cursor = page.next_cursor

    def _hand_over(self, client_id: str, owner_read: str, owner: Member, actor: Actor) -> int:
        """One client to the agency's owner (`owner`: their agency membership), from the
        owner it was read with (`owner_read`, from the list's index)."""
        snapshot = self.store.load(client_id, [owner_read, owner.user_id])
        client = snapshot.workspace
        if client is None or not client.is_active or client.owner_id == owner.user_id:
            return 0
        if client.owner_id != owner_read:  # the index was behind: read its owner too
            return self._hand_over(client_id, client.owner_id, owner, actor)
        previous = snapshot.members.get(client.owner_id)
        current = snapshot.members.get(owner.user_id)
        now = self.clock.now()
        ops: list[writes.WriteOp] = []
        members = 0
        if previous is not None and previous.role == OWNER:
            members -= 1
            ops += [
                writes.delete_member(previous),
                writes.release_member_email(client_id, previous.email),
                self.event(
                    DetailType.MEMBER_REMOVED,
                    client_id,
                    actor,
                    {"userId": previous.user_id, "email": previous.email, "role": OWNER},
                    now,
                ),
            ]
        if current is None:
            members += 1
            new_owner = replace(
                owner,
                workspace_id=client_id,
                toggles={},
                agent_ids=None,
                joined_at=now,
                updated_at=now,
                version=1,
            )
            ops += [
                writes.create_member(new_owner),
                writes.claim_member_email(client_id, new_owner.email, new_owner.user_id),
            ]
        else:
            new_owner = replace(
                current,
                role=OWNER,
                status=MemberStatus.ACTIVE,
                toggles={},
                agent_ids=None,
                via=None,
                updated_at=now,
                version=current.version + 1,
            )
            ops += [
                writes.replace_member(new_owner, expected_version=current.version),
                *custom_roles.give_back_role(client_id, current.role),
            ]
        ops += [
            writes.change_owner(client_id, client.owner_id, owner.user_id, now, members=members),
            self.event(
                DetailType.OWNERSHIP_TRANSFERRED,
                client_id,
                actor,
                {
                    "fromUserId": client.owner_id,
                    "fromEmail": previous.email if previous else "",
                    "fromName": previous.name if previous else None,
                    "toUserId": owner.user_id,
                    "toEmail": owner.email,
                    "toName": owner.name,
                    "workspaceName": client.name,
                    "expiresAt": iso(now),
                },
                now,
            ),
        ]
        self.store.commit(ops)
        return 1

    def _withdrawal(self, member: Member, actor: Actor, now: datetime) -> list[writes.WriteOp]:
        client_id = member.workspace_id
        return [
            writes.delete_member(member),
            writes.release_member_email(client_id, member.email),
            writes.adjust_counters(client_id, members=-1),
            *custom_roles.give_back_role(client_id, member.role),
            self.event(
                DetailType.MEMBER_REMOVED,
                client_id,
                actor,
                {"userId": member.user_id, "email": member.email, "role": member.role},
                now,
            ),
        ]

    def _enter(self, caller: Caller, snapshot: Snapshot) -> Access:
        """The caller in the agency, allowed to manage its clients."""
        access = admit(self.store, caller, snapshot)
        access.require(Permission.CLIENTS_MANAGE)
        if not access.workspace.is_agency:
            raise InvalidInput("NOT_AN_AGENCY", "Only an agency workspace has client workspaces")
        return access

    def _agency_owner(self, access: Access) -> Member:
        owner_id = access.workspace.owner_id
        if owner_id == access.actor.user_id:
            return access.actor
        owner = self.store.load(access.workspace.workspace_id, [owner_id]).members.get(owner_id)
        if owner is None:  # an owner is always a member; a half-read race at worst
            raise Conflict("CONCURRENT_UPDATE", "The agency changed while this request ran")
        return owner

    @staticmethod
    def _take_minutes(agency: Workspace, minutes: int) -> list[writes.WriteOp]:
        """Move the minutes the agency's clients hold by `minutes`, within the pool."""
        if minutes == 0:
            return []
        room = agency.minute_pool - agency.minutes_assigned
        if minutes > room:
            raise minute_pool_exceeded(room)
        return [writes.take_minutes(agency.workspace_id, minutes, agency.minute_pool)]


def minute_pool_exceeded(room: int) -> Conflict:
    return Conflict(
        "MINUTE_POOL_EXCEEDED",
        f"The agency's minute pool has {max(room, 0)} minutes left to assign",
    )


def _via(access: Access) -> Actor:
    """The caller acting in one of the agency's clients, through the agency."""
    return Actor(type="user", id=access.actor.user_id, via=access.workspace.workspace_id)


def _client_of(snapshot: Snapshot, agency_id: str) -> Workspace:
    client = snapshot.workspace
    if client is None or not client.is_active or client.parent_workspace_id != agency_id:
        raise client_not_found()
    return client
