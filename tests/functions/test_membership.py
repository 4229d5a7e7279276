"""The membership function through its real Powertools entry point, on moto."""

from __future__ import annotations

import pytest

from tests.support import (
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    Team,
    call,
    item,
    outbox_events,
    sample_event,
    seed_member,
    user,
)

FN = "MembershipFunction"
TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"


# One member of every role below owner: role -> (user id, name).
PEOPLE = {
    "admin": ("ada", "Ada Admin"),
    "manager": ("mia", "Mia Manager"),
    "developer": ("dev", "Dev Developer"),
    "billing": ("bill", "Bill Billing"),
    "support_agent": ("sam", "Sam Support"),
    "member": (SAMPLE_TARGET, "Max Member"),
    "viewer": ("vic", "Vic Viewer"),
}


@pytest.fixture
def team(functions, store, clock, ids, worlds) -> dict[str, str]:
    """The sample workspace with one member of every role below owner, a second apart
    (built once per module)."""

    def build() -> dict[str, str]:
        team = Team.create(functions, store, clock)
        for role, (user_id, name) in PEOPLE.items():
            clock.advance(seconds=1)
            team.add(user_id, role, name=name)
        return {role: user_id for role, (user_id, _) in PEOPLE.items()} | {"owner": OWNER_SUB}

    return worlds.once("team", clock, ids, build)


# ---- listing and search ------------------------------------------------------------------


def test_list_returns_every_member_with_toggles_as_they_take_effect(functions, team):
    reply = call(functions, FN, "membership/list-members.json", query={})
    assert reply.status == 200
    by_id = {m["userId"]: m for m in reply.body["items"]}
    assert set(by_id) == set(team.values())
    developer = by_id["dev"]
    assert developer["role"] == "developer"
    assert developer["status"] == "ACTIVE"
    assert developer["permissions"]["canEditAgents"] is True
    assert developer["permissions"]["canViewBillableMinutes"] is False
    assert developer["permissionOverrides"] == {}
    assert developer["agentIds"] is None
    assert set(developer) >= {"userId", "email", "name", "jobTitle", "joinedAt"}


def test_list_paginates_without_gaps_or_repeats(functions, team):
    seen, cursor = [], None
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        reply = call(functions, FN, "membership/list-members.json", query=query)
        assert reply.status == 200
        assert len(reply.body["items"]) <= 3
        seen += [m["userId"] for m in reply.body["items"]]
        cursor = reply.body["nextCursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(team.values())
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("q", "expected"),
    [("m", ["Max Member", "Mia Manager"]), ("MI", ["Mia Manager"]), ("zz", [])],
)
def test_q_is_a_case_insensitive_name_prefix(functions, team, q, expected):
    reply = call(functions, FN, "membership/list-members.json", query={"q": q})
    assert reply.status == 200
    assert [m["name"] for m in reply.body["items"]] == expected


def test_role_and_status_filters(functions, team, store, clock):
    seed_member(store, SAMPLE_WORKSPACE, "sus", "viewer", clock.now(), status="SUSPENDED")
    viewers = call(functions, FN, "membership/list-members.json", query={"role": "viewer"})
    assert {m["userId"] for m in viewers.body["items"]} == {"vic", "sus"}
    active = call(
        functions,
        FN,
        "membership/list-members.json",
        query={"role": "viewer", "status": "ACTIVE"},
    )
    assert [m["userId"] for m in active.body["items"]] == ["vic"]
    suspended = call(functions, FN, "membership/list-members.json", query={"status": "SUSPENDED"})
    assert [m["userId"] for m in suspended.body["items"]] == ["sus"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "REMOVED"}, "status"),  # DELETED lists the removed (issue 16)
        ({"role": "Robert'); DROP"}, "role"),
        ({"q": "x" * 101}, "q"),
        ({"limit": "500"}, "limit"),
    ],
)
def test_bad_filters_are_422(functions, team, query, field):
    reply = call(functions, FN, "membership/list-members.json", query=query)
    assert reply.status == 422
    assert reply.body["errors"][0]["field"] == field


def test_a_cursor_from_another_workspace_is_refused(functions, team):
    other = functions.call(
        "WorkspacesFunction",
        sample_event(
            "workspaces/create-workspace.json",
            caller=user("zed"),
            body={"name": "Other", "type": "simple"},
            headers={"idempotency-key": "zed-1"},
        ),
    ).body["workspaceId"]
    page = call(functions, FN, "membership/list-members.json", query={"limit": "2"})
    cursor = page.body["nextCursor"]
    stolen = functions.call(
        FN,
        sample_event(
            "membership/list-members.json",
            caller=user("zed"),
            path={"workspaceId": other},
            query={"cursor": cursor},
        ),
    )
    assert stolen.status == 422
    assert stolen.code == "INVALID_CURSOR"


