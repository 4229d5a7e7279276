"""Custom roles through the real handlers on moto: defining them under the rank rules,
holding them (members and pending invitations), and deleting them only once nobody does,
including when a delete, a redefinition and an assignment race each other."""

from __future__ import annotations

from typing import Any

import pytest

from local_runtime.lambdas import LambdaContext, load_module
from teamspace import wiring
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    as_caller,
    invite,
    item,
    outbox_events,
    sample_event,
    token_of,
    user,
)

FN = "RolesFunction"
TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"
QA = {
    "key": "qa_reviewer",
    "name": "QA reviewer",
    "rank": 25,
    "permissions": ["workspace:view", "members:view", "calls:view", "recordings:view"],
}
# A custom role that may itself manage roles: its holders define roles below rank 50.
LEAD = {
    "key": "team_lead",
    "name": "Team lead",
    "rank": 50,
    "permissions": ["workspace:view", "members:view", "roles:manage", "members:change_role"],
}


@pytest.fixture
def team(ranked_team) -> dict[str, str]:
    return ranked_team


def create(functions, body, who=None):
    event = sample_event("roles/create-role.json", caller=as_caller(who), body=body)
    return functions.call(FN, event)


def update(functions, key, body, who=None):
    event = sample_event(
        "roles/update-role.json", caller=as_caller(who), body=body, path={"roleKey": key}
    )
    return functions.call(FN, event)


def delete(functions, key, who=None):
    event = sample_event("roles/delete-role.json", caller=as_caller(who), path={"roleKey": key})
    return functions.call(FN, event)


def assign(functions, role, target=SAMPLE_TARGET, who=None):
    event = sample_event(
        "roles/change-member-role.json",
        caller=as_caller(who),
        body={"role": role},
        path={"userId": target},
    )
    return functions.call(FN, event)


def catalogue(functions, who="vic") -> dict[str, dict[str, Any]]:
    reply = functions.call(FN, sample_event("roles/list-roles.json", caller=user(who)))
    assert reply.status == 200
    return {role["key"]: role for role in reply.body["items"]}


def my_permissions(functions, who) -> dict[str, Any]:
    event = sample_event("membership/my-permissions.json", caller=user(who))
    reply = functions.call("MembershipFunction", event)
    assert reply.status == 200, reply.body
    return reply.body


def holders(dynamodb, key) -> int | None:
    found = item(dynamodb, TABLE, WS_PK, f"ROLE#{key}")
    return None if found is None else found["holders"]


def detail_types(dynamodb) -> list[str]:
    return [e["detailType"] for e in outbox_events(dynamodb, TABLE)]


# ---- defining roles -----------------------------------------------------------------


def test_a_created_role_is_listed_with_the_built_in_ones_and_announced(functions, team, dynamodb):
    reply = create(functions, QA)
    assert reply.status == 201, reply.body
    assert reply.body == {**QA, "builtin": False, "permissions": sorted(QA["permissions"])}
    roles = catalogue(functions)
    assert roles["qa_reviewer"] == reply.body
    ranks = [role["rank"] for role in roles.values()]
    assert ranks == sorted(ranks, reverse=True)  # custom roles take their place by rank
    assert len(roles) == 9
    assert holders(dynamodb, "qa_reviewer") == 0
    event = outbox_events(dynamodb, TABLE)[-1]
    assert event["detailType"] == "RoleCreated"
    assert event["data"] == {**QA, "permissions": sorted(QA["permissions"])}


def test_the_rank_defaults_below_member(functions, team):
    body = {key: value for key, value in QA.items() if key != "rank"}
    assert create(functions, body).body["rank"] == 20


@pytest.fixture
def lead(functions, team, clock, ids, worlds) -> str:
    """Mia holds the custom team_lead role (rank 50, may manage roles); built once per
    module."""

    def build() -> str:
        assert create(functions, LEAD).status == 201
        assert assign(functions, "team_lead", target="mia").status == 200
        return "mia"

    return worlds.once("lead", clock, ids, build)


