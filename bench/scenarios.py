"""One scenario per route of template.yaml and per event consumer: the state a call
needs, built through the handlers (or seeded), and the event of the call to measure.

A scenario's `build(world)` does its one-time setup and returns `prepare(n)`, which gets
the state ready for the n-th measured call (a fresh invitation to accept, a fresh
workspace to delete, ...) and returns the event. Only the call made with that event is
measured. The caller is the workspace's owner unless a scenario says otherwise.

Every route in the template must have a scenario (`missing_routes()`, checked by the
smoke test), so a new route cannot be left out of the tables. A few routes have extra
variants where a request takes another path with another cost (search, agency staff
acting in a client, removal that revokes API keys, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench import seed
from bench.world import OWNER_SUB, World, sample_event, user
from teamspace.core.clock import iso
from tests.support import EVENTS, as_caller, earlier_format_link, key_check_event, token_of
from tests.support.smtp import MailServer

Prepare = Callable[[int], dict[str, Any]]
Build = Callable[[World], Prepare]

ADMIN, MANAGER, MEMBER, VIEWER = "ada", "mia", "mo", "vic"
TEAM = {ADMIN: "admin", MANAGER: "manager", MEMBER: "member", VIEWER: "viewer"}
ROLE_ROUTE = "PUT /v1/workspaces/{workspaceId}/members/{userId}/role"
TEAM_SIZE = 60  # members of the base workspace, so that a page of 50 is full


@dataclass(frozen=True)
class Scenario:
    key: str  # "GET /v1/workspaces/{workspaceId}" or a consumer's logical id
    function: str
    build: Build
    variant: str = ""  # "" for the route's main scenario
    expect: int | None = None  # HTTP status the call must answer (None: a consumer)
    kind: str = "http"  # http | consumer

    @property
    def label(self) -> str:
        return f"{self.key} ({self.variant})" if self.variant else self.key


SCENARIOS: list[Scenario] = []


def route(key: str, function: str, expect: int, variant: str = "") -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        SCENARIOS.append(Scenario(key, function, build, variant, expect))
        return build

    return register


def consumer(function: str, variant: str = "") -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        SCENARIOS.append(Scenario(function, function, build, variant, None, "consumer"))
        return build

    return register


# ---- shared state ------------------------------------------------------------------------


def team(world: World, size: int = TEAM_SIZE) -> str:
    """A workspace owned by OWNER with an admin, a manager, a member, a viewer and more
    members up to `size`."""
    team = world.team(world.create_workspace())
    for user_id, role in TEAM.items():
        team.add(user_id, role)
    seed.members(world, team.workspace_id, max(0, size - len(TEAM) - 1))
    return team.workspace_id


def event(name: str, ws: str | None = None, who: str | None = None, **changes: Any):
    path = dict(changes.pop("path", {}) or {})
    if ws is not None:
        path["workspaceId"] = ws
    return sample_event(name, caller=as_caller(who), path=path or None, **changes)


def fresh_member(world: World, ws: str, role: str = "member", **fields: Any) -> str:
    user_id = world.unique("person-")
    world.seed_member(ws, user_id, role, **fields)
    return user_id


def agency(world: World) -> dict[str, str]:
    """An agency (owner OWNER, admin ADMIN, staff MEMBER) with a pool and one client."""
    ag = world.create_workspace(kind="agency", name="Voice Agency")
    world.call(
        "WorkspacesFunction",
        event("workspaces/update-workspace.json", ag, body={"settings": {"minutePool": 10**8}}),
        200,
    )
    team = world.team(ag)
    for user_id, role in TEAM.items():
        team.add(user_id, role)
    client = create_client(world, ag, key=world.unique("client-"))
    return {"agency": ag, "client": client}


def create_client(world: World, ag: str, *, key: str, who: str | None = None) -> str:
    reply = world.call(
        "WorkspacesFunction",
        event(
            "workspaces/create-client.json",
            ag,
            who,
            body={"name": "Dental Clinic", "minuteBudget": 100},
            headers={"idempotency-key": key},
        ),
        201,
    )
    return reply.body["workspaceId"]


def assign(world: World, ag: str, client: str, user_id: str, role: str = "admin") -> None:
    world.call(
        "WorkspacesFunction",
        event(
            "workspaces/assign-to-client.json",
            ag,
            body={"role": role},
            path={"clientId": client, "userId": user_id},
        ),
        200,
    )


def create_key(world: World, ws: str, who: str | None = None, role: str = "viewer") -> dict:
    reply = world.call(
        "ApiKeysFunction",
        event("api_keys/create-api-key.json", ws, who, body={"name": "CRM sync", "role": role}),
        201,
    )
    return reply.body


# ---- workspaces --------------------------------------------------------------------------


@route("POST /v1/workspaces", "WorkspacesFunction", 201)
def _create_workspace(_world: World) -> Prepare:
    return lambda n: sample_event(
        "workspaces/create-workspace.json", headers={"idempotency-key": f"create-{n}"}
    )


@route("GET /v1/workspaces", "WorkspacesFunction", 200)
def _list_workspaces(world: World) -> Prepare:
    for n in range(3):
        world.create_workspace(name=f"Team {n}")
    return lambda _n: sample_event("workspaces/list-workspaces.json")


@route("GET /v1/workspaces/{workspaceId}", "WorkspacesFunction", 200)
def _get_workspace(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event("workspaces/get-workspace.json", ws)


@route("PATCH /v1/workspaces/{workspaceId}", "WorkspacesFunction", 200)
def _update_workspace(world: World) -> Prepare:
    ws = team(world)
    return lambda n: event(
        "workspaces/update-workspace.json",
        ws,
        body={"name": f"Acme Voice {n}", "settings": {"timezone": "Europe/Berlin"}},
    )


@route("DELETE /v1/workspaces/{workspaceId}", "WorkspacesFunction", 204)
def _delete_workspace(world: World) -> Prepare:
    def prepare(_n: int) -> dict[str, Any]:
        ws = world.create_workspace()
        return event("workspaces/delete-workspace.json", ws)

    return prepare


@route("DELETE /v1/workspaces/{workspaceId}", "WorkspacesFunction", 204, "with 3 API keys")
def _delete_workspace_with_keys(world: World) -> Prepare:
    def prepare(_n: int) -> dict[str, Any]:
        ws = world.create_workspace()
        for _ in range(3):
            create_key(world, ws)
        return event("workspaces/delete-workspace.json", ws)

    return prepare


@route("POST /v1/workspaces/{workspaceId}/clients", "WorkspacesFunction", 201)
def _create_client(world: World) -> Prepare:
    ag = agency(world)["agency"]
    return lambda n: event(
        "workspaces/create-client.json", ag, headers={"idempotency-key": f"bench-client-{n}"}
    )


@route("POST /v1/workspaces/{workspaceId}/clients", "WorkspacesFunction", 201, "by an admin")
def _create_client_as_admin(world: World) -> Prepare:
    ag = agency(world)["agency"]
    return lambda n: event(
        "workspaces/create-client.json", ag, ADMIN, headers={"idempotency-key": f"bench-client-{n}"}
    )


@route("GET /v1/workspaces/{workspaceId}/clients", "WorkspacesFunction", 200)
def _list_clients(world: World) -> Prepare:
    ag = agency(world)["agency"]
    for _ in range(2):
        create_client(world, ag, key=world.unique("client-"))
    return lambda _n: event("workspaces/list-clients.json", ag)


@route("PATCH /v1/workspaces/{workspaceId}/clients/{clientId}", "WorkspacesFunction", 200)
def _set_budget(world: World) -> Prepare:
    found = agency(world)
    return lambda n: event(
        "workspaces/set-client-budget.json",
        found["agency"],
        body={"minuteBudget": 1000 + n},
        path={"clientId": found["client"]},
    )


ASSIGNMENT = "/v1/workspaces/{workspaceId}/clients/{clientId}/assignments/{userId}"


@route(f"PUT {ASSIGNMENT}", "WorkspacesFunction", 200)
def _assign(world: World) -> Prepare:
    found = agency(world)

    def prepare(_n: int) -> dict[str, Any]:
        staff = fresh_member(world, found["agency"])
        return event(
            "workspaces/assign-to-client.json",
            found["agency"],
            body={"role": "admin"},
            path={"clientId": found["client"], "userId": staff},
        )

    return prepare


@route(f"DELETE {ASSIGNMENT}", "WorkspacesFunction", 204)
def _unassign(world: World) -> Prepare:
    found = agency(world)

    def prepare(_n: int) -> dict[str, Any]:
        staff = fresh_member(world, found["agency"])
        assign(world, found["agency"], found["client"], staff)
        return event(
            "workspaces/unassign-from-client.json",
            found["agency"],
            path={"clientId": found["client"], "userId": staff},
        )

    return prepare


# ---- membership --------------------------------------------------------------------------


@route("GET /v1/workspaces/{workspaceId}/members", "MembershipFunction", 200)
def _list_members(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event("membership/list-members.json", ws, query={"limit": "50"})


@route("GET /v1/workspaces/{workspaceId}/members", "MembershipFunction", 200, "name search")
def _search_members(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event("membership/list-members.json", ws, query={"q": "ana", "limit": "50"})


@route(
    "GET /v1/workspaces/{workspaceId}/members",
    "MembershipFunction",
    200,
    "agency staff in a client",
)
def _list_members_via_agency(world: World) -> Prepare:
    found = agency(world)
    assign(world, found["agency"], found["client"], MEMBER)
    return lambda _n: event(
        "membership/list-members.json", found["client"], MEMBER, query={"limit": "50"}
    )


@route(
    ROLE_ROUTE,
    "RolesFunction",
    200,
    "with an API key",
)
def _role_change_by_key(world: World) -> Prepare:
    """The function's part of a key-authenticated call (the key authorizer's part is its
    own row below: "on this stack's key API")."""
    ws = team(world)
    key = create_key(world, ws, role="admin")["key"]
    context = world.invoke("ApiKeyAuthorizerFunction", key_check_event(key, ws, ROLE_ROUTE))
    roles = ("viewer", "member")  # MEMBER starts as a member: every call changes it
    return lambda n: event(
        "roles/change-member-role.json",
        ws,
        key_context=context["context"],
        body={"role": roles[n % 2]},
        path={"userId": MEMBER},
    )


@route("GET /v1/workspaces/{workspaceId}/members/{userId}", "MembershipFunction", 200)
def _get_member(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event("membership/get-member.json", ws, path={"userId": MEMBER})


@route("PATCH /v1/workspaces/{workspaceId}/members/{userId}", "MembershipFunction", 200)
def _update_member(world: World) -> Prepare:
    ws = team(world)
    return lambda n: event(
        "membership/update-member.json",
        ws,
        body={"jobTitle": f"Support lead {n}"},
        path={"userId": MEMBER},
    )


@route("POST /v1/workspaces/{workspaceId}/members/{userId}/suspend", "MembershipFunction", 200)
def _suspend(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event(
        "membership/suspend-member.json", ws, path={"userId": fresh_member(world, ws)}
    )


@route("POST /v1/workspaces/{workspaceId}/members/{userId}/reactivate", "MembershipFunction", 200)
def _reactivate(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event(
        "membership/reactivate-member.json",
        ws,
        path={"userId": fresh_member(world, ws, status="SUSPENDED")},
    )


@route("DELETE /v1/workspaces/{workspaceId}/members/{userId}", "MembershipFunction", 204)
def _remove(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event(
        "membership/remove-member.json", ws, path={"userId": fresh_member(world, ws)}
    )


@route(
    "DELETE /v1/workspaces/{workspaceId}/members/{userId}",
    "MembershipFunction",
    204,
    "revokeApiKeys=true, one key",
)
def _remove_with_keys(world: World) -> Prepare:
    ws = team(world)

    def prepare(_n: int) -> dict[str, Any]:
        admin = fresh_member(world, ws, "admin")
        create_key(world, ws, admin)
        return event(
            "membership/remove-member.json",
            ws,
            path={"userId": admin},
            query={"revokeApiKeys": "true"},
        )

    return prepare


@route("DELETE /v1/workspaces/{workspaceId}/members/{userId}", "MembershipFunction", 204, "leave")
def _leave(world: World) -> Prepare:
    ws = team(world)

    def prepare(_n: int) -> dict[str, Any]:
        leaver = fresh_member(world, ws)
        return event("membership/leave-workspace.json", ws, leaver, path={"userId": "me"})

    return prepare


def managed_member(world: World, ws: str, *, send_email: bool = False) -> str:
    """A member whose account the workspace made (POST /members), with a password."""
    key = world.unique("managed-")
    reply = world.call(
        "MembershipFunction",
        event(
            "membership/create-member.json",
            ws,
            body={
                "email": f"{key}@example.com",
                "name": "Managed Member",
                "role": "member",
                "password": "correct-horse",
                "sendEmail": send_email,
            },
            headers={"idempotency-key": key},
        ),
        201,
    )
    return reply.body["userId"]


def new_member_event(world: World, ws: str, key: str | None) -> dict[str, Any]:
    made = event(
        "membership/create-member.json",
        ws,
        body={"email": f"{world.unique('made')}@example.com", "name": "Made", "role": "member"},
    )
    if key is None:
        made["headers"].pop("idempotency-key")
    else:
        made["headers"]["idempotency-key"] = key
    return made


@route("POST /v1/workspaces/{workspaceId}/members", "MembershipFunction", 201)
def _create_member(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: new_member_event(world, ws, None)


@route("POST /v1/workspaces/{workspaceId}/members", "MembershipFunction", 201, "Idempotency-Key")
def _create_member_once(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: new_member_event(world, ws, world.unique("bench-member-"))


@route("PUT /v1/workspaces/{workspaceId}/members/{userId}/password", "MembershipFunction", 204)
def _set_password(world: World) -> Prepare:
    ws = team(world)
    target = managed_member(world, ws)
    return lambda n: event(
        "membership/set-member-password.json",
        ws,
        body={"password": f"battery-staple-{n}"},
        path={"userId": target},
    )


@route("POST /v1/workspaces/{workspaceId}/members/{userId}/sign-out", "MembershipFunction", 204)
def _sign_out(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event("membership/sign-member-out.json", ws, path={"userId": MEMBER})


@route(
    "POST /v1/workspaces/{workspaceId}/members/{userId}/sign-out",
    "MembershipFunction",
    204,
    "an account the workspace made",
)
def _sign_out_managed(world: World) -> Prepare:
    ws = team(world)
    target = managed_member(world, ws)
    return lambda _n: event("membership/sign-member-out.json", ws, path={"userId": target})


@route("GET /v1/workspaces/{workspaceId}/members/{userId}/sign-ins", "MembershipFunction", 200)
def _sign_ins(world: World) -> Prepare:
    ws = team(world)
    target = managed_member(world, ws)
    for _ in range(3):  # a page with a few sign-ins on it
        world.clock.advance(minutes=1)
        world.invoke("PostAuthenticationFunction", sign_in_event(user(target)))
    return lambda _n: event("membership/list-sign-ins.json", ws, path={"userId": target})


@route("GET /v1/workspaces/{workspaceId}/me/permissions", "MembershipFunction", 200)
def _my_permissions(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event("membership/my-permissions.json", ws, MEMBER)


@route("POST /v1/workspaces/{workspaceId}/authorize", "MembershipFunction", 200)
def _authorize(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event("membership/authorize.json", ws, MEMBER)


@route(
    "POST /v1/workspaces/{workspaceId}/authorize",
    "MembershipFunction",
    200,
    "agency staff in a client",
)
def _authorize_via_agency(world: World) -> Prepare:
    found = agency(world)
    assign(world, found["agency"], found["client"], MEMBER)
    return lambda _n: event("membership/authorize.json", found["client"], MEMBER)


# ---- roles -------------------------------------------------------------------------------

ROLE_BODY = json.loads(json.loads((EVENTS / "roles/create-role.json").read_text())["body"])


def define_role(world: World, ws: str, key: str) -> None:
    world.call(
        "RolesFunction",
        event("roles/create-role.json", ws, body={**ROLE_BODY, "key": key}),
        201,
    )


@route("GET /v1/workspaces/{workspaceId}/roles", "RolesFunction", 200)
def _list_roles(world: World) -> Prepare:
    ws = team(world)
    define_role(world, ws, "qa_reviewer")
    return lambda _n: event("roles/list-roles.json", ws)


@route("POST /v1/workspaces/{workspaceId}/roles", "RolesFunction", 201)
def _create_role(world: World) -> Prepare:
    ws = team(world)

    def prepare(n: int) -> dict[str, Any]:
        if n:  # at most 50 custom roles: take the last one away again
            world.call(
                "RolesFunction",
                event("roles/delete-role.json", ws, path={"roleKey": "qa_reviewer"}),
                204,
            )
        return event("roles/create-role.json", ws)

    return prepare


@route("PATCH /v1/workspaces/{workspaceId}/roles/{roleKey}", "RolesFunction", 200)
def _update_role(world: World) -> Prepare:
    ws = team(world)
    define_role(world, ws, "qa_reviewer")
    body = json.loads(json.loads((EVENTS / "roles/update-role.json").read_text())["body"])
    return lambda n: event(
        "roles/update-role.json",
        ws,
        body={**body, "name": f"QA lead {n}"},
        path={"roleKey": "qa_reviewer"},
    )


@route("DELETE /v1/workspaces/{workspaceId}/roles/{roleKey}", "RolesFunction", 204)
def _delete_role(world: World) -> Prepare:
    ws = team(world)

    def prepare(_n: int) -> dict[str, Any]:
        define_role(world, ws, "qa_reviewer")
        return event("roles/delete-role.json", ws, path={"roleKey": "qa_reviewer"})

    return prepare


@route("PUT /v1/workspaces/{workspaceId}/members/{userId}/role", "RolesFunction", 200)
def _change_role(world: World) -> Prepare:
    ws = team(world)
    return lambda n: event(
        "roles/change-member-role.json",
        ws,
        body={"role": "manager" if n % 2 == 0 else "member"},
        path={"userId": MEMBER},
    )


# ---- ownership ---------------------------------------------------------------------------

TRANSFER = "/v1/workspaces/{workspaceId}/ownership-transfer"


def request_transfer(ws: str, nominee: str = ADMIN) -> dict[str, Any]:
    return event(
        "ownership/request-transfer.json",
        ws,
        body={"newOwnerId": nominee, "confirmName": "Acme Voice"},
    )


def transfer_requested(world: World) -> str:
    """A fresh workspace (the owner and the nominee, ADMIN) with a transfer pending."""
    ws = world.create_workspace()
    world.seed_member(ws, ADMIN, "admin")
    world.call("OwnershipFunction", request_transfer(ws), 202)
    return ws


@route(f"POST {TRANSFER}", "OwnershipFunction", 202)
def _request_transfer(world: World) -> Prepare:
    ws = team(world)

    def prepare(n: int) -> dict[str, Any]:
        if n:
            world.call("OwnershipFunction", event("ownership/cancel-transfer.json", ws), 204)
        return request_transfer(ws)

    return prepare


@route(f"GET {TRANSFER}", "OwnershipFunction", 200)
def _get_transfer(world: World) -> Prepare:
    ws = transfer_requested(world)
    return lambda _n: event("ownership/get-transfer.json", ws)


@route(f"DELETE {TRANSFER}", "OwnershipFunction", 204)
def _cancel_transfer(world: World) -> Prepare:
    return lambda _n: event("ownership/cancel-transfer.json", transfer_requested(world))


@route(f"POST {TRANSFER}/accept", "OwnershipFunction", 200)
def _accept_transfer(world: World) -> Prepare:
    return lambda _n: event("ownership/accept-transfer.json", transfer_requested(world), ADMIN)


@route(f"POST {TRANSFER}/decline", "OwnershipFunction", 204)
def _decline_transfer(world: World) -> Prepare:
    return lambda _n: event("ownership/decline-transfer.json", transfer_requested(world), ADMIN)


# ---- invitations -------------------------------------------------------------------------

INVITATIONS = "/v1/workspaces/{workspaceId}/invitations"


@route(f"POST {INVITATIONS}", "InvitationsFunction", 201)
def _invite(world: World) -> Prepare:
    ws = team(world)
    body = json.loads(
        json.loads((EVENTS / "invitations/create-invitation.json").read_text())["body"]
    )
    return lambda n: event(
        "invitations/create-invitation.json", ws, body={**body, "email": f"bob{n}@example.com"}
    )


@route(f"POST {INVITATIONS}/bulk", "InvitationsFunction", 200)
def _bulk_invite(world: World) -> Prepare:
    ws = team(world)
    return lambda n: event(
        "invitations/bulk-invite.json",
        ws,
        body={
            "invitations": [
                {"email": f"carol{n}@example.com", "role": "member"},
                {"email": f"dan{n}@example.com", "role": "viewer", "sendEmail": False},
            ]
        },
    )


@route(f"GET {INVITATIONS}", "InvitationsFunction", 200)
def _list_invitations(world: World) -> Prepare:
    ws = team(world)
    for n in range(5):
        world.invite(ws, f"pending{n}@example.com")
    return lambda _n: event("invitations/list-invitations.json", ws)


@route(f"POST {INVITATIONS}/{{invitationId}}/resend", "InvitationsFunction", 200)
def _resend(world: World) -> Prepare:
    ws = team(world)

    def prepare(n: int) -> dict[str, Any]:
        invitation = world.invite(ws, f"again{n}@example.com").body["invitationId"]
        return event("invitations/resend-invitation.json", ws, path={"invitationId": invitation})

    return prepare


@route(f"DELETE {INVITATIONS}/{{invitationId}}", "InvitationsFunction", 204)
def _revoke(world: World) -> Prepare:
    ws = team(world)

    def prepare(n: int) -> dict[str, Any]:
        invitation = world.invite(ws, f"revoked{n}@example.com").body["invitationId"]
        return event("invitations/revoke-invitation.json", ws, path={"invitationId": invitation})

    return prepare


@route("GET /v1/me/invitations", "InvitationsFunction", 200)
def _my_invitations(world: World) -> Prepare:
    for n in range(3):
        ws = world.create_workspace(name=f"Team {n}")
        world.invite(ws, "bob@example.com")
    bob = user("bob", "bob@example.com", "Bob Builder")
    return lambda _n: sample_event("invitations/my-invitations.json", caller=bob)


def answer(world: World, action: str, *, earlier_format: bool = False) -> Prepare:
    """A fresh invitation for each call, answered by its invitee with its link; with
    `earlier_format`, a link of the format mailed before tokens named their invitation."""
    ws = team(world)

    def prepare(n: int) -> dict[str, Any]:
        invitee = user(f"invitee-{action}-{n}", f"invitee-{action}-{n}@example.com")
        return sample_event(
            f"invitations/{action}-invitation.json",
            caller=invitee,
            body={"token": link(world, ws, invitee["email"], earlier_format)},
        )

    return prepare


def link(world: World, ws: str, email: str, earlier_format: bool = False) -> str:
    """The token of a fresh invitation's link to `email`."""
    reply = world.invite(ws, email)
    if earlier_format:
        return earlier_format_link(world.store, ws, reply.body["invitationId"])
    return token_of(reply.body)