# ---- tenant isolation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "membership/list-members.json",
        "membership/get-member.json",
        "membership/update-member.json",
        "membership/suspend-member.json",
        "membership/reactivate-member.json",
        "membership/remove-member.json",
        "membership/my-permissions.json",
        "membership/authorize.json",
    ],
)
def test_every_route_is_404_for_someone_from_another_workspace(functions, team, name, dynamodb):
    before = item(dynamodb, TABLE, WS_PK, f"MEMBER#{SAMPLE_TARGET}")
    reply = call(functions, FN, name, who="outsider")
    assert reply.status == 404
    assert reply.code == "WORKSPACE_NOT_FOUND"
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{SAMPLE_TARGET}") == before


# ---- reading -------------------------------------------------------------------------------


def test_get_member_and_me(functions, team):
    reply = call(functions, FN, "membership/get-member.json")
    assert reply.status == 200
    assert reply.body["userId"] == SAMPLE_TARGET
    me = call(functions, FN, "membership/get-member.json", who="vic", path={"userId": "me"})
    assert me.body["userId"] == "vic"
    assert me.body["role"] == "viewer"


def test_get_unknown_member_is_404(functions, team):
    reply = call(functions, FN, "membership/get-member.json", path={"userId": "nobody"})
    assert reply.status == 404
    assert reply.code == "MEMBER_NOT_FOUND"


def test_a_user_id_of_the_wrong_shape_is_422(functions, team):
    reply = call(functions, FN, "membership/get-member.json", path={"userId": "-leading-dash"})
    assert reply.status == 422


# ---- updating ------------------------------------------------------------------------------


def test_owner_updates_profile_toggles_and_agents_and_the_event_says_what(
    functions, team, dynamodb
):
    reply = call(functions, FN, "membership/update-member.json")
    assert reply.status == 200
    assert reply.body["jobTitle"] == "Support lead"
    assert reply.body["permissions"]["canViewRecordings"] is True
    assert reply.body["permissionOverrides"] == {"canViewRecordings": True}
    assert reply.body["agentIds"] == ["agent-support-1", "agent-support-2"]
    event = outbox_events(dynamodb, TABLE)[-1]
    assert event["detailType"] == "MemberUpdated"
    assert event["data"]["userId"] == SAMPLE_TARGET
    assert set(event["data"]["changes"]) == {"jobTitle", "permissions", "agentIds"}


def test_a_toggle_set_to_null_follows_the_role_again(functions, team):
    call(functions, FN, "membership/update-member.json")
    body = {"permissions": {"canViewRecordings": None}, "agentIds": None}
    reply = call(functions, FN, "membership/update-member.json", body=body)
    assert reply.status == 200
    assert reply.body["permissionOverrides"] == {}
    assert reply.body["permissions"]["canViewRecordings"] is False
    assert reply.body["agentIds"] is None


def test_a_toggle_can_take_away_what_the_role_gives(functions, team):
    body = {"permissions": {"canEditAgents": False}}
    reply = call(functions, FN, "membership/update-member.json", path={"userId": "dev"}, body=body)
    assert reply.status == 200
    perms = call(functions, FN, "membership/my-permissions.json", who="dev").body["permissions"]
    assert "agents:edit" not in perms
    assert "agents:view" in perms


def test_everyone_may_edit_their_own_name_and_title(functions, team):
    body = {"name": "Victoria", "jobTitle": "Analyst"}
    reply = call(
        functions, FN, "membership/update-member.json", who="vic", path={"userId": "me"}, body=body
    )
    assert reply.status == 200
    assert reply.body["name"] == "Victoria"


@pytest.mark.parametrize(
    ("who", "code"), [("ada", "CANNOT_CHANGE_SELF"), ("vic", "PERMISSION_DENIED")]
)
def test_nobody_grants_themselves_a_toggle(functions, team, who, code):
    body = {"permissions": {"canViewRecordings": True}}
    reply = call(
        functions, FN, "membership/update-member.json", who=who, path={"userId": "me"}, body=body
    )
    assert reply.status == 403
    assert reply.code == code


def test_a_grant_never_exceeds_the_granters_own_permissions(functions, team):
    # Admins do not see billable minutes, so they cannot hand that toggle out.
    body = {"permissions": {"canViewBillableMinutes": True}}
    reply = call(functions, FN, "membership/update-member.json", who="ada", body=body)
    assert reply.status == 403
    assert reply.code == "GRANT_EXCEEDS_OWN"
    by_owner = call(functions, FN, "membership/update-member.json", body=body)
    assert by_owner.status == 200