@pytest.mark.parametrize(
    ("who", "changes", "status", "code"),
    [
        ("ada", {}, 201, None),
        ("ada", {"permissions": ["billing:manage"]}, 403, "GRANT_EXCEEDS_OWN"),
        (OWNER_SUB, {"permissions": ["workspace:delete"]}, 403, "OWNER_ONLY_PERMISSION"),
        (OWNER_SUB, {"permissions": ["ownership:transfer"]}, 403, "OWNER_ONLY_PERMISSION"),
        (OWNER_SUB, {"rank": 80}, 422, None),
        (OWNER_SUB, {"rank": 0}, 422, None),
        (OWNER_SUB, {"rank": "25"}, 422, None),
        ("mia", {"rank": 49, "permissions": ["members:view"]}, 201, None),
        ("mia", {"rank": 50, "permissions": ["members:view"]}, 403, "ROLE_RANK_TOO_LOW"),
        ("mia", {"rank": 10, "permissions": ["calls:view"]}, 403, "GRANT_EXCEEDS_OWN"),
        ("vic", {}, 403, "PERMISSION_DENIED"),
        ("stranger", {}, 404, "WORKSPACE_NOT_FOUND"),
        (OWNER_SUB, {"key": "admin"}, 409, "ROLE_EXISTS"),
        (OWNER_SUB, {"key": "team_lead"}, 409, "ROLE_EXISTS"),
        (OWNER_SUB, {"key": "QA"}, 422, None),
        (OWNER_SUB, {"permissions": ["agents:fly"]}, 422, None),
        (OWNER_SUB, {"builtin": True}, 422, None),
    ],
    ids=[
        "admin-within-own",
        "admin-beyond-own",
        "nobody-grants-workspace-delete",
        "nobody-grants-ownership-transfer",
        "not-at-admin-rank",
        "rank-from-one",
        "rank-is-a-number",
        "custom-manager-below-own",
        "custom-manager-not-at-own-rank",
        "custom-manager-beyond-own",
        "viewer-lacks-permission",
        "outsider",
        "built-in-key",
        "taken-key",
        "bad-key",
        "unknown-permission",
        "unknown-field",
    ],
)
def test_who_may_define_which_role(functions, lead, dynamodb, who, changes, status, code):
    before = item(dynamodb, TABLE, WS_PK, "META")
    reply = create(functions, {**QA, **changes}, who=who)
    assert reply.status == status, reply.body
    if code:
        assert reply.code == code
    if status != 201:
        assert item(dynamodb, TABLE, WS_PK, "META") == before


def test_a_workspace_holds_at_most_fifty_custom_roles(functions, team):
    for n in range(50):
        assert create(functions, {**QA, "key": f"role_{n}"}).status == 201
    reply = create(functions, {**QA, "key": "one_too_many"})
    assert (reply.status, reply.code) == (409, "ROLE_LIMIT_REACHED")


