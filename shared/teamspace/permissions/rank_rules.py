"""Who may grant, change, suspend or remove whom (ARCHITECTURE.md, "Roles").

Each check returns a Verdict rather than raising, so that the rules stay pure and the
caller decides how a refusal reaches the user. A refused verdict carries a stable code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from teamspace.permissions.catalogue import AGENT_SCOPED, Permission
from teamspace.permissions.evaluation import effective_permissions
from teamspace.permissions.grants import TOGGLE_PERMISSIONS, MemberStatus, Subject, Toggles
from teamspace.permissions.owners import Owners
from teamspace.permissions.roles import (
    CUSTOM_RANK_MAX,
    CUSTOM_RANK_MIN,
    OWNER,
    OWNER_ONLY,
    RoleDefinition,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    code: str = ""
    reason: str = ""
    # The plan feature a PLAN_UPGRADE_REQUIRED refusal is about (permissions/plans.py).
    feature: str = ""
    # A refusal that is a conflict with the workspace's state (409: a limit reached,
    # someone not active) rather than a rule the actor breaks (403).
    conflict: bool = False

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def _deny(code: str, reason: str) -> Verdict:
    return Verdict(False, code, reason)


def _conflict(code: str, reason: str) -> Verdict:
    return Verdict(False, code, reason, conflict=True)


def requires(actor: Subject, permission: Permission) -> Verdict:
    if permission in effective_permissions(actor):
        return ALLOWED
    return _deny("PERMISSION_DENIED", f"your role does not grant {permission}")


def outranks(actor: Subject, target: Subject) -> Verdict:
    """The rule under every change to another member: the target ranks below the actor."""
    if target.role.key == OWNER:
        return _deny("OWNER_IMMUTABLE", "the owner can only change through ownership transfer")
    if target.rank >= actor.rank:
        return _deny(
            "ROLE_RANK_TOO_LOW", "you cannot change a member whose rank is equal to or above yours"
        )
    return ALLOWED


def first_refusal(*verdicts: Verdict) -> Verdict:
    for verdict in verdicts:
        if not verdict:
            return verdict
    return ALLOWED


def not_self(actor: Subject, target: Subject, what: str) -> Verdict:
    if actor.user_id == target.user_id:
        return _deny("CANNOT_CHANGE_SELF", f"you cannot {what} yourself")
    return ALLOWED


def may_grant_role(actor: Subject, role: RoleDefinition) -> Verdict:
    """Whether `actor` may hand out `role` at all (invitations, role changes).

    Nobody grants a role at or above their own rank, so only the owner grants admin;
    the owner role itself moves only by transfer.
    """
    if role.key == OWNER:
        return _deny("OWNER_IMMUTABLE", "ownership moves only by transfer")
    if role.rank >= actor.rank:
        return _deny("ROLE_RANK_TOO_LOW", f"you cannot grant {role.key}: it is not below your role")
    return ALLOWED


def reaches(actor: Subject, target: Subject, owners: Owners | None) -> Verdict:
    """`outranks`, but for co-owners: an owner may demote, suspend or remove another
    owner while the workspace keeps more than one, never its primary owner (who changes
    only through ownership transfer, and so keeps the workspace's one active owner).
    Nobody else ever touches an owner. `owners` None: a workspace of one owner."""
    if target.role.key == OWNER and actor.role.key == OWNER and owners is not None:
        if owners.is_primary(target.user_id):
            return _deny(
                "OWNER_IMMUTABLE", "the primary owner can only change through ownership transfer"
            )
        if owners.count <= 1:
            return _deny("OWNER_IMMUTABLE", "the last owner can only change through transfer")
        return ALLOWED
    return outranks(actor, target)


def may_make_owner(actor: Subject, target: Subject, owners: Owners | None) -> Verdict:
    """Whether `actor` may make `target` an owner (a co-owner): only an owner, only where
    `settings.maxOwners` allows more than one and there is room, only an active member.
    Without co-owners, the owner role moves only by transfer, as ever."""
    if owners is None or not owners.allows_co_owners or actor.role.key != OWNER:
        return _deny("OWNER_IMMUTABLE", "ownership moves only by transfer")
    if target.role.key == OWNER:
        return ALLOWED  # already one: nothing to count
    if target.status is not MemberStatus.ACTIVE:
        return _conflict("NOMINEE_NOT_ACTIVE", "only an active member can become an owner")
    if not owners.has_room:
        return _conflict(
            "OWNER_LIMIT_REACHED",
            f"this workspace allows {owners.limit} owners (settings.maxOwners) and has them",
        )
    return ALLOWED


def check_role_change(
    actor: Subject, target: Subject, new_role: RoleDefinition, owners: Owners | None = None
) -> Verdict:
    """A role change of `target` to `new_role` by `actor` (`owners`: see `reaches`)."""
    grant = (
        may_make_owner(actor, target, owners)
        if new_role.key == OWNER
        else may_grant_role(actor, new_role)
    )
    return first_refusal(
        requires(actor, Permission.MEMBERS_CHANGE_ROLE),
        not_self(actor, target, "change the role of"),
        reaches(actor, target, owners),
        grant,
    )


def check_removal(actor: Subject, target: Subject, owners: Owners | None = None) -> Verdict:
    """`actor` removing `target`; leaving is `check_leave`."""
    return first_refusal(
        requires(actor, Permission.MEMBERS_REMOVE),
        not_self(actor, target, "remove"),
        reaches(actor, target, owners),
    )


def check_suspension(actor: Subject, target: Subject, owners: Owners | None = None) -> Verdict:
    """`actor` suspending or reactivating `target`."""
    return first_refusal(
        requires(actor, Permission.MEMBERS_SUSPEND),
        not_self(actor, target, "suspend or reactivate"),
        reaches(actor, target, owners),
    )


def check_leave(member: Subject, owners: Owners | None = None) -> Verdict:
    """Anyone may leave, except the primary owner (who must transfer ownership first) and
    the last owner; a co-owner may leave while another owner stays."""
    if member.role.key != OWNER:
        return ALLOWED
    if owners is None or owners.is_primary(member.user_id) or owners.count <= 1:
        return _deny("OWNER_CANNOT_LEAVE", "the owner must transfer ownership before leaving")
    return ALLOWED


def check_owner_limit(owners: Owners, new_limit: int, *, client: bool) -> Verdict:
    """A new `settings.maxOwners`: never below the owners the workspace has (409), and a
    client stays with one (its owner is its agency's owner)."""
    if client and new_limit > 1:
        return _conflict(
            "CLIENT_OWNED_BY_AGENCY", "a client workspace is owned by its agency's owner alone"
        )
    if new_limit < owners.count:
        return _conflict(
            "MAX_OWNERS_TOO_LOW",
            f"this workspace has {owners.count} owners: demote or remove some first",
        )
    return ALLOWED


def check_profile_update(actor: Subject, target: Subject) -> Verdict:
    """Name and job title: your own, or someone's below you with members:update."""
    if actor.user_id == target.user_id:
        return ALLOWED
    return first_refusal(requires(actor, Permission.MEMBERS_UPDATE), outranks(actor, target))


def check_grants_update(
    actor: Subject,
    target: Subject,
    toggles: Toggles | None,
    agent_ids: Iterable[str] | None,
    agent_ids_given: bool,
) -> Verdict:
    """Toggles and agent assignment of `target`, never beyond what `actor` holds.

    Taking a toggle away is always within the actor's reach once the rank rule passes;
    granting one needs the permission it stands for. An actor restricted to some agents
    can assign only those, and cannot lift the restriction.
    """
    base = first_refusal(
        requires(actor, Permission.MEMBERS_UPDATE),
        not_self(actor, target, "change the permissions of"),
        outranks(actor, target),
    )
    if not base:
        return base
    granted = _granted(toggles)
    scoped_grant = any(TOGGLE_PERMISSIONS[name] in AGENT_SCOPED for name in granted)
    resulting = agent_ids if agent_ids_given else target.agent_ids
    return _within_reach(actor, granted, resulting, agents_matter=agent_ids_given or scoped_grant)


def _granted(toggles: Toggles | None) -> list[str]:
    return [name for name, value in (toggles.settings() if toggles else {}).items() if value]


def _within_reach(
    actor: Subject,
    granted: list[str],
    resulting_agents: Iterable[str] | None,
    *,
    agents_matter: bool,
) -> Verdict:
    """Grants never beyond the actor's own: toggles they hold, agents they reach.

    An actor restricted to some agents reaches only those, so whatever agent scope the
    grantee ends up with must lie inside the actor's wherever it matters.
    """
    actor_holds = effective_permissions(actor)
    for name in granted:
        if TOGGLE_PERMISSIONS[name] not in actor_holds:
            return _deny(
                "GRANT_EXCEEDS_OWN",
                f"you cannot grant {name}: you do not hold {TOGGLE_PERMISSIONS[name]}",
            )
    if actor.agent_ids is None or not agents_matter:
        return ALLOWED
    if resulting_agents is None:
        return _deny("GRANT_EXCEEDS_OWN", "you cannot give access to all agents")
    outside = sorted(set(resulting_agents) - actor.agent_ids)
    if outside:
        return _deny("GRANT_EXCEEDS_OWN", f"agents not assigned to you: {', '.join(outside[:5])}")
    return ALLOWED


def check_invitation(
    actor: Subject,
    role: RoleDefinition,
    toggles: Toggles | None = None,
    agent_ids: Iterable[str] | None = None,
) -> Verdict:
    """Inviting someone (or resending or revoking their invitation) with `role` and grants.

    The invitee will hold what the invitation carries, so the bounds of a change to an
    existing member apply: a role below the actor's, toggles the actor holds, agents
    within the actor's reach (`agent_ids` None: every agent).
    """
    base = first_refusal(requires(actor, Permission.MEMBERS_INVITE), may_grant_role(actor, role))
    if not base:
        return base
    return _within_reach(actor, _granted(toggles), agent_ids, agents_matter=True)


def check_custom_role(
    actor: Subject, role: RoleDefinition, existing: RoleDefinition | None = None
) -> Verdict:
    """`actor` defining `role`: creating it, or (with `existing`) changing it.

    A custom role ranks below the actor and below admin, and grants only permissions the
    actor holds, never an owner-only one: whoever holds it can do nothing its author
    could not. A role at or above the actor's rank is out of their reach to change.
    """
    base = first_refusal(
        requires(actor, Permission.ROLES_MANAGE), _custom_role_in_reach(actor, existing)
    )
    if not base:
        return base
    if not CUSTOM_RANK_MIN <= role.rank <= CUSTOM_RANK_MAX or role.rank >= actor.rank:
        return _deny(
            "ROLE_RANK_TOO_LOW",
            f"a custom role's rank must be between {CUSTOM_RANK_MIN} and "
            f"{min(CUSTOM_RANK_MAX, actor.rank - 1)} for you",
        )
    owner_only = sorted(role.permissions & OWNER_ONLY)
    if owner_only:
        return _deny("OWNER_ONLY_PERMISSION", f"only the owner role holds {owner_only[0]}")
    beyond = sorted(role.permissions - effective_permissions(actor))
    if beyond:
        return _deny("GRANT_EXCEEDS_OWN", f"you cannot grant {beyond[0]}: you do not hold it")
    return ALLOWED


def check_custom_role_delete(actor: Subject, existing: RoleDefinition) -> Verdict:
    """`actor` deleting the custom role `existing` (whether anyone holds it is the store's
    condition, not a rule)."""
    return first_refusal(
        requires(actor, Permission.ROLES_MANAGE), _custom_role_in_reach(actor, existing)
    )


def _custom_role_in_reach(actor: Subject, existing: RoleDefinition | None) -> Verdict:
    if existing is None:
        return ALLOWED
    if existing.builtin:
        return _deny("BUILTIN_ROLE_IMMUTABLE", f"{existing.key} is a built-in role")
    if existing.rank >= actor.rank:
        return _deny("ROLE_RANK_TOO_LOW", f"{existing.key} is not below your role")
    return ALLOWED


def check_api_key_role(actor: Subject, role: RoleDefinition) -> Verdict:
    """`actor` creating an API key that acts with `role`'s permissions.

    A key can do nothing its creator could not: every permission of the role must be
    one the actor holds now (toggles included), and an actor limited to some agents
    cannot make a key with agent-scoped permissions, because a key reaches every agent.
    No key acts as the owner: ownership is a person's. Rank plays no part for a person
    (a key is not a member, and nobody can change or remove it by rank), but a key
    creating a key never gives it a role above its own.
    """
    base = requires(actor, Permission.API_KEYS_MANAGE)
    if not base:
        return base
    if role.key == OWNER:
        return _deny("API_KEY_ROLE_NOT_ALLOWED", "an API key cannot have the owner role")
    if actor.api_key and role.rank > actor.rank:
        return _deny(
            "GRANT_EXCEEDS_OWN", f"a key cannot create a key above its own role ({role.key})"
        )
    beyond = sorted(role.permissions - effective_permissions(actor))
    if beyond:
        return _deny(
            "GRANT_EXCEEDS_OWN",
            f"a key with role {role.key} could {beyond[0]}, which you cannot",
        )
    if actor.agent_ids is not None and role.permissions & AGENT_SCOPED:
        return _deny(
            "GRANT_EXCEEDS_OWN",
            f"you reach only some agents, and a key with role {role.key} would reach all",
        )
    return ALLOWED
