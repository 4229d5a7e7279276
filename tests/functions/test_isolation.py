"""Tenant isolation and function-level authorization, over every route in template.yaml.

The routes come from the template, so a route added later without a row in `NEEDS`
fails `test_every_route_is_classified`, and every route with a workspace in its path is
then covered by each test below without further work:

- BOLA (OWASP API1:2023): a member of another workspace gets 404 on every route of this
  one and changes nothing in it; and using this workspace's object ids (members,
  invitations, keys, roles, clients) from their own workspace reaches none of them.
- BFLA (API5:2023): for every route that needs a permission, each built-in role without
  it gets 403 PERMISSION_DENIED, and each role with it gets past the check.
- API keys (issue 18), the same routes under the other kind of caller: a key of each
  built-in role (every role but the owner's: no key is one) gets exactly what a member
  of that role gets, less what only a person may do (deleting the workspace,
  transferring ownership); a key of another workspace gets 404 and changes nothing;
  the routes outside one workspace refuse every key with 403 API_KEY_NOT_ALLOWED.
- BOPLA / mass assignment (API3:2023): `role`, `status`, `ownerId` and `workspaceId` in a
  body that does not take them are refused with 422 naming the field, and nothing is
  written (bodies come from docs/openapi.json, so new bodies are covered too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from local_runtime.template import Template
from teamspace.permissions import BUILTIN_ROLES, KEY_NEVER, OWNER, Permission
from tests.support import (
    EVENTS,
    OWNER_SUB,
    REACTIVATE,
    SAMPLE_WORKSPACE,
    SUSPEND,
    TEMPLATE,
    Reply,
    Team,
    billing,
    call,
    create_workspace,
    key_context,
    sample_event,
    seed_member,
    user,
)
from tests.support import OWNER as OWNER_CLAIMS
from tools import openapi

TABLE = TEMPLATE.table_name()
VICTIM = SAMPLE_WORKSPACE
TARGET = "target"  # a viewer of the victim workspace: every route that acts on a member
STRANGER = "stranger"  # owner of another agency workspace
P = Permission

# What each route needs from a member of the workspace in its path.
ANY_MEMBER = "any active member"
UNSCOPED = "no workspace in the path"
TRANSFER_PARTIES = "the owner or the nominee"
NOMINEE = "the nominee only"
# The caller's own state, that only a person has (issue 20: availability): every active
# member sets theirs; a key, of this workspace or another, is refused as not a person.
ONESELF = "any active member, for themself; never a key"
NEEDS: dict[str, Permission | str] = {
    "POST /v1/workspaces": UNSCOPED,
    "GET /v1/workspaces": UNSCOPED,
    "GET /v1/me/invitations": UNSCOPED,
    "POST /v1/invitations/accept": UNSCOPED,
    "POST /v1/invitations/decline": UNSCOPED,
    # No caller at all (public): the link's token is the capability (test_invitation_links).
    "GET /v1/invitations/preview": UNSCOPED,
    "GET /v1/workspaces/{workspaceId}": P.WORKSPACE_VIEW,
    "PATCH /v1/workspaces/{workspaceId}": P.WORKSPACE_UPDATE,
    "DELETE /v1/workspaces/{workspaceId}": P.WORKSPACE_DELETE,
    "POST /v1/workspaces/{workspaceId}/clients": P.CLIENTS_MANAGE,
    "GET /v1/workspaces/{workspaceId}/clients": P.CLIENTS_MANAGE,
    "PATCH /v1/workspaces/{workspaceId}/clients/{clientId}": P.CLIENTS_MANAGE,
    "PUT /v1/workspaces/{workspaceId}/clients/{clientId}/assignments/{userId}": P.CLIENTS_MANAGE,
    "DELETE /v1/workspaces/{workspaceId}/clients/{clientId}/assignments/{userId}": (
        P.CLIENTS_MANAGE
    ),
    "GET /v1/workspaces/{workspaceId}/members": P.MEMBERS_VIEW,
    "GET /v1/workspaces/{workspaceId}/members/{userId}": P.MEMBERS_VIEW,
    "PATCH /v1/workspaces/{workspaceId}/members/{userId}": P.MEMBERS_UPDATE,
    "POST /v1/workspaces/{workspaceId}/members/{userId}/suspend": P.MEMBERS_SUSPEND,
    "POST /v1/workspaces/{workspaceId}/members/{userId}/reactivate": P.MEMBERS_SUSPEND,
    "DELETE /v1/workspaces/{workspaceId}/members/{userId}": P.MEMBERS_REMOVE,
    "POST /v1/workspaces/{workspaceId}/members": P.MEMBERS_MANAGE_ACCOUNTS,
    "PUT /v1/workspaces/{workspaceId}/members/{userId}/password": P.MEMBERS_MANAGE_ACCOUNTS,
    "POST /v1/workspaces/{workspaceId}/members/{userId}/sign-out": P.MEMBERS_MANAGE_ACCOUNTS,
    "GET /v1/workspaces/{workspaceId}/members/{userId}/sign-ins": P.MEMBERS_VIEW,
    "PUT /v1/workspaces/{workspaceId}/members/{userId}/role": P.MEMBERS_CHANGE_ROLE,
    "GET /v1/workspaces/{workspaceId}/me/permissions": ANY_MEMBER,
    "PUT /v1/workspaces/{workspaceId}/members/me/availability": ONESELF,
    "POST /v1/workspaces/{workspaceId}/authorize": ANY_MEMBER,
    "POST /v1/workspaces/{workspaceId}/invitations": P.MEMBERS_INVITE,
    "POST /v1/workspaces/{workspaceId}/invitations/bulk": P.MEMBERS_INVITE,
    "GET /v1/workspaces/{workspaceId}/invitations": P.MEMBERS_INVITE,
    "POST /v1/workspaces/{workspaceId}/invitations/{invitationId}/resend": P.MEMBERS_INVITE,
    "DELETE /v1/workspaces/{workspaceId}/invitations/{invitationId}": P.MEMBERS_INVITE,
    "GET /v1/workspaces/{workspaceId}/roles": P.WORKSPACE_VIEW,
    "POST /v1/workspaces/{workspaceId}/roles": P.ROLES_MANAGE,
    "PATCH /v1/workspaces/{workspaceId}/roles/{roleKey}": P.ROLES_MANAGE,
    "DELETE /v1/workspaces/{workspaceId}/roles/{roleKey}": P.ROLES_MANAGE,
    "POST /v1/workspaces/{workspaceId}/ownership-transfer": P.OWNERSHIP_TRANSFER,
    "DELETE /v1/workspaces/{workspaceId}/ownership-transfer": P.OWNERSHIP_TRANSFER,
    "GET /v1/workspaces/{workspaceId}/ownership-transfer": TRANSFER_PARTIES,
    "POST /v1/workspaces/{workspaceId}/ownership-transfer/accept": NOMINEE,
    "POST /v1/workspaces/{workspaceId}/ownership-transfer/decline": NOMINEE,
    "GET /v1/workspaces/{workspaceId}/audit-log": P.AUDIT_VIEW,
    "GET /v1/workspaces/{workspaceId}/audit-log/verify": P.AUDIT_VIEW,
    "GET /v1/workspaces/{workspaceId}/audit-log/export": P.AUDIT_VIEW,
    "POST /v1/workspaces/{workspaceId}/api-keys": P.API_KEYS_MANAGE,
    "GET /v1/workspaces/{workspaceId}/api-keys": P.API_KEYS_MANAGE,
    "DELETE /v1/workspaces/{workspaceId}/api-keys/{keyId}": P.API_KEYS_MANAGE,
    "PUT /v1/workspaces/{workspaceId}/integrations/smtp": P.INTEGRATIONS_MANAGE,
    "GET /v1/workspaces/{workspaceId}/integrations/smtp": P.INTEGRATIONS_MANAGE,
    "DELETE /v1/workspaces/{workspaceId}/integrations/smtp": P.INTEGRATIONS_MANAGE,
    "POST /v1/workspaces/{workspaceId}/integrations/smtp/test": P.INTEGRATIONS_MANAGE,
}

ROUTES = {route.route_key: route for route in Template().http_routes()}
SCOPED = sorted(key for key in ROUTES if "{workspaceId}" in key)
WITH_PERMISSION = sorted(k for k in SCOPED if isinstance(NEEDS.get(k), Permission))
ROLE_NAMES = sorted(BUILTIN_ROLES)
KEY_ROLES = [role for role in ROLE_NAMES if role != OWNER]
MASS_FIELDS = ("role", "status", "ownerId", "workspaceId")


def _samples() -> dict[str, dict[str, Any]]:
    """One sample event per route (removing someone else, not leaving, for DELETE member)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(EVENTS.rglob("*.json")):
        event = json.loads(path.read_text())
        key = event.get("routeKey")
        if key in ROUTES and (event.get("pathParameters") or {}).get("userId") != "me":
            found.setdefault(key, {"name": str(path.relative_to(EVENTS)), "event": event})
    return found


