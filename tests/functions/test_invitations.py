"""The invitations function through its real Powertools entry point, on moto.

Links are taken from `acceptUrl` (invitations made with `sendEmail: false`); the mailer's
own links are tested with the mailer.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest

from local_runtime.lambdas import LambdaContext, load_module
from teamspace import wiring
from teamspace.core.clock import iso
from teamspace.core.retry import POLICY
from teamspace.store import codec
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    EVENTS,
    EVERY_ROLE,
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    Reply,
    Team,
    answer_link,
    as_caller,
    create_workspace,
    invite,
    item,
    outbox_events,
    sample_event,
    seed_member,
    token_of,
    user,
)
from tests.support.faults import injected

FN = "InvitationsFunction"
TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"
BOB_SUB = "33333333-3333-4333-8333-333333333333"
BOB = user(BOB_SUB, "bob@example.com", "Bob Builder")
CAROL = user("carol", "carol@example.com", "Carol Invitee")


# ---- helpers ---------------------------------------------------------------------------


def set_limits(monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    """Stage parameters are read once per cold start: set them, then start cold again."""
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    wiring.reset()


def bulk(functions, invitations: list[dict[str, Any]], *, who=None) -> Reply:
    event = sample_event(
        "invitations/bulk-invite.json", caller=who, body={"invitations": invitations}
    )
    return functions.call(FN, event)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def answer(functions, action: str, token: str, who: dict[str, Any] = BOB) -> Reply:
    """accept or decline a link, as `who` (Bob unless told)."""
    return answer_link(functions, action, token, who)


def manage(
    functions,
    action: str,
    invitation_id: str,
    *,
    who: dict[str, Any] | None = None,
    workspace: str = SAMPLE_WORKSPACE,
) -> Reply:
    """resend or revoke an invitation."""
    event = sample_event(
        f"invitations/{action}-invitation.json",
        caller=who,
        path={"workspaceId": workspace, "invitationId": invitation_id},
    )
    return functions.call(FN, event)


def listing(functions, query: dict[str, str] | None = None, *, who=None) -> Reply:
    event = sample_event("invitations/list-invitations.json", caller=who, query=query or {})
    return functions.call(FN, event)


def listed(functions, status: str | None = None) -> dict[str, str]:
    """invitationId -> status, every page of the list."""
    found, cursor = {}, None
    while True:
        query = {"limit": "100"}
        if status:
            query["status"] = status
        if cursor:
            query["cursor"] = cursor
        reply = listing(functions, query)
        assert reply.status == 200, reply.body
        found |= {i["invitationId"]: i["status"] for i in reply.body["items"]}
        cursor = reply.body["nextCursor"]
        if cursor is None:
            return found


def mine(functions, who: dict[str, Any] = BOB) -> Reply:
    return functions.call(FN, sample_event("invitations/my-invitations.json", caller=who))


def stored(dynamodb, invitation_id: str, workspace: str = SAMPLE_WORKSPACE) -> dict[str, Any]:
    found = item(dynamodb, TABLE, f"WS#{workspace}", f"INVITE#{invitation_id}")
    assert found is not None
    return found


def workspace_of(functions, workspace: str = SAMPLE_WORKSPACE) -> dict[str, Any]:
    event = sample_event("workspaces/get-workspace.json", path={"workspaceId": workspace})
    reply = functions.call("WorkspacesFunction", event)
    assert reply.status == 200
    return reply.body


def members_of(functions) -> dict[str, dict[str, Any]]:
    event = sample_event("membership/list-members.json", query={})
    reply = functions.call("MembershipFunction", event)
    assert reply.status == 200
    return {m["userId"]: m for m in reply.body["items"]}


def new_workspace(functions, who: dict[str, Any] | None, name: str) -> str:
    reply = create_workspace(functions, name, "simple", who=who, key=f"create-{name}")
    assert reply.status == 201
    return reply.body["workspaceId"]


def run_expiry(clock) -> dict[str, int]:
    """The scheduled expiry function, run now (as the schedule would)."""
    event = json.loads((EVENTS / "invitation_expiry" / "scheduled.json").read_text())
    event["time"] = iso(clock.now())
    module = load_module(TEMPLATE.functions()["InvitationExpiryFunction"])
    return module.lambda_handler(event, LambdaContext(function_name="InvitationExpiryFunction"))


def kinds(dynamodb) -> list[str]:
    return [e["detailType"] for e in outbox_events(dynamodb, TABLE)]


def every_item(dynamodb) -> list[dict[str, Any]]:
    return [codec.from_attributes(i) for i in dynamodb.scan(TableName=TABLE)["Items"]]


# ---- fixtures --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _forget_stage_parameters():
    """A test that changed the stage parameters leaves no settings cached behind it."""
    yield
    wiring.reset()


@pytest.fixture
def workspace(functions, store, clock, ids, worlds) -> str:
    """The sample workspace, with its owner alone in it (built once per module)."""

    def build() -> str:
        team = Team.create(functions, store, clock)
        assert team.workspace_id == SAMPLE_WORKSPACE
        return team.workspace_id

    return worlds.once("workspace", clock, ids, build)


@pytest.fixture
def team(workspace, functions, store, clock, ids, worlds) -> dict[str, str]:
    """The sample workspace with one member of every role below owner, a second apart."""

    def build() -> dict[str, str]:
        team = Team(functions, store, clock, workspace)
        for role, user_id in EVERY_ROLE.items():
            clock.advance(seconds=1)
            team.add(user_id, role)
        return EVERY_ROLE | {"owner": OWNER_SUB}

    return worlds.once("team", clock, ids, build)


# ---- create ----------------------------------------------------------------------------


def test_create_answers_201_with_the_invitation_normalised_and_no_link(
    functions, team, dynamodb, clock
):
    reply = functions.call(FN, sample_event("invitations/create-invitation.json"))
    assert reply.status == 201
    body = reply.body
    assert body["email"] == "bob@example.com"  # sent as Bob@Example.com
    assert body["role"] == "developer"
    assert body["status"] == "pending"
    assert body["invitedBy"] == OWNER_SUB
    assert body["workspaceId"] == SAMPLE_WORKSPACE
    assert body["name"] == "Bob Builder"
    assert body["jobTitle"] == "Voice engineer"
    assert body["permissions"] == {"canViewRecordings": True}
    assert body["agentIds"] == ["agent-support-1"]
    assert body["sendEmail"] is True
    assert body["createdAt"] == iso(clock.now())
    assert body["expiresAt"] == iso(clock.now() + timedelta(days=7))
    # Mailed invitations get their link from the mailer, never in the response.
    assert "acceptUrl" not in body
    assert not [k for k in body if "token" in k.lower() or "hash" in k.lower()]
    assert stored(dynamodb, body["invitationId"]).get("tokenHash") is None
    assert item(dynamodb, TABLE, WS_PK, "INVITE_EMAIL#bob@example.com") is not None


def test_without_email_the_link_is_returned_once_and_only_its_hash_is_kept(
    functions, team, dynamodb
):
    reply = invite(functions, "  Carol@Example.COM ", send_email=False)
    assert reply.status == 201
    assert reply.body["email"] == "carol@example.com"
    assert reply.body["acceptUrl"].startswith("http://127.0.0.1:3000/accept?token=")
    token = token_of(reply)
    assert len(token) >= 43
    text = json.dumps(reply.body)
    assert text.count(token) == 1  # in acceptUrl, nowhere else
    assert digest(token) not in text
    assert not [k for k in reply.body if "token" in k.lower() or "hash" in k.lower()]
    # The table keeps the hash, never the token.
    assert token not in json.dumps(every_item(dynamodb), default=str)
    assert stored(dynamodb, reply.body["invitationId"])["tokenHash"] == digest(token)
    assert item(dynamodb, TABLE, f"INVTOKEN#{digest(token)}", "INVTOKEN")["state"] == "ACTIVE"
    # ... and the link is not shown again.
    again = listing(functions)
    assert "acceptUrl" not in again.body["items"][0]
    assert token not in json.dumps(again.body)


def test_the_created_event_says_what_was_invited_and_never_carries_the_link(
    functions, team, dynamodb
):
    reply = invite(
        functions,
        "carol@example.com",
        "developer",
        send_email=False,
        name="Carol",
        jobTitle="QA",
        permissions={"canViewRecordings": True, "canEditAgents": False},
        agentIds=["a1", "a1", "a2"],
    )
    assert reply.status == 201
    assert reply.body["name"] == "Carol"
    assert reply.body["jobTitle"] == "QA"
    assert reply.body["permissions"] == {"canViewRecordings": True, "canEditAgents": False}
    assert reply.body["agentIds"] == ["a1", "a2"]
    token = token_of(reply)
    events = outbox_events(dynamodb, TABLE)
    created = [e for e in events if e["detailType"] == "InvitationCreated"]
    assert len(created) == 1
    event = created[0]
    assert event["workspaceId"] == SAMPLE_WORKSPACE
    assert event["actor"] == {"type": "user", "id": OWNER_SUB}
    data = event["data"]
    assert data["invitationId"] == reply.body["invitationId"]
    assert data["email"] == "carol@example.com"
    assert data["role"] == "developer"
    assert data["invitedBy"] == OWNER_SUB
    assert data["sendEmail"] is False
    dumped = json.dumps(events)
    assert token not in dumped
    assert digest(token) not in dumped
    assert not [k for k in data if "token" in k.lower() or "hash" in k.lower()]


def test_the_link_base_and_lifetime_are_stage_parameters(functions, team, monkeypatch, clock):
    set_limits(
        monkeypatch,
        ACCEPT_URL_BASE="https://app.example.com/invitations/accept",
        INVITATION_TTL_DAYS=3,
    )
    reply = invite(functions, "carol@example.com")
    assert reply.status == 201
    assert reply.body["acceptUrl"].startswith("https://app.example.com/invitations/accept?token=")
    assert reply.body["expiresAt"] == iso(clock.now() + timedelta(days=3))


# ---- who may invite whom ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "role", "extra"),
    [
        (OWNER_SUB, "admin", {}),
        (OWNER_SUB, "member", {"permissions": {"canViewBillableMinutes": True}}),
        ("ada", "manager", {}),
        ("ada", "viewer", {"permissions": {"canViewRecordings": True}}),
    ],
)
def test_allowed_invitations(functions, team, who, role, extra):
    reply = invite(functions, "new@example.com", role, who=as_caller(who), **extra)
    assert reply.status == 201, reply.body
    assert reply.body["invitedBy"] == who


@pytest.mark.parametrize(
    ("who", "role", "extra", "status", "code"),
    [
        ("ada", "admin", {}, 403, "ROLE_RANK_TOO_LOW"),
        ("ada", "owner", {}, 403, "OWNER_IMMUTABLE"),
        (OWNER_SUB, "owner", {}, 403, "OWNER_IMMUTABLE"),
        (OWNER_SUB, "superuser", {}, 422, "UNKNOWN_ROLE"),
        ("mia", "viewer", {}, 403, "PERMISSION_DENIED"),
        ("dev", "viewer", {}, 403, "PERMISSION_DENIED"),
        ("bill", "viewer", {}, 403, "PERMISSION_DENIED"),
        ("sam", "viewer", {}, 403, "PERMISSION_DENIED"),
        (SAMPLE_TARGET, "viewer", {}, 403, "PERMISSION_DENIED"),
        ("vic", "viewer", {}, 403, "PERMISSION_DENIED"),
        (
            "ada",
            "member",
            {"permissions": {"canViewBillableMinutes": True}},
            403,
            "GRANT_EXCEEDS_OWN",
        ),
    ],
)
def test_refused_invitations_write_nothing(
    functions, team, dynamodb, who, role, extra, status, code
):
    before = kinds(dynamodb)
    reply = invite(functions, "new@example.com", role, who=as_caller(who), **extra)
    assert reply.status == status
    assert reply.code == code
    assert listed(functions) == {}
    assert item(dynamodb, TABLE, WS_PK, "INVITE_EMAIL#new@example.com") is None
    assert kinds(dynamodb) == before


def test_an_agent_restricted_admin_invites_only_within_their_agents(functions, team, store, clock):
    seed_member(store, SAMPLE_WORKSPACE, "ray", "admin", clock.now(), agent_ids=("a1", "a2"))
    inside = invite(functions, "in@example.com", who=as_caller("ray"), agentIds=["a1"])
    assert inside.status == 201
    outside = invite(functions, "out@example.com", who=as_caller("ray"), agentIds=["a1", "a9"])
    assert outside.status == 403
    assert outside.code == "GRANT_EXCEEDS_OWN"
    everything = invite(functions, "all@example.com", who=as_caller("ray"))
    assert everything.status == 403
    assert everything.code == "GRANT_EXCEEDS_OWN"


@pytest.mark.parametrize("email", ["dev@example.com", "OWNER@example.com", "sus@example.com"])
def test_inviting_a_member_is_409(functions, team, store, clock, email):
    seed_member(store, SAMPLE_WORKSPACE, "sus", "viewer", clock.now(), status="SUSPENDED")
    reply = invite(functions, email)
    assert reply.status == 409
    assert reply.code == "ALREADY_A_MEMBER"
    assert listed(functions) == {}


def test_one_pending_invitation_per_address(functions, team):
    first = invite(functions, "carol@example.com")
    assert first.status == 201
    second = invite(functions, "Carol@Example.com", "viewer")
    assert second.status == 409
    assert second.code == "INVITATION_PENDING"
    assert listed(functions) == {first.body["invitationId"]: "pending"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "role": "member"}, "email"),
        ({"email": "carol@localhost", "role": "member"}, "email"),
        ({"email": "carol@example.com"}, "role"),
        ({"email": "carol@example.com", "role": "Admin; DROP"}, "role"),
        ({"email": "carol@example.com", "role": "member", "status": "accepted"}, "status"),
        ({"email": "carol@example.com", "role": "member", "invitedBy": "x"}, "invitedBy"),
        ({"email": "carol@example.com", "role": "member", "token": "x" * 43}, "token"),
        (
            {"email": "carol@example.com", "role": "member", "permissions": {"canFly": True}},
            "permissions.canFly",
        ),
        ({"email": "carol@example.com", "role": "member", "agentIds": ["bad id"]}, "agentIds.0"),
    ],
)
def test_invalid_invitations_are_422_naming_the_field(functions, team, dynamodb, body, field):
    event = sample_event("invitations/create-invitation.json", body=body)
    reply = functions.call(FN, event)
    assert reply.status == 422
    assert field in [e["field"] for e in reply.body["errors"]]
    assert listed(functions) == {}
    assert "InvitationCreated" not in kinds(dynamodb)


# Issue 14: addresses that only look like addresses. Each of these used to be invited (201),
# taking a pending slot and a seat, and mailed.
MALFORMED_ADDRESSES = [
    "a@example..com",
    ".a@example.com",
    "a.@example.com",
    "a..b@example.com",
    "<a@example.com>",
    "a@-example.com",
    "a@example.com.",
    "<script>@example.com",
]
# (sent, kept): still invited, normalised as before (trimmed and lower-cased), nothing more.
WELL_FORMED_ADDRESSES = [
    ("carol+team@example.com", "carol+team@example.com"),
    ("Carol.Smith@Example.COM", "carol.smith@example.com"),
    ("  dan@example.com ", "dan@example.com"),
    ("ann@agency.example", "ann@agency.example"),
    ("ann@mail.eu.agency.example", "ann@mail.eu.agency.example"),
    ("o'neil_x-y@sub-domain.example.org", "o'neil_x-y@sub-domain.example.org"),
]


@pytest.mark.parametrize("address", MALFORMED_ADDRESSES)
def test_a_malformed_address_is_422_naming_the_email_and_writes_nothing(
    functions, team, dynamodb, address
):
    events, everything = outbox_events(dynamodb, TABLE), every_item(dynamodb)
    reply = invite(functions, address, send_email=True)
    assert reply.status == 422, reply.body
    assert reply.code == "VALIDATION_FAILED"
    assert [e["field"] for e in reply.body["errors"]] == ["email"]
    assert listed(functions) == {}
    assert outbox_events(dynamodb, TABLE) == events
    assert every_item(dynamodb) == everything


@pytest.mark.parametrize(("sent", "kept"), WELL_FORMED_ADDRESSES)
def test_a_well_formed_address_is_invited_as_before(functions, team, dynamodb, sent, kept):
    reply = invite(functions, sent, send_email=True)
    assert reply.status == 201, reply.body
    assert reply.body["email"] == kept
    assert stored(dynamodb, reply.body["invitationId"])["email"] == kept
    assert item(dynamodb, TABLE, WS_PK, f"INVITE_EMAIL#{kept}") is not None


@pytest.mark.parametrize("count", [0, 51])
def test_a_bulk_of_none_or_more_than_50_is_422(functions, team, count):
    items = [{"email": f"p{n}@example.com", "role": "member"} for n in range(count)]
    reply = bulk(functions, items)
    assert reply.status == 422
    assert listed(functions) == {}


def test_a_bulk_of_exactly_50_is_accepted(functions, team):
    items = [{"email": f"p{n}@example.com", "role": "viewer"} for n in range(50)]
    reply = bulk(functions, items)
    assert reply.status == 200
    assert [r["status"] for r in reply.body["results"]] == ["created"] * 50
    assert len(listed(functions, "pending")) == 50


@pytest.mark.parametrize(
    "name",
    [
        "create-invitation",
        "bulk-invite",
        "list-invitations",
        "resend-invitation",
        "revoke-invitation",
    ],
)
def test_every_workspace_route_is_404_for_a_non_member(functions, team, dynamodb, name):
    target = invite(functions, "carol@example.com").body["invitationId"]
    before = stored(dynamodb, target)
    path = {"workspaceId": SAMPLE_WORKSPACE}
    if name in {"resend-invitation", "revoke-invitation"}:
        path["invitationId"] = target
    event = sample_event(f"invitations/{name}.json", caller=user("outsider"), path=path)
    reply = functions.call(FN, event)
    assert reply.status == 404
    assert reply.code == "WORKSPACE_NOT_FOUND"
    assert stored(dynamodb, target) == before
    assert len(listed(functions)) == 1


def test_a_suspended_admin_cannot_invite(functions, team, store, clock):
    seed_member(store, SAMPLE_WORKSPACE, "sue", "admin", clock.now(), status="SUSPENDED")
    reply = invite(functions, "carol@example.com", who=as_caller("sue"))
    assert reply.status == 404
    assert reply.code == "WORKSPACE_NOT_FOUND"


# ---- limits ----------------------------------------------------------------------------


def test_pending_invitations_per_workspace_are_limited(functions, team, monkeypatch):
    set_limits(monkeypatch, MAX_PENDING_INVITATIONS=2)
    first = invite(functions, "a@example.com")
    assert first.status == 201
    assert invite(functions, "b@example.com").status == 201
    third = invite(functions, "c@example.com")
    assert third.status == 409
    assert third.code == "PENDING_INVITATIONS_LIMIT"
    assert len(listed(functions)) == 2
    # Revoking one makes room again.
    assert manage(functions, "revoke", first.body["invitationId"]).status == 204
    assert invite(functions, "c@example.com").status == 201


def test_a_bulk_item_meeting_a_conflict_is_retried_on_its_own(functions, team):
    items = [{"email": f"p{n}@example.com", "role": "viewer"} for n in range(3)]
    with injected("conflict=1,limit=2,only=TransactWriteItems") as injector:
        reply = bulk(functions, items)
    assert injector.total() == 2
    assert reply.status == 200
    assert [r["status"] for r in reply.body["results"]] == ["created"] * 3
    assert len(listed(functions, "pending")) == 3


def test_a_bulk_item_whose_budget_is_spent_is_refused_alone(functions, team):
    items = [{"email": f"p{n}@example.com", "role": "viewer"} for n in range(2)]
    with injected(f"conflict=1,limit={POLICY.attempts},only=TransactWriteItems"):
        reply = bulk(functions, items)
    results = reply.body["results"]
    assert [r["status"] for r in results] == ["refused", "created"]
    assert results[0]["code"] == "CONCURRENT_UPDATE"
    assert len(listed(functions, "pending")) == 1


def test_the_pending_limit_holds_inside_one_bulk(functions, team, monkeypatch):
    set_limits(monkeypatch, MAX_PENDING_INVITATIONS=2)
    reply = bulk(functions, [{"email": f"p{n}@example.com", "role": "viewer"} for n in range(3)])
    assert reply.status == 200
    results = reply.body["results"]
    assert [r["status"] for r in results] == ["created", "created", "refused"]
    assert results[2]["code"] == "PENDING_INVITATIONS_LIMIT"
    assert len(listed(functions, "pending")) == 2


def test_invitations_per_inviter_per_hour_are_limited(functions, team, monkeypatch, clock):
    set_limits(monkeypatch, INVITES_PER_INVITER_PER_HOUR=3)
    for n in range(3):
        assert invite(functions, f"p{n}@example.com").status == 201
    fourth = invite(functions, "p3@example.com")
    assert fourth.status == 429
    assert fourth.code == "INVITE_RATE_LIMITED"
    now = clock.now()
    assert int(fourth.headers["retry-after"]) == 3600 - (now.minute * 60 + now.second)
    assert len(listed(functions)) == 3
    # The limit is the inviter's: another admin still may.
    assert invite(functions, "ada1@example.com", who=as_caller("ada")).status == 201
    clock.advance(hours=1)
    assert invite(functions, "p3@example.com").status == 201


def test_resends_and_other_workspaces_count_towards_the_hourly_limit(functions, team, monkeypatch):
    other = new_workspace(functions, None, "Second")
    set_limits(monkeypatch, INVITES_PER_INVITER_PER_HOUR=3)
    first = invite(functions, "a@example.com")
    assert first.status == 201
    assert manage(functions, "resend", first.body["invitationId"]).status == 200
    assert invite(functions, "b@example.com", workspace=other).status == 201
    refused = invite(functions, "c@example.com", workspace=other)
    assert refused.status == 429
    assert refused.code == "INVITE_RATE_LIMITED"
    resend = manage(functions, "resend", first.body["invitationId"])
    assert resend.status == 429
    assert resend.code == "INVITE_RATE_LIMITED"
    assert "retry-after" in resend.headers


def test_refused_invitations_do_not_use_up_the_hourly_allowance(functions, team, monkeypatch):
    set_limits(monkeypatch, INVITES_PER_INVITER_PER_HOUR=2)
    assert invite(functions, "a@example.com").status == 201
    assert invite(functions, "a@example.com").code == "INVITATION_PENDING"
    assert invite(functions, "dev@example.com").code == "ALREADY_A_MEMBER"
    assert invite(functions, "b@example.com", "owner").code == "OWNER_IMMUTABLE"
    assert invite(functions, "b@example.com").status == 201
    assert invite(functions, "c@example.com").code == "INVITE_RATE_LIMITED"


def limit_seats(functions, seats: int) -> None:
    event = sample_event(
        "workspaces/update-workspace.json", body={"settings": {"maxMembers": seats}}
    )
    reply = functions.call("WorkspacesFunction", event)
    assert reply.status == 200
    assert reply.body["settings"]["maxMembers"] == seats


def test_seats_count_members_and_pending_invitations(functions, workspace):
    limit_seats(functions, 2)  # the owner, and one more
    first = invite(functions, "bob@example.com")
    assert first.status == 201
    refused = invite(functions, "carol@example.com")
    assert refused.status == 409
    assert refused.code == "SEAT_LIMIT_REACHED"
    # Revoking frees the seat.
    assert manage(functions, "revoke", first.body["invitationId"]).status == 204
    assert invite(functions, "carol@example.com").status == 201


def test_an_accepted_invitation_keeps_its_seat_and_a_declined_one_frees_it(functions, workspace):
    limit_seats(functions, 2)
    bob = invite(functions, "bob@example.com")
    assert answer(functions, "accept", token_of(bob)).status == 200
    assert workspace_of(functions)["memberCount"] == 2
    full = invite(functions, "carol@example.com")
    assert full.status == 409
    assert full.code == "SEAT_LIMIT_REACHED"
    limit_seats(functions, 3)
    carol = invite(functions, "carol@example.com")
    assert carol.status == 201
    assert invite(functions, "dan@example.com").code == "SEAT_LIMIT_REACHED"
    assert answer(functions, "decline", token_of(carol), who=CAROL).status == 204
    assert invite(functions, "dan@example.com").status == 201


def test_the_seat_limit_holds_inside_one_bulk(functions, workspace):
    limit_seats(functions, 2)
    reply = bulk(
        functions,
        [
            {"email": "a@example.com", "role": "viewer"},
            {"email": "b@example.com", "role": "viewer"},
        ],
    )
    results = reply.body["results"]
    assert [r["status"] for r in results] == ["created", "refused"]
    assert results[1]["code"] == "SEAT_LIMIT_REACHED"


# ---- list ------------------------------------------------------------------------------


@pytest.fixture
def one_of_each(functions, team, clock, ids, worlds) -> dict[str, str]:
    """Invitations in every status: status -> invitationId."""
    return worlds.once("one_of_each", clock, ids, lambda: _one_of_each(functions, clock))


def _one_of_each(functions, clock) -> dict[str, str]:
    expired = invite(functions, "exp@example.com")
    clock.advance(days=8)
    assert run_expiry(clock)["expired"] == 1
    made = {s: invite(functions, f"{s}@example.com") for s in ("pend", "rev", "acc", "dec")}
    assert all(r.status == 201 for r in made.values())
    assert manage(functions, "revoke", made["rev"].body["invitationId"]).status == 204
    accepted = answer(functions, "accept", token_of(made["acc"]), who=user("acc"))
    assert accepted.status == 200
    assert answer(functions, "decline", token_of(made["dec"]), who=user("dec")).status == 204
    return {
        "expired": expired.body["invitationId"],
        "pending": made["pend"].body["invitationId"],
        "revoked": made["rev"].body["invitationId"],
        "accepted": made["acc"].body["invitationId"],
        "declined": made["dec"].body["invitationId"],
    }


@pytest.mark.parametrize("status", ["pending", "revoked", "accepted", "expired", "declined"])
def test_the_status_filter_returns_exactly_the_invitations_in_it(functions, one_of_each, status):
    assert listed(functions, status) == {one_of_each[status]: status}


def test_without_a_status_every_invitation_is_listed(functions, one_of_each):
    assert listed(functions) == {inv: status for status, inv in one_of_each.items()}


@pytest.mark.parametrize(
    "query", [{"status": "PENDING"}, {"status": "bogus"}, {"limit": "0"}, {"limit": "101"}]
)
def test_bad_list_queries_are_422(functions, team, query):
    reply = listing(functions, query)
    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == next(iter(query))


def test_listing_needs_the_invite_permission(functions, team):
    reply = listing(functions, who=as_caller("mia"))
    assert reply.status == 403
    assert reply.code == "PERMISSION_DENIED"


@pytest.mark.parametrize("status", [None, "pending"])
def test_the_list_paginates_without_gaps_or_repeats(functions, team, status):
    made = [invite(functions, f"p{n}@example.com").body["invitationId"] for n in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": "2"}
        if status:
            query["status"] = status
        if cursor:
            query["cursor"] = cursor
        reply = listing(functions, query)
        assert reply.status == 200
        assert len(reply.body["items"]) <= 2
        seen += [i["invitationId"] for i in reply.body["items"]]
        pages += 1
        cursor = reply.body["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))
    assert pages == 3


# ---- resend ----------------------------------------------------------------------------


def test_resend_issues_a_new_link_and_expiry_and_the_old_link_stops(functions, team, clock):
    first = invite(functions, "bob@example.com")
    old_token = token_of(first)
    clock.advance(days=2)
    reply = manage(functions, "resend", first.body["invitationId"])
    assert reply.status == 200
    assert reply.body["status"] == "pending"
    assert reply.body["expiresAt"] == iso(clock.now() + timedelta(days=7))
    assert reply.body["expiresAt"] != first.body["expiresAt"]
    assert reply.body["createdAt"] == first.body["createdAt"]
    new_token = token_of(reply)
    assert new_token != old_token
    stale = answer(functions, "accept", old_token)
    assert stale.status == 410
    assert stale.code == "INVITATION_SUPERSEDED"
    assert answer(functions, "decline", old_token).code == "INVITATION_SUPERSEDED"
    assert answer(functions, "accept", new_token).status == 200


def test_resending_a_mailed_invitation_returns_no_link(functions, team, dynamodb):
    first = invite(functions, "bob@example.com", send_email=True)
    reply = manage(functions, "resend", first.body["invitationId"])
    assert reply.status == 200
    assert "acceptUrl" not in reply.body
    event = outbox_events(dynamodb, TABLE)[-1]
    assert event["detailType"] == "InvitationResent"
    assert event["data"]["invitationId"] == first.body["invitationId"]
    assert event["data"]["sendId"] == 2


def test_an_accepted_invitation_cannot_be_resent(functions, team):
    first = invite(functions, "bob@example.com")
    assert answer(functions, "accept", token_of(first)).status == 200
    reply = manage(functions, "resend", first.body["invitationId"])
    assert reply.status == 409
    assert reply.code == "INVITATION_NOT_PENDING"


@pytest.mark.parametrize("action", ["revoke", "decline"])
def test_revoked_and_declined_invitations_cannot_be_resent(functions, team, action):
    first = invite(functions, "bob@example.com")
    if action == "revoke":
        assert manage(functions, "revoke", first.body["invitationId"]).status == 204
    else:
        assert answer(functions, "decline", token_of(first)).status == 204
    reply = manage(functions, "resend", first.body["invitationId"])
    assert reply.status == 409
    assert reply.code == "INVITATION_NOT_PENDING"


def test_resending_an_invitation_past_its_expiry_revives_it(functions, team, clock):
    first = invite(functions, "bob@example.com")
    clock.advance(days=8)  # the expiry job has not run
    assert answer(functions, "accept", token_of(first)).code == "INVITATION_EXPIRED"
    reply = manage(functions, "resend", first.body["invitationId"])
    assert reply.status == 200
    assert reply.body["status"] == "pending"
    assert reply.body["expiresAt"] == iso(clock.now() + timedelta(days=7))
    assert answer(functions, "accept", token_of(reply)).status == 200


def test_resending_an_expired_invitation_takes_its_place_and_seat_again(
    functions, team, clock, dynamodb
):
    first = invite(functions, "bob@example.com")
    clock.advance(days=8)
    assert run_expiry(clock)["expired"] == 1
    assert listed(functions, "expired") == {first.body["invitationId"]: "expired"}
    pending_before = item(dynamodb, TABLE, WS_PK, "META")["pendingInvites"]
    reply = manage(functions, "resend", first.body["invitationId"])
    assert reply.status == 200
    assert reply.body["status"] == "pending"
    assert listed(functions, "pending") == {first.body["invitationId"]: "pending"}
    assert listed(functions, "expired") == {}
    assert item(dynamodb, TABLE, WS_PK, "META")["pendingInvites"] == pending_before + 1
    # It holds the address again.
    assert invite(functions, "bob@example.com").code == "INVITATION_PENDING"
    assert answer(functions, "accept", token_of(reply)).status == 200


def test_resend_follows_the_rank_rules(functions, team):
    admin_invite = invite(functions, "boss@example.com", "admin")
    reply = manage(functions, "resend", admin_invite.body["invitationId"], who=as_caller("ada"))
    assert reply.status == 403
    assert reply.code == "ROLE_RANK_TOO_LOW"
    viewer_invite = invite(functions, "v@example.com", "viewer")
    denied = manage(functions, "resend", viewer_invite.body["invitationId"], who=as_caller("mia"))
    assert denied.status == 403
    assert denied.code == "PERMISSION_DENIED"
    assert (
        manage(functions, "resend", viewer_invite.body["invitationId"], who=as_caller("ada")).status
        == 200
    )


def test_resend_of_an_unknown_invitation_is_404(functions, team):
    reply = manage(functions, "resend", "inv_zzzzzzzzzzzzzzzzzzzzzzzzzz")
    assert reply.status == 404
    assert reply.code == "INVITATION_NOT_FOUND"


# ---- revoke ----------------------------------------------------------------------------


def test_revoke_closes_the_invitation_and_its_link(functions, team, dynamodb):
    first = invite(functions, "bob@example.com")
    invitation_id = first.body["invitationId"]
    reply = manage(functions, "revoke", invitation_id)
    assert reply.status == 204
    assert reply.body is None
    assert listed(functions) == {invitation_id: "revoked"}
    event = outbox_events(dynamodb, TABLE)[-1]
    assert event["detailType"] == "InvitationRevoked"
    assert event["data"]["invitationId"] == invitation_id
    gone = answer(functions, "accept", token_of(first))
    assert gone.status == 410
    assert gone.code == "INVITATION_REVOKED"
    assert answer(functions, "decline", token_of(first)).code == "INVITATION_REVOKED"
    assert mine(functions).body["items"] == []
    # The address is free for a new invitation.
    assert invite(functions, "bob@example.com").status == 201


def test_revoking_twice_is_204_and_announced_once(functions, team, dynamodb):
    invitation_id = invite(functions, "bob@example.com").body["invitationId"]
    assert manage(functions, "revoke", invitation_id).status == 204
    pending = item(dynamodb, TABLE, WS_PK, "META")["pendingInvites"]
    again = manage(functions, "revoke", invitation_id)
    assert again.status == 204
    assert kinds(dynamodb).count("InvitationRevoked") == 1
    assert item(dynamodb, TABLE, WS_PK, "META")["pendingInvites"] == pending


def test_revoking_an_unknown_invitation_is_404(functions, team):
    reply = manage(functions, "revoke", "inv_zzzzzzzzzzzzzzzzzzzzzzzzzz")
    assert reply.status == 404
    assert reply.code == "INVITATION_NOT_FOUND"


@pytest.mark.parametrize("bad", ["inv_short", "ws_00000000000000000000000001", "INV_" + "0" * 26])
@pytest.mark.parametrize("action", ["revoke", "resend"])
def test_an_invitation_id_of_the_wrong_shape_is_422(functions, team, action, bad):
    reply = manage(functions, action, bad)
    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == "invitationId"


def test_an_accepted_invitation_cannot_be_revoked(functions, team):
    first = invite(functions, "bob@example.com")
    assert answer(functions, "accept", token_of(first)).status == 200
    reply = manage(functions, "revoke", first.body["invitationId"])
    assert reply.status == 409
    assert reply.code == "INVITATION_NOT_PENDING"
    assert BOB_SUB in members_of(functions)


def test_revoke_follows_the_rank_rules(functions, team):
    admin_invite = invite(functions, "boss@example.com", "admin").body["invitationId"]
    reply = manage(functions, "revoke", admin_invite, who=as_caller("ada"))
    assert reply.status == 403
    assert reply.code == "ROLE_RANK_TOO_LOW"
    viewer_invite = invite(functions, "v@example.com", "viewer").body["invitationId"]
    assert (
        manage(functions, "revoke", viewer_invite, who=as_caller("vic")).code == "PERMISSION_DENIED"
    )
    assert listed(functions, "pending") == {admin_invite: "pending", viewer_invite: "pending"}


# ---- accept ----------------------------------------------------------------------------


@pytest.fixture
def bobs_invitation(functions, team, clock, ids, worlds) -> Reply:
    def build() -> Reply:
        reply = invite(
            functions,
            "Bob@Example.com",
            "developer",
            name="Robert Builder",
            jobTitle="Voice engineer",
            permissions={"canViewRecordings": False, "canAccessCrm": True},
            agentIds=["agent-support-1"],
        )
        assert reply.status == 201
        return reply

    return worlds.once("bobs_invitation", clock, ids, build)


def test_accept_makes_the_invitee_a_member_with_what_the_invitation_carried(
    functions, bobs_invitation, dynamodb, clock
):
    reply = answer(functions, "accept", token_of(bobs_invitation))
    assert reply.status == 200
    assert reply.body["workspaceId"] == SAMPLE_WORKSPACE
    member = reply.body["member"]
    assert member["userId"] == BOB_SUB
    assert member["email"] == "bob@example.com"
    assert member["role"] == "developer"
    assert member["status"] == "ACTIVE"
    assert member["name"] == "Robert Builder"  # the invitation's, not the token's
    assert member["jobTitle"] == "Voice engineer"
    assert member["permissionOverrides"] == {"canViewRecordings": False, "canAccessCrm": True}
    assert member["permissions"]["canViewRecordings"] is False
    assert member["permissions"]["canAccessCrm"] is True
    assert member["permissions"]["canEditAgents"] is True  # the role's own
    assert member["agentIds"] == ["agent-support-1"]
    assert member["joinedAt"] == iso(clock.now())
    # The member is in the team; the invitation is accepted.
    listed_member = members_of(functions)[BOB_SUB]
    assert listed_member["role"] == "developer"
    assert listed_member["permissionOverrides"] == member["permissionOverrides"]
    assert listed(functions) == {bobs_invitation.body["invitationId"]: "accepted"}
    assert workspace_of(functions)["memberCount"] == 9  # owner, seven seeded, Bob
    assert item(dynamodb, TABLE, WS_PK, "INVITE_EMAIL#bob@example.com") is None
    perms = functions.call(
        "MembershipFunction", sample_event("membership/my-permissions.json", caller=BOB)
    )
    assert perms.status == 200
    assert perms.body["role"] == "developer"
    # Events: accepted, and joined.
    events = {e["detailType"]: e for e in outbox_events(dynamodb, TABLE)}
    joined = events["MemberJoined"]
    assert joined["actor"] == {"type": "user", "id": BOB_SUB}
    assert joined["data"]["userId"] == BOB_SUB
    assert joined["data"]["role"] == "developer"
    assert joined["data"]["invitationId"] == bobs_invitation.body["invitationId"]
    assert joined["data"]["invitedBy"] == OWNER_SUB
    accepted = events["InvitationAccepted"]
    assert accepted["data"]["invitationId"] == bobs_invitation.body["invitationId"]
    assert accepted["data"]["userId"] == BOB_SUB


def test_accepting_twice_returns_the_same_member(functions, bobs_invitation, dynamodb, clock):
    token = token_of(bobs_invitation)
    first = answer(functions, "accept", token)
    clock.advance(minutes=5)
    second = answer(functions, "accept", token)
    assert second.status == 200
    assert second.body == first.body
    assert [m for m in members_of(functions) if m == BOB_SUB] == [BOB_SUB]
    assert workspace_of(functions)["memberCount"] == 9
    assert kinds(dynamodb).count("MemberJoined") == 1
    assert kinds(dynamodb).count("InvitationAccepted") == 1


def test_an_accepted_link_is_used_up_for_anyone_else(functions, bobs_invitation):
    token = token_of(bobs_invitation)
    assert answer(functions, "accept", token).status == 200
    other = answer(functions, "accept", token, who=CAROL)
    assert other.status == 410
    assert other.code == "INVITATION_ALREADY_USED"


def test_the_email_case_of_the_token_does_not_matter(functions, bobs_invitation):
    shouting = user(BOB_SUB, "BOB@EXAMPLE.COM", "Bob")
    assert answer(functions, "accept", token_of(bobs_invitation), who=shouting).status == 200


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (CAROL, "EMAIL_MISMATCH"),
        ({**BOB, "email_verified": False}, "EMAIL_NOT_VERIFIED"),
        ({"sub": BOB_SUB, "email_verified": True}, "EMAIL_NOT_VERIFIED"),
    ],
    ids=["other-email", "unverified", "no-email"],
)
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_only_the_invited_verified_address_may_answer(
    functions, bobs_invitation, dynamodb, who, code, action
):
    reply = answer(functions, action, token_of(bobs_invitation), who=who)
    assert reply.status == 403
    assert reply.code == code
    assert listed(functions) == {bobs_invitation.body["invitationId"]: "pending"}
    assert set(members_of(functions)).isdisjoint({BOB_SUB, "carol"})
    # The rightful invitee still can.
    assert answer(functions, "accept", token_of(bobs_invitation)).status == 200


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_an_expired_link_is_410(functions, bobs_invitation, clock, action):
    clock.advance(days=8)
    reply = answer(functions, action, token_of(bobs_invitation))
    assert reply.status == 410
    assert reply.code == "INVITATION_EXPIRED"
    assert BOB_SUB not in members_of(functions)


def test_a_link_is_valid_until_just_before_its_expiry(functions, bobs_invitation, clock):
    clock.advance(days=7, seconds=-1)
    assert answer(functions, "accept", token_of(bobs_invitation)).status == 200


def test_an_expired_link_says_so_after_the_expiry_job_too(functions, bobs_invitation, clock):
    clock.advance(days=8)
    assert run_expiry(clock)["expired"] == 1
    reply = answer(functions, "accept", token_of(bobs_invitation))
    assert reply.status == 410
    assert reply.code == "INVITATION_EXPIRED"


@pytest.mark.parametrize(
    "token",
    ["garbage", "x" * 43, "sample-token-replace-with-the-one-from-the-mail-0123456789ab", ""],
)
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_a_link_never_issued_is_404_or_422(functions, bobs_invitation, token, action):
    reply = answer(functions, action, token)
    if token:
        assert reply.status == 404
        assert reply.code == "INVITATION_NOT_FOUND"
    else:
        assert reply.status == 422
    assert listed(functions) == {bobs_invitation.body["invitationId"]: "pending"}


def test_accepting_while_already_a_member_is_409(functions, team):
    # dev is a member under dev@example.com; an invitation for another of their addresses
    reply = invite(functions, "dev.other@example.com")
    dev_other = user("dev", "dev.other@example.com")
    accept = answer(functions, "accept", token_of(reply), who=dev_other)
    assert accept.status == 409
    assert accept.code == "ALREADY_A_MEMBER"
    assert members_of(functions)["dev"]["role"] == "developer"
    assert listed(functions) == {reply.body["invitationId"]: "pending"}


def test_a_removed_member_can_be_invited_and_accept_again(functions, bobs_invitation, dynamodb):
    first_token = token_of(bobs_invitation)
    assert answer(functions, "accept", first_token).status == 200
    removed = functions.call(
        "MembershipFunction",
        sample_event("membership/remove-member.json", path={"userId": BOB_SUB}),
    )
    assert removed.status == 204
    assert BOB_SUB not in members_of(functions)
    # The old link does not bring them back.
    old = answer(functions, "accept", first_token)
    assert old.status == 410
    assert BOB_SUB not in members_of(functions)
    again = invite(functions, "bob@example.com", "viewer")
    assert again.status == 201
    accepted = answer(functions, "accept", token_of(again))
    assert accepted.status == 200
    assert accepted.body["member"]["role"] == "viewer"
    assert members_of(functions)[BOB_SUB]["role"] == "viewer"
    assert workspace_of(functions)["memberCount"] == 9
    assert kinds(dynamodb).count("MemberJoined") == 2


def test_a_member_who_left_can_be_invited_again(functions, bobs_invitation):
    assert answer(functions, "accept", token_of(bobs_invitation)).status == 200
    left = functions.call(
        "MembershipFunction", sample_event("membership/leave-workspace.json", caller=BOB)
    )
    assert left.status == 204
    again = invite(functions, "bob@example.com")
    assert again.status == 201
    assert answer(functions, "accept", token_of(again)).status == 200


def test_a_link_into_a_deleted_workspace_is_410(functions, bobs_invitation):
    deleted = functions.call(
        "WorkspacesFunction",
        sample_event("workspaces/delete-workspace.json"),
    )
    assert deleted.status == 204, deleted.body
    reply = answer(functions, "accept", token_of(bobs_invitation))
    assert reply.status == 410


def test_the_expiry_job_survives_invitations_of_deleted_workspaces(functions, team, clock):
    other = new_workspace(functions, user("zed"), "Zed Co")
    doomed = invite(functions, "bob@example.com")
    assert doomed.status == 201
    kept = invite(functions, "carol@example.com", who=user("zed"), workspace=other)
    deleted = functions.call("WorkspacesFunction", sample_event("workspaces/delete-workspace.json"))
    assert deleted.status == 204
    clock.advance(days=8)
    run_expiry(clock)
    zed_list = sample_event(
        "invitations/list-invitations.json",
        caller=user("zed"),
        query={"status": "expired"},
        path={"workspaceId": other},
    )
    expired = functions.call(FN, zed_list).body["items"]
    assert [i["invitationId"] for i in expired] == [kept.body["invitationId"]]


# ---- decline ---------------------------------------------------------------------------


def test_decline_closes_the_invitation_and_frees_the_address(functions, bobs_invitation, dynamodb):
    token = token_of(bobs_invitation)
    reply = answer(functions, "decline", token)
    assert reply.status == 204
    assert reply.body is None
    assert listed(functions) == {bobs_invitation.body["invitationId"]: "declined"}
    event = outbox_events(dynamodb, TABLE)[-1]
    assert event["detailType"] == "InvitationDeclined"
    assert event["data"]["invitationId"] == bobs_invitation.body["invitationId"]
    assert BOB_SUB not in members_of(functions)
    for action in ("accept", "decline"):
        after = answer(functions, action, token)
        assert after.status == 410
        assert after.code == "INVITATION_DECLINED"
    assert mine(functions).body["items"] == []
    fresh = invite(functions, "bob@example.com")
    assert fresh.status == 201
    assert answer(functions, "accept", token_of(fresh)).status == 200


def test_an_accepted_invitation_cannot_be_declined(functions, bobs_invitation):
    token = token_of(bobs_invitation)
    assert answer(functions, "accept", token).status == 200
    reply = answer(functions, "decline", token)
    assert reply.status == 410
    assert reply.code == "INVITATION_ALREADY_USED"
    assert BOB_SUB in members_of(functions)


# ---- the caller's own invitations --------------------------------------------------------


def test_my_invitations_lists_pending_ones_across_workspaces(functions, team, clock):
    other = new_workspace(functions, user("zed", "zed@example.com"), "Zed Co")
    clock.advance(days=5)
    here = invite(functions, "Bob@example.com", "viewer")
    there = invite(functions, "bob@example.com", "member", who=user("zed"), workspace=other)
    assert invite(functions, "carol@example.com").status == 201
    reply = mine(functions)
    assert reply.status == 200
    by_id = {i["invitationId"]: i for i in reply.body["items"]}
    assert set(by_id) == {here.body["invitationId"], there.body["invitationId"]}
    assert by_id[here.body["invitationId"]]["workspaceId"] == SAMPLE_WORKSPACE
    assert by_id[here.body["invitationId"]]["workspaceName"] == "Acme Voice"
    assert by_id[there.body["invitationId"]]["workspaceId"] == other
    assert by_id[there.body["invitationId"]]["workspaceName"] == "Zed Co"
    assert all(i["status"] == "pending" for i in by_id.values())
    assert all("acceptUrl" not in i for i in by_id.values())
    assert token_of(here) not in json.dumps(reply.body)
    # Accepted ones drop out.
    assert answer(functions, "accept", token_of(here)).status == 200
    left = mine(functions).body["items"]
    assert [i["invitationId"] for i in left] == [there.body["invitationId"]]
    # Carol sees only hers.
    assert len(mine(functions, who=CAROL).body["items"]) == 1


def test_my_invitations_leaves_out_expired_ones(functions, team, clock):
    other = new_workspace(functions, user("zed"), "Zed Co")
    old = invite(functions, "bob@example.com")
    clock.advance(days=5)
    recent = invite(functions, "bob@example.com", who=user("zed"), workspace=other)
    clock.advance(days=3)  # the first is past its expiry; no expiry job has run
    ids = [i["invitationId"] for i in mine(functions).body["items"]]
    assert ids == [recent.body["invitationId"]]
    assert old.body["invitationId"] not in ids
    clock.advance(days=5)
    assert mine(functions).body["items"] == []


@pytest.mark.parametrize(
    "who",
    [{**BOB, "email_verified": False}, {"sub": BOB_SUB, "email_verified": True}],
    ids=["unverified", "no-email"],
)
def test_my_invitations_needs_a_verified_email(functions, team, who):
    invite(functions, "bob@example.com")
    reply = mine(functions, who=who)
    assert reply.status == 403
    assert reply.code == "EMAIL_NOT_VERIFIED"


def test_my_invitations_leaves_out_deleted_workspaces(functions, team):
    assert invite(functions, "bob@example.com").status == 201
    deleted = functions.call(
        "WorkspacesFunction",
        sample_event("workspaces/delete-workspace.json"),
    )
    assert deleted.status == 204
    assert mine(functions).body["items"] == []


# ---- bulk ------------------------------------------------------------------------------


def test_bulk_creates_or_refuses_each_one_in_order(functions, team, dynamodb):
    reply = bulk(
        functions,
        [
            {"email": "carol@example.com", "role": "member"},
            {"email": "Dan@Example.com", "role": "viewer", "sendEmail": False},
            {"email": "eve@example.com", "role": "owner"},
            {"email": "dev@example.com", "role": "member"},
            {"email": "CAROL@example.com", "role": "viewer"},
            {"email": "fay@example.com", "role": "wizard"},
            {"email": "gus@example.com", "role": "member", "sendEmail": False},
        ],
    )
    assert reply.status == 200
    results = reply.body["results"]
    assert [(r["email"], r["status"], r.get("code")) for r in results] == [
        ("carol@example.com", "created", None),
        ("dan@example.com", "created", None),
        ("eve@example.com", "refused", "OWNER_IMMUTABLE"),
        ("dev@example.com", "refused", "ALREADY_A_MEMBER"),
        ("carol@example.com", "refused", "INVITATION_PENDING"),
        ("fay@example.com", "refused", "UNKNOWN_ROLE"),
        ("gus@example.com", "created", None),
    ]
    created = [r for r in results if r["status"] == "created"]
    assert all(r["invitationId"].startswith("inv_") for r in created)
    assert all("invitationId" not in r for r in results if r["status"] == "refused")
    assert "acceptUrl" not in results[0]
    assert results[1]["acceptUrl"].startswith("http://127.0.0.1:3000/accept?token=")
    assert listed(functions) == {r["invitationId"]: "pending" for r in created}
    assert kinds(dynamodb).count("InvitationCreated") == 3
    # The links it returned work, and no event carries them.
    dumped = json.dumps(outbox_events(dynamodb, TABLE))
    for result in (results[1], results[6]):
        assert token_of(result) not in dumped
    dan = user("dan", "dan@example.com")
    accepted = answer(functions, "accept", token_of(results[1]), who=dan)
    assert accepted.status == 200
    assert accepted.body["member"]["role"] == "viewer"


def test_bulk_refuses_a_malformed_item_on_its_own(functions, team):
    reply = bulk(
        functions,
        [
            {"email": "not-an-email", "role": "member"},
            {"email": "hal@example.com", "role": "member", "isAdmin": True},
            {"role": "member"},
            {"email": "ivy@example.com", "role": "member"},
        ],
    )
    assert reply.status == 200
    results = reply.body["results"]
    assert [(r["email"], r["status"], r.get("code")) for r in results] == [
        ("not-an-email", "refused", "VALIDATION_FAILED"),
        ("hal@example.com", "refused", "VALIDATION_FAILED"),
        ("", "refused", "VALIDATION_FAILED"),
        ("ivy@example.com", "created", None),
    ]
    assert "email" in results[0]["detail"]
    assert "isAdmin" in results[1]["detail"]


def test_bulk_refuses_each_malformed_address_on_its_own_and_writes_nothing_for_it(
    functions, team, dynamodb
):
    items = [{"email": address, "role": "viewer"} for address in MALFORMED_ADDRESSES]
    events = outbox_events(dynamodb, TABLE)
    reply = bulk(functions, [*items, {"email": "ivy@example.com", "role": "viewer"}])
    assert reply.status == 200
    results = reply.body["results"]
    assert [(r["email"], r["status"], r.get("code")) for r in results] == [
        *((address, "refused", "VALIDATION_FAILED") for address in MALFORMED_ADDRESSES),
        ("ivy@example.com", "created", None),
    ]
    assert all(r["detail"] == "Invalid fields: email" for r in results[:-1])
    assert listed(functions) == {results[-1]["invitationId"]: "pending"}
    added = [e for e in outbox_events(dynamodb, TABLE) if e not in events]
    assert [(e["detailType"], e["data"]["email"]) for e in added] == [
        ("InvitationCreated", "ivy@example.com")
    ]


def test_bulk_invites_well_formed_addresses_as_before(functions, team):
    items = [{"email": sent, "role": "viewer"} for sent, _ in WELL_FORMED_ADDRESSES]
    reply = bulk(functions, items)
    assert reply.status == 200
    assert [(r["email"], r["status"]) for r in reply.body["results"]] == [
        (kept, "created") for _, kept in WELL_FORMED_ADDRESSES
    ]


def test_bulk_refuses_what_the_inviter_may_not_grant(functions, team):
    reply = bulk(
        functions,
        [
            {"email": "a@example.com", "role": "manager"},
            {"email": "b@example.com", "role": "admin"},
            {
                "email": "c@example.com",
                "role": "member",
                "permissions": {"canViewBillableMinutes": True},
            },
        ],
        who=as_caller("ada"),
    )
    assert reply.status == 200
    assert [(r["status"], r.get("code")) for r in reply.body["results"]] == [
        ("created", None),
        ("refused", "ROLE_RANK_TOO_LOW"),
        ("refused", "GRANT_EXCEEDS_OWN"),
    ]


def test_bulk_needs_the_invite_permission(functions, team):
    reply = bulk(functions, [{"email": "a@example.com", "role": "viewer"}], who=as_caller("mia"))
    assert reply.status == 403
    assert reply.code == "PERMISSION_DENIED"
    assert listed(functions) == {}


# ---- the whole life of a link, as the event stream sees it --------------------------------


def test_no_event_ever_carries_a_link_or_its_hash(functions, team, dynamodb, clock):
    tokens = []
    first = invite(functions, "bob@example.com")
    tokens.append(token_of(first))
    resent = manage(functions, "resend", first.body["invitationId"])
    tokens.append(token_of(resent))
    assert answer(functions, "accept", tokens[-1]).status == 200
    declined = invite(functions, "carol@example.com")
    tokens.append(token_of(declined))
    assert answer(functions, "decline", tokens[-1], who=CAROL).status == 204
    revoked = invite(functions, "dan@example.com")
    tokens.append(token_of(revoked))
    assert manage(functions, "revoke", revoked.body["invitationId"]).status == 204
    expired = invite(functions, "eve@example.com")
    tokens.append(token_of(expired))
    clock.advance(days=8)
    assert run_expiry(clock)["expired"] == 1
    events = outbox_events(dynamodb, TABLE)
    assert {e["detailType"] for e in events} >= {
        "InvitationCreated",
        "InvitationResent",
        "InvitationAccepted",
        "MemberJoined",
        "InvitationDeclined",
        "InvitationRevoked",
        "InvitationExpired",
    }
    dumped = json.dumps(events)
    for token in tokens:
        assert token not in dumped
        assert digest(token) not in dumped
    assert "tokenHash" not in dumped
    assert "acceptUrl" not in dumped


# ---- contract: Idempotency-Key on writes that create something ---------------------------


def test_a_retried_invitation_with_the_same_idempotency_key_returns_the_first(functions, team):
    body = {"email": "carol@example.com", "role": "member", "sendEmail": True}
    headers = {"idempotency-key": "invite-carol-1"}
    event = sample_event("invitations/create-invitation.json", body=body, headers=headers)
    first = functions.call(FN, event)
    assert first.status == 201
    retry = functions.call(
        FN, sample_event("invitations/create-invitation.json", body=body, headers=headers)
    )
    assert retry.status == 201
    assert retry.body == first.body


# ---- regressions found in review ------------------------------------------------------------


def test_an_idempotent_retry_is_answered_even_when_its_first_call_filled_the_last_seat(
    functions, workspace
):
    settings = {"settings": {"maxMembers": 2}}
    patched = functions.call(
        "WorkspacesFunction", sample_event("workspaces/update-workspace.json", body=settings)
    )
    assert patched.status == 200
    keyed = {"idempotency-key": "invite-once"}
    body = {"email": "last@example.com", "role": "member"}
    first = functions.call(
        FN, sample_event("invitations/create-invitation.json", body=body, headers=keyed)
    )
    assert first.status == 201, first.body
    again = functions.call(
        FN, sample_event("invitations/create-invitation.json", body=body, headers=keyed)
    )
    assert again.status == 201, again.body
    assert again.body["invitationId"] == first.body["invitationId"]


def test_an_expired_invitation_whose_old_link_is_gone_by_ttl_can_still_be_resent(
    functions, workspace, dynamodb, clock
):
    created = invite(functions, "ttl@example.com")
    old_token = token_of(created)
    clock.advance(days=8)
    run_expiry(clock)
    # What DynamoDB's TTL does a month later: the old link's item disappears.
    dynamodb.delete_item(
        TableName=TABLE,
        Key={"PK": {"S": f"INVTOKEN#{digest(old_token)}"}, "SK": {"S": "INVTOKEN"}},
    )
    resent = manage(functions, "resend", created.body["invitationId"])
    assert resent.status == 200, resent.body
    new_token = token_of(resent)
    ttl_user = user("ttl", "ttl@example.com")
    assert answer(functions, "accept", old_token, who=ttl_user).status == 410
    assert answer(functions, "accept", new_token, who=ttl_user).status == 200


def test_the_seat_limit_is_the_one_in_force_at_the_write(functions, workspace, dynamodb):
    """maxMembers is lowered between the invitation's read and its write: refused."""

    def lower_the_limit() -> None:
        dynamodb.update_item(
            TableName=TABLE,
            Key={"PK": {"S": f"WS#{SAMPLE_WORKSPACE}"}, "SK": {"S": "META"}},
            UpdateExpression="SET settings = :s",
            ExpressionAttributeValues={":s": {"M": {"maxMembers": {"N": "1"}}}},
        )

    with first_goes_second(wiring.dynamodb_client(), "TransactWriteItems", lower_the_limit):
        reply = invite(functions, "squeezed@example.com")
    assert reply.status == 409
    assert reply.code == "SEAT_LIMIT_REACHED"
    meta = item(dynamodb, TABLE, f"WS#{SAMPLE_WORKSPACE}", "META")
    assert meta["seatsUsed"] == 1
