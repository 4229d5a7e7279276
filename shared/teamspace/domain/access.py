"""The gate in front of everything inside a workspace.

One strongly consistent read brings the workspace, the caller's membership and any
target members. A caller who is not an active member of a live workspace gets the
same 404 as for a workspace that does not exist: other tenants' data does not exist
for them.

An agency's client is owned by whoever owns the agency, now: its own items (the
client's `ownerId`, the owner's member item) follow an agency's transfer only when the
client_access consumer has run, so the agency decides at request time. Whoever owns the
agency acts as the client's owner; an owner item of anyone else grants nothing; and the
agency's staff act on their assignment only while their agency membership lasts. That
costs one more read, of the agency and the caller's membership there, for the people
whose place in the client comes from the agency (and for strangers), never for the
client's own members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from teamspace import permissions
from teamspace.core.errors import Conflict, Forbidden, session_revoked, workspace_not_found
from teamspace.core.events import Actor
from teamspace.core.identity import Caller, KeyGrant
from teamspace.core.records import Invitation, Member, OwnershipTransfer, Workspace
from teamspace.domain.plans import plan_of
from teamspace.domain.workspace_roles import policy_of, role_of
from teamspace.permissions import (
    OWNER,
    Feature,
    MemberStatus,
    Owners,
    Permission,
    Plan,
    RoleDefinition,
    Subject,
    Toggles,
    Use,
    Verdict,
)
from teamspace.store import api_keys as key_store
from teamspace.store import members as member_store
from teamspace.store import snapshots
from teamspace.store.ops import WriteOp
from teamspace.store.snapshots import Snapshot
from teamspace.store.table import TeamspaceStore


@dataclass(frozen=True, slots=True)
class Access:
    """What a request inside a workspace may rely on, read once at its start."""

    workspace: Workspace
    actor: Member
    subject: Subject
    # The workspace's plan (domain/plans.py), from the item this request read: no other
    # read, and a bad catalogue fails every request, not only those that ask a plan.
    plan: Plan
    members: dict[str, Member] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    transfer: OwnershipTransfer | None = None
    # In a client, for the people whose place there comes from the agency: the agency
    # and their membership of it, as the request read them.
    agency: Workspace | None = None
    standing: Member | None = None
    # False when the actor is the agency's owner and the client has no owner item for
    # them yet (the consumer has not run): `actor` is then made from `standing`.
    actor_stored: bool = True
    # The API key acting (its id), when the caller is one: `actor` is then made from the
    # key (permissions/keys.py), and the request's events name the key.
    key_id: str | None = None

    @property
    def shown(self) -> Workspace:
        """The workspace as a reply shows it: a client's owner is its agency's owner,
        whatever the client's own item says yet."""
        if self.agency is None or self.agency.owner_id == self.workspace.owner_id:
            return self.workspace
        return replace(self.workspace, owner_id=self.agency.owner_id)

    @property
    def owners(self) -> Owners:
        """The workspace's owners as the rank rules see them, from the item read: its
        primary owner (a client's: its agency's), how many owners it has and allows."""
        return Owners(
            primary_id=self.shown.owner_id,
            count=self.workspace.owner_count,
            limit=self.workspace.max_owners,
        )

    def guards(self, *, actor: bool = True) -> list[WriteOp]:
        """The re-checks of what admitted the caller, for the transaction of their change:
        their membership as it was read (leave it out with `actor=False` when the change
        writes that item itself) and the agency membership their place in a client
        rests on. A change racing the caller's removal, or the agency's transfer, fails."""
        ops = []
        if actor and self.key_id is not None:
            ops.append(key_store.require_key_listed(self.workspace.workspace_id, self.key_id))
        if actor and self.actor_stored:
            ops.append(member_store.require_member_unchanged(self.actor))
        if self.standing is not None:
            ops.append(member_store.require_member_unchanged(self.standing))
        return ops

    @property
    def by(self) -> Actor:
        """The actor the request's events name: the caller, and the agency they act
        through when they are an agency's staff assigned to this client; or the API key."""
        if self.key_id is not None:
            return Actor(type="apiKey", id=self.key_id)
        return Actor(type="user", id=self.actor.user_id, via=self.actor.via)

    def require(self, permission: Permission) -> None:
        if not permissions.holds(self.subject, permission):
            raise Forbidden("PERMISSION_DENIED", f"Your role does not grant {permission}")

    def entitled(self, feature: Feature) -> None:
        """403 PLAN_UPGRADE_REQUIRED, naming `feature`, when the plan lacks it."""
        enforce(permissions.check_feature(self.plan, feature))

    def most(self, feature: Feature, stack_limit: int) -> int:
        """How many of a counted `feature` the workspace may hold: the stack's own limit,
        within its plan's (for the write's condition, as the store takes limits)."""
        planned = self.plan.limit(feature)
        return stack_limit if planned is None else min(planned, stack_limit)

    def room_for(self, feature: Feature, held: int) -> None:
        """403 PLAN_UPGRADE_REQUIRED when one more of a counted `feature` (the workspace
        holds `held`) would pass the plan's count: only growth is refused."""
        enforce(permissions.check_room(self.plan, feature, held))

    def subject_of(self, member: Member) -> Subject:
        """A member of this workspace as the permission layer sees it."""
        return subject_of(member, self.workspace)

    def resolved(self, member: Member) -> ResolvedMember:
        """`member` with their role as this workspace defines it, for a reply to show."""
        return ResolvedMember(member, role_of(member.role, self.workspace))


