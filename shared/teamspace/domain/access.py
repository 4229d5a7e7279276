"""The gate in front of everything inside a workspace.

One strongly consistent read brings the workspace, the caller's membership and any
target members. A caller who is not an active member of a live workspace gets the
same 404 as for a workspace that does not exist: other tenants' data does not exist
for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from teamspace import permissions
from teamspace.domain.identity import Caller
from teamspace.domain.records import Invitation, Member, OwnershipTransfer, Workspace
from teamspace.errors import Forbidden, workspace_not_found
from teamspace.permissions import (
    MemberStatus,
    Permission,
    RoleDefinition,
    Subject,
    Toggles,
    Verdict,
)
from teamspace.store.table import TeamspaceStore


@dataclass(frozen=True, slots=True)
class Access:
    """What a request inside a workspace may rely on, read once at its start."""

    workspace: Workspace
    actor: Member
    subject: Subject
    members: dict[str, Member] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    transfer: OwnershipTransfer | None = None

    def require(self, permission: Permission) -> None:
        if not permissions.holds(self.subject, permission):
            raise Forbidden("PERMISSION_DENIED", f"Your role does not grant {permission}")

    def subject_of(self, member: Member) -> Subject:
        """A member of this workspace as the permission layer sees it."""
        return subject_of(member, self.workspace)

    def resolved(self, member: Member) -> Member:
        """`member` with its role's definition attached, for a reply to show."""
        return replace(member, role_definition=role_of(member.role, self.workspace))


def role_of(key: str, workspace: Workspace) -> RoleDefinition:
    """The role `key` as the workspace defines it; a role that does not resolve grants
    nothing."""
    return workspace.role(key) or permissions.unknown_role(key)


def subject_of(member: Member, workspace: Workspace) -> Subject:
    """A member as the permission layer sees it."""
    return Subject(
        user_id=member.user_id,
        role=role_of(member.role, workspace),
        status=MemberStatus(member.status),
        toggles=Toggles(**member.toggles),
        agent_ids=frozenset(member.agent_ids) if member.agent_ids is not None else None,
    )


def enter_workspace(
    store: TeamspaceStore,
    caller: Caller,
    workspace_id: str,
    also: Sequence[str] = (),
    invitations: Sequence[str] = (),
    *,
    with_transfer: bool = False,
) -> Access:
    """Load the workspace for `caller`, or 404 when they are not an active member."""
    snapshot = store.load(
        workspace_id, [caller.user_id, *also], invitations, with_transfer=with_transfer
    )
    workspace, members = snapshot.workspace, snapshot.members
    actor = members.get(caller.user_id)
    if workspace is None or not workspace.is_active or actor is None:
        raise workspace_not_found()
    if actor.status != MemberStatus.ACTIVE:
        raise workspace_not_found()
    return Access(
        workspace,
        actor,
        subject_of(actor, workspace),
        members,
        snapshot.invitations,
        snapshot.transfer,
    )


def enforce(verdict: Verdict) -> None:
    """Turn a refusal of the rank rules into the caller's 403."""
    if not verdict:
        raise Forbidden(verdict.code, verdict.reason)
