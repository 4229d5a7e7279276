"""Invitation links as their holder uses them, through the invitations function on moto:
the preview (public: the link is the capability, and previewing never uses it up), and
what opening a link costs and refuses, for links that name their invitation
(`<workspaceId>.<invitationId>.<secret>`) and for links of the earlier format (the
secret alone), which were mailed before and must keep working until they expire.

DynamoDB calls are counted with a botocore hook on the functions' client.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from teamspace import wiring
from teamspace.core.clock import iso
from teamspace.domain.tokens import hash_token
from teamspace.permissions import BUILTIN_ROLES, role_summary
from teamspace.store import invitations as invitation_store
from tests.functions.chain_helpers import hooked, invoke, scheduled_event
from tests.support import (
    SAMPLE_WORKSPACE,
    TEMPLATE,
    Reply,
    Team,
    answer_link,
    earlier_format_link,
    invite,
    item,
    preview_link,
    sample_event,
    token_of,
    user,
)

FN = "InvitationsFunction"
TABLE = TEMPLATE.table_name()
BOB = user("bob-sub", "bob@example.com", "Bob Builder")
NOT_FOUND = {
    "type": "https://teamspace.dev/problems/invitation-not-found",
    "title": "Not found",
    "status": 404,
    "detail": "No such invitation",
    "code": "INVITATION_NOT_FOUND",
}


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB operations the functions make inside the block, by name."""
    made: list[str] = []

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    with hooked(wiring.dynamodb_client(), "before-call.dynamodb", record):
        yield made


def every_item(dynamodb) -> list[dict[str, Any]]:
    """Every item of the table (a test-only Scan), in a stable order."""
    items = dynamodb.scan(TableName=TABLE)["Items"]
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def invitation_status(dynamodb, invitation_id: str, workspace: str = SAMPLE_WORKSPACE) -> str:
    found = item(dynamodb, TABLE, f"WS#{workspace}", f"INVITE#{invitation_id}")
    assert found is not None
    return found["status"]


def problem(reply: Reply) -> tuple[int, str]:
    assert reply.headers["content-type"] == "application/problem+json", reply.body
    return reply.status, reply.body["code"]


@pytest.fixture
def bobs(functions, store, clock, ids, worlds) -> dict[str, Any]:
    """The sample workspace (its owner alone) with a pending invitation of Bob's as a
    developer, its link passed on by the inviter (`acceptUrl`). Built once per module."""

    def build() -> dict[str, Any]:
        team = Team.create(functions, store, clock)
        assert team.workspace_id == SAMPLE_WORKSPACE
        return team.invite("Bob@Example.com", "developer").body

    return worlds.once("bobs", clock, ids, build)


# ---- the preview -----------------------------------------------------------------------


def test_the_preview_shows_the_invitation_and_only_a_hint_of_the_address(functions, bobs, clock):
    reply = preview_link(functions, token_of(bobs))
    assert reply.status == 200, reply.body
    assert reply.body == {
        "workspaceName": "Acme Voice",
        "workspaceLogoUrl": None,
        "invitedByName": "Olivia Owner",
        "role": "developer",
        "roleName": "Developer",
        # The line the invitation mail has on what the role allows.
        "roleSummary": role_summary(BUILTIN_ROLES["developer"]),
        "rolePermissions": sorted(str(p) for p in BUILTIN_ROLES["developer"].permissions),
        "emailHint": "b***@example.com",
        "expiresAt": iso(clock.now() + timedelta(days=7)),
        "status": "pending",
        "accentColor": None,
    }
    assert "bob@" not in json.dumps(reply.body).lower()
    # Never kept by a browser or a proxy: the page reads it once.
    assert reply.headers["cache-control"] == "no-store"


def test_the_preview_needs_no_caller(functions, bobs):
    """The route has no authorizer: the event carries no claims, and a bearer token sent
    all the same changes nothing."""
    event = sample_event(
        "invitations/preview-invitation.json",
        query={"token": token_of(bobs)},
        headers={"authorization": "Bearer not-a-token"},
    )
    assert "authorizer" not in event["requestContext"]
    assert functions.call(FN, event).status == 200