@pytest.mark.parametrize(
    ("who", "key", "changes", "status", "code"),
    [
        ("ada", "qa_reviewer", {"name": "QA lead"}, 200, None),
        ("ada", "qa_reviewer", {"permissions": ["billing:manage"]}, 403, "GRANT_EXCEEDS_OWN"),
        ("mia", "qa_reviewer", {"rank": 49, "permissions": ["members:view"]}, 200, None),
        (
            "mia",
            "qa_reviewer",
            {"rank": 50, "permissions": ["members:view"]},
            403,
            "ROLE_RANK_TOO_LOW",
        ),
        ("mia", "qa_reviewer", {"rank": 49}, 403, "GRANT_EXCEEDS_OWN"),
        ("mia", "team_lead", {"name": "Lead"}, 403, "ROLE_RANK_TOO_LOW"),
        ("ada", "admin", {"name": "Boss"}, 403, "BUILTIN_ROLE_IMMUTABLE"),
        ("ada", "nothing_here", {"name": "Boss"}, 404, "ROLE_NOT_FOUND"),
        ("vic", "qa_reviewer", {"name": "QA lead"}, 403, "PERMISSION_DENIED"),
        ("ada", "qa_reviewer", {"key": "other"}, 422, None),
    ],
    ids=[
        "rename",
        "beyond-own",
        "below-own-rank",
        "not-up-to-own-rank",
        "not-a-role-granting-more-than-own",
        "not-a-role-at-own-rank",
        "built-in",
        "unknown",
        "viewer",
        "key-is-fixed",
    ],
)
def test_who_may_change_which_role(functions, lead, dynamodb, who, key, changes, status, code):
    assert create(functions, QA).status == 201
    before = item(dynamodb, TABLE, WS_PK, "META")
    reply = update(functions, key, changes, who=who)
    assert reply.status == status, reply.body
    if code:
        assert reply.code == code
    if status != 200:
        assert item(dynamodb, TABLE, WS_PK, "META") == before


def test_a_changed_role_applies_to_its_holders_on_their_next_request(functions, team, dynamodb):
    assert create(functions, QA).status == 201
    assert assign(functions, "qa_reviewer").status == 200
    assert "recordings:view" in my_permissions(functions, SAMPLE_TARGET)["permissions"]
    changed = {"name": "QA lead", "permissions": ["workspace:view", "analytics:view"]}
    reply = update(functions, "qa_reviewer", changed)
    assert reply.status == 200, reply.body
    mine = my_permissions(functions, SAMPLE_TARGET)
    assert mine["role"] == "qa_reviewer"
    assert sorted(mine["permissions"]) == ["analytics:view", "workspace:view"]
    event = outbox_events(dynamodb, TABLE)[-1]
    assert event["detailType"] == "RoleUpdated"
    assert event["data"]["changed"] == ["name", "permissions"]
    # an update that changes nothing is not announced
    assert update(functions, "qa_reviewer", {"name": "QA lead"}).status == 200
    assert detail_types(dynamodb).count("RoleUpdated") == 1


def test_a_member_with_a_custom_role_shows_what_it_grants(functions, team):
    grants = {**QA, "permissions": [*QA["permissions"], "agents:edit"]}
    assert create(functions, grants).status == 201
    reply = assign(functions, "qa_reviewer")
    assert reply.body["role"] == "qa_reviewer"
    assert reply.body["permissions"]["canViewRecordings"] is True
    assert reply.body["permissions"]["canEditAgents"] is True
    assert reply.body["permissions"]["canAccessCrm"] is False
    event = sample_event("membership/get-member.json", path={"userId": SAMPLE_TARGET})
    shown = functions.call("MembershipFunction", event).body
    assert shown["permissions"] == reply.body["permissions"]


def test_authorize_answers_from_the_custom_role(functions, team):
    assert create(functions, QA).status == 201
    assert assign(functions, "qa_reviewer").status == 200
    answers = {}
    for permission in ("recordings:view", "agents:view"):
        event = sample_event(
            "membership/authorize.json",
            caller=user(SAMPLE_TARGET),
            body={"permission": permission},
        )
        answers[permission] = functions.call("MembershipFunction", event).body["allowed"]
    assert answers == {"recordings:view": True, "agents:view": False}


# ---- holding and deleting --------------------------------------------------------------


