"""Ownership transfer through the function's real entry point, on moto."""

from __future__ import annotations

import pytest

from teamspace import wiring
from tests.functions.chain_helpers import first_goes_second
from tests.support import (
    OWNER,
    OWNER_SUB,
    SAMPLE_TARGET,
    SAMPLE_WORKSPACE,
    TEMPLATE,
    Team,
    call,
    item,
    outbox_events,
    sample_event,
    user,
)

FN = "OwnershipFunction"
TABLE = TEMPLATE.table_name()
WS_PK = f"WS#{SAMPLE_WORKSPACE}"
MAX = user(SAMPLE_TARGET, "max@example.com", "Max Member")


@pytest.fixture
def team(functions, store, clock, ids, worlds) -> None:
    """The sample workspace with Max (member), Ada (admin) and a suspended member (built
    once per module)."""

    def build() -> None:
        team = Team.create(functions, store, clock)
        team.add(SAMPLE_TARGET, "member", name="Max Member")
        team.add("ada", "admin")
        team.add("sus", "member", status="SUSPENDED")

    worlds.once("team", clock, ids, build)


def roles(dynamodb) -> dict[str, str]:
    return {
        user_id: item(dynamodb, TABLE, WS_PK, f"MEMBER#{user_id}")["role"]
        for user_id in (OWNER_SUB, SAMPLE_TARGET, "ada")
    }


def owners(dynamodb) -> int:
    return sum(1 for role in roles(dynamodb).values() if role == "owner")


def test_request_then_accept_hands_the_workspace_over_atomically(functions, team, dynamodb):
    requested = call(functions, FN, "ownership/request-transfer.json")
    assert requested.status == 202
    assert requested.body["toUserId"] == SAMPLE_TARGET
    assert requested.body["expiresAt"] == "2026-11-29T10:00:00Z"
    assert call(functions, FN, "ownership/get-transfer.json").body == requested.body
    assert call(functions, FN, "ownership/get-transfer.json", MAX).status == 200

    accepted = call(functions, FN, "ownership/accept-transfer.json", MAX)
    assert accepted.status == 200, accepted.body
    assert accepted.body["workspace"]["ownerId"] == SAMPLE_TARGET
    assert accepted.body["owner"]["role"] == "owner"
    assert roles(dynamodb) == {OWNER_SUB: "admin", SAMPLE_TARGET: "owner", "ada": "admin"}
    assert item(dynamodb, TABLE, WS_PK, "META")["ownerId"] == SAMPLE_TARGET
    assert item(dynamodb, TABLE, WS_PK, "TRANSFER") is None
    kinds = [e["detailType"] for e in outbox_events(dynamodb, TABLE)]
    assert kinds[-4:] == [
        "OwnershipTransferRequested",
        "OwnershipTransferred",
        "MemberRoleChanged",
        "MemberRoleChanged",
    ]
    assert call(functions, FN, "ownership/get-transfer.json", MAX).status == 404
    # The new owner can now do what only an owner can; the old one cannot.
    old = functions.call(
        "WorkspacesFunction", sample_event("workspaces/delete-workspace.json", caller=OWNER)
    )
    assert old.status == 403


@pytest.mark.parametrize(
    ("caller", "body", "status", "code"),
    [
        (user("ada"), None, 403, "PERMISSION_DENIED"),
        (
            None,
            {"newOwnerId": SAMPLE_TARGET, "confirmName": "acme voice"},
            422,
            "CONFIRMATION_MISMATCH",
        ),
        (None, {"newOwnerId": OWNER_SUB, "confirmName": "Acme Voice"}, 422, "INVALID_NOMINEE"),
        (None, {"newOwnerId": "nobody", "confirmName": "Acme Voice"}, 404, "MEMBER_NOT_FOUND"),
        (None, {"newOwnerId": "sus", "confirmName": "Acme Voice"}, 409, "NOMINEE_NOT_ACTIVE"),
        (None, {"newOwnerId": SAMPLE_TARGET}, 422, "VALIDATION_FAILED"),
        (user("stranger"), None, 404, "WORKSPACE_NOT_FOUND"),
    ],
    ids=["admin", "wrong-name", "self", "non-member", "suspended", "no-confirm", "stranger"],
)
def test_request_refusals(functions, team, dynamodb, caller, body, status, code):
    kwargs = {} if body is None else {"body": body}
    reply = call(functions, FN, "ownership/request-transfer.json", caller, **kwargs)
    assert reply.status == status, reply.body
    assert reply.code == code
    assert item(dynamodb, TABLE, WS_PK, "TRANSFER") is None


def test_one_pending_transfer_at_a_time_until_it_lapses(functions, team, clock):
    assert call(functions, FN, "ownership/request-transfer.json").status == 202
    again = call(
        functions,
        FN,
        "ownership/request-transfer.json",
        body={"newOwnerId": "ada", "confirmName": "Acme Voice"},
    )
    assert again.status == 409
    assert again.code == "TRANSFER_PENDING"
    clock.advance(days=7, seconds=1)
    assert call(functions, FN, "ownership/accept-transfer.json", MAX).status == 404
    renewed = call(
        functions,
        FN,
        "ownership/request-transfer.json",
        body={"newOwnerId": "ada", "confirmName": "Acme Voice"},
    )
    assert renewed.status == 202