@pytest.mark.parametrize(
    ("actor", "target", "status", "code"),
    [
        ("ada", SAMPLE_TARGET, 200, None),
        ("ada", "mia", 200, None),
        ("ada", OWNER_SUB, 403, "OWNER_IMMUTABLE"),
        ("mia", SAMPLE_TARGET, 403, "PERMISSION_DENIED"),
        ("vic", SAMPLE_TARGET, 403, "PERMISSION_DENIED"),
    ],
)
def test_editing_someone_else_follows_the_rank_rules(functions, team, actor, target, status, code):
    reply = call(
        functions,
        FN,
        "membership/update-member.json",
        who=actor,
        path={"userId": target},
        body={"jobTitle": "Renamed"},
    )
    assert reply.status == status
    if code:
        assert reply.code == code


def test_admins_cannot_edit_other_admins(functions, team, store, clock):
    seed_member(store, SAMPLE_WORKSPACE, "ada2", "admin", clock.now())
    reply = call(
        functions,
        FN,
        "membership/update-member.json",
        who="ada",
        path={"userId": "ada2"},
        body={"jobTitle": "x"},
    )
    assert reply.status == 403
    assert reply.code == "ROLE_RANK_TOO_LOW"


@pytest.mark.parametrize(
    "body",
    [
        {"role": "owner"},
        {"status": "ACTIVE"},
        {"email": "new@example.com"},
        {"userId": "someone"},
        {"permissions": {"canDeleteWorkspace": True}},
        {"agentIds": ["bad id with spaces"]},
        {"agentIds": [f"a{n}" for n in range(501)]},
    ],
    ids=["role", "status", "email", "userId", "unknown-toggle", "bad-agent-id", "too-many"],
)
def test_update_refuses_mass_assignment_and_bad_values(functions, team, body, dynamodb):
    before = item(dynamodb, TABLE, WS_PK, f"MEMBER#{SAMPLE_TARGET}")
    reply = call(functions, FN, "membership/update-member.json", body=body)
    assert reply.status == 422
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{SAMPLE_TARGET}") == before


def test_an_agent_restricted_admin_assigns_only_their_agents(functions, team, store, clock):
    seed_member(store, SAMPLE_WORKSPACE, "ray", "admin", clock.now(), agent_ids=("a1", "a2"))
    inside = call(
        functions, FN, "membership/update-member.json", who="ray", body={"agentIds": ["a1"]}
    )
    assert inside.status == 200
    outside = call(
        functions, FN, "membership/update-member.json", who="ray", body={"agentIds": ["a1", "a9"]}
    )
    assert outside.status == 403
    assert outside.code == "GRANT_EXCEEDS_OWN"
    everything = call(
        functions, FN, "membership/update-member.json", who="ray", body={"agentIds": None}
    )
    assert everything.status == 403


# ---- suspend, reactivate ---------------------------------------------------------------------


def test_a_suspended_member_has_no_access_until_reactivated(functions, team, dynamodb):
    suspended = call(functions, FN, "membership/suspend-member.json", who="ada")
    assert suspended.status == 200
    assert suspended.body["status"] == "SUSPENDED"
    locked_out = call(functions, FN, "membership/my-permissions.json", who=SAMPLE_TARGET)
    assert locked_out.status == 404
    back = call(functions, FN, "membership/reactivate-member.json", who="ada")
    assert back.body["status"] == "ACTIVE"
    assert call(functions, FN, "membership/my-permissions.json", who=SAMPLE_TARGET).status == 200
    kinds = [e["detailType"] for e in outbox_events(dynamodb, TABLE)]
    assert kinds[-2:] == ["MemberSuspended", "MemberReactivated"]


def test_suspending_twice_changes_nothing_and_announces_nothing(functions, team, dynamodb):
    call(functions, FN, "membership/suspend-member.json")
    count = len(outbox_events(dynamodb, TABLE))
    again = call(functions, FN, "membership/suspend-member.json")
    assert again.status == 200
    assert len(outbox_events(dynamodb, TABLE)) == count


@pytest.mark.parametrize(
    ("actor", "target", "code"),
    [
        ("ada", OWNER_SUB, "OWNER_IMMUTABLE"),
        (OWNER_SUB, OWNER_SUB, "CANNOT_CHANGE_SELF"),
        ("ada", "ada", "CANNOT_CHANGE_SELF"),
        ("mia", "vic", "PERMISSION_DENIED"),
    ],
)
def test_suspension_rules(functions, team, actor, target, code):
    reply = call(
        functions, FN, "membership/suspend-member.json", who=actor, path={"userId": target}
    )
    assert reply.status == 403
    assert reply.code == code


