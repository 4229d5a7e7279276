"""Ownership transfer, in two steps: the owner names an active member, the nominee accepts.

On accept, one transaction makes the nominee owner, the previous owner admin and moves
the workspace's owner field, each conditional on what was read: the transfer (its
version), both members (their versions, so a removal, suspension or role change of
either since then cancels it) and the owner field. So two transfers, or a transfer
racing any change to either person, leave the owners as they were or handed over,
never half-done.

With co-owners (settings.maxOwners), any owner may offer their own ownership: the
primary owner's offer moves the workspace's `ownerId` (the primary, billing owner) to
the nominee; a co-owner's leaves it where it is. A nominee who is already a co-owner
stays an owner, and the owner count falls by one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from teamspace.core import errors
from teamspace.core.clock import iso
from teamspace.core.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.records import Member, OwnershipTransfer, Workspace
from teamspace.domain import role_holders
from teamspace.domain.access import Access, ResolvedMember, enter_workspace
from teamspace.domain.membership import target_member
from teamspace.domain.service import DomainService
from teamspace.permissions import ADMIN, OWNER, MemberStatus, Permission, Use
from teamspace.store import members as member_store
from teamspace.store import snapshots
from teamspace.store import transfers as transfer_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.ops import WriteOp

TRANSFER_DAYS = 7


def transfer_not_found() -> NotFound:
    return NotFound("TRANSFER_NOT_FOUND", "No ownership transfer is pending")


def _not_a_client(workspace: Workspace) -> None:
    """A client belongs to whoever owns its agency: it changes hands with the agency."""
    if workspace.parent_workspace_id is not None:
        raise Conflict(
            "CLIENT_OWNED_BY_AGENCY",
            "A client workspace is owned by its agency's owner; transfer the agency instead",
        )


@dataclass(frozen=True, slots=True)
class Transferred:
    workspace: Workspace
    new_owner: ResolvedMember


class OwnershipService(DomainService):
    def request(
        self, caller: Caller, workspace_id: str, new_owner_id: str, confirm_name: str
    ) -> OwnershipTransfer:
        access = enter_workspace(
            self.store, caller, workspace_id, [new_owner_id], with_transfer=True
        )
        access.require(Permission.OWNERSHIP_TRANSFER)
        _not_a_client(access.workspace)
        if confirm_name.strip() != access.workspace.name:
            raise InvalidInput(
                "CONFIRMATION_MISMATCH",
                "confirmName must be the workspace's name, exactly",
                fields=[FieldError("confirmName", "does not match the workspace's name")],
            )
        if new_owner_id == caller.user_id:
            raise InvalidInput(
                "INVALID_NOMINEE",
                "You already own this workspace",
                fields=[FieldError("newOwnerId", "is you")],
            )
        nominee = target_member(access, new_owner_id)
        if nominee.status != MemberStatus.ACTIVE:
            raise Conflict("NOMINEE_NOT_ACTIVE", "Only an active member can become owner")
        now = self.clock.now()
        pending = access.transfer
        if pending is not None and pending.expires_at > now:
            raise errors.transfer_pending()
        transfer = OwnershipTransfer(
            workspace_id=workspace_id,
            from_user_id=caller.user_id,
            to_user_id=nominee.user_id,
            requested_at=now,
            expires_at=now + timedelta(days=TRANSFER_DAYS),
            version=(pending.version + 1) if pending else 1,
        )
        self.store.commit(
            [
                transfer_store.put_transfer(transfer, now),
                *access.guards(),
                member_store.require_member_unchanged(nominee),
                self.event(
                    DetailType.OWNERSHIP_TRANSFER_REQUESTED,
                    workspace_id,
                    caller,
                    self._data(access, access.actor, nominee, transfer),
                    now,
                ),
            ]
        )
        return transfer

    def pending(self, caller: Caller, workspace_id: str) -> OwnershipTransfer:
        """The pending transfer, for the owner and the nominee; 404 for everyone else."""
        access = enter_workspace(self.store, caller, workspace_id, with_transfer=True)
        transfer = self._live(access)
        if caller.user_id not in (transfer.from_user_id, transfer.to_user_id):
            raise transfer_not_found()
        return transfer

    def cancel(self, caller: Caller, workspace_id: str) -> None:
        access = enter_workspace(self.store, caller, workspace_id, with_transfer=True)
        access.require(Permission.OWNERSHIP_TRANSFER)
        transfer = self._live(access)
        self._end(caller, transfer, DetailType.OWNERSHIP_TRANSFER_CANCELLED)

    def decline(self, caller: Caller, workspace_id: str) -> None:
        access = enter_workspace(self.store, caller, workspace_id, with_transfer=True)
        transfer = self._nominated(access, caller)
        self._end(caller, transfer, DetailType.OWNERSHIP_TRANSFER_DECLINED)

    def accept(self, caller: Caller, workspace_id: str) -> Transferred:
        # A suspended workspace's transfer waits (403 WORKSPACE_SUSPENDED): it may still
        # be declined or cancelled once the workspace is active again, or expire.
        access = enter_workspace(
            self.store, caller, workspace_id, with_transfer=True, use=Use.TAKE_OVER
        )
        transfer = self._nominated(access, caller)
        _not_a_client(access.workspace)
        # The owner is known only from the transfer: a second read, for a rare call.
        owner = snapshots.load(self.store, workspace_id, [transfer.from_user_id]).members.get(
            transfer.from_user_id
        )
        if owner is None or owner.role != OWNER or owner.status != MemberStatus.ACTIVE:
            raise Conflict("OWNER_CHANGED", "The owner changed since the transfer was requested")
        now = self.clock.now()
        nominee = access.actor
        new_owner = replace(
            nominee,
            role=OWNER,
            toggles={},
            agent_ids=None,
            updated_at=now,
            version=nominee.version + 1,
        )
        previous = replace(owner, role=ADMIN, updated_at=now, version=owner.version + 1)
        data = self._data(access, owner, nominee, transfer)
        # A co-owner nominated stays an owner: the offer leaves one owner fewer.
        owners = -1 if nominee.role == OWNER else 0
        primary = access.workspace.owner_id == owner.user_id
        ops = [
            transfer_store.end_transfer(transfer),
            member_store.replace_member(new_owner, expected_version=nominee.version),
            member_store.replace_member(previous, expected_version=owner.version),
            *self._owner_moves(
                access.workspace, owner.user_id, nominee.user_id, now, primary, owners
            ),
            *role_holders.give_back_role(workspace_id, nominee.role),
            self.event(DetailType.OWNERSHIP_TRANSFERRED, workspace_id, caller, data, now),
        ]
        if nominee.role != OWNER:
            ops.append(
                self.event(
                    DetailType.MEMBER_ROLE_CHANGED,
                    workspace_id,
                    caller,
                    {"userId": nominee.user_id, "previousRole": nominee.role, "role": OWNER},
                    now,
                )
            )
        ops.append(
            self.event(
                DetailType.MEMBER_ROLE_CHANGED,
                workspace_id,
                caller,
                {"userId": owner.user_id, "previousRole": OWNER, "role": ADMIN},
                now,
            )
        )
        self.store.commit(ops)
        workspace = replace(
            access.workspace,
            owner_id=nominee.user_id if primary else access.workspace.owner_id,
            owner_count=access.workspace.owner_count + owners,
            updated_at=now,
            version=access.workspace.version + 1,
        )
        return Transferred(workspace, access.resolved(new_owner))

    @staticmethod
    def _owner_moves(
        workspace: Workspace, previous: str, new: str, at: datetime, primary: bool, owners: int
    ) -> list[WriteOp]:
        """What the workspace item takes from an accepted transfer: from the primary
        owner, its `ownerId` (and the owner count when a co-owner took it); from a
        co-owner, the owner count alone when it falls (co-owner to co-owner), else
        only the check that it is still active (the two member items' versions hold the
        hand-over; a suspension committed since the read stops it)."""
        workspace_id = workspace.workspace_id
        if primary:
            return [workspace_store.change_owner(workspace_id, previous, new, at, owners=owners)]
        if owners:
            conflict = errors.version_conflict("workspace's owners")
            return [workspace_store.count_owners(workspace_id, owners, conflict)]
        return [workspace_store.require_status(workspace)]

    # ---- shared steps ----------------------------------------------------------------

    def _live(self, access: Access) -> OwnershipTransfer:
        transfer = access.transfer
        if transfer is None or transfer.expires_at <= self.clock.now():
            raise transfer_not_found()
        return transfer

    def _nominated(self, access: Access, caller: Caller) -> OwnershipTransfer:
        transfer = self._live(access)
        if transfer.to_user_id != caller.user_id:
            if transfer.from_user_id == caller.user_id:
                raise Forbidden("NOT_THE_NOMINEE", "Only the nominee can answer the transfer")
            raise transfer_not_found()
        return transfer

    def _end(self, caller: Caller, transfer: OwnershipTransfer, detail_type: DetailType) -> None:
        self.store.commit(self.transfer_ends(transfer, detail_type, caller, self.clock.now()))

    @staticmethod
    def _data(
        access: Access, owner: Member, nominee: Member, transfer: OwnershipTransfer
    ) -> dict[str, object]:
        return {
            "fromUserId": owner.user_id,
            "fromEmail": owner.email,
            "fromName": owner.name,
            "toUserId": nominee.user_id,
            "toEmail": nominee.email,
            "toName": nominee.name,
            "workspaceName": access.workspace.name,
            "expiresAt": iso(transfer.expires_at),
        }