SAMPLES = _samples()


def caller_of(role: str) -> dict[str, Any] | None:
    return None if role == OWNER else user(f"as-{role}")


@dataclass(frozen=True)
class Victim:
    """The victim workspace (an agency) with a member of every built-in role, a viewer to
    act on, and one of everything a path can name: a pending invitation, a custom role,
    an API key, a client, and a pending ownership transfer to the viewer. Built once per
    module (and per xdist worker), and restored before each test: the BFLA tests change it."""

    ids: dict[str, str]
    # A key of each built-in role but the owner's, made by the owner: role -> what the
    # real key authorizer lets it through with.
    keys: dict[str, dict[str, Any]]

    @classmethod
    def build(cls, functions, store, clock) -> Victim:
        team = Team.create(functions, store, clock, "Acme Voice", "agency")
        assert team.workspace_id == VICTIM
        for role in ROLE_NAMES:
            if role != OWNER:
                team.add(f"as-{role}", role)
        team.add(TARGET, "viewer")
        ids = {"workspaceId": VICTIM, "userId": TARGET, "roleKey": "qa_reviewer"}

        def made(sample: str, body: dict[str, Any]) -> dict[str, Any]:
            key = next(k for k, s in SAMPLES.items() if s["name"] == sample)
            reply = functions.call(ROUTES[key].function, sample_event(sample, body=body))
            assert reply.status in (201, 202), (sample, reply.body)
            return reply.body

        ids["invitationId"] = made(
            "invitations/create-invitation.json",
            {"email": "invitee@example.com", "role": "viewer", "sendEmail": False},
        )["invitationId"]
        role = {"key": "qa_reviewer", "name": "QA", "rank": 5, "permissions": ["workspace:view"]}
        made("roles/create-role.json", role)
        ids["keyId"] = made("api_keys/create-api-key.json", {"name": "k"})["keyId"]
        keys = {
            role: key_context(
                functions,
                made("api_keys/create-api-key.json", {"name": role, "role": role})["key"],
                VICTIM,
            )
            for role in KEY_ROLES
        }
        ids["clientId"] = made("workspaces/create-client.json", {"name": "Dental Clinic"})[
            "workspaceId"
        ]
        made("ownership/request-transfer.json", {"newOwnerId": TARGET, "confirmName": "Acme Voice"})
        return cls(ids, keys)