@dataclass(frozen=True, slots=True)
class ResolvedMember:
    """A member with their role as the workspace defines it, so that a reply can show
    what a custom role grants."""

    member: Member
    role: RoleDefinition


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
    use: Use = Use.ACT,
) -> Access:
    """Load the workspace for `caller`, or 404 when they are not an active member; 403
    WORKSPACE_SUSPENDED when its standing does not allow `use` (permissions/standing.py)."""
    snapshot = snapshots.load(
        store, workspace_id, [caller.user_id, *also], invitations, with_transfer=with_transfer
    )
    return admit(store, caller, snapshot, use=use)


def admit(
    store: TeamspaceStore, caller: Caller, snapshot: Snapshot, *, use: Use = Use.ACT
) -> Access:
    """The caller's access to the workspace a read brought, or 404 (see module doc).

    A suspended workspace is refused (403 WORKSPACE_SUSPENDED) only to those who would
    otherwise get in, after the 404s: to a stranger it stays as absent as any other
    tenant's, suspended or not."""
    access = _admit(store, caller, snapshot)
    enforce(permissions.check_standing(access.workspace.status.value, use))
    return access


def _admit(store: TeamspaceStore, caller: Caller, snapshot: Snapshot) -> Access:
    workspace, members = snapshot.workspace, snapshot.members
    if workspace is None or not workspace.is_live:
        raise workspace_not_found()
    if caller.key is not None:
        return admit_key(caller.key, snapshot, workspace)
    stored = members.get(caller.user_id)
    place = ClientPlace(stored)
    if workspace.parent_workspace_id is not None and _comes_from_agency(stored):
        place = _place_in_client(store, caller, workspace, stored)
    actor = place.actor
    if actor is None or actor.status != MemberStatus.ACTIVE:
        raise workspace_not_found()
    if _session_ended(caller, actor):
        raise session_revoked()
    if place.agency is not None:  # their place here is the agency's: so is its standing
        enforce(permissions.check_standing(place.agency.status.value, Use.THROUGH_AGENCY))
    enforce(permissions.check_mfa(policy_of(workspace), caller.mfa))
    return Access(
        workspace,
        actor,
        subject_of(actor, workspace),
        plan_of(workspace),
        members,
        snapshot.invitations,
        snapshot.transfer,
        agency=place.agency,
        standing=place.standing,
        actor_stored=place.actor is stored,
    )


