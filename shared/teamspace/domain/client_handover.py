"""A client follows its agency's new owner: whoever owns the agency owns its clients.

Access follows the agency at once (`access.admit` decides a client's owner from the
agency); this brings each client's own items in line when the agency's
OwnershipTransferred reaches the client_access consumer.
"""

from __future__ import annotations

from dataclasses import replace

from teamspace.core.clock import iso
from teamspace.core.errors import Conflict, Contention
from teamspace.core.events import Actor, DetailType
from teamspace.core.records import Member
from teamspace.domain import role_holders
from teamspace.domain.access import owns
from teamspace.domain.client_steps import CLIENT_ACCESS_ACTOR
from teamspace.domain.service import DomainService
from teamspace.permissions import OWNER, MemberStatus
from teamspace.store import members as member_store
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp


class ClientHandOver(DomainService):
    """The agency's clients handed to its owner."""

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
        agency = snapshots.load(self.store, agency_id).workspace
        if agency is None or not agency.is_agency:
            return 0
        owner = snapshots.load(self.store, agency_id, [agency.owner_id]).members.get(
            agency.owner_id
        )
        if owner is None or not owns(agency, owner):
            raise Conflict("CONCURRENT_UPDATE", "The agency changed hands while this ran")
        actor = Actor(type="system", id=CLIENT_ACCESS_ACTOR, via=agency_id)
        moved = 0
        cursor: str | None = None
        while True:
            page = workspace_store.list_clients(self.store, agency_id, limit=100, cursor=cursor)
            for client in page.items:
                if client.owner_id == owner.user_id:
                    continue
                try:
                    moved += self._hand_over(client.workspace_id, client.owner_id, owner, actor)
                except Contention:
                    raise  # nothing applied: the whole run goes again (core/retry.py)
                except Conflict:  # the client changed since it was read: once more
                    moved += self._hand_over(client.workspace_id, client.owner_id, owner, actor)
            if page.next_cursor is None:
                return moved
            cursor = page.next_cursor

    def _hand_over(self, client_id: str, owner_read: str, owner: Member, actor: Actor) -> int:
        """One client to the agency's owner (`owner`: their agency membership), from the
        owner it was read with (`owner_read`, from the list's index)."""
        snapshot = snapshots.load(self.store, client_id, [owner_read, owner.user_id])
        client = snapshot.workspace
        if client is None or not client.is_live or client.owner_id == owner.user_id:
            return 0
        if client.owner_id != owner_read:  # the index was behind: read its owner too
            return self._hand_over(client_id, client.owner_id, owner, actor)
        previous = snapshot.members.get(client.owner_id)
        current = snapshot.members.get(owner.user_id)
        now = self.clock.now()
        ops: list[WriteOp] = []
        members = 0
        if previous is not None and previous.role == OWNER:
            members -= 1
            ops += [
                member_store.delete_member(previous),
                member_store.release_member_email(client_id, previous.email),
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
                member_store.create_member(new_owner),
                member_store.claim_member_email(client_id, new_owner.email, new_owner.user_id),
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
                member_store.replace_member(new_owner, expected_version=current.version),
                *role_holders.give_back_role(client_id, current.role),
            ]
        ops += [
            workspace_store.change_owner(
                client_id,
                client.owner_id,
                owner.user_id,
                now,
                members=members,
                while_suspended=True,
            ),
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