@pytest.fixture
def victim(functions, store, clock, ids, worlds, pool) -> Victim:
    return worlds.once("victim", clock, ids, lambda: Victim.build(functions, store, clock))


@pytest.fixture
def stranger_workspace(functions, victim, clock, ids, worlds) -> str:
    """The stranger's own agency: they are somebody, just not a member of the victim."""

    def build() -> str:
        reply = create_workspace(
            functions, "Rival Agency", "agency", who=user(STRANGER), key="rival"
        )
        assert reply.status == 201
        return reply.body["workspaceId"]

    return worlds.once("stranger", clock, ids, build)


@pytest.fixture
def stranger_key(functions, stranger_workspace, clock, ids, worlds) -> dict[str, Any]:
    """An admin key of the stranger's own workspace, as the key authorizer passes it."""

    def build() -> dict[str, Any]:
        made = call(
            functions,
            "ApiKeysFunction",
            "api_keys/create-api-key.json",
            user(STRANGER),
            path={"workspaceId": stranger_workspace},
            body={"name": "rival", "role": "admin"},
        )
        assert made.status == 201, made.body
        return key_context(functions, made.body["key"], stranger_workspace)

    return worlds.once("stranger-key", clock, ids, build)


def call_route(
    functions,
    route_key: str,
    caller: dict[str, Any] | None,
    path: dict[str, str],
    body_change: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    *,
    key: dict[str, Any] | None = None,
) -> Reply:
    """The route's sample as `caller` (None: the owner), or as the API key the key
    authorizer passed with `key`, on the objects named in `path`."""
    sample = SAMPLES[route_key]
    wanted = {name: value for name, value in path.items() if "{" + name + "}" in route_key}
    changes: dict[str, Any] = {}
    if key is not None:
        changes["key_context"] = key
    if wanted:
        changes["path"] = wanted
    body = _sample_body(sample["event"], route_key, path)
    if body is not None:
        changes["body"] = body_change(body) if body_change else body
    return call(functions, ROUTES[route_key].function, sample["name"], caller, **changes)