def test_cancel_and_decline_end_it_with_their_events(functions, team, dynamodb):
    assert call(functions, FN, "ownership/request-transfer.json").status == 202
    assert call(functions, FN, "ownership/cancel-transfer.json", MAX).status == 403
    assert call(functions, FN, "ownership/cancel-transfer.json").status == 204
    assert call(functions, FN, "ownership/accept-transfer.json", MAX).status == 404
    assert call(functions, FN, "ownership/request-transfer.json").status == 202
    assert call(functions, FN, "ownership/decline-transfer.json", user("ada")).status == 404
    assert call(functions, FN, "ownership/accept-transfer.json", OWNER).status == 403
    assert call(functions, FN, "ownership/decline-transfer.json", MAX).status == 204
    kinds = [e["detailType"] for e in outbox_events(dynamodb, TABLE)]
    assert "OwnershipTransferCancelled" in kinds
    assert kinds[-1] == "OwnershipTransferDeclined"
    assert owners(dynamodb) == 1


@pytest.mark.parametrize("change", ["remove", "suspend", "leave"])
def test_a_nominee_who_stops_being_an_active_member_ends_the_transfer(
    functions, team, dynamodb, change
):
    assert call(functions, FN, "ownership/request-transfer.json").status == 202
    if change == "leave":
        event = sample_event("membership/remove-member.json", caller=MAX, path={"userId": "me"})
        assert functions.call("MembershipFunction", event).status == 204
    else:
        sample = "remove-member" if change == "remove" else "suspend-member"
        event = sample_event(
            f"membership/{sample}.json", caller=user("ada"), path={"userId": SAMPLE_TARGET}
        )
        assert functions.call("MembershipFunction", event).status in (200, 204)
    assert item(dynamodb, TABLE, WS_PK, "TRANSFER") is None
    cancelled = outbox_events(dynamodb, TABLE)[-2:]
    assert "OwnershipTransferCancelled" in [e["detailType"] for e in cancelled]
    assert call(functions, FN, "ownership/get-transfer.json").status == 404
    other = {"newOwnerId": "ada", "confirmName": "Acme Voice"}
    assert call(functions, FN, "ownership/request-transfer.json", body=other).status == 202


def test_others_leaving_leave_the_transfer_alone(functions, team, dynamodb):
    assert call(functions, FN, "ownership/request-transfer.json").status == 202
    event = sample_event("membership/remove-member.json", caller=user("ada"), path={"userId": "me"})
    assert functions.call("MembershipFunction", event).status == 204
    assert item(dynamodb, TABLE, WS_PK, "TRANSFER") is not None


def test_others_cannot_see_the_pending_transfer(functions, team):
    assert call(functions, FN, "ownership/request-transfer.json").status == 202
    assert call(functions, FN, "ownership/get-transfer.json", user("ada")).status == 404


def race(competing):
    """Run `competing` to completion just before the accept's transaction is sent."""
    return first_goes_second(wiring.dynamodb_client(), "TransactWriteItems", competing)


@pytest.mark.parametrize("change", ["remove", "suspend", "demote"])
def test_a_change_to_the_nominee_racing_the_accept_leaves_one_owner(
    functions, team, dynamodb, change
):
    assert call(functions, FN, "ownership/request-transfer.json").status == 202
    path = {"userId": SAMPLE_TARGET}

    def competing() -> None:
        if change == "remove":
            event = sample_event("membership/remove-member.json", caller=user("ada"), path=path)
            assert functions.call("MembershipFunction", event).status == 204
        elif change == "suspend":
            event = sample_event("membership/suspend-member.json", caller=user("ada"), path=path)
            assert functions.call("MembershipFunction", event).status == 200
        else:
            event = sample_event(
                "roles/change-member-role.json",
                caller=user("ada"),
                path=path,
                body={"role": "viewer"},
            )
            assert functions.call("RolesFunction", event).status == 200

    with race(competing):
        accepted = call(functions, FN, "ownership/accept-transfer.json", MAX)
    assert accepted.status == 409, accepted.body
    meta = item(dynamodb, TABLE, WS_PK, "META")
    assert meta["ownerId"] == OWNER_SUB
    assert item(dynamodb, TABLE, WS_PK, f"MEMBER#{OWNER_SUB}")["role"] == "owner"
    assert "OwnershipTransferred" not in [e["detailType"] for e in outbox_events(dynamodb, TABLE)]


def test_two_transfers_cannot_both_complete(functions, team, dynamodb):
    """A new request after a cancel: the first nominee's accept of the old one fails."""
    assert call(functions, FN, "ownership/request-transfer.json").status == 202

    def competing() -> None:
        assert call(functions, FN, "ownership/cancel-transfer.json").status == 204
        other = {"newOwnerId": "ada", "confirmName": "Acme Voice"}
        assert call(functions, FN, "ownership/request-transfer.json", body=other).status == 202

    with race(competing):
        assert call(functions, FN, "ownership/accept-transfer.json", MAX).status == 409
    assert owners(dynamodb) == 1
    assert call(functions, FN, "ownership/accept-transfer.json", user("ada")).status == 200
    assert roles(dynamodb)["ada"] == "owner"
    assert owners(dynamodb) == 1
