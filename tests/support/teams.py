"""A small vocabulary for building teams, shared by the function tests, the end-to-end
tests and the benchmarks:

    team = Team.create(functions, store, clock)        # the sample workspace, its owner alone
    team.add("ada", "admin")                           # a member, as if they had accepted
    team.add_people(EVERY_ROLE)                        # one member of each role below owner
    team.invite("bob@example.com", "developer")        # a pending invitation, through the API

(over HTTP, `tests.support.http.create_team` makes the workspace as a signed-in owner and
hands back the same `Team`), and the requests most tests make: `create_workspace`,
`invite`, `token_of` (the token of an invitation's link), and what its holder does with
a link: `preview_link`, `answer_link`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from teamspace.store.table import TeamspaceStore
from tests.support.clock import FrozenClock
from tests.support.events import (
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    Claims,
    as_caller,
    sample_event,
)
from tests.support.handlers import Functions, Reply
from tests.support.store import seed_member

# One member of every built-in role below owner: role -> user id.
EVERY_ROLE = {
    "admin": "ada",
    "manager": "mia",
    "developer": "dev",
    "billing": "bill",
    "support_agent": "sam",
    "member": SAMPLE_TARGET,
    "viewer": "vic",
}
SAMPLE_CREATE_KEY = "create-acme-1"  # events/workspaces/create-workspace.json's idempotency key


def create_workspace(
    functions: Functions,
    name: str | None = None,
    kind: str | None = None,
    *,
    who: str | Claims | None = None,
    key: str | None = SAMPLE_CREATE_KEY,
    expect: int | None = None,
) -> Reply:
    """POST /v1/workspaces as `who` (None: the sample owner). Without a name or a kind,
    the sample's own body ("Acme Voice", simple, with its description). `key` is the
    idempotency key (the sample's own unless given; None sends none); `expect`, the
    status the reply must have."""
    changes: dict[str, Any] = {"caller": as_caller(who)}
    if name is not None or kind is not None:
        changes["body"] = {"name": name or "Acme Voice", "type": kind or "simple"}
    event = sample_event("workspaces/create-workspace.json", **changes)
    if key is None:
        event["headers"].pop("idempotency-key", None)
    else:
        event["headers"]["idempotency-key"] = key
    return _expected(functions.call("WorkspacesFunction", event), expect)


def invite(
    functions: Functions,
    email: str,
    role: str = "member",
    *,
    who: str | Claims | None = None,
    workspace: str | None = None,
    send_email: bool | None = False,
    key: str | None = None,
    expect: int | None = None,
    **fields: Any,
) -> Reply:
    """POST /v1/workspaces/{workspaceId}/invitations (the sample workspace unless given)
    as `who`; with `sendEmail: false` unless asked (None: the field left out, so mailed),
    an idempotency key if given, and any other body fields; `expect`, as above."""
    body: dict[str, Any] = {"email": email, "role": role, **fields}
    if send_email is not None:
        body["sendEmail"] = send_email
    event = sample_event(
        "invitations/create-invitation.json",
        caller=as_caller(who),
        body=body,
        path={"workspaceId": workspace} if workspace else None,
        headers={"idempotency-key": key} if key else None,
    )
    return _expected(functions.call("InvitationsFunction", event), expect)


def preview_link(functions: Functions, token: str) -> Reply:
    """GET /v1/invitations/preview?token=..., as anyone: the route has no caller."""
    event = sample_event("invitations/preview-invitation.json", query={"token": token})
    return functions.call("InvitationsFunction", event)


def answer_link(functions: Functions, action: str, token: str, who: Claims) -> Reply:
    """POST /v1/invitations/accept or .../decline (`action`) with the link's token, as `who`."""
    event = sample_event(f"invitations/{action}-invitation.json", caller=who, body={"token": token})
    return functions.call("InvitationsFunction", event)


def _expected(reply: Reply, status: int | None) -> Reply:
    assert status is None or reply.status == status, (reply.status, reply.body)
    return reply


def token_of(link: str | Reply | Mapping[str, Any]) -> str:
    """The token of an invitation link: a URL, or a reply (or its body) with `acceptUrl`."""
    if isinstance(link, Reply):
        link = link.body
    if isinstance(link, Mapping):
        link = link["acceptUrl"]
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token


@dataclass
class Team:
    """A workspace and the people in it, built through the handlers (the workspace, its
    invitations) and the store (members, as if they had accepted). A team made over HTTP
    has no `functions`: its invitations go through the API's client."""

    functions: Functions | None
    store: TeamspaceStore
    clock: FrozenClock
    workspace_id: str = SAMPLE_WORKSPACE
    owner: str = OWNER_SUB
    people: dict[str, str] = field(default_factory=dict)  # user id -> role

    @classmethod
    def create(
        cls,
        functions: Functions,
        store: TeamspaceStore,
        clock: FrozenClock,
        name: str | None = None,
        kind: str | None = None,
        **request: Any,
    ) -> Team:
        """A new workspace (`create_workspace`'s arguments), its owner alone in it."""
        reply = create_workspace(functions, name, kind, expect=201, **request)
        return cls(functions, store, clock, reply.body["workspaceId"], reply.body["ownerId"])

    def add(self, user_id: str, role: str, **fields: Any) -> str:
        """A member of the workspace, active unless told (`seed_member`'s fields)."""
        seed_member(self.store, self.workspace_id, user_id, role, self.clock.now(), **fields)
        self.people[user_id] = role
        return user_id

    def add_people(self, people: Mapping[str, str]) -> dict[str, str]:
        """A member for each role -> user id of `people`, in order; returns `people`."""
        for role, user_id in people.items():
            self.add(user_id, role)
        return dict(people)

    def invite(self, email: str, role: str = "member", **request: Any) -> Reply:
        """A pending invitation to the workspace (`invite`'s arguments), made by its owner
        unless `who` says otherwise."""
        assert self.functions is not None, "a team made over HTTP invites through its client"
        return invite(
            self.functions, email, role, workspace=self.workspace_id, expect=201, **request
        )
