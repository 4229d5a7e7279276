"""What a member says about themself (issue 20): their availability for escalations
(`PUT .../members/me/availability`, seed 002) and their picture (`avatarUrl` on the
profile, seed 004), through the membership function's real entry point, on moto."""

from __future__ import annotations

import json

import pytest

from tests.support import (
    EVENTS,
    OWNER_SUB,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    Team,
    call,
    item,
    outbox_events,
)
from tests.support.audit import chain, deliver

FN = "MembershipFunction"
TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"
AVAILABILITY = "membership/set-my-availability.json"
UPDATE = "membership/update-member.json"
AVATAR = "https://cdn.example.com/avatars/sam.png"

# One member of each role that matters here: user id -> role.
PEOPLE = {"ada": "admin", "sam": "support_agent", "max": "member", "vic": "viewer"}


@pytest.fixture
def team(functions, store, clock, ids, worlds) -> None:
    def build() -> None:
        team = Team.create(functions, store, clock)
        for user_id, role in PEOPLE.items():
            team.add(user_id, role, name=user_id.title())

    worlds.once("self", clock, ids, build)


def set_availability(functions, who: str, status: object) -> object:
    return call(functions, FN, AVAILABILITY, who=who, body={"status": status})


def member(functions, user_id: str, who: str = "ada") -> dict:
    reply = call(functions, FN, "membership/get-member.json", who=who, path={"userId": user_id})
    assert reply.status == 200, reply.body
    return reply.body


def listed(functions) -> dict[str, dict]:
    """The team list, every member by user id."""
    reply = call(functions, FN, "membership/list-members.json", query={"limit": "50"})
    assert reply.status == 200, reply.body
    return {m["userId"]: m for m in reply.body["items"]}


def set_picture(functions, who: str, url: str | None, user_id: str = "me") -> object:
    return call(functions, FN, UPDATE, who=who, path={"userId": user_id}, body={"avatarUrl": url})


def of_type(dynamodb, detail_type: str) -> list[dict]:
    return [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == detail_type]


# ---- availability ------------------------------------------------------------------------


def test_a_member_is_offline_until_they_say_otherwise(functions, team):
    assert member(functions, "sam")["availability"] == "offline"
    assert {m["availability"] for m in listed(functions).values()} == {"offline"}


def test_a_support_agent_becomes_available_and_it_is_announced(functions, team, dynamodb):
    reply = set_availability(functions, "sam", "available")
    assert reply.status == 200, reply.body
    assert reply.body["userId"] == "sam"
    assert reply.body["availability"] == "available"
    assert member(functions, "sam")["availability"] == "available"
    assert listed(functions)["sam"]["availability"] == "available"
    [event] = of_type(dynamodb, "MemberAvailabilityChanged")
    assert event["actor"] == {"type": "user", "id": "sam"}
    assert event["data"] == {
        "userId": "sam",
        "availability": "available",
        "previousAvailability": "offline",
    }


def test_saying_the_same_again_changes_and_announces_nothing(functions, team, dynamodb):
    assert set_availability(functions, "sam", "busy").status == 200
    before = item(dynamodb, TABLE, WS_PK, "MEMBER#sam")
    again = set_availability(functions, "sam", "busy")
    assert again.status == 200
    assert again.body["availability"] == "busy"
    assert item(dynamodb, TABLE, WS_PK, "MEMBER#sam") == before
    assert len(of_type(dynamodb, "MemberAvailabilityChanged")) == 1


def test_going_offline_again_leaves_the_item_as_a_member_who_never_said(functions, team, dynamodb):
    assert set_availability(functions, "max", "available").status == 200
    assert item(dynamodb, TABLE, WS_PK, "MEMBER#max")["availability"] == "available"
    reply = set_availability(functions, "max", "offline")
    assert reply.body["availability"] == "offline"
    assert "availability" not in item(dynamodb, TABLE, WS_PK, "MEMBER#max")
    changes = [e["data"] for e in of_type(dynamodb, "MemberAvailabilityChanged")]
    assert changes[-1] == {
        "userId": "max",
        "availability": "offline",
        "previousAvailability": "available",
    }