def _sample_body(event: dict[str, Any], route_key: str, path: dict[str, str]) -> Any:
    if not event.get("body"):
        return None
    body = json.loads(event["body"])
    if route_key.endswith("/ownership-transfer") and route_key.startswith("POST"):
        body = {"newOwnerId": path.get("userId", TARGET), "confirmName": "Acme Voice"}
    return body


def victim_state(dynamodb) -> list[dict[str, Any]]:
    """Every item of the victim's partition, and the outbox events about it."""
    items = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"WS#{VICTIM}"}},
        ConsistentRead=True,
    )["Items"]
    outbox = [
        i
        for i in dynamodb.scan(TableName=TABLE)["Items"]  # test-only Scan of the outbox
        if i.get("entity", {}).get("S") == "outbox" and i["workspaceId"]["S"] == VICTIM
    ]
    return sorted(items + outbox, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


# ---- the table itself ----------------------------------------------------------------


def test_every_route_is_classified():
    """A route added to template.yaml must say here what it needs."""
    assert sorted(NEEDS) == sorted(ROUTES)
    assert sorted(SAMPLES) == sorted(ROUTES)


def test_the_bfla_table_refuses_every_role_but_the_owner_somewhere():
    """Not vacuous: each role below owner lacks a permission some route needs."""
    for role in ROLE_NAMES:
        refused = [k for k in WITH_PERMISSION if NEEDS[k] not in BUILTIN_ROLES[role].permissions]
        assert bool(refused) is (role != OWNER), role


# ---- BOLA: another workspace's member ----------------------------------------------------


@pytest.mark.parametrize("route_key", SCOPED)
def test_a_member_of_another_workspace_gets_404_and_changes_nothing(
    functions, victim, stranger_workspace, dynamodb, route_key
):
    before = victim_state(dynamodb)
    reply = call_route(functions, route_key, user(STRANGER), victim.ids)
    assert (reply.status, reply.code) == (404, "WORKSPACE_NOT_FOUND")
    assert reply.headers["content-type"] == "application/problem+json"
    assert victim_state(dynamodb) == before


OBJECT_ROUTES = sorted(
    k
    for k in SCOPED
    if any(f"{{{n}}}" in k for n in ("userId", "invitationId", "keyId", "roleKey", "clientId"))
)


@pytest.mark.parametrize("route_key", OBJECT_ROUTES)
def test_the_victims_object_ids_reach_nothing_from_another_workspace(
    functions, victim, stranger_workspace, dynamodb, route_key
):
    """The stranger names their own workspace, and the victim's member, invitation, key,
    role or client: the request must find nothing and change nothing of the victim's."""
    before = victim_state(dynamodb)
    ids = {**victim.ids, "workspaceId": stranger_workspace}
    reply = call_route(functions, route_key, user(STRANGER), ids)
    assert reply.status in (404, 409, 422), (reply.status, reply.body)
    assert reply.status != 404 or reply.code != "WORKSPACE_NOT_FOUND"
    assert victim_state(dynamodb) == before


def test_a_strangers_lists_show_only_their_own(functions, victim, stranger_workspace):
    mine = functions.call(
        "WorkspacesFunction", sample_event("workspaces/list-workspaces.json", caller=user(STRANGER))
    )
    assert [w["workspaceId"] for w in mine.body["items"]] == [stranger_workspace]
    invited = functions.call(
        "InvitationsFunction",
        sample_event("invitations/my-invitations.json", caller=user(STRANGER)),
    )
    assert invited.body["items"] == []


# ---- BFLA: each role against each permission ---------------------------------------------


def _lowest_first(role: str) -> tuple[int, str]:
    return (BUILTIN_ROLES[role].rank, role)


@pytest.mark.parametrize("route_key", WITH_PERMISSION)
def test_each_role_gets_exactly_the_routes_its_permissions_open(
    functions, victim, dynamodb, route_key
):
    """Every role without the permission first (each refused, nothing changed), then
    every role with it, lowest rank first (the owner last: a delete ends the rest)."""
    needed = NEEDS[route_key]
    lacking = [r for r in ROLE_NAMES if needed not in BUILTIN_ROLES[r].permissions]
    holding = sorted(set(ROLE_NAMES) - set(lacking), key=_lowest_first)
    before = victim_state(dynamodb)
    for role in lacking:
        reply = call_route(functions, route_key, caller_of(role), victim.ids)
        assert (reply.status, reply.code) == (403, "PERMISSION_DENIED"), (role, reply.body)
    assert victim_state(dynamodb) == before
    for role in holding:
        reply = call_route(functions, route_key, caller_of(role), victim.ids)
        assert reply.code not in ("PERMISSION_DENIED", "WORKSPACE_NOT_FOUND"), (role, reply.body)
        assert reply.status < 500, (role, reply.body)


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize(
    "route_key", sorted(k for k in SCOPED if NEEDS[k] in (ANY_MEMBER, ONESELF))
)
def test_routes_for_any_member_open_to_every_role(functions, victim, route_key, role):
    reply = call_route(functions, route_key, caller_of(role), victim.ids)
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_the_pending_transfer_shows_only_to_its_parties(functions, victim, role):
    key = "GET /v1/workspaces/{workspaceId}/ownership-transfer"
    reply = call_route(functions, key, caller_of(role), victim.ids)
    assert reply.status == (200 if role == OWNER else 404)
    nominee = call_route(functions, key, user(TARGET), victim.ids)
    assert nominee.status == 200


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize("route_key", sorted(k for k in SCOPED if NEEDS[k] == NOMINEE))
def test_only_the_nominee_answers_a_transfer(functions, victim, route_key, role):
    reply = call_route(functions, route_key, caller_of(role), victim.ids)
    assert reply.status in (403, 404), reply.body
    assert reply.status < 300 or reply.headers["content-type"] == "application/problem+json"


# ---- the same routes under an API key -----------------------------------------------


@pytest.mark.parametrize(
    "route_key", sorted(k for k in SCOPED if NEEDS[k] not in (NOMINEE, ONESELF))
)
def test_a_key_of_another_workspace_gets_404_and_changes_nothing(
    functions, victim, stranger_key, dynamodb, route_key
):
    before = victim_state(dynamodb)
    reply = call_route(functions, route_key, None, victim.ids, key=stranger_key)
    assert (reply.status, reply.code) == (404, "WORKSPACE_NOT_FOUND"), reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    assert victim_state(dynamodb) == before


def key_holds(role: str, needed: Permission) -> bool:
    """A key of `role` holds what the role grants, less what only a person may do."""
    return needed in BUILTIN_ROLES[role].permissions and needed not in KEY_NEVER


@pytest.mark.parametrize("route_key", WITH_PERMISSION)
def test_a_key_of_each_role_gets_exactly_the_routes_a_member_of_that_role_gets(
    functions, victim, dynamodb, route_key
):
    """As for members (above): every key role without the permission refused with
    nothing changed, then every key role with it, lowest rank first."""
    needed = NEEDS[route_key]
    lacking = [r for r in KEY_ROLES if not key_holds(r, needed)]
    holding = sorted(set(KEY_ROLES) - set(lacking), key=_lowest_first)
    before = victim_state(dynamodb)
    for role in lacking:
        reply = call_route(functions, route_key, None, victim.ids, key=victim.keys[role])
        assert (reply.status, reply.code) == (403, "PERMISSION_DENIED"), (role, reply.body)
    assert victim_state(dynamodb) == before
    for role in holding:
        reply = call_route(functions, route_key, None, victim.ids, key=victim.keys[role])
        assert reply.code not in ("PERMISSION_DENIED", "WORKSPACE_NOT_FOUND"), (role, reply.body)
        assert reply.status < 500, (role, reply.body)


def test_the_key_table_refuses_every_key_what_only_a_person_may_do():
    """Not vacuous: the routes of KEY_NEVER are refused to every key, admin's too."""
    only_people = [k for k in WITH_PERMISSION if NEEDS[k] in KEY_NEVER]
    assert len(only_people) >= 3  # deleting the workspace, requesting/cancelling a transfer
    assert not any(key_holds(role, NEEDS[k]) for role in KEY_ROLES for k in only_people)


@pytest.mark.parametrize("role", KEY_ROLES)
@pytest.mark.parametrize("route_key", sorted(k for k in SCOPED if NEEDS[k] == ANY_MEMBER))
def test_routes_for_any_member_open_to_a_key_of_every_role(functions, victim, route_key, role):
    reply = call_route(functions, route_key, None, victim.ids, key=victim.keys[role])
    assert reply.status == 200, reply.body


@pytest.mark.parametrize(
    "route_key", sorted(k for k in SCOPED if NEEDS[k] in (TRANSFER_PARTIES, NOMINEE))
)
def test_no_key_is_a_party_to_a_transfer(functions, victim, dynamodb, route_key):
    before = victim_state(dynamodb)
    reply = call_route(functions, route_key, None, victim.ids, key=victim.keys["admin"])
    assert reply.status in (403, 404), reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    assert victim_state(dynamodb) == before


# Routes outside one workspace that a caller reaches through an authorizer (the
# preview has none: its token is the capability, and no key API route serves it).
# A transfer's answers too: inside one workspace, yet a person's (API.md); and one's
# own availability (a key is not a member).
OUTSIDE = sorted(
    k for k in ROUTES if NEEDS[k] in (UNSCOPED, NOMINEE, ONESELF) and not ROUTES[k].public
)  # fmt: skip


@pytest.mark.parametrize("route_key", OUTSIDE)
def test_routes_outside_one_workspace_refuse_every_key(functions, victim, dynamodb, route_key):
    before = victim_state(dynamodb)
    reply = call_route(functions, route_key, None, victim.ids, key=victim.keys["admin"])
    assert (reply.status, reply.code) == (403, "API_KEY_NOT_ALLOWED"), reply.body
    assert reply.headers["content-type"] == "application/problem+json"
    assert victim_state(dynamodb) == before


# ---- BOPLA: mass assignment --------------------------------------------------------------


DOCUMENT = json.loads(openapi.DOCUMENT.read_text())


def _body_properties(route_key: str) -> set[str] | None:
    """What the route's body may hold, per docs/openapi.json (None: it takes no body)."""
    method, path = route_key.split(" ", 1)
    body = DOCUMENT["paths"][path][method.lower()].get("requestBody")
    if body is None:
        return None
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    return set(DOCUMENT["components"]["schemas"][ref]["properties"])


MASS_ROUTES = sorted(k for k in ROUTES if _body_properties(k) is not None)


@pytest.mark.parametrize("route_key", MASS_ROUTES)
def test_fields_a_body_does_not_take_are_refused_and_nothing_changes(
    functions, victim, dynamodb, route_key
):
    """Each of role, status, ownerId and workspaceId that the body does not name is
    refused with 422 naming it (a body that names `role` takes it under the rank
    rules, tested with each route)."""
    foreign = [f for f in MASS_FIELDS if f not in _body_properties(route_key)]
    assert foreign, route_key
    before = victim_state(dynamodb)
    for field in foreign:
        reply = call_route(
            functions, route_key, None, victim.ids, lambda body, f=field: {**body, f: "owner"}
        )
        assert (reply.status, reply.code) == (422, "VALIDATION_FAILED"), (field, reply.body)
        assert field in {e["field"] for e in reply.body["errors"]}
    assert victim_state(dynamodb) == before


def test_settings_cannot_smuggle_ownership_or_budgets(functions, victim, dynamodb):
    before = victim_state(dynamodb)
    for smuggled in ({"ownerId": STRANGER}, {"minuteBudget": 10**6}, {"status": "DELETED"}):
        reply = call_route(
            functions,
            "PATCH /v1/workspaces/{workspaceId}",
            None,
            victim.ids,
            lambda _body, s=smuggled: {"settings": s},
        )
        assert (reply.status, reply.code) == (422, "VALIDATION_FAILED")
    assert victim_state(dynamodb) == before


# ---- an agency's clients follow the agency --------------------------------------------


def client_state(dynamodb, client_id: str) -> list[dict[str, Any]]:
    """Every item of the client's partition."""
    return dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"WS#{client_id}"}},
        ConsistentRead=True,
    )["Items"]