@route("GET /v1/invitations/preview", "InvitationsFunction", 200)
def _preview(world: World) -> Prepare:
    ws = team(world)
    return lambda n: sample_event(
        "invitations/preview-invitation.json",
        query={"token": link(world, ws, f"previewed-{n}@example.com")},
    )


@route("POST /v1/invitations/accept", "InvitationsFunction", 200)
def _accept(world: World) -> Prepare:
    return answer(world, "accept")


@route("POST /v1/invitations/accept", "InvitationsFunction", 200, "a link of the earlier format")
def _accept_earlier_format(world: World) -> Prepare:
    return answer(world, "accept", earlier_format=True)


@route("POST /v1/invitations/decline", "InvitationsFunction", 204)
def _decline(world: World) -> Prepare:
    return answer(world, "decline")


# ---- audit -------------------------------------------------------------------------------

AUDIT_RECORDS = 100  # the round-trip and latency tables; the scaling table goes further


def audited(world: World) -> str:
    ws = team(world, size=len(TEAM) + 1)
    seed.audit_chain(world, ws, AUDIT_RECORDS, actor=OWNER_SUB)
    return ws


@route("GET /v1/workspaces/{workspaceId}/audit-log", "AuditFunction", 200)
def _audit_page(world: World) -> Prepare:
    ws = audited(world)
    return lambda _n: event("audit/list-audit-log.json", ws, query={"limit": "50"})