def test_a_held_role_cannot_be_deleted_until_its_holders_move(functions, team, dynamodb):
    assert create(functions, QA).status == 201
    assert assign(functions, "qa_reviewer").status == 200
    assert holders(dynamodb, "qa_reviewer") == 1
    before = item(dynamodb, TABLE, WS_PK, "META")
    refused = delete(functions, "qa_reviewer")
    assert (refused.status, refused.code) == (409, "ROLE_IN_USE")
    assert item(dynamodb, TABLE, WS_PK, "META") == before
    assert assign(functions, "viewer").status == 200
    assert holders(dynamodb, "qa_reviewer") == 0
    assert delete(functions, "qa_reviewer").status == 204
    assert "qa_reviewer" not in catalogue(functions)
    assert holders(dynamodb, "qa_reviewer") is None
    assert detail_types(dynamodb)[-1] == "RoleDeleted"
    assert outbox_events(dynamodb, TABLE)[-1]["data"] == {"key": "qa_reviewer", "name": QA["name"]}
    gone = assign(functions, "qa_reviewer")
    assert (gone.status, gone.code) == (422, "UNKNOWN_ROLE")


@pytest.mark.parametrize(
    ("who", "key", "status", "code"),
    [
        ("vic", "qa_reviewer", 403, "PERMISSION_DENIED"),
        ("mia", "team_lead", 403, "ROLE_RANK_TOO_LOW"),
        ("mia", "qa_reviewer", 204, None),
        ("ada", "viewer", 403, "BUILTIN_ROLE_IMMUTABLE"),
        ("ada", "nothing_here", 404, "ROLE_NOT_FOUND"),
    ],
    ids=["viewer", "own-rank", "below-own-rank", "built-in", "unknown"],
)
def test_who_may_delete_which_role(functions, lead, who, key, status, code):
    assert create(functions, QA).status == 201
    reply = delete(functions, key, who=who)
    assert reply.status == status, reply.body
    if code:
        assert reply.code == code


def test_removal_and_leaving_give_the_role_back(functions, team, dynamodb):
    assert create(functions, QA).status == 201
    assert assign(functions, "qa_reviewer").status == 200
    assert assign(functions, "qa_reviewer", target="vic").status == 200
    assert holders(dynamodb, "qa_reviewer") == 2
    removed = sample_event("membership/remove-member.json", path={"userId": SAMPLE_TARGET})
    assert functions.call("MembershipFunction", removed).status == 204
    left = sample_event("membership/remove-member.json", caller=user("vic"), path={"userId": "me"})
    assert functions.call("MembershipFunction", left).status == 204
    assert holders(dynamodb, "qa_reviewer") == 0
    assert delete(functions, "qa_reviewer").status == 204


def test_pending_invitations_hold_the_role_and_pass_it_to_the_member(functions, team, dynamodb):
    assert create(functions, QA).status == 201
    revoked = invite(functions, "rita@example.com", "qa_reviewer")
    kept = invite(functions, "quinn@example.com", "qa_reviewer")
    assert (revoked.status, kept.status) == (201, 201)
    assert holders(dynamodb, "qa_reviewer") == 2
    assert delete(functions, "qa_reviewer").code == "ROLE_IN_USE"
    event = sample_event(
        "invitations/revoke-invitation.json", path={"invitationId": revoked.body["invitationId"]}
    )
    assert functions.call("InvitationsFunction", event).status == 204
    assert holders(dynamodb, "qa_reviewer") == 1
    quinn = user("quinn")
    accept = sample_event(
        "invitations/accept-invitation.json",
        caller=quinn,
        body={"token": token_of(kept)},
    )
    joined = functions.call("InvitationsFunction", accept)
    assert joined.status == 200, joined.body
    assert joined.body["member"]["role"] == "qa_reviewer"
    assert joined.body["member"]["permissions"]["canViewRecordings"] is True
    assert holders(dynamodb, "qa_reviewer") == 1  # the invitation's hold became the member's
    assert "calls:view" in my_permissions(functions, "quinn")["permissions"]


def test_the_expiry_job_gives_an_expired_invitations_role_back(functions, team, dynamodb, clock):
    assert create(functions, QA).status == 201
    assert invite(functions, "rita@example.com", "qa_reviewer").status == 201
    clock.advance(days=8)
    expiry = TEMPLATE.functions()["InvitationExpiryFunction"]
    scheduled = {"version": "0", "detail-type": "Scheduled Event", "detail": {}}
    report = load_module(expiry).lambda_handler(scheduled, LambdaContext(expiry.logical_id))
    assert report["expired"] == 1
    assert holders(dynamodb, "qa_reviewer") == 0