def hand_victim_to_target(functions) -> None:
    """The victim agency's pending transfer is accepted: TARGET owns it, and its former
    owner is an admin there. The client_access consumer is not run: what follows must
    hold on the request-time decision alone."""
    accept = "POST /v1/workspaces/{workspaceId}/ownership-transfer/accept"
    assert call_route(functions, accept, user(TARGET), {"workspaceId": VICTIM}).status == 200


def test_the_agencys_former_owner_gets_404_on_every_route_of_its_client(
    functions, victim, dynamodb
):
    """Once the agency has changed hands, its former owner has no role in its client,
    whether still the agency's admin or removed from it: every route of the client is
    404 and changes nothing there."""
    client = victim.ids["clientId"]
    hand_victim_to_target(functions)
    removal = "DELETE /v1/workspaces/{workspaceId}/members/{userId}"
    ids = {**victim.ids, "workspaceId": client, "userId": TARGET}
    for removed in (False, True):
        if removed:
            path = {"workspaceId": VICTIM, "userId": OWNER_SUB}
            assert call_route(functions, removal, user(TARGET), path).status == 204
        before = client_state(dynamodb, client)
        for route_key in SCOPED:
            reply = call_route(functions, route_key, OWNER_CLAIMS, ids)
            assert (reply.status, reply.code) == (404, "WORKSPACE_NOT_FOUND"), (
                removed,
                route_key,
                reply.body,
            )
        assert client_state(dynamodb, client) == before, removed