# ---- remove, leave -------------------------------------------------------------------------


def test_removal_takes_access_away_at_once(functions, team, dynamodb):
    reply = call(functions, FN, "membership/remove-member.json", who="ada")
    assert reply.status == 204
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{SAMPLE_TARGET}") is None
    assert call(functions, FN, "membership/my-permissions.json", who=SAMPLE_TARGET).status == 404
    workspace = item(dynamodb, TABLE, WS_PK, "META")
    assert workspace["memberCount"] == len(team) - 1
    event = outbox_events(dynamodb, TABLE)[-1]
    assert event["detailType"] == "MemberRemoved"
    assert event["actor"]["id"] == "ada"
    assert event["data"]["userId"] == SAMPLE_TARGET


def test_a_removed_member_can_be_added_again_later(functions, team, store, clock):
    call(functions, FN, "membership/remove-member.json")
    seed_member(store, SAMPLE_WORKSPACE, SAMPLE_TARGET, "viewer", clock.now())
    assert call(functions, FN, "membership/get-member.json").body["role"] == "viewer"


@pytest.mark.parametrize(
    ("actor", "target", "code"),
    [
        ("ada", OWNER_SUB, "OWNER_IMMUTABLE"),
        ("mia", "vic", "PERMISSION_DENIED"),
        ("vic", SAMPLE_TARGET, "PERMISSION_DENIED"),
    ],
)
def test_removal_rules(functions, team, actor, target, code):
    reply = call(functions, FN, "membership/remove-member.json", who=actor, path={"userId": target})
    assert reply.status == 403
    assert reply.code == code


def test_anyone_but_the_owner_may_leave(functions, team, dynamodb):
    left = call(functions, FN, "membership/leave-workspace.json", who="vic")
    assert left.status == 204
    assert outbox_events(dynamodb, TABLE)[-1]["detailType"] == "MemberLeft"
    owner = call(functions, FN, "membership/leave-workspace.json")
    assert owner.status == 403
    assert owner.code == "OWNER_CANNOT_LEAVE"


# ---- permissions and authorize ---------------------------------------------------------------


def test_my_permissions_follow_role_and_toggles(functions, team):
    viewer = call(functions, FN, "membership/my-permissions.json", who="vic")
    assert viewer.status == 200
    assert viewer.body["role"] == "viewer"
    assert "calls:view" in viewer.body["permissions"]
    assert "agents:edit" not in viewer.body["permissions"]
    call(
        functions,
        FN,
        "membership/update-member.json",
        path={"userId": "vic"},
        body={"permissions": {"canEditAgents": True}},
    )
    after = call(functions, FN, "membership/my-permissions.json", who="vic")
    assert "agents:edit" in after.body["permissions"]


def test_a_role_change_takes_effect_on_the_next_request(functions, team, dynamodb):
    """Rights come from the membership item, not the token."""
    assert call(functions, FN, "membership/authorize.json", who="vic").body["allowed"] is False
    dynamodb.update_item(
        TableName=TABLE,
        Key={"PK": {"S": WS_PK}, "SK": {"S": "MEMBER#vic"}},
        UpdateExpression="SET #r = :r",
        ExpressionAttributeNames={"#r": "role"},
        ExpressionAttributeValues={":r": {"S": "developer"}},
    )
    assert call(functions, FN, "membership/authorize.json", who="vic").body["allowed"] is True


@pytest.mark.parametrize(
    ("body", "allowed"),
    [
        ({"permission": "agents:edit", "resourceId": "agent-support-1"}, True),
        ({"permission": "agents:edit", "resourceId": "agent-other"}, False),
        ({"permission": "agents:edit"}, True),
        ({"permission": "members:invite"}, False),
        ({"permission": "dashboard:view", "resourceId": "agent-other"}, True),
    ],
)
def test_authorize_honours_the_agent_assignment(functions, team, body, allowed):
    call(
        functions,
        FN,
        "membership/update-member.json",
        path={"userId": "dev"},
        body={"agentIds": ["agent-support-1"]},
    )
    reply = call(functions, FN, "membership/authorize.json", who="dev", body=body)
    assert reply.status == 200
    assert reply.body["allowed"] is allowed
    assert reply.body["reason"]


def test_authorize_names_unknown_permissions(functions, team):
    reply = call(functions, FN, "membership/authorize.json", body={"permission": "agents:fly"})
    assert reply.status == 422
    assert reply.code == "UNKNOWN_PERMISSION"