def test_previewing_uses_nothing_up_and_is_one_read(functions, bobs, dynamodb):
    token = token_of(bobs)
    before = every_item(dynamodb)
    with dynamodb_calls() as calls:
        first = preview_link(functions, token)
        second = preview_link(functions, token)
    assert (first.status, second.status) == (200, 200)
    assert second.body == first.body
    assert calls == ["BatchGetItem", "BatchGetItem"]
    assert every_item(dynamodb) == before
    assert answer_link(functions, "accept", token, BOB).status == 200


def test_a_custom_role_is_shown_by_its_display_name(functions, bobs):
    created = functions.call("RolesFunction", sample_event("roles/create-role.json"))
    assert created.status == 201, created.body
    invited = invite(functions, "carol@example.com", "qa_reviewer", expect=201)
    reply = preview_link(functions, token_of(invited))
    assert reply.status == 200, reply.body
    assert (reply.body["role"], reply.body["roleName"]) == ("qa_reviewer", "QA reviewer")
    assert reply.body["rolePermissions"] == sorted(created.body["permissions"])


def test_the_logo_and_accent_are_the_white_label_ones_when_set(functions, bobs):
    token = token_of(bobs)
    own = "https://cdn.example.com/acme.png"
    patched = functions.call(
        "WorkspacesFunction",
        sample_event("workspaces/update-workspace.json", body={"logoUrl": own}),
    )
    assert patched.status == 200, patched.body
    assert preview_link(functions, token).body["workspaceLogoUrl"] == own
    branding = {"logoUrl": "https://cdn.example.com/white.png", "accentColor": "#7c3aed"}
    branded = functions.call(
        "WorkspacesFunction",
        sample_event("workspaces/update-workspace.json", body={"settings": {"branding": branding}}),
    )
    assert branded.status == 200, branded.body
    body = preview_link(functions, token).body
    assert body["workspaceLogoUrl"] == "https://cdn.example.com/white.png"
    assert body["accentColor"] == "#7c3aed"


# ---- links that no longer work ------------------------------------------------------------


def _expire(functions, clock, bobs) -> None:
    clock.advance(days=7)


def _expire_by_the_job(functions, clock, bobs) -> None:
    clock.advance(days=8)
    assert invoke("InvitationExpiryFunction", scheduled_event(iso(clock.now())))["expired"] == 1


def _revoke(functions, clock, bobs) -> None:
    path = {"invitationId": bobs["invitationId"]}
    event = sample_event("invitations/revoke-invitation.json", path=path)
    assert functions.call(FN, event).status == 204


def _accept(functions, clock, bobs) -> None:
    assert answer_link(functions, "accept", token_of(bobs), BOB).status == 200


def _decline(functions, clock, bobs) -> None:
    assert answer_link(functions, "decline", token_of(bobs), BOB).status == 204


def _resend(functions, clock, bobs) -> None:
    path = {"invitationId": bobs["invitationId"]}
    event = sample_event("invitations/resend-invitation.json", path=path)
    assert functions.call(FN, event).status == 200


def _delete_the_workspace(functions, clock, bobs) -> None:
    event = sample_event("workspaces/delete-workspace.json")
    assert functions.call("WorkspacesFunction", event).status == 204


Step = Callable[[Any, Any, dict[str, Any]], None]


@pytest.mark.parametrize(
    ("step", "code"),
    [
        (_expire, "INVITATION_EXPIRED"),
        (_expire_by_the_job, "INVITATION_EXPIRED"),
        (_revoke, "INVITATION_REVOKED"),
        (_accept, "INVITATION_ALREADY_USED"),
        (_decline, "INVITATION_ALREADY_USED"),  # the contract's four codes: declining used it
        (_resend, "INVITATION_SUPERSEDED"),
        (_delete_the_workspace, "INVITATION_REVOKED"),
    ],
    ids=["expired", "expired-by-the-job", "revoked", "accepted", "declined", "resent", "deleted"],
)
def test_a_link_that_no_longer_works_previews_as_410_saying_why(
    functions, bobs, clock, step: Step, code: str
):
    token = token_of(bobs)
    step(functions, clock, bobs)
    assert problem(preview_link(functions, token)) == (410, code)


