"""Property-based tests of the "Roles" rules (ARCHITECTURE.md), through the real handlers.

A hypothesis state machine drives random sequences of team changes on one workspace per
example, each request through a function's real entry point on moto: role changes,
permission toggles, suspensions and reactivations, removals and leaves, invitations
(`sendEmail: false`, so the link comes back in `acceptUrl`) with their answers, resends
and revocations, ownership transfers (request, accept, decline, cancel) by any owner,
settings.maxOwners with co-owners made and unmade, time passing and the expiry job.
Actors come from a pool of users, so they include members of every role, suspended
members, removed users and people who never joined.

A model of the workspace, written from the rules of the architecture page (not from the
permission layer's code), predicts the status of every reply. After every step the
machine checks, reading the table and asking the handlers:

1. at least one member is owner and at most settings.maxOwners (co-owners, seed 002),
   the workspace's `ownerId` names one of them (the primary owner, who is active), and
   its owner count (`ownerCount`) says how many;
2. every member's permissions (`GET me/permissions`, `POST authorize`) are their role's
   with their toggles applied, and every toggle a member holds was granted by someone who
   held that permission when granting it;
3. no 2xx change of another member came from an actor not strictly above the target (or,
   for a co-owner, from another owner), or granted a role not below the actor's (but for
   an owner making a co-owner where maxOwners allows); nobody changed their own role;
4. a suspended member, a removed user or an outsider gets 404 for the workspace, their
   permissions and `authorize`, and does not see the workspace in their list;
5. the workspace's counters equal its member items and its pending invitations;
6. the workspace is an agency with a client: whoever owns the agency owns the client at
   once, before or after the client_access consumer has caught up; nobody else (former
   owners, removed members) has a role there or can delete it; and once the consumer has
   run, the client's own items name the agency's owner.

The fixtures are per test function, so the machine starts each example on a new table
(dropped and created again from template.yaml's definition, without the stream nothing
here reads) with its own workspace and users.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from local_runtime.lambdas import LambdaContext, load_module
from teamspace.core.clock import iso
from teamspace.domain.ownership import TRANSFER_DAYS
from teamspace.permissions import ALL_PERMISSIONS, BUILTIN_ROLES, TOGGLE_PERMISSIONS
from teamspace.store import codec
from tests.support import TEMPLATE, Reply, outbox_events, sample_event, token_of, user

TABLE = TEMPLATE.table_name()
SPECS = TEMPLATE.functions()
EXPIRY = SPECS["InvitationExpiryFunction"]
CLIENT_ACCESS = SPECS["ClientAccessFunction"]
CLIENT_ACCESS_EVENTS = ("OwnershipTransferred", "MemberRemoved", "MemberLeft")
INVITATION_DAYS = int(SPECS["InvitationsFunction"].environment["INVITATION_TTL_DAYS"])
OWNER = "owner"
ADMIN = "admin"
ACTIVE = "ACTIVE"
SUSPENDED = "SUSPENDED"
PENDING = "PENDING"
ROLES = sorted(BUILTIN_ROLES, key=lambda key: (-BUILTIN_ROLES[key].rank, key))
GRANTABLE = [role for role in ROLES if role != OWNER]
# Keys of the custom roles an example may define; a step may name one not defined yet.
CUSTOM_KEYS = ["crew_a", "crew_b", "crew_c"]
ANY_ROLE = st.sampled_from([*ROLES, *CUSTOM_KEYS, *CUSTOM_KEYS])  # custom keys: 6 in 14
CUSTOM_RANKS = st.sampled_from([15, 35, 50, 70])
OWNER_ONLY = {"workspace:delete", "ownership:transfer"}
TOGGLES = sorted(TOGGLE_PERMISSIONS)
PERMISSIONS = sorted(str(p) for p in ALL_PERMISSIONS)
# The users of one example: index 0 creates the workspace; the others start outside it.
POOL = 7
# Steps of time, in hours: no sum of fewer than 24 of them is exactly 7 days, so nothing
# is ever read at the very instant it lapses. (7 hours, the simplest step, is what the
# simplest examples repeat: cheap.)
HOURS = (7, 61, 170)

EXAMPLES = itertools.count(1)

# Who acts, or is acted on: a kind of user, and an index into the users of that kind.
#   top: an active owner or admin           admin: an active admin (else top)
#   active: any active member               member: any member, suspended ones too
#   suspended: a suspended member           below / above: a member ranked below /
#   owner / nominee: the primary owner /      at or above the actor
#     of the pending transfer               anyone: the whole pool, removed users and
#   owners: an owner, co-owners included      outsiders included
Choice = tuple[str, int]
_INDEX = st.integers(0, POOL - 1)
ACTOR = st.tuples(
    st.sampled_from(["top", "admin", "admin", "active", "member", "owners", "anyone"]), _INDEX
)
TARGET = st.tuples(
    st.sampled_from(
        ["below", "below", "above", "member", "suspended", "active", "owners", "anyone"]
    ),
    _INDEX,
)
LEAVER = st.tuples(st.sampled_from(["active", "active", "member", "anyone"]), _INDEX)
OWNER_MOSTLY = st.tuples(st.sampled_from(["owner", "owner", "owners", "anyone"]), _INDEX)
# settings.maxOwners to PATCH (None: unset, which is one)
MAX_OWNERS = st.sampled_from([None, 1, 2, 3, 3])
ANSWERER = st.tuples(st.sampled_from(["nominee", "nominee", "owner", "anyone"]), _INDEX)
ANYONE = st.tuples(st.just("anyone"), _INDEX)
# Toggles to PATCH onto a member (None: back to the role's default).
PATCH = st.dictionaries(
    st.sampled_from(TOGGLES), st.sampled_from([True, True, False, None]), min_size=1, max_size=3
)
# Which invitation a step answers, resends or revokes: mostly a pending one.
INVITATION = st.tuples(st.sampled_from(["pending", "pending", "any"]), st.integers(0, 99))


# ---- the model ---------------------------------------------------------------------------


@dataclass
class ModelMember:
    role: str
    status: str = ACTIVE
    toggles: dict[str, bool] = field(default_factory=dict)


@dataclass
class ModelInvitation:
    invitation_id: str
    email: str
    role: str
    toggles: dict[str, bool]
    token: str
    expires_at: datetime
    # who granted the invitation's toggles, and what they held then
    granter: tuple[str, frozenset[str]]
    status: str = PENDING
    accepted_by: str | None = None
    # links a resend replaced, oldest first
    superseded: list[str] = field(default_factory=list)

    @property
    def invitee(self) -> str:
        return self.email.removesuffix("@example.com")


@dataclass
class ModelTransfer:
    from_user: str
    to_user: str
    expires_at: datetime


@dataclass
class ModelRole:
    """A custom role as the model knows it, with what its author held when defining it."""

    rank: int
    permissions: frozenset[str]
    author_held: frozenset[str]


def builtin_permissions(role: str) -> frozenset[str]:
    return frozenset(str(p) for p in BUILTIN_ROLES[role].permissions)


def apply_toggles(permissions: frozenset[str], member: ModelMember) -> frozenset[str]:
    """Role permissions with the toggles applied; nothing unless an active member."""
    if member.status != ACTIVE:
        return frozenset()
    permissions = set(permissions)
    for name, value in member.toggles.items():
        permission = str(TOGGLE_PERMISSIONS[name])
        if value:
            permissions.add(permission)
        else:
            permissions.discard(permission)
    return frozenset(permissions)


def beyond(granter: frozenset[str], toggles: dict[str, bool | None]) -> list[str]:
    """The toggles set to True whose permission the granter does not hold."""
    return [n for n, v in toggles.items() if v and str(TOGGLE_PERMISSIONS[n]) not in granter]


def is_ok(reply: Reply) -> bool:
    return 200 <= reply.status < 300


# ---- the machine -------------------------------------------------------------------------


class TeamMachine(RuleBasedStateMachine):
    """One workspace, driven through the real handlers; `machine_for` sets `functions`,
    `dynamodb` and `clock` from the test's fixtures."""

    functions: Any
    dynamodb: Any
    clock: Any

    def __init__(self) -> None:
        super().__init__()
        n = next(EXAMPLES)
        self.new_table()
        self.users = [f"p{n}-u{i}" for i in range(POOL)]
        self.name = f"Team {n}"
        self.owner = self.users[0]  # the primary owner (ownerId)
        self.max_owners: int | None = None  # settings.maxOwners as set (None: one)
        self.members: dict[str, ModelMember] = {}
        self.invitations: list[ModelInvitation] = []
        self.transfer: ModelTransfer | None = None
        self.custom: dict[str, ModelRole] = {}
        # (member, toggle) -> (granter, what the granter held then), for each True toggle
        self.grants: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
        # what the handler checks last confirmed, per user; the team list last seen
        self.confirmed: dict[str, object] = {}
        self.listed: dict[str, tuple[str, str]] | None = None
        self.checks = 0
        self.log: list[str] = []
        event = sample_event(
            "workspaces/create-workspace.json",
            caller=self.claims(self.owner),
            body={"name": self.name, "type": "agency"},
        )
        event["headers"].pop("idempotency-key")
        reply = self.functions.call("WorkspacesFunction", event)
        assert reply.status == 201, reply.body
        self.ws = reply.body["workspaceId"]
        self.members[self.owner] = ModelMember(OWNER)
        # The workspace is an agency with a client, which must follow it: whoever owns
        # the agency owns the client, and nobody else has a role there (6.).
        created = self.call(
            "WorkspacesFunction",
            "workspaces/create-client.json",
            self.owner,
            body={"name": f"Client {n}"},
        )
        assert created.status == 201, created.body
        self.client = created.body["workspaceId"]
        # the agency's events the client_access consumer has been given
        self.delivered: set[str] = set()

    def new_table(self) -> None:
        """The template's table, new for each example (the `aws` fixture makes one per
        test), so that examples stay apart. Without its stream: nothing here reads it,
        and moto deep-copies the whole table, stream records included, for every item of
        every transaction, so a stream that only grows would slow each step down."""
        definition = TEMPLATE.table_definition()
        definition.pop("StreamSpecification", None)
        self.dynamodb.delete_table(TableName=TABLE)
        self.dynamodb.create_table(**definition)
        self.dynamodb.update_time_to_live(
            TableName=TABLE,
            TimeToLiveSpecification={
                "Enabled": True,
                "AttributeName": TEMPLATE.time_to_live_attribute(),
            },
        )

    # ---- plumbing ------------------------------------------------------------------

    def rank(self, role: str) -> int:
        return self.custom[role].rank if role in self.custom else BUILTIN_ROLES[role].rank

    def known(self, role: str) -> bool:
        return role in BUILTIN_ROLES or role in self.custom

    def held(self, member: ModelMember | None) -> frozenset[str]:
        """What the rules give a member: their role's permissions, toggles applied."""
        if member is None:
            return frozenset()
        custom = self.custom.get(member.role)
        role = custom.permissions if custom else builtin_permissions(member.role)
        return apply_toggles(role, member)

    def holders(self, role: str) -> int:
        members = sum(m.role == role for m in self.members.values())
        return members + sum(i.role == role and i.status == PENDING for i in self.invitations)

    @staticmethod
    def email(user_id: str) -> str:
        return f"{user_id}@example.com"

    def claims(self, user_id: str) -> dict[str, Any]:
        return user(user_id, self.email(user_id), f"Person {user_id}")

    def call(
        self,
        function: str,
        sample: str,
        who: str,
        *,
        body: Any = ...,
        path: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        in_workspace: bool = True,
    ) -> Reply:
        params = {"workspaceId": self.ws, **(path or {})} if in_workspace else None
        event = sample_event(sample, caller=self.claims(who), body=body, path=params, query=query)
        return self.functions.call(function, event)

    def who(self, choice: Choice, actor: str | None = None) -> str:
        kind, index = choice
        if kind == "owner":
            return self.owner
        if kind == "nominee" and self.transfer is not None:
            return self.transfer.to_user
        ceiling = self.rank(self.members[actor].role) if actor in self.members else 0
        pools = {
            "top": [
                u for u in self.users if self.active(u) and self.rank_of(u) >= self.rank(ADMIN)
            ],
            "admin": [u for u in self.users if self.active(u) and self.members[u].role == ADMIN],
            "active": [u for u in self.users if self.active(u)],
            "member": list(self.members),
            "below": [u for u, m in self.members.items() if self.rank(m.role) < ceiling],
            "above": [u for u, m in self.members.items() if self.rank(m.role) >= ceiling],
            "suspended": [u for u, m in self.members.items() if m.status == SUSPENDED],
            "owners": self.owners(),
        }
        pool = sorted(pools.get(kind, self.users))
        if actor is not None and kind != "anyone":  # "anyone" may still pick the actor
            pool = [u for u in pool if u != actor]
        if not pool and kind == "admin":
            return self.who(("top", index), actor)
        pool = pool or self.users
        return pool[index % len(pool)]

    def pick_invitation(self, choice: Choice) -> ModelInvitation:
        kind, index = choice
        pending = [i for i in self.invitations if i.status == PENDING]
        pool = pending if kind == "pending" and pending else self.invitations
        return pool[index % len(pool)]

    def active(self, user_id: str) -> bool:
        member = self.members.get(user_id)
        return member is not None and member.status == ACTIVE

    def rank_of(self, user_id: str) -> int:
        return self.rank(self.members[user_id].role)

    def owners(self) -> list[str]:
        return sorted(u for u, m in self.members.items() if m.role == OWNER)

    @property
    def owner_limit(self) -> int:
        return self.max_owners or 1

    def reaches_owner(self, actor: str, target: str) -> bool:
        """An owner reaches a co-owner: never the primary owner, never the last owner."""
        return self.members[actor].role == OWNER and target != self.owner and len(self.owners()) > 1

    def check(
        self, what: str, reply: Reply, expected: int, actor: str, *, inside: bool = True
    ) -> bool:
        """The reply's status is the model's; inside the workspace, a caller who is not an
        active member always gets 404 (4.)."""
        self.log.append(f"{what} -> {reply.status} {reply.code or ''}".rstrip())
        assert reply.status == expected, (what, expected, reply.status, reply.body)
        if inside and not self.active(actor):
            assert reply.status == 404, (what, reply.status, reply.body)
        return is_ok(reply)

    def assert_changed_another_rightly(
        self, actor: str, target: str, new_role: str | None = None
    ) -> None:
        """3., on the model as it was before the step."""
        acting, changed = self.members.get(actor), self.members.get(target)
        assert acting is not None, "the actor was not a member"
        assert acting.status == ACTIVE, "the actor was suspended"
        assert changed is not None, "the target was not a member"
        assert actor != target, "changed themselves"
        if changed.role == OWNER:
            assert acting.role == OWNER, "an owner changed by a non-owner"
            assert target != self.owner, "the primary owner changed"
            assert len(self.owners()) > 1, "the last owner changed"
        else:
            assert self.rank(acting.role) > self.rank(changed.role), (
                acting.role,
                "changed",
                changed.role,
            )
        if new_role == OWNER:
            assert acting.role == OWNER, "an owner made by a non-owner"
            assert changed.role == OWNER or len(self.owners()) < self.owner_limit
        elif new_role is not None:
            assert self.rank(new_role) < self.rank(acting.role), (acting.role, "granted", new_role)

    def outranks(self, actor: str, target: str, permission: str, *, co_owners: bool = False) -> int:
        """The status the rank rules give for `actor` changing `target` (`co_owners`: a
        change an owner may make to a co-owner: role, suspension, removal)."""
        if not self.active(actor) or target not in self.members:
            return 404
        if permission not in self.held(self.members[actor]) or actor == target:
            return 403
        if self.members[target].role == OWNER:
            return 200 if co_owners and self.reaches_owner(actor, target) else 403
        if self.rank_of(target) >= self.rank_of(actor):
            return 403
        return 200

    def live_transfer(self) -> ModelTransfer | None:
        if self.transfer is None or self.transfer.expires_at <= self.clock.now():
            return None
        return self.transfer

    def pending_lock(self, email: str) -> bool:
        return any(i.status == PENDING and i.email == email for i in self.invitations)

    def forget(self, user_id: str) -> None:
        del self.members[user_id]
        self.forget_grants(user_id)
        self.end_nomination(user_id)

    def end_nomination(self, user_id: str) -> None:
        """A nominee who is no longer an active member ends a live transfer; so does the
        (co-)owner who offered it, once suspended, removed, gone or demoted."""
        live = self.live_transfer()
        if live is not None and user_id in (live.to_user, live.from_user):
            self.transfer = None

    def forget_grants(self, user_id: str) -> None:
        for key in [k for k in self.grants if k[0] == user_id]:
            del self.grants[key]

    # ---- setting up ----------------------------------------------------------------

    @initialize(
        crew=st.tuples(
            CUSTOM_RANKS,
            st.frozensets(st.sampled_from(sorted(set(PERMISSIONS) - OWNER_ONLY)), max_size=8),
        ),
        team=st.lists(
            st.tuples(
                st.integers(1, POOL - 1),
                # admins twice as likely (peers); crew_a is the owner's custom role
                st.sampled_from([ADMIN, *GRANTABLE, CUSTOM_KEYS[0]]),
                st.dictionaries(st.sampled_from(TOGGLES), st.booleans(), max_size=2),
                st.sampled_from([True, True, True, False]),
            ),
            min_size=2,
            max_size=6,
            unique_by=lambda invitee: invitee[0],
        ),
        co_owners=st.sampled_from([0, 1, 1, 2]),
    )
    def invite_a_team(
        self,
        crew: tuple[int, frozenset[str]],
        team: list[tuple[int, str, dict[str, bool], bool]],
        co_owners: int,
    ) -> None:
        """The owner defines a custom role, then invites a few people with random roles
        (that one included) and toggles; most accept, the others' invitations stay
        pending. Then, mostly, the owner allows co-owners (settings.maxOwners, with room
        for one more) and makes one or two of those who joined owners."""
        role_rank, grants = crew
        body = {"key": CUSTOM_KEYS[0], "name": "Crew", "rank": role_rank}
        body["permissions"] = sorted(grants)
        reply = self.call("RolesFunction", "roles/create-role.json", self.owner, body=body)
        assert reply.status == 201, reply.body
        self.custom[CUSTOM_KEYS[0]] = ModelRole(
            role_rank, grants, self.held(self.members[self.owner])
        )
        for index, role, toggles, accepts in team:
            assert self.do_invite(self.owner, self.users[index], role, toggles), self.log
            if accepts:
                assert self.do_accept(self.users[index], self.invitations[-1]), self.log
        if not co_owners:
            return
        assert self.do_set_max_owners(self.owner, co_owners + 2), self.log
        for user_id in [u for u in self.members if u != self.owner][:co_owners]:
            self.do_change_role(self.owner, user_id, OWNER)
            assert self.members[user_id].role == OWNER, self.log

    # ---- changing members ------------------------------------------------------------

    @rule(actor=ACTOR, whom=TARGET, role=ANY_ROLE)
    def change_role(self, actor: Choice, whom: Choice, role: str) -> None:
        a = self.who(actor)
        self.do_change_role(a, self.who(whom, a), role)

    @rule(actor=OWNER_MOSTLY, whom=TARGET)
    def make_an_owner(self, actor: Choice, whom: Choice) -> None:
        """An owner (mostly) makes someone a co-owner, where settings.maxOwners allows."""
        a = self.who(actor)
        self.do_change_role(a, self.who(whom, a), OWNER)

    @rule(actor=OWNER_MOSTLY, whom=st.tuples(st.just("owners"), _INDEX), role=ANY_ROLE)
    def demote_an_owner(self, actor: Choice, whom: Choice, role: str) -> None:
        a = self.who(actor)
        self.do_change_role(a, self.who(whom, a), role)

    @rule(actor=OWNER_MOSTLY, limit=MAX_OWNERS)
    def set_max_owners(self, actor: Choice, limit: int | None) -> None:
        """settings.maxOwners: the owner's alone, never below the owners there are."""
        self.do_set_max_owners(self.who(actor), limit)

    def do_set_max_owners(self, a: str, limit: int | None) -> bool:
        changed = limit != self.max_owners
        if not self.active(a):
            expected = 404
        elif "workspace:update" not in self.held(self.members[a]) or (
            changed and self.members[a].role != OWNER
        ):
            expected = 403
        elif changed and (limit or 1) < len(self.owners()):
            expected = 409
        else:
            expected = 200
        body = {"settings": {"maxOwners": limit}}
        reply = self.call("WorkspacesFunction", "workspaces/update-workspace.json", a, body=body)
        if not self.check(f"{a} sets maxOwners to {limit}", reply, expected, a):
            return False
        assert not changed or self.members[a].role == OWNER, "maxOwners set by a non-owner"
        self.max_owners = limit
        assert reply.body["settings"].get("maxOwners") == limit
        return True

    @rule(actor=ACTOR, whom=TARGET, patch=PATCH)
    def set_toggles(self, actor: Choice, whom: Choice, patch: dict[str, bool | None]) -> None:
        a = self.who(actor)
        self.do_set_toggles(a, self.who(whom, a), patch)

    @rule(actor=ACTOR, whom=TARGET, suspend=st.booleans())
    def suspend_or_reactivate(self, actor: Choice, whom: Choice, suspend: bool) -> None:
        a = self.who(actor)
        self.do_set_status(a, self.who(whom, a), suspend=suspend)

    @rule(actor=ACTOR, whom=TARGET)
    def remove_member(self, actor: Choice, whom: Choice) -> None:
        a = self.who(actor)
        self.do_remove(a, self.who(whom, a))

    def do_change_role(self, a: str, t: str, role: str) -> None:
        expected = self.outranks(a, t, "members:change_role", co_owners=True)
        if self.active(a) and t in self.members and not self.known(role):
            expected = 422
        elif expected == 200 and role == OWNER:
            if self.members[a].role != OWNER or self.owner_limit <= 1:
                expected = 403
            elif self.members[t].role == OWNER:
                expected = 200  # already one: nothing changes
            elif self.members[t].status != ACTIVE or len(self.owners()) >= self.owner_limit:
                expected = 409
        elif expected == 200 and self.rank(role) >= self.rank_of(a):
            expected = 403
        reply = self.call(
            "RolesFunction",
            "roles/change-member-role.json",
            a,
            body={"role": role},
            path={"userId": t},
        )
        if self.check(f"{a} sets the role of {t} to {role}", reply, expected, a):
            self.assert_changed_another_rightly(a, t, role)
            assert reply.body["role"] == role
            before, self.members[t].role = self.members[t].role, role
            if role == OWNER:  # an owner holds everything: no toggles
                self.members[t].toggles = {}
                self.forget_grants(t)
            elif before == OWNER:
                self.end_nomination(t)

    def do_set_toggles(self, a: str, t: str, patch: dict[str, bool | None]) -> None:
        expected = self.outranks(a, t, "members:update")
        before = self.held(self.members.get(a))
        if expected == 200 and beyond(before, patch):
            expected = 403
        reply = self.call(
            "MembershipFunction",
            "membership/update-member.json",
            a,
            body={"permissions": patch},
            path={"userId": t},
        )
        if self.check(f"{a} sets toggles of {t}: {patch}", reply, expected, a):
            self.assert_changed_another_rightly(a, t)
            assert not beyond(before, patch), f"{a} granted {beyond(before, patch)} beyond own"
            toggles = self.members[t].toggles
            for name, value in patch.items():
                if value is None:
                    toggles.pop(name, None)
                else:
                    toggles[name] = value
                if value:
                    self.grants[(t, name)] = (a, before)
                else:
                    self.grants.pop((t, name), None)
            assert reply.body["permissionOverrides"] == toggles

    def do_set_status(self, a: str, t: str, *, suspend: bool) -> None:
        expected = self.outranks(a, t, "members:suspend", co_owners=True)
        verb = "suspend" if suspend else "reactivate"
        reply = self.call(
            "MembershipFunction", f"membership/{verb}-member.json", a, path={"userId": t}
        )
        if self.check(f"{a} {verb}s {t}", reply, expected, a):
            self.assert_changed_another_rightly(a, t)
            self.members[t].status = SUSPENDED if suspend else ACTIVE
            assert reply.body["status"] == self.members[t].status
            if suspend:
                self.end_nomination(t)

    def do_remove(self, a: str, t: str) -> None:
        if a == t:  # their own id in the path: that is leaving
            self.do_leave(a, a)
            return
        expected = self.outranks(a, t, "members:remove", co_owners=True)
        expected = 204 if expected == 200 else expected
        reply = self.call(
            "MembershipFunction", "membership/remove-member.json", a, path={"userId": t}
        )
        if self.check(f"{a} removes {t}", reply, expected, a):
            self.assert_changed_another_rightly(a, t)
            self.forget(t)

    @rule(actor=LEAVER, as_me=st.booleans())
    def leave(self, actor: Choice, as_me: bool) -> None:
        a = self.who(actor)
        self.do_leave(a, "me" if as_me else a)

    def do_leave(self, a: str, path_id: str) -> None:
        """Anyone may leave, except the primary owner and the last owner."""
        staying = (
            self.members.get(a) is not None
            and self.members[a].role == OWNER
            and (a == self.owner or len(self.owners()) <= 1)
        )
        expected = 404 if not self.active(a) else 403 if staying else 204
        reply = self.call(
            "MembershipFunction", "membership/leave-workspace.json", a, path={"userId": path_id}
        )
        if self.check(f"{a} leaves (as {path_id})", reply, expected, a):
            assert a != self.owner, "the primary owner left"
            assert self.members[a].role != OWNER or len(self.owners()) > 1, "the last owner left"
            self.forget(a)

    # ---- invitations -------------------------------------------------------------

    @rule(
        actor=ACTOR,
        invitee=ANYONE,
        role=ANY_ROLE,
        toggles=st.dictionaries(st.sampled_from(TOGGLES), st.booleans(), max_size=2),
    )
    def invite(self, actor: Choice, invitee: Choice, role: str, toggles: dict[str, bool]) -> None:
        self.do_invite(self.who(actor), self.who(invitee), role, toggles)

    def do_invite(self, a: str, invitee: str, role: str, toggles: dict[str, bool]) -> bool:
        email = self.email(invitee)
        before = self.held(self.members.get(a))
        if not self.active(a):
            expected = 404
        elif not self.known(role):
            expected = 422
        elif (
            "members:invite" not in before
            or role == OWNER
            or self.rank(role) >= self.rank_of(a)
            or beyond(before, toggles)
        ):
            expected = 403
        elif invitee in self.members or self.pending_lock(email):
            expected = 409
        else:
            expected = 201
        body = {"email": email, "role": role, "permissions": toggles, "sendEmail": False}
        reply = self.call("InvitationsFunction", "invitations/create-invitation.json", a, body=body)
        if not self.check(f"{a} invites {invitee} as {role} with {toggles}", reply, expected, a):
            return False
        assert role != OWNER, "invited as owner"
        assert self.rank(role) < self.rank_of(a), (a, "invited as", role)
        assert not beyond(before, toggles), f"{a} invited with {toggles} beyond own"
        self.invitations.append(
            ModelInvitation(
                invitation_id=reply.body["invitationId"],
                email=email,
                role=role,
                toggles=dict(toggles),
                token=token_of(reply.body["acceptUrl"]),
                expires_at=self.clock.now() + timedelta(days=INVITATION_DAYS),
                granter=(a, before),
            )
        )
        return True

    @precondition(lambda self: self.invitations)
    @rule(
        which=INVITATION,
        accept=st.booleans(),
        by_invitee=st.booleans(),
        other=ANYONE,
        old_link=st.sampled_from([False, False, True]),
    )
    def answer_invitation(
        self, which: Choice, accept: bool, by_invitee: bool, other: Choice, old_link: bool
    ) -> None:
        """The invitee (or someone else) follows a link, the latest or a replaced one,
        and accepts or declines."""
        invitation = self.pick_invitation(which)
        caller = invitation.invitee if by_invitee else self.who(other)
        if accept:
            self.do_accept(caller, invitation, old_link=old_link)
        else:
            self.do_decline(caller, invitation, old_link=old_link)

    def link(self, invitation: ModelInvitation, old_link: bool) -> tuple[str, str]:
        """The token followed, and how the log names it."""
        if old_link and invitation.superseded:
            return invitation.superseded[-1], f"{invitation.invitation_id} by a replaced link"
        return invitation.token, f"{invitation.invitation_id} ({invitation.status.lower()})"

    def answer_status(self, caller: str, invitation: ModelInvitation, success: int) -> int:
        if invitation.status != PENDING or invitation.expires_at <= self.clock.now():
            return 410
        if self.email(caller) != invitation.email:
            return 403
        return success

    def do_accept(
        self, caller: str, invitation: ModelInvitation, *, old_link: bool = False
    ) -> bool:
        token, named = self.link(invitation, old_link)
        if token != invitation.token:
            expected = 410
        elif invitation.status == "ACCEPTED":  # accepting twice returns the same member
            same = invitation.accepted_by == caller and caller in self.members
            expected = 200 if same else 410
        else:
            expected = self.answer_status(caller, invitation, 200)
        reply = self.call(
            "InvitationsFunction",
            "invitations/accept-invitation.json",
            caller,
            body={"token": token},
            in_workspace=False,
        )
        if not self.check(f"{caller} accepts {named}", reply, expected, caller, inside=False):
            return False
        if invitation.status == "ACCEPTED":
            return True
        assert caller not in self.members, "joined twice"
        invitation.status, invitation.accepted_by = "ACCEPTED", caller
        self.members[caller] = ModelMember(invitation.role, ACTIVE, dict(invitation.toggles))
        for name, value in invitation.toggles.items():
            if value:
                self.grants[(caller, name)] = invitation.granter
        assert reply.body["member"]["role"] == invitation.role
        return True

    def do_decline(self, caller: str, invitation: ModelInvitation, *, old_link: bool) -> None:
        token, named = self.link(invitation, old_link)
        expected = 410 if token != invitation.token else self.answer_status(caller, invitation, 204)
        reply = self.call(
            "InvitationsFunction",
            "invitations/decline-invitation.json",
            caller,
            body={"token": token},
            in_workspace=False,
        )
        if self.check(f"{caller} declines {named}", reply, expected, caller, inside=False):
            invitation.status = "DECLINED"

    @precondition(lambda self: self.invitations)
    @rule(actor=ACTOR, which=INVITATION, resend=st.booleans())
    def manage_invitation(self, actor: Choice, which: Choice, resend: bool) -> None:
        """Resend (a new link and expiry; an expired one comes back if its address is
        free) or revoke, within the actor's own reach."""
        a = self.who(actor)
        invitation = self.pick_invitation(which)
        before = self.held(self.members.get(a))
        free = invitation.invitee not in self.members and not self.pending_lock(invitation.email)
        if not self.active(a):
            expected = 404
        elif (
            "members:invite" not in before
            or self.rank(invitation.role) >= self.rank_of(a)
            or (resend and beyond(before, invitation.toggles))
        ):
            expected = 403
        elif not resend:
            expected = 204 if invitation.status in (PENDING, "REVOKED") else 409
        elif invitation.status == PENDING or (invitation.status == "EXPIRED" and free):
            expected = 200
        else:
            expected = 409
        verb = "resend" if resend else "revoke"
        sample = f"invitations/{verb}-invitation.json"
        reply = self.call(
            "InvitationsFunction", sample, a, path={"invitationId": invitation.invitation_id}
        )
        what = f"{a} {verb}s {invitation.invitation_id} ({invitation.status.lower()})"
        if not self.check(what, reply, expected, a):
            return
        assert self.rank(invitation.role) < self.rank_of(a), (a, verb, invitation.role)
        if not resend:
            invitation.status = "REVOKED"
            return
        assert not beyond(before, invitation.toggles), f"{a} resent toggles beyond own"
        invitation.superseded.append(invitation.token)
        invitation.token = token_of(reply.body["acceptUrl"])
        invitation.status = PENDING
        invitation.expires_at = self.clock.now() + timedelta(days=INVITATION_DAYS)

    # ---- custom roles ---------------------------------------------------------------

    @rule(
        actor=ACTOR,
        key=st.sampled_from(CUSTOM_KEYS),
        role_rank=CUSTOM_RANKS,
        grants=st.frozensets(st.sampled_from(PERMISSIONS), max_size=5),
        create=st.booleans(),
    )
    def define_role(
        self, actor: Choice, key: str, role_rank: int, grants: frozenset[str], create: bool
    ) -> None:
        """Create a custom role, or redefine one, with random permissions: some beyond the
        actor's own, some owner-only, some at or above the actor's rank."""
        a = self.who(actor)
        mine = self.held(self.members.get(a))
        existing = self.custom.get(key)
        if not self.active(a):
            expected = 404
        elif "roles:manage" not in mine:
            expected = 403
        elif not create and existing is None:
            expected = 404
        elif self.out_of_reach(a, None if create else existing, role_rank, grants):
            expected = 403
        elif create and existing is not None:
            expected = 409
        else:
            expected = 201 if create else 200
        body = {"rank": role_rank, "permissions": sorted(grants)}
        if create:
            body |= {"key": key, "name": key.title()}
            reply = self.call("RolesFunction", "roles/create-role.json", a, body=body)
        else:
            path = {"roleKey": key}
            reply = self.call("RolesFunction", "roles/update-role.json", a, body=body, path=path)
        verb = "creates" if create else "redefines"
        if self.check(f"{a} {verb} {key} at {role_rank}: {sorted(grants)}", reply, expected, a):
            assert role_rank < self.rank_of(a), "a role at or above its author"
            assert grants <= mine, "a role granting more than its author holds"
            self.custom[key] = ModelRole(role_rank, grants, mine)

    def out_of_reach(
        self,
        a: str,
        existing: ModelRole | None,
        role_rank: int = 0,
        grants: frozenset[str] = frozenset(),
    ) -> bool:
        """Whether the rules refuse `a` defining a role (403): no roles:manage, a role
        already at or above them, a new rank at or above them, grants beyond their own."""
        mine = self.held(self.members[a])
        return (
            "roles:manage" not in mine
            or (existing is not None and existing.rank >= self.rank_of(a))
            or role_rank >= self.rank_of(a)
            or bool(grants & OWNER_ONLY)
            or not grants <= mine
        )

    @precondition(lambda self: self.custom)
    @rule(actor=ACTOR, which=st.integers(0, 9))
    def delete_role(self, actor: Choice, which: int) -> None:
        """Delete a custom role: refused while anyone or any pending invitation holds it."""
        a = self.who(actor)
        key = sorted(self.custom)[which % len(self.custom)]
        if not self.active(a):
            expected = 404
        elif self.out_of_reach(a, self.custom[key]):
            expected = 403
        elif self.holders(key):
            expected = 409
        else:
            expected = 204
        reply = self.call("RolesFunction", "roles/delete-role.json", a, path={"roleKey": key})
        if self.check(f"{a} deletes {key} (held {self.holders(key)})", reply, expected, a):
            del self.custom[key]

    # ---- ownership ----------------------------------------------------------------

    @rule(
        actor=OWNER_MOSTLY,
        nominee=TARGET,
        then=st.sampled_from([None, "accept", "accept", "decline"]),
    )
    def offer_ownership(self, actor: Choice, nominee: Choice, then: str | None) -> None:
        """The owner names an active member (and the nominee may answer at once)."""
        a = self.who(actor)
        n = self.who(nominee, a)
        if not self.active(a):
            expected = 404
        elif "ownership:transfer" not in self.held(self.members[a]):
            expected = 403
        elif a == n:
            expected = 422
        elif n not in self.members:
            expected = 404
        elif self.members[n].status != ACTIVE or self.live_transfer() is not None:
            expected = 409
        else:
            expected = 202
        reply = self.call(
            "OwnershipFunction",
            "ownership/request-transfer.json",
            a,
            body={"newOwnerId": n, "confirmName": self.name},
        )
        if self.check(f"{a} offers ownership to {n}", reply, expected, a):
            assert self.members[a].role == OWNER, "a transfer offered by a non-owner"
            expires = self.clock.now() + timedelta(days=TRANSFER_DAYS)
            self.transfer = ModelTransfer(a, n, expires)
        if then is not None and self.transfer is not None:
            self.answer_ownership(("nominee", 0), then)

    @precondition(lambda self: self.transfer is not None)
    @rule(caller=ANSWERER, step=st.sampled_from(["accept", "decline", "cancel"]))
    def answer_ownership(self, caller: Choice, step: str) -> None:
        """The nominee accepts or declines, the owner cancels, or someone else tries."""
        c = self.who(caller)
        live = self.live_transfer()
        if not self.active(c):
            expected = 404
        elif step == "cancel":
            allowed = "ownership:transfer" in self.held(self.members[c])
            expected = 403 if not allowed else 204 if live else 404
        elif live is None:
            expected = 404
        elif live.to_user != c:
            expected = 403 if live.from_user == c else 404
        else:
            expected = 200 if step == "accept" else 204
        reply = self.call("OwnershipFunction", f"ownership/{step}-transfer.json", c)
        if not self.check(f"{c} {step}s the transfer", reply, expected, c):
            return
        assert live is not None
        self.transfer = None
        if step == "cancel":
            assert self.members[c].role == OWNER, "a transfer cancelled by a non-owner"
        elif step == "accept":
            assert c == live.to_user, "accepted by someone other than the nominee"
            assert self.members[live.from_user].role == OWNER
            self.members[live.from_user].role = ADMIN
            self.members[c] = ModelMember(OWNER, ACTIVE, {})
            self.forget_grants(c)
            if live.from_user == self.owner:  # the primary's offer moves ownerId
                self.owner = c
            assert reply.body["workspace"]["ownerId"] == self.owner

    # ---- time ---------------------------------------------------------------------

    @rule(step=st.sampled_from([(hours, job) for hours in HOURS for job in (False, True)]))
    def time_passes(self, step: tuple[int, bool]) -> None:
        """Time passes; then maybe the schedule runs the expiry job."""
        hours, job = step
        self.clock.advance(hours=hours)
        self.log.append(f"{hours} hours pass")
        if not job:
            return
        now = self.clock.now()
        due = [i for i in self.invitations if i.status == PENDING and i.expires_at <= now]
        event = {"version": "0", "detail-type": "Scheduled Event", "time": iso(now), "detail": {}}
        report = load_module(EXPIRY).lambda_handler(event, LambdaContext(EXPIRY.logical_id))
        self.log.append(f"the expiry job runs: {report}")
        assert report["expired"] == len(due), report
        for invitation in due:
            invitation.status = "EXPIRED"

    # ---- the agency's client ---------------------------------------------------------

    @rule()
    def the_client_catches_up(self) -> None:
        """The bus delivers the agency's transfers and removals to the client_access
        consumer (in AWS, seconds after they happen; here, whenever this step runs): the
        client's own items then name the agency's owner."""
        events = [
            e
            for e in outbox_events(self.dynamodb, TABLE)
            if e["workspaceId"] == self.ws
            and e["detailType"] in CLIENT_ACCESS_EVENTS
            and e["eventId"] not in self.delivered
        ]
        for event in events:
            bus_event = {
                "version": "0",
                "id": event["eventId"],
                "detail-type": event["detailType"],
                "source": "teamspace",
                "detail": {k: v for k, v in event.items() if k not in ("detailType", "ttl")},
            }
            load_module(CLIENT_ACCESS).lambda_handler(
                bus_event, LambdaContext(CLIENT_ACCESS.logical_id)
            )
            self.delivered.add(event["eventId"])
        self.log.append(f"the client_access consumer takes {len(events)} events")
        [meta] = self.query(
            KeyConditionExpression="PK = :pk AND SK = :sk",
            ExpressionAttributeValues={":pk": {"S": f"WS#{self.client}"}, ":sk": {"S": "META"}},
            ConsistentRead=True,
        )
        owners = self.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :member)",
            FilterExpression="#role = :owner",
            ExpressionAttributeNames={"#role": "role"},
            ExpressionAttributeValues={
                ":pk": {"S": f"WS#{self.client}"},
                ":member": {"S": "MEMBER#"},
                ":owner": {"S": OWNER},
            },
            ConsistentRead=True,
        )
        assert meta["ownerId"] == self.owner, (meta["ownerId"], self.owner, self.log)
        assert [o["userId"] for o in owners] == [self.owner], (owners, self.log)
        assert meta["memberCount"] == 1, (meta, self.log)

    @rule(actor=ANYONE)
    def someone_deletes_the_client(self, actor: Choice) -> None:
        """Nobody but the agency's owner may delete its client: to anyone else it does
        not exist (the owner's own deletion is left out: it would end the example's
        client)."""
        a = self.who(actor)
        if a == self.owner:
            return
        reply = self.call(
            "WorkspacesFunction",
            "workspaces/delete-workspace.json",
            a,
            path={"workspaceId": self.client},
        )
        self.check(f"{a} deletes the client", reply, 404, a, inside=False)

    # ---- invariants ---------------------------------------------------------------

    def partition(self) -> list[dict[str, Any]]:
        """The workspace's items but its invitations, and its pending invitations (by the
        index on status); only the attributes the checks read: moto is slow to filter
        and serialise items, and closed invitations pile up."""
        pk = f"WS#{self.ws}"
        rest = self.query(
            KeyConditionExpression="PK = :pk AND SK > :after",
            ProjectionExpression="SK, userId, #role, #status, toggles, ownerId, memberCount, "
            "pendingInvites, seatsUsed, fromUserId, toUserId, customRoles, holders, "
            "ownerCount, settings",
            ExpressionAttributeNames={"#role": "role", "#status": "status"},
            ExpressionAttributeValues={":pk": {"S": pk}, ":after": {"S": "INVITE#~"}},
            ConsistentRead=True,
        )
        pending = self.query(
            IndexName="GSI2",
            KeyConditionExpression="GSI2PK = :pk",
            ProjectionExpression="SK, invitationId, #status",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":pk": {"S": f"{pk}#INVITES#{PENDING}"}},
        )
        return rest + pending

    def query(self, **request: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self.dynamodb.query(TableName=TABLE, **request)
            found += [codec.from_attributes(i) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    @invariant()
    def table_holds_the_rules(self) -> None:
        items = self.partition()
        (meta,) = [i for i in items if i["SK"] == "META"]
        members = {i["userId"]: i for i in items if i["SK"].startswith("MEMBER#")}
        pending = {i["invitationId"] for i in items if i["SK"].startswith("INVITE#")}
        assert all(i["status"] == PENDING for i in items if i["SK"].startswith("INVITE#"))
        # 1. one owner at least, maxOwners at most; the primary active and named; counted
        owners = sorted(u for u, m in members.items() if m["role"] == OWNER)
        assert owners == self.owners(), (owners, self.owners(), self.log)
        assert 1 <= len(owners) <= self.owner_limit, (owners, self.max_owners, self.log)
        assert self.owner in owners, (owners, self.owner, self.log)
        assert members[self.owner]["status"] == ACTIVE, (members[self.owner], self.log)
        assert meta["ownerId"] == self.owner, (meta["ownerId"], self.owner, self.log)
        assert meta.get("ownerCount", 1) == len(owners), (meta.get("ownerCount"), self.log)
        assert meta["settings"].get("maxOwners") == self.max_owners, self.log
        # 5. the counters are true
        counters = {k: meta.get(k, 0) for k in ("memberCount", "pendingInvites", "seatsUsed")}
        assert counters == {
            "memberCount": len(members),
            "pendingInvites": len(pending),
            "seatsUsed": len(members) + len(pending),
        }, (counters, self.log)
        emails = [i for i in items if i["SK"].startswith("MEMBER_EMAIL#")]
        locks = [i for i in items if i["SK"].startswith("INVITE_EMAIL#")]
        assert (len(emails), len(locks)) == (len(members), len(pending)), self.log
        # the table holds what the allowed steps made, and nothing a refused one did
        found = {u: (m["role"], m["status"], m.get("toggles") or {}) for u, m in members.items()}
        expected = {u: (m.role, m.status, m.toggles) for u, m in self.members.items()}
        assert found == expected, self.log
        assert pending == {i.invitation_id for i in self.invitations if i.status == PENDING}
        transfer = next((i for i in items if i["SK"] == "TRANSFER"), None)
        if self.transfer is None:
            assert transfer is None, (transfer, self.log)
        else:
            assert transfer is not None, self.log
            found_transfer = (transfer["fromUserId"], transfer["toUserId"])
            assert found_transfer == (self.transfer.from_user, self.transfer.to_user)
        # custom roles: as defined, within what their author held, counted exactly
        defined = {
            key: (value["rank"], frozenset(value["permissions"]))
            for key, value in meta.get("customRoles", {}).items()
        }
        assert defined == {k: (r.rank, r.permissions) for k, r in self.custom.items()}, self.log
        for role in self.custom.values():
            assert role.permissions <= role.author_held
            assert not role.permissions & OWNER_ONLY
        counted = {
            i["SK"].removeprefix("ROLE#"): i["holders"]
            for i in items
            if i["SK"].startswith("ROLE#")
        }
        assert counted == {key: self.holders(key) for key in self.custom}, (counted, self.log)
        # 2. every toggle a member holds was granted by someone who held it then
        for user_id, member in self.members.items():
            for name, value in member.toggles.items():
                if value:
                    granter, then = self.grants[(user_id, name)]
                    assert str(TOGGLE_PERMISSIONS[name]) in then, (granter, name, self.log)

    @invariant()
    def the_team_list_agrees(self) -> None:
        """The owner's team list shows the model's team (checked when the team changed)."""
        team = {u: (m.role, m.status) for u, m in self.members.items()}
        if self.listed == team:
            return
        reply = self.call(
            "MembershipFunction", "membership/list-members.json", self.owner, query={"limit": "100"}
        )
        assert reply.status == 200, reply.body
        assert reply.body["nextCursor"] is None
        assert {m["userId"]: (m["role"], m["status"]) for m in reply.body["items"]} == team
        self.listed = team

    @invariant()
    def everyone_holds_what_the_rules_give(self) -> None:
        """2. and 4. through the handlers: each user whose standing changed with the last
        step, and one more user in turn (the table check covers everyone every step)."""
        self.checks += 1
        in_turn = self.users[self.checks % POOL]
        for user_id in self.users:
            member = self.members.get(user_id)
            state = (member.role, member.status, sorted(member.toggles.items())) if member else None
            changed = self.confirmed.get(user_id, ...) != state
            if not changed and user_id != in_turn:
                continue
            if member is not None and member.status == ACTIVE:
                self.holds_exactly(user_id, member, also_authorize=changed)
            else:
                self.denied_everything(user_id, all_routes=changed)
            self.in_the_client(user_id)
            self.confirmed[user_id] = state

    def in_the_client(self, user_id: str) -> None:
        """6. The agency's owner owns its client, at once, whatever its own items say yet;
        anyone else (a former owner, a removed or suspended member, an outsider) has no
        role there."""
        reply = self.call(
            "WorkspacesFunction",
            "workspaces/get-workspace.json",
            user_id,
            path={"workspaceId": self.client},
        )
        if user_id != self.owner:
            assert reply.status == 404, (user_id, reply.body, self.log)
            return
        assert reply.status == 200, (user_id, reply.body, self.log)
        assert (reply.body["role"], reply.body["ownerId"]) == (OWNER, user_id), self.log

    def holds_exactly(self, user_id: str, member: ModelMember, *, also_authorize: bool) -> None:
        """2. `GET me/permissions` is the role's permissions with the toggles applied; and
        when something changed for them, `authorize` agrees, on a different permission
        each time."""
        reply = self.call("MembershipFunction", "membership/my-permissions.json", user_id)
        assert reply.status == 200, reply.body
        assert reply.body["role"] == member.role
        assert set(reply.body["permissions"]) == self.held(member), (user_id, member, self.log)
        if not also_authorize:
            return
        asked = PERMISSIONS[self.checks % len(PERMISSIONS)]
        reply = self.call(
            "MembershipFunction", "membership/authorize.json", user_id, body={"permission": asked}
        )
        assert reply.status == 200, reply.body
        assert reply.body["allowed"] == (asked in self.held(member)), (user_id, asked, reply.body)

    def denied_everything(self, user_id: str, *, all_routes: bool) -> None:
        """4. Suspended, removed or never a member: the workspace does not exist for them
        (`authorize` alone when nothing changed for them since the full check)."""
        reply = self.call(
            "MembershipFunction",
            "membership/authorize.json",
            user_id,
            body={"permission": "workspace:view"},
        )
        assert reply.status == 404, (user_id, reply, self.log)
        if not all_routes:
            return
        replies = [
            self.call("WorkspacesFunction", "workspaces/get-workspace.json", user_id),
            self.call("MembershipFunction", "membership/my-permissions.json", user_id),
        ]
        assert [r.status for r in replies] == [404, 404], (user_id, replies, self.log)
        mine = self.call(
            "WorkspacesFunction", "workspaces/list-workspaces.json", user_id, in_workspace=False
        )
        assert mine.status == 200, mine.body
        assert self.ws not in [w["workspaceId"] for w in mine.body["items"]], (user_id, mine.body)


def machine_for(functions: Any, dynamodb: Any, clock: Any) -> type[TeamMachine]:
    return type(
        "Team", (TeamMachine,), {"functions": functions, "dynamodb": dynamodb, "clock": clock}
    )


MACHINE_SETTINGS = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,  # the same sequences on every run, so CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_random_team_changes_keep_the_rules(functions, dynamodb, clock) -> None:
    run_state_machine_as_test(machine_for(functions, dynamodb, clock), settings=MACHINE_SETTINGS)