@pytest.mark.parametrize("who", [OWNER_SUB, *PEOPLE])
def test_every_active_member_sets_their_own_without_a_permission(functions, team, who):
    """No permission asked: the escalation queue combines it with escalations:handle."""
    reply = set_availability(functions, who, "busy")
    assert reply.status == 200, reply.body
    assert reply.body["userId"] == who


def test_an_administrators_edit_keeps_the_members_availability(functions, team):
    assert set_availability(functions, "sam", "available").status == 200
    edited = call(functions, FN, UPDATE, who="ada", path={"userId": "sam"}, body={"jobTitle": "x"})
    assert edited.status == 200, edited.body
    assert edited.body["availability"] == "available"


def test_a_suspended_member_cannot_say_they_are_available(functions, team, dynamodb):
    suspended = call(functions, FN, "membership/suspend-member.json", path={"userId": "sam"})
    assert suspended.status == 200, suspended.body
    reply = set_availability(functions, "sam", "available")
    assert (reply.status, reply.code) == (404, "WORKSPACE_NOT_FOUND")
    assert of_type(dynamodb, "MemberAvailabilityChanged") == []


@pytest.mark.parametrize(
    "body",
    [{"status": "away"}, {"status": None}, {}, {"status": "busy", "userId": "ada"}],
    ids=["unknown", "null", "missing", "someone-else"],
)
def test_anything_but_the_three_states_is_422_and_changes_nothing(functions, team, body, dynamodb):
    before = item(dynamodb, TABLE, WS_PK, "MEMBER#sam")
    reply = call(functions, FN, AVAILABILITY, who="sam", body=body)
    assert reply.status == 422, reply.body
    assert item(dynamodb, TABLE, WS_PK, "MEMBER#sam") == before


def test_the_change_lands_on_the_audit_chain_with_its_states(functions, team, dynamodb):
    sample = json.loads((EVENTS / "bus" / "MemberAvailabilityChanged.json").read_text())
    assert deliver(sample) == {"batchItemFailures": []}
    [record] = [r for r in chain(dynamodb) if r["action"] == "MemberAvailabilityChanged"]
    assert record["target"] == {"type": "member", "id": sample["detail"]["data"]["userId"]}
    assert record["summary"] == sample["detail"]["data"]


# ---- the picture ---------------------------------------------------------------------------


def test_a_member_sets_their_picture_and_the_list_shows_it(functions, team, dynamodb):
    reply = set_picture(functions, "sam", AVATAR)
    assert reply.status == 200, reply.body
    assert reply.body["avatarUrl"] == AVATAR
    assert listed(functions)["sam"]["avatarUrl"] == AVATAR
    assert of_type(dynamodb, "MemberUpdated")[-1]["data"] == {
        "userId": "sam",
        "changes": {"avatarUrl": AVATAR},
    }
    cleared = set_picture(functions, "sam", None)
    assert cleared.body["avatarUrl"] is None
    assert member(functions, "sam")["avatarUrl"] is None


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.example.com/a.png",
        "javascript:alert(1)",
        "https://cdn.example.com/a b.png",
        "https://cdn.example.com/" + "a" * 2048,
    ],
    ids=["http", "script", "space", "too-long"],
)
def test_a_picture_is_an_https_url_like_a_logo(functions, team, url, dynamodb):
    before = item(dynamodb, TABLE, WS_PK, "MEMBER#sam")
    reply = set_picture(functions, "sam", url)
    assert reply.status == 422, reply.body
    assert item(dynamodb, TABLE, WS_PK, "MEMBER#sam") == before


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("ada", 200, None), ("vic", 403, "PERMISSION_DENIED"), ("max", 403, "PERMISSION_DENIED")],
)
def test_another_members_picture_follows_the_profile_rule(functions, team, who, status, code):
    """As name and job title: one's own always; another's with members:update, below one."""
    reply = set_picture(functions, who, AVATAR, user_id="sam")
    assert (reply.status, reply.code) == (status, code), reply.body