@route("GET /v1/workspaces/{workspaceId}/audit-log/verify", "AuditFunction", 200)
def _audit_verify(world: World) -> Prepare:
    ws = audited(world)
    return lambda _n: event("audit/verify-audit-log.json", ws)


@route("GET /v1/workspaces/{workspaceId}/audit-log/export", "AuditFunction", 200)
def _audit_export(world: World) -> Prepare:
    ws = audited(world)
    return lambda _n: event("audit/export-audit-log.json", ws)


# ---- API keys ----------------------------------------------------------------------------


@route("POST /v1/workspaces/{workspaceId}/api-keys", "ApiKeysFunction", 201)
def _create_key(world: World) -> Prepare:
    ws = team(world)
    made: list[str] = []

    def prepare(_n: int) -> dict[str, Any]:
        if made:  # at most 20 keys: revoke the last one first
            world.call(
                "ApiKeysFunction",
                event("api_keys/revoke-api-key.json", ws, path={"keyId": made.pop()}),
                204,
            )
        return event("api_keys/create-api-key.json", ws, body={"name": "CRM", "role": "viewer"})

    def remember(reply_body: dict[str, Any]) -> None:
        made.append(reply_body["keyId"])

    prepare.after = remember  # type: ignore[attr-defined]
    return prepare