def test_a_link_is_previewed_until_just_before_its_expiry(functions, bobs, clock):
    clock.advance(days=7, seconds=-1)
    assert preview_link(functions, token_of(bobs)).status == 200


def test_after_a_resend_the_new_link_previews_and_the_old_one_is_superseded_everywhere(
    functions, bobs
):
    old = token_of(bobs)
    path = {"invitationId": bobs["invitationId"]}
    resent = functions.call(FN, sample_event("invitations/resend-invitation.json", path=path))
    assert preview_link(functions, token_of(resent)).status == 200
    for action in ("accept", "decline"):
        assert problem(answer_link(functions, action, old, BOB)) == (410, "INVITATION_SUPERSEDED")


# ---- unknown, malformed and tampered tokens: 404, all alike --------------------------------


def _secret(token: str) -> str:
    return token.rsplit(".", 1)[1]


def _locator(token: str, *, workspace: str | None = None, invitation: str | None = None) -> str:
    """The token with another workspace or invitation id in its locator."""
    workspace_id, invitation_id, secret = token.split(".")
    return f"{workspace or workspace_id}.{invitation or invitation_id}.{secret}"


def _other_secret(token: str) -> str:
    secret = _secret(token)
    return token[: -len(secret)] + ("A" if secret[0] != "A" else "B") + secret[1:]


UNKNOWN_OR_MALFORMED: dict[str, Callable[[str], str]] = {
    "empty": lambda _t: "",
    "garbage": lambda _t: "garbage",
    "earlier shape, never issued": lambda _t: "x" * 43,
    "earlier shape with a newline": lambda _t: "x" * 43 + "\n",
    "the secret alone": _secret,
    "another secret for the locator": _other_secret,
    "the last character changed": lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),
    "another invitation of the workspace": lambda t: _locator(
        t, invitation="inv_0000000000000000000000000z"
    ),
    "a workspace that does not exist": lambda t: _locator(
        t, workspace="ws_0000000000000000000000000z"
    ),
    "an extra part": lambda t: t + ".x",
    "a part missing": lambda t: t.split(".", 1)[1],
    "upper-cased": str.upper,
    "far too long": lambda t: t * 100,
    "not ASCII": lambda _t: "é" * 43,
    "a path": lambda _t: "../../etc/passwd",
}


@pytest.mark.parametrize("change", UNKNOWN_OR_MALFORMED.values(), ids=UNKNOWN_OR_MALFORMED)
def test_unknown_malformed_and_tampered_tokens_are_one_same_404(functions, bobs, dynamodb, change):
    token = token_of(bobs)
    before = every_item(dynamodb)
    reply = preview_link(functions, change(token))
    assert problem(reply) == (404, "INVITATION_NOT_FOUND")
    assert reply.body == NOT_FOUND
    for action in ("accept", "decline"):
        answered = answer_link(functions, action, change(token), BOB)
        assert answered.status in (404, 422), answered.body  # 422: empty, or past 256
        if answered.status == 404:
            assert answered.body == NOT_FOUND
    assert every_item(dynamodb) == before
    assert preview_link(functions, token).status == 200


def test_a_malformed_token_costs_no_read_and_an_unknown_one_the_one_read(functions, bobs):
    token = token_of(bobs)
    with dynamodb_calls() as calls:
        preview_link(functions, "garbage")
        preview_link(functions, token * 100)
    assert calls == []
    with dynamodb_calls() as calls:
        preview_link(functions, _other_secret(token))  # a real locator, a wrong secret
    assert calls == ["BatchGetItem"]
    with dynamodb_calls() as calls:
        preview_link(functions, "x" * 43)  # the earlier format names nothing to read with
    assert calls == ["GetItem"]