def test_the_agencys_new_owner_passes_every_permission_of_its_client(functions, victim):
    """The new owner holds every permission in the client at once (owner-only routes
    included), before any consumer has handed the client's items over."""
    client = victim.ids["clientId"]
    hand_victim_to_target(functions)
    ids = {**victim.ids, "workspaceId": client}
    last = "DELETE /v1/workspaces/{workspaceId}"  # it ends the client for the rest
    for route_key in [*(k for k in WITH_PERMISSION if k != last), last]:
        reply = call_route(functions, route_key, user(TARGET), ids)
        assert reply.code not in ("PERMISSION_DENIED", "WORKSPACE_NOT_FOUND"), (
            route_key,
            reply.body,
        )
        assert reply.status < 500, (route_key, reply.body)


# ---- Suspension (issue 20): the billing service suspends the victim -----------------------

NOMINEE_ROUTES = {k for k, need in NEEDS.items() if need == NOMINEE}
# The routes only a person answers refuse every key whatever the standing.
PERSON_ROUTES = {k for k, need in NEEDS.items() if need in (NOMINEE, ONESELF)}
READ_WORKSPACE = "GET /v1/workspaces/{workspaceId}"


def suspend_victim(functions, workspace_id: str = VICTIM) -> None:
    assert billing(functions, SUSPEND, workspace_id, "suspend-victim")["outcome"] == "changed"