@route("GET /v1/workspaces/{workspaceId}/api-keys", "ApiKeysFunction", 200)
def _list_keys(world: World) -> Prepare:
    ws = team(world)
    for _ in range(3):
        create_key(world, ws)
    return lambda _n: event("api_keys/list-api-keys.json", ws)


@route("DELETE /v1/workspaces/{workspaceId}/api-keys/{keyId}", "ApiKeysFunction", 204)
def _revoke_key(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event(
        "api_keys/revoke-api-key.json", ws, path={"keyId": create_key(world, ws)["keyId"]}
    )


# ---- a workspace's own SMTP server -------------------------------------------------------

_RELAY: list[MailServer] = []


def relay() -> MailServer:
    """The SMTP server the bench's workspaces send through: aiosmtpd on 127.0.0.1, one
    for the process (started on first use; its thread is a daemon). The bench's stage
    allows private SMTP hosts, as the local runtime's does (BENCH_ENVIRONMENT)."""
    if not _RELAY:
        _RELAY.append(MailServer(login=("bench", "bench-smtp-password")).__enter__())
    return _RELAY[0]


def smtp_settings() -> dict[str, Any]:
    server = relay()
    return {
        "host": server.host,
        "port": server.port,
        "security": "none",
        "username": "bench",
        "password": "bench-smtp-password",
        "fromAddress": "team@acme.example",
        "fromName": "Acme Team",
    }


def configure_smtp(world: World, ws: str) -> None:
    body = smtp_settings()
    world.call(
        "IntegrationsFunction", event("integrations/configure-smtp.json", ws, body=body), 200
    )


@route("PUT /v1/workspaces/{workspaceId}/integrations/smtp", "IntegrationsFunction", 200)
def _configure_smtp(world: World) -> Prepare:
    ws = team(world)
    return lambda _n: event("integrations/configure-smtp.json", ws, body=smtp_settings())


@route("GET /v1/workspaces/{workspaceId}/integrations/smtp", "IntegrationsFunction", 200)
def _get_smtp(world: World) -> Prepare:
    ws = team(world)
    configure_smtp(world, ws)
    return lambda _n: event("integrations/get-smtp.json", ws)


@route("DELETE /v1/workspaces/{workspaceId}/integrations/smtp", "IntegrationsFunction", 204)
def _remove_smtp(world: World) -> Prepare:
    ws = team(world)

    def prepare(_n: int) -> dict[str, Any]:
        configure_smtp(world, ws)
        return event("integrations/remove-smtp.json", ws)

    return prepare


@route("POST /v1/workspaces/{workspaceId}/integrations/smtp/test", "MailerFunction", 200)
def _test_smtp(world: World) -> Prepare:
    ws = team(world)
    configure_smtp(world, ws)
    return lambda _n: event("mailer/test-smtp.json", ws, body={"to": "owner@example.com"})


# ---- event consumers and other triggers --------------------------------------------------


@consumer("ApiKeyAuthorizerFunction", "a known key, use recorded in the last 5 minutes")
def _authorizer(world: World) -> Prepare:
    ws = team(world)
    key = create_key(world, ws)["key"]
    request = sample_event("api_key_authorizer/x-api-key.json")
    request["headers"]["x-api-key"] = key
    request["pathParameters"] = {"workspaceId": ws}
    world.invoke("ApiKeyAuthorizerFunction", request)  # records the first use

    def prepare(_n: int) -> dict[str, Any]:
        return request

    return prepare


@consumer("ApiKeyAuthorizerFunction", "on this stack's key API, a key-authenticated call")
def _authorizer_own_routes(world: World) -> Prepare:
    ws = team(world)
    key = create_key(world, ws, role="admin")["key"]
    request = key_check_event(key, ws, ROLE_ROUTE)
    world.invoke("ApiKeyAuthorizerFunction", request)  # records the first use
    return lambda _n: request


@consumer("ApiKeyAuthorizerFunction", "first use in 5 minutes (records lastUsedAt)")
def _authorizer_first_use(world: World) -> Prepare:
    ws = team(world)
    key = create_key(world, ws)["key"]
    request = sample_event("api_key_authorizer/x-api-key.json")
    request["headers"]["x-api-key"] = key
    request["pathParameters"] = {"workspaceId": ws}

    def prepare(_n: int) -> dict[str, Any]:
        world.clock.advance(minutes=6)
        return request

    return prepare


@consumer("InvitationPageFunction", "the page an invitation link opens")
def _invitation_page(_world: World) -> Prepare:
    sample = json.loads((EVENTS / "invitation_page/open-page.json").read_text())
    return lambda _n: sample


@consumer("EventPublisherFunction", "one outbox record")
def _publisher(_world: World) -> Prepare:
    sample = json.loads((EVENTS / "event_publisher/outbox-insert.json").read_text())
    return lambda _n: sample


@consumer("MailerFunction", "InvitationCreated")
def _mailer(world: World) -> Prepare:
    ws = team(world)

    def prepare(n: int) -> dict[str, Any]:
        world.invite(ws, f"mailed{n}@example.com", send_email=True)
        return world.bus_event("InvitationCreated", world.last_event("InvitationCreated"))

    return prepare


@consumer("MailerFunction", "InvitationCreated, through the workspace's SMTP server")
def _mailer_smtp(world: World) -> Prepare:
    ws = team(world)
    configure_smtp(world, ws)

    def prepare(n: int) -> dict[str, Any]:
        world.invite(ws, f"relayed{n}@example.com", send_email=True)
        return world.bus_event("InvitationCreated", world.last_event("InvitationCreated"))

    return prepare


@consumer("MailerFunction", "MemberAccountCreated")
def _mailer_welcome(world: World) -> Prepare:
    ws = team(world)

    def prepare(_n: int) -> dict[str, Any]:
        managed_member(world, ws, send_email=True)
        return world.bus_event("MemberAccountCreated", world.last_event("MemberAccountCreated"))

    return prepare


@consumer("AuditConsumerFunction", "one event")
def _audit_consumer(world: World) -> Prepare:
    ws = team(world)
    sample = json.loads((EVENTS / "audit_consumer/role-changed.json").read_text())

    def prepare(n: int) -> dict[str, Any]:
        world.call(
            "RolesFunction",
            event(
                "roles/change-member-role.json",
                ws,
                body={"role": "manager" if n % 2 == 0 else "member"},
                path={"userId": MEMBER},
            ),
            200,
        )
        bus = world.bus_event("MemberRoleChanged", world.last_event("MemberRoleChanged"))
        record = dict(sample["Records"][0])
        record["messageId"] = f"message-{n}"
        record["body"] = json.dumps(bus)
        return {"Records": [record]}

    return prepare


@consumer("AuditConsumerFunction", "another service's event (the intake)")
def _audit_intake(world: World) -> Prepare:
    """An event of the platform's (docs/audit.md): checked against the schema, the
    workspace read with the chain's head, one append."""
    ws = team(world)
    sample = json.loads((EVENTS / "audit_consumer/platform-agent-updated.json").read_text())
    [template] = sample["Records"]

    def prepare(n: int) -> dict[str, Any]:
        bus = json.loads(template["body"])
        bus["detail"].update(
            eventId=f"agt-bench-{n:08d}",
            workspaceId=ws,
            occurredAt=world.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        record = {**template, "messageId": f"intake-{n}", "body": json.dumps(bus)}
        return {"Records": [record]}

    return prepare


@consumer("ClientAccessFunction", "MemberRemoved, one assignment")
def _client_access(world: World) -> Prepare:
    found = agency(world)

    def prepare(_n: int) -> dict[str, Any]:
        staff = fresh_member(world, found["agency"])
        assign(world, found["agency"], found["client"], staff)
        world.call(
            "MembershipFunction",
            event("membership/remove-member.json", found["agency"], path={"userId": staff}),
            204,
        )
        return world.bus_event("MemberRemoved", world.last_event("MemberRemoved"))

    return prepare


@consumer("BillingFunction", "a suspension, then a reactivation, in turn")
def _billing(world: World) -> Prepare:
    """The billing service's requests on one workspace, each a new one: the workspace read
    with the request's marker, then one transaction (status, marker, event)."""
    ws = team(world)
    samples = [
        json.loads((EVENTS / f"billing/{name}.json").read_text())
        for name in ("suspension-requested", "reactivation-requested")
    ]

    def prepare(n: int) -> dict[str, Any]:
        sample = samples[n % 2]
        return {
            **sample,
            "id": f"billing-bench-{n:08d}",
            "detail": {**sample["detail"], "workspaceId": ws},
        }

    return prepare


@consumer("InvitationExpiryFunction", "one invitation due")
def _expiry(world: World) -> Prepare:
    ws = team(world, size=len(TEAM) + 1)
    scheduled = json.loads((EVENTS / "invitation_expiry/scheduled.json").read_text())

    def prepare(_n: int) -> dict[str, Any]:
        seed.invitations(world, ws, [world.clock.now() - timedelta(minutes=1)], inviter=OWNER_SUB)
        return {**scheduled, "time": iso(world.clock.now())}

    return prepare


@consumer("PostAuthenticationFunction", "a user in 3 workspaces")
def _post_authentication(world: World) -> Prepare:
    signer = user("signer", "signer@example.com", "Sig Nerr")
    seed.memberships(world, signer, 3)
    sign_in = sign_in_event(signer)

    def prepare(_n: int) -> dict[str, Any]:
        world.clock.advance(minutes=1)  # a sign-in a minute, not all in one instant
        return sign_in

    return prepare


def sign_in_event(claims: dict[str, Any]) -> dict[str, Any]:
    """Cognito's post-authentication trigger event for a user signing in."""
    sign_in = json.loads((EVENTS / "post_authentication/sign-in.json").read_text())
    sign_in["userName"] = claims["sub"]
    sign_in["request"]["userAttributes"].update(
        {"sub": claims["sub"], "email": claims["email"], "name": claims["name"]}
    )
    return sign_in


# ---- coverage ----------------------------------------------------------------------------


def main_scenarios() -> list[Scenario]:
    return [s for s in SCENARIOS if not s.variant or s.kind == "consumer"]


def missing_routes(template: Any) -> list[str]:
    """Routes of template.yaml with no scenario (a new route must get one)."""
    covered = {s.key for s in SCENARIOS if s.kind == "http"}
    return sorted(r.route_key for r in template.http_routes() if r.route_key not in covered)


def missing_consumers(template: Any) -> list[str]:
    """Functions of template.yaml that serve no route and have no scenario."""
    http = {r.function for r in template.http_routes()}
    covered = {s.function for s in SCENARIOS}
    return sorted(f for f in template.functions() if f not in http and f not in covered)