def test_nobody_invites_with_a_role_that_is_not_below_their_own(functions, lead):
    assert create(functions, {**QA, "key": "senior", "rank": 60}).status == 201
    event = sample_event(
        "invitations/create-invitation.json",
        caller=user("ada"),
        body={"email": "sam@example.com", "role": "senior", "sendEmail": False},
    )
    event["headers"].pop("idempotency-key", None)
    assert functions.call("InvitationsFunction", event).status == 201
    assert assign(functions, "senior", who="mia").code == "ROLE_RANK_TOO_LOW"
    assert invite(functions, "nobody@example.com", "wizard").code == "UNKNOWN_ROLE"


def test_a_nominee_with_a_custom_role_gives_it_back_on_becoming_owner(functions, team, dynamodb):
    assert create(functions, QA).status == 201
    assert assign(functions, "qa_reviewer").status == 200
    body = {"newOwnerId": SAMPLE_TARGET, "confirmName": "Acme Voice"}
    request = sample_event("ownership/request-transfer.json", body=body)
    assert functions.call("OwnershipFunction", request).status == 202
    accept = sample_event("ownership/accept-transfer.json", caller=user(SAMPLE_TARGET))
    assert functions.call("OwnershipFunction", accept).status == 200
    assert holders(dynamodb, "qa_reviewer") == 0


# ---- races ---------------------------------------------------------------------------------


def test_a_delete_racing_an_assignment_never_leaves_a_member_with_a_deleted_role(
    functions, team, dynamodb
):
    """The role is deleted between the assignment's read and its write."""
    assert create(functions, QA).status == 201
    with first_goes_second(
        wiring.dynamodb_client(), "TransactWriteItems", lambda: delete(functions, "qa_reviewer")
    ) as competitor:
        reply = assign(functions, "qa_reviewer")
    assert competitor[0].status == 204
    assert (reply.status, reply.code) == (409, "ROLE_CHANGED")
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{SAMPLE_TARGET}")["role"] == "member"
    assert holders(dynamodb, "qa_reviewer") is None


def test_an_assignment_racing_a_delete_keeps_the_role(functions, team, dynamodb):
    """The role is handed out between the delete's read and its write."""
    assert create(functions, QA).status == 201
    with first_goes_second(
        wiring.dynamodb_client(), "TransactWriteItems", lambda: assign(functions, "qa_reviewer")
    ) as competitor:
        reply = delete(functions, "qa_reviewer")
    assert competitor[0].status == 200
    assert (reply.status, reply.code) == (409, "ROLE_IN_USE")
    assert "qa_reviewer" in catalogue(functions)
    assert holders(dynamodb, "qa_reviewer") == 1


def test_an_assignment_decided_on_a_role_since_raised_is_not_written(functions, lead, dynamodb):
    """Mia (rank 50) may hand out qa_reviewer at rank 25; the owner raises it to 60 between
    her read and her write, so her assignment would now grant above her own rank."""
    assert create(functions, QA).status == 201
    with first_goes_second(
        wiring.dynamodb_client(),
        "TransactWriteItems",
        lambda: update(functions, "qa_reviewer", {"rank": 60}),
    ) as competitor:
        reply = assign(functions, "qa_reviewer", target="vic", who="mia")
    assert competitor[0].status == 200
    assert (reply.status, reply.code) == (409, "ROLE_CHANGED")
    assert item(dynamodb, TABLE, WS_PK, "MEMBER#vic")["role"] == "viewer"
    assert assign(functions, "qa_reviewer", target="vic", who="mia").code == "ROLE_RANK_TOO_LOW"