def caller_for(route_key: str) -> dict[str, Any] | None:
    """Whoever may call the route in the victim: its nominee for a transfer's answer, its
    owner for everything else."""
    return user(TARGET) if route_key in NOMINEE_ROUTES else None


@pytest.mark.parametrize("kind", ["member", "key"])
def test_a_suspended_workspace_refuses_every_route_but_its_own_read(
    functions, victim, dynamodb, kind
):
    """Every route of the workspace, as the member who could call it (or an admin key
    the authorizer had let through before): 403 WORKSPACE_SUSPENDED and nothing changed,
    except reading the workspace itself, which shows the status."""
    suspend_victim(functions)
    before = victim_state(dynamodb)
    key = victim.keys["admin"] if kind == "key" else None
    for route_key in [k for k in SCOPED if not (key and k in PERSON_ROUTES)]:
        caller = None if key else caller_for(route_key)
        reply = call_route(functions, route_key, caller, victim.ids, key=key)
        if route_key == READ_WORKSPACE:
            assert (reply.status, reply.body["status"]) == (200, "SUSPENDED")
        else:
            assert (reply.status, reply.code) == (403, "WORKSPACE_SUSPENDED"), (
                route_key,
                reply.body,
            )
            assert reply.headers["content-type"] == "application/problem+json"
    assert victim_state(dynamodb) == before