def admit_key(key: KeyGrant, snapshot: Snapshot, workspace: Workspace) -> Access:
    """An API key's access to its own workspace, or 404 for any other (the authorizer has
    checked the key itself: active, unexpired, its workspace live). The key acts as the
    role it was created with, through the permission layer's `key_subject`; in a client
    as anywhere, by that alone (no agency standing)."""
    if key.workspace_id != workspace.workspace_id:
        raise workspace_not_found()
    subject = permissions.key_subject(key.key_id, role_of(key.role, workspace), key.permissions)
    actor = Member(
        workspace_id=workspace.workspace_id,
        user_id=key.key_id,
        email="",
        role=key.role,
        status=MemberStatus.ACTIVE.value,
        joined_at=workspace.created_at,
        updated_at=workspace.created_at,
        name=f"API key {key.key_id}",
    )
    return Access(
        workspace,
        actor,
        subject,
        plan_of(workspace),
        snapshot.members,
        snapshot.invitations,
        snapshot.transfer,
        actor_stored=False,
        key_id=key.key_id,
    )


@dataclass(frozen=True, slots=True)
class ClientPlace:
    """Who the caller is in a workspace: their item, or for a client what the agency
    makes of them (with the agency and their membership there)."""

    actor: Member | None
    agency: Workspace | None = None
    standing: Member | None = None


def _comes_from_agency(stored: Member | None) -> bool:
    """Whether the caller's place in a client may come from its agency: the owner's, an
    assignment's, or none yet (the agency's new owner before the consumer has run).
    The client's own members are decided by their item alone."""
    return stored is None or stored.role == OWNER or stored.via is not None


def _place_in_client(
    store: TeamspaceStore, caller: Caller, client: Workspace, stored: Member | None
) -> ClientPlace:
    """The caller's place in a client, decided from its agency (see module doc).

    - The agency's owner owns the client: through their owner item when the client has
      one for them, else as an owner made from their agency membership.
    - An owner item of anyone else is what a past owner of the agency left behind: it
      grants nothing, and the consumer removes it.
    - An assignment counts only while the agency is live and the agency membership it
      was given to lasts and is active: removal, leaving, suspension and deletion of the
      agency take effect on the very next request, even after a re-invitation.
    - A suspended agency (billing) keeps its place here, and `admit` refuses it with 403
      WORKSPACE_SUSPENDED: its owner and staff know why, and the client's own members
      are not touched (docs/decisions.md, "Suspension").
    """
    agency_id = str(client.parent_workspace_id)
    snapshot = snapshots.load(store, agency_id, [caller.user_id])
    agency, standing = snapshot.workspace, snapshot.members.get(caller.user_id)
    if agency is None or standing is None or standing.status != MemberStatus.ACTIVE:
        return ClientPlace(None)
    if owns(agency, standing):
        if stored is not None and stored.role == OWNER:
            return ClientPlace(stored, agency, standing)
        return ClientPlace(owner_through_agency(client, standing), agency, standing)
    if stored is None or stored.role == OWNER or stored.via != agency_id:
        return ClientPlace(None)
    if not agency.is_live or assigned_before(stored, standing):
        return ClientPlace(None)
    return ClientPlace(stored, agency, standing)


def _session_ended(caller: Caller, actor: Member) -> bool:
    """Whether the caller's token was issued before the member's sessions here were
    ended (sign-out, a new password, suspension). Token times have whole seconds, so a
    token of the very second they ended counts as before it: refused."""
    if caller.issued_at is None or actor.sessions_valid_from is None:
        return False
    return caller.issued_at <= int(actor.sessions_valid_from.timestamp())


def owns(agency: Workspace, standing: Member) -> bool:
    """Whether this membership of the agency is its owner's."""
    return agency.owner_id == standing.user_id and standing.role == OWNER


def owner_through_agency(client: Workspace, standing: Member) -> Member:
    """The agency's owner as the client's owner, before the client has an item for them."""
    return replace(
        standing,
        workspace_id=client.workspace_id,
        toggles={},
        agent_ids=None,
        via=str(client.parent_workspace_id),
    )


def assigned_before(assignment: Member, standing: Member) -> bool:
    """Whether an assignment predates the agency membership it now stands on: it was
    given to an earlier membership, which ended, and gives nothing."""
    return assignment.joined_at < standing.joined_at


def enforce(verdict: Verdict) -> None:
    """Turn a refusal of the rank rules (or of the plan) into the caller's 403 (409 for a
    refusal that is a conflict with the workspace's state, such as a limit reached)."""
    if not verdict:
        extensions = {"feature": verdict.feature} if verdict.feature else None
        error = Conflict if verdict.conflict else Forbidden
        raise error(verdict.code, verdict.reason, extensions=extensions)
