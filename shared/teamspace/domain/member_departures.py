"""A member leaves the workspace, removed or of their own accord, and what is kept of them.

The removal is one transaction: the membership and the claim on their address go, the
counters and role holds move, a pending transfer to them ends, and (asked for) their API
keys are revoked. A record of the removal stays for the stage's retention period
(`GET .../members?status=DELETED`), replaced when the address is invited again. A member
whose account this workspace made, and who belongs to no other, loses the account too.
"""

from __future__ import annotations

from datetime import timedelta

from teamspace import permissions
from teamspace.core.clock import Clock
from teamspace.core.errors import TeamspaceError, version_conflict
from teamspace.core.events import DetailType
from teamspace.core.identity import Caller
from teamspace.core.ids import IdGenerator
from teamspace.core.records import Page, RemovedMember
from teamspace.domain import role_holders
from teamspace.domain.access import enforce, enter_workspace
from teamspace.domain.account_control import controls
from teamspace.domain.api_keys import revocations
from teamspace.domain.identity_provider import IdentityProvider
from teamspace.domain.limits import MAX_API_KEYS
from teamspace.domain.membership import resolve_user_id, target_member
from teamspace.domain.service import DomainService
from teamspace.permissions import OWNER, Permission
from teamspace.store import api_keys as key_store
from teamspace.store import members as member_store
from teamspace.store import removed_members as removed_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore


class MemberDepartures(DomainService):
    def __init__(
        self,
        store: TeamspaceStore,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        *,
        idp: IdentityProvider | None = None,
        removed_kept_for: timedelta = timedelta(days=30),
    ) -> None:
        super().__init__(store, clock, ids)
        self.idp = idp
        self.removed_kept_for = removed_kept_for

    def remove(
        self, caller: Caller, workspace_id: str, user_id: str, *, revoke_api_keys: bool = False
    ) -> None:
        """Remove a member, or leave when `user_id` is the caller (`me`).

        With `revoke_api_keys`, every API key the member created is revoked in the same
        transaction (for someone else's keys, that also needs api_keys:manage).
        """
        user_id = resolve_user_id(caller, user_id)
        access = enter_workspace(self.store, caller, workspace_id, [user_id], with_transfer=True)
        target = target_member(access, user_id)
        leaving = target.user_id == caller.user_id
        if leaving:
            enforce(permissions.check_leave(access.subject, access.owners))
        else:
            enforce(
                permissions.check_removal(access.subject, access.subject_of(target), access.owners)
            )
        # A co-owner going takes one from the owner count, never the last (its condition).
        owners = -1 if target.role == OWNER else 0
        # Asked before the removal, while the membership still counts: the provider's
        # account goes with it only if this workspace made it and had them alone.
        delete_account = self.idp is not None and controls(self.store, workspace_id, target)
        now = self.clock.now()
        key_ops = []
        counter = workspace_store.adjust_counters(
            workspace_id, members=-1, owners=owners, on_failed=_owners_changed(owners)
        )
        if revoke_api_keys:
            if not leaving:
                access.require(Permission.API_KEYS_MANAGE)
            # The workspace counts its keys: with none, there is nothing to list.
            every_key = (
                key_store.keys_of(self.store, workspace_id, MAX_API_KEYS)
                if access.workspace.api_keys
                else []
            )
            theirs = [key for key in every_key if key.created_by == target.user_id]
            reason = "creator_left" if leaving else "creator_removed"
            key_ops = revocations(self, theirs, access.by, now, reason=reason, count=False)
            # The counter moves with the members' one, on the condition that the keys
            # are still those read: a key the member made meanwhile cannot survive.
            counter = workspace_store.adjust_counters(
                workspace_id,
                members=-1,
                api_keys=-len(theirs),
                api_keys_read=len(every_key),
                owners=owners,
                on_failed=version_conflict("workspace's API keys or owners"),
            )
        ops = [
            member_store.delete_member(target),
            member_store.release_member_email(workspace_id, target.email),
            counter,
            *role_holders.give_back_role(workspace_id, target.role),
            *self.nomination_ends(access, target.user_id, access.by, now),
            *key_ops,
        ]
        ops += access.guards(actor=not leaving)
        ops.append(
            removed_store.keep_removed_member(
                RemovedMember(
                    workspace_id=workspace_id,
                    user_id=target.user_id,
                    email=target.email,
                    name=target.name,
                    job_title=target.job_title,
                    role=target.role,
                    managed=target.managed,
                    joined_at=target.joined_at,
                    removed_at=now,
                    removed_by=caller.user_id,
                ),
                self.removed_kept_for,
            )
        )
        ops.append(
            self.event(
                DetailType.MEMBER_LEFT if leaving else DetailType.MEMBER_REMOVED,
                workspace_id,
                access.by,
                {"userId": target.user_id, "email": target.email, "role": target.role},
                now,
            )
        )
        self.store.commit(ops)
        if delete_account and self.idp is not None:
            self.idp.delete_account(target.user_id)

    def removed(
        self, caller: Caller, workspace_id: str, *, limit: int, cursor: str | None
    ) -> Page[RemovedMember]:
        """The workspace's removed members still within their retention, by address."""
        access = enter_workspace(self.store, caller, workspace_id)
        access.require(Permission.MEMBERS_VIEW)
        return removed_store.list_removed_members(
            self.store, workspace_id, self.clock.now(), limit=limit, cursor=cursor
        )


def _owners_changed(owners: int) -> TeamspaceError | None:
    """What a removal's failed counter condition means: for an owner's, that the owners
    changed since the read (the workspace would be left without one); otherwise the
    workspace is gone (the counter's own default)."""
    return version_conflict("workspace's owners") if owners else None