def test_a_suspended_workspace_is_still_absent_to_strangers(functions, victim, stranger_workspace):
    suspend_victim(functions)
    for route_key in SCOPED:
        reply = call_route(functions, route_key, user(STRANGER), victim.ids)
        assert (reply.status, reply.code) == (404, "WORKSPACE_NOT_FOUND"), route_key


def test_reactivated_every_route_opens_again(functions, victim):
    suspend_victim(functions)
    assert billing(functions, REACTIVATE, VICTIM, "reactivate-victim")["outcome"] == "changed"
    last = "DELETE /v1/workspaces/{workspaceId}"  # it ends the workspace for the rest
    for route_key in [*(k for k in SCOPED if k != last), last]:
        reply = call_route(functions, route_key, caller_for(route_key), victim.ids)
        assert reply.code != "WORKSPACE_SUSPENDED", route_key
        assert reply.status < 500, (route_key, reply.body)


def test_a_suspended_agency_reaches_whoever_acts_in_its_clients_through_it(
    functions, victim, store, clock, dynamodb
):
    """The agency's owner (the client's owner through it) and its staff assigned to the
    client: 403 WORKSPACE_SUSPENDED on every route of the client, nothing changed. The
    client's own members keep their access (docs/decisions.md, "Suspension")."""
    client = victim.ids["clientId"]
    seed_member(store, client, "clinic-admin", "admin", clock.now())
    assign = "PUT /v1/workspaces/{workspaceId}/clients/{clientId}/assignments/{userId}"
    staff = {**victim.ids, "userId": "as-developer"}
    assert call_route(functions, assign, None, staff).status in (200, 201)
    suspend_victim(functions)
    before = client_state(dynamodb, client)
    # The client's own client-routes name some other workspace as theirs (a client has none).
    ids = {**victim.ids, "workspaceId": client, "clientId": "ws_00000000000000000000000077"}
    for route_key in SCOPED:
        for caller in (OWNER_CLAIMS, user("as-developer")):
            reply = call_route(functions, route_key, caller, ids)
            assert (reply.status, reply.code) == (403, "WORKSPACE_SUSPENDED"), (route_key, caller)
    assert client_state(dynamodb, client) == before
    own = call_route(functions, READ_WORKSPACE, user("clinic-admin"), ids)
    assert (own.status, own.body["status"]) == (200, "ACTIVE")
    members = "GET /v1/workspaces/{workspaceId}/members"
    assert call_route(functions, members, user("clinic-admin"), ids).status == 200
