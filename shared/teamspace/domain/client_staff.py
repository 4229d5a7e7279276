"""Agency staff in the agency's clients: an assignment makes an agency member a member of
the client (`via` the agency) with the role it names, admin unless told otherwise. They
act there only while they are an active member of the agency (`access.admit`), and
their events name the agency. Unassigning removes the membership at once; removing them
from the agency leaves the clean-up of every assignment to the client_access consumer
(`withdraw_staff`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from teamspace import permissions
from teamspace.core import errors
from teamspace.core.errors import Conflict, Contention, NotFound, member_not_found
from teamspace.core.events import Actor, DetailType
from teamspace.core.identity import Caller
from teamspace.core.records import Member, Workspace
from teamspace.domain import role_holders
from teamspace.domain.access import Access, ResolvedMember, assigned_before, enforce, owns
from teamspace.domain.client_steps import CLIENT_ACCESS_ACTOR, ClientSteps, client_of, via
from teamspace.domain.membership import resolve_user_id
from teamspace.domain.plans import plan_of
from teamspace.domain.workspace_roles import role_named
from teamspace.permissions import ADMIN, Feature, MemberStatus, RoleDefinition, Use
from teamspace.store import members as member_store
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp


def assignment_not_found() -> NotFound:
    return NotFound("ASSIGNMENT_NOT_FOUND", "This member is not assigned to the client")


class ClientStaff(ClientSteps):
    """Who of the agency works in which of its clients."""

    def assign(
        self, caller: Caller, agency_id: str, client_id: str, user_id: str, role_key: str | None
    ) -> ResolvedMember:
        """Give an agency member a role in a client (admin by default); assigning again
        changes the role."""
        user_id = resolve_user_id(caller, user_id)
        read = snapshots.load_related(
            self.store, {agency_id: [caller.user_id, user_id], client_id: [user_id]}
        )
        access = self.enter_agency(caller, read[agency_id])
        client = client_of(read[client_id], agency_id)
        staff = access.members.get(user_id)
        if staff is None or staff.status != MemberStatus.ACTIVE:
            raise member_not_found()
        if owns(access.workspace, staff):
            raise Conflict(
                "ALREADY_A_MEMBER",
                "The agency's owner owns its clients; there is nothing to assign",
            )
        role = role_named(client, role_key or ADMIN)
        if role is None:
            raise errors.unknown_role(role_key or ADMIN)
        enforce(permissions.check_client_assignment(access.subject, role))
        existing = read[client_id].members.get(user_id)
        now = self.clock.now()
        checks = [
            member_store.require_member_unchanged(staff),
            *access.guards(actor=staff.user_id != access.actor.user_id),
        ]
        if existing is not None:
            return self._reassign(access, client, existing, role, checks, now)
        plan = plan_of(client)  # the client's own plan, not the agency's
        enforce(permissions.check_room(plan, Feature.SEATS, client.seats_used))
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
        )
        self.store.commit(
            [
                member_store.create_member(member),
                member_store.claim_member_email(client_id, member.email, user_id),
                workspace_store.adjust_counters(
                    client_id,
                    members=1,
                    seat_limit=True,
                    seat_ceiling=plan.limit(Feature.SEATS),
                    on_failed=Conflict("SEAT_LIMIT_REACHED", "All of the client's seats are taken"),
                ),
                *role_holders.take_role(client, role.key),
                *checks,
                self.event(
                    DetailType.MEMBER_JOINED,
                    client_id,
                    via(access),
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
        return ResolvedMember(member, role)

    def _reassign(
        self,
        access: Access,
        client: Workspace,
        existing: Member,
        role: RoleDefinition,
        checks: list[WriteOp],
        now: datetime,
    ) -> ResolvedMember:
        if existing.via != access.workspace.workspace_id:
            raise errors.already_member(existing.email)
        role_key = role.key
        if existing.role == role_key:
            return ResolvedMember(existing, role)
        updated = replace(existing, role=role_key, updated_at=now, version=existing.version + 1)
        self.store.commit(
            [
                member_store.replace_member(updated, expected_version=existing.version),
                *role_holders.give_back_role(client.workspace_id, existing.role),
                *role_holders.take_role(client, role_key),
                *checks,
                self.event(
                    DetailType.MEMBER_ROLE_CHANGED,
                    client.workspace_id,
                    via(access),
                    {"userId": existing.user_id, "previousRole": existing.role, "role": role_key},
                    now,
                ),
            ]
        )
        return ResolvedMember(updated, role)

    def unassign(self, caller: Caller, agency_id: str, client_id: str, user_id: str) -> None:
        """Take an agency member's access to a client away, at once."""
        user_id = resolve_user_id(caller, user_id)
        read = snapshots.load_related(
            self.store, {agency_id: [caller.user_id], client_id: [user_id]}
        )
        access = self.enter_agency(caller, read[agency_id])
        client_of(read[client_id], agency_id, Use.WITHDRAW)
        member = read[client_id].members.get(user_id)
        if member is None or member.via != agency_id:
            raise assignment_not_found()
        now = self.clock.now()
        self.store.commit(
            [
                *self._withdrawal(member, via(access), now),
                *access.guards(),
            ]
        )

    def withdraw_staff(self, agency_id: str, user_id: str) -> int:
        """Remove every assignment an agency gave `user_id` once they are no longer an
        active member of it (the client_access consumer, on MemberRemoved/MemberLeft).

        Idempotent: an assignment already gone is skipped. A user who is back in the
        agency (removed, then invited again) keeps only what was assigned since.
        """
        standing = snapshots.load(self.store, agency_id, [user_id]).members.get(user_id)
        actor = Actor(type="system", id=CLIENT_ACCESS_ACTOR, via=agency_id)
        withdrawn = 0
        for member in member_store.assignments_of(self.store, user_id, agency_id):
            if standing is not None and not assigned_before(member, standing):
                continue  # given since they came back: theirs to keep
            now = self.clock.now()
            try:
                self.store.commit(self._withdrawal(member, actor, now))
            except Contention:
                raise  # nothing applied: the whole run goes again (core/retry.py)
            except Conflict:
                # Changed since the index was read (a role change) or already gone:
                # read it again and withdraw what is there.
                current = snapshots.load(self.store, member.workspace_id, [user_id]).members.get(
                    user_id
                )
                if current is None or current.via != agency_id:
                    continue
                self.store.commit(self._withdrawal(current, actor, self.clock.now()))
            withdrawn += 1
        return withdrawn

    def _withdrawal(self, member: Member, actor: Actor, now: datetime) -> list[WriteOp]:
        client_id = member.workspace_id
        return [
            member_store.delete_member(member),
            member_store.release_member_email(client_id, member.email),
            workspace_store.adjust_counters(client_id, members=-1),
            *role_holders.give_back_role(client_id, member.role),
            self.event(
                DetailType.MEMBER_REMOVED,
                client_id,
                actor,
                {"userId": member.user_id, "email": member.email, "role": member.role},
                now,
            ),
        ]