def test_a_locator_changed_to_another_workspaces_invitation_reaches_nothing(
    functions, bobs, store, clock, dynamodb
):
    """Bob is invited to two workspaces. His first link's secret with the second
    invitation's locator is no link at all: 404, and the second invitation is untouched."""
    second = Team.create(functions, store, clock, "Second", key="create-second")
    theirs = second.invite("bob@example.com", "viewer").body
    token = token_of(bobs)
    forged = _locator(token, workspace=second.workspace_id, invitation=theirs["invitationId"])
    assert preview_link(functions, forged).body == NOT_FOUND
    for action in ("decline", "accept"):
        assert answer_link(functions, action, forged, BOB).body == NOT_FOUND
    assert invitation_status(dynamodb, theirs["invitationId"], second.workspace_id) == "PENDING"
    assert preview_link(functions, token_of(theirs)).body["workspaceName"] == "Second"
    assert answer_link(functions, "accept", token, BOB).body["workspaceId"] == SAMPLE_WORKSPACE


def test_a_link_whose_item_names_another_invitation_than_its_locator_is_refused(
    functions, bobs, store, clock
):
    """The link's item decides, and must name the invitation the locator names. Such an
    item is never written (the hash covers the locator); it is written here through the
    store to show the check that refuses it, should a hash ever meet another token's."""
    second = Team.create(functions, store, clock, "Second", key="create-second")
    theirs = second.invite("bob@example.com", "viewer").body
    crafted = f"{SAMPLE_WORKSPACE}.{bobs['invitationId']}.{'c' * 43}"
    invitation = invitation_store.get_invitation(store, second.workspace_id, theirs["invitationId"])
    assert invitation is not None
    store.commit([invitation_store.put_token(hash_token(crafted), invitation)])
    assert preview_link(functions, crafted).body == NOT_FOUND
    assert answer_link(functions, "accept", crafted, BOB).body == NOT_FOUND


# ---- what an answer costs -----------------------------------------------------------------


@pytest.mark.parametrize(("action", "status"), [("accept", 200), ("decline", 204)])
def test_an_answer_is_one_read_and_one_transaction(functions, bobs, dynamodb, action, status):
    with dynamodb_calls() as calls:
        assert answer_link(functions, action, token_of(bobs), BOB).status == status
    assert calls == ["BatchGetItem", "TransactWriteItems"]
    expected = {"accept": "ACCEPTED", "decline": "DECLINED"}[action]
    assert invitation_status(dynamodb, bobs["invitationId"]) == expected


# ---- links of the earlier format ----------------------------------------------------------


@pytest.fixture
def earlier(bobs, store) -> str:
    """Bob's invitation with a link of the earlier format (its latest link)."""
    return earlier_format_link(store, SAMPLE_WORKSPACE, bobs["invitationId"])


def test_a_link_of_the_earlier_format_previews_in_two_reads(functions, bobs, earlier):
    assert len(earlier) == 43
    assert "." not in earlier
    with dynamodb_calls() as calls:
        reply = preview_link(functions, earlier)
    assert reply.status == 200, reply.body
    assert (reply.body["roleName"], reply.body["emailHint"]) == ("Developer", "b***@example.com")
    assert calls == ["GetItem", "BatchGetItem"]
    # The link of the current format it replaced is superseded, as by a resend.
    assert problem(preview_link(functions, token_of(bobs))) == (410, "INVITATION_SUPERSEDED")


@pytest.mark.parametrize(("action", "status"), [("accept", 200), ("decline", 204)])
def test_a_link_of_the_earlier_format_is_answered_as_before(
    functions, bobs, earlier, dynamodb, action, status
):
    with dynamodb_calls() as calls:
        reply = answer_link(functions, action, earlier, BOB)
    assert reply.status == status, reply.body
    assert calls == ["GetItem", "BatchGetItem", "TransactWriteItems"]
    expected = {"accept": "ACCEPTED", "decline": "DECLINED"}[action]
    assert invitation_status(dynamodb, bobs["invitationId"]) == expected
    assert problem(preview_link(functions, earlier)) == (410, "INVITATION_ALREADY_USED")


def test_a_link_of_the_earlier_format_expires_and_is_superseded_as_before(
    functions, bobs, earlier, clock
):
    clock.advance(days=8)
    assert problem(preview_link(functions, earlier)) == (410, "INVITATION_EXPIRED")
    _resend(functions, clock, bobs)
    for answer in (
        preview_link(functions, earlier),
        answer_link(functions, "accept", earlier, BOB),
    ):
        assert problem(answer) == (410, "INVITATION_SUPERSEDED")
