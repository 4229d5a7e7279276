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
from teamspace.domain.events import Actor
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
from teamspace.store.table import Snapshot, TeamspaceStore


@dataclass(frozen=True, slots=True)
class Access:
    """What a request inside a workspace may rely on, read once at its start."""

    workspace: Workspace
    actor: Member
    subject: Subject
    members: dict[str, Member] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    transfer: OwnershipTransfer | None = None

    @property
    def by(self) -> Actor:
        """The actor the request's events name: the caller, and the agency they act
        through when they are an agency's staff assigned to this client."""
        return Actor(type="user", id=self.actor.user_id, via=self.actor.via)

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
    return admit(store, caller, snapshot)


def admit(store: TeamspaceStore, caller: Caller, snapshot: Snapshot) -> Access:
    """The caller's access to the workspace a read brought, or 404 (see module doc)."""
    workspace, members = snapshot.workspace, snapshot.members
    actor = members.get(caller.user_id)
    if workspace is None or not workspace.is_active or actor is None:
        raise workspace_not_found()
    if actor.status != MemberStatus.ACTIVE:
        raise workspace_not_found()
    if actor.via is not None:
        _require_agency_standing(store, actor)
    enforce(permissions.check_mfa(workspace.policy, caller.mfa))
    return Access(
        workspace,
        actor,
        subject_of(actor, workspace),
        members,
        snapshot.invitations,
        snapshot.transfer,
    )


def _require_agency_standing(store: TeamspaceStore, assignment: Member) -> None:
    """An agency's staff act in a client only while the agency membership the assignment
    was given to lasts, and is active.

    Removing them from the agency (or suspending them, or deleting the agency) takes
    effect here on their next request, even if they have been invited back since; the
    assignment items themselves are removed afterwards by the event consumer
    (functions/client_access).
    """
    agency_id, user_id = str(assignment.via), assignment.user_id
    snapshot = store.load(agency_id, [user_id])
    agency, standing = snapshot.workspace, snapshot.members.get(user_id)
    if agency is None or not agency.is_active or standing is None:
        raise workspace_not_found()
    if standing.status != MemberStatus.ACTIVE or assignment.joined_at < standing.joined_at:
        raise workspace_not_found()


def enforce(verdict: Verdict) -> None:
    """Turn a refusal of the rank rules into the caller's 403."""
    if not verdict:
        raise Forbidden(verdict.code, verdict.reason)
