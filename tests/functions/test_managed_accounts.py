"""Managed accounts (issue 16) through the membership function's entry point, on moto,
with the template's Cognito user pool emulated by moto (cognito-idp): members created
with their account, their password set, their sessions ended, their sign-ins listed,
their account gone with their removal; and the rule that keeps a workspace from taking
over a person who is also in another workspace."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from moto.ses.models import ses_backends

from local_runtime.aws import create_resources
from local_runtime.lambdas import LambdaContext, load_module
from local_runtime.template import ACCOUNT_ID
from teamspace import wiring
from teamspace.core.clock import iso
from tests.conftest import TEMPLATE
from tests.support import (
    EVENTS,
    OWNER_SUB,
    Team,
    item,
    outbox_events,
    sample_event,
    seed_member,
    user,
)
from tests.support.mail import ses_mail

FN = "MembershipFunction"
TABLE = TEMPLATE.table_name()
PASSWORD = "correct-horse"
NEW_PASSWORD = "battery-staple"
# The sample tokens' `iat` (events/*.json): the frozen clock's start.
ISSUED_AT = 1795341600


@pytest.fixture
def cognito(pool):
    return boto3.client("cognito-idp", region_name="us-east-1")


@pytest.fixture
def workspace(functions, store, clock) -> str:
    """The sample workspace (the sample owner's) with an admin, ada."""
    team = Team.create(functions, store, clock)
    team.add("ada", "admin")
    return team.workspace_id


def caller(who: str | None, issued_at: int | None = None) -> dict[str, Any] | None:
    if who in (None, OWNER_SUB) and issued_at is None:
        return None
    claims = user(who or OWNER_SUB)
    if issued_at is not None:
        claims["iat"] = str(issued_at)
    return claims


def create_member(functions, who=None, **body: Any):
    fields = {"email": "bob@example.com", "name": "Bob Brown", "role": "member", **body}
    fields = {k: v for k, v in fields.items() if v is not None}
    event = sample_event("membership/create-member.json", caller=caller(who), body=fields)
    event["headers"].pop("idempotency-key")
    return functions.call(FN, event)


def set_password(functions, user_id, password=NEW_PASSWORD, who=None):
    event = sample_event(
        "membership/set-member-password.json",
        caller=caller(who),
        body={"password": password},
        path={"userId": user_id},
    )
    return functions.call(FN, event)


def sign_out(functions, user_id, who=None):
    event = sample_event(
        "membership/sign-member-out.json", caller=caller(who), path={"userId": user_id}
    )
    return functions.call(FN, event)


def read_workspace(functions, who, issued_at):
    event = sample_event("workspaces/get-workspace.json", caller=caller(who, issued_at))
    return functions.call("WorkspacesFunction", event)


def signs_in(cognito, pool, email, password) -> bool:
    try:
        cognito.admin_initiate_auth(
            UserPoolId=pool["pool"],
            ClientId=pool["client"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except cognito.exceptions.NotAuthorizedException:
        return False
    except cognito.exceptions.UserNotFoundException:
        return False
    return True


def accounts(cognito, pool) -> dict[str, dict[str, str]]:
    users = cognito.list_users(UserPoolId=pool["pool"])["Users"]
    return {
        attributes["email"]: attributes
        for attributes in ({a["Name"]: a["Value"] for a in u["Attributes"]} for u in users)
    }


def everything_written(dynamodb) -> str:
    """Every item of the table as text (a test-only Scan), for what must never be there."""
    return json.dumps(dynamodb.scan(TableName=TABLE)["Items"])


def post_authentication(user_id: str, email: str) -> None:
    spec = TEMPLATE.functions()["PostAuthenticationFunction"]
    event = json.loads((EVENTS / "post_authentication" / "sign-in.json").read_text())
    event["request"]["userAttributes"].update({"sub": user_id, "email": email})
    load_module(spec).lambda_handler(event, LambdaContext(spec.logical_id))


# ---- another identity provider --------------------------------------------------------


def test_without_the_stacks_pool_the_account_routes_answer_501(functions, workspace):
    reply = create_member(functions, password=PASSWORD)
    assert (reply.status, reply.code) == (501, "IDENTITY_PROVIDER_UNSUPPORTED")
    assert set_password(functions, "ada").code == "IDENTITY_PROVIDER_UNSUPPORTED"
    # Ending a member's sessions here needs no identity provider.
    assert sign_out(functions, "ada").status == 204


# ---- creating a member with their account ----------------------------------------------


def test_a_member_is_created_with_their_account_and_signs_in_with_its_password(
    functions, workspace, pool, cognito, dynamodb
):
    reply = create_member(functions, password=PASSWORD, email="Bob@Example.com")
    assert reply.status == 201, reply.body
    bob = reply.body
    assert (bob["email"], bob["role"], bob["status"], bob["managed"]) == (
        "bob@example.com",
        "member",
        "ACTIVE",
        True,
    )
    account = accounts(cognito, pool)["bob@example.com"]
    assert account["sub"] == bob["userId"]
    assert account["custom:workspace"] == workspace
    assert account["email_verified"] == "true"
    assert signs_in(cognito, pool, "bob@example.com", PASSWORD)
    meta = item(dynamodb, TABLE, f"WS#{workspace}", "META")
    assert (meta["memberCount"], meta["seatsUsed"]) == (3, 3)
    events = {e["detailType"]: e for e in outbox_events(dynamodb, TABLE)}
    created = events["MemberAccountCreated"]["data"]
    assert created == {
        "userId": bob["userId"],
        "email": "bob@example.com",
        "name": "Bob Brown",
        "role": "member",
        "workspaceName": "Acme Voice",
        "createdBy": OWNER_SUB,
        "sendEmail": True,
        "passwordSet": True,
    }
    assert events["MemberJoined"]["data"]["userId"] == bob["userId"]
    assert PASSWORD not in everything_written(dynamodb)


def test_an_address_with_an_account_is_never_taken_over(
    functions, workspace, pool, cognito, dynamodb
):
    cognito.admin_create_user(
        UserPoolId=pool["pool"], Username="bob@example.com", MessageAction="SUPPRESS"
    )
    before = everything_written(dynamodb)
    reply = create_member(functions, password=PASSWORD)
    assert (reply.status, reply.code) == (409, "ACCOUNT_EXISTS")
    assert everything_written(dynamodb) == before
    assert not signs_in(cognito, pool, "bob@example.com", PASSWORD)


def test_a_creation_the_table_refuses_leaves_no_account_behind(
    functions, workspace, pool, cognito, store, clock
):
    """An address that is a member already (seeded without an account): the account is
    made, the membership refused, and the account deleted again."""
    seed_member(store, workspace, "bob-old", "member", clock.now())
    reply = create_member(functions, email="bob-old@example.com", password=PASSWORD)
    assert (reply.status, reply.code) == (409, "ALREADY_A_MEMBER")
    assert "bob-old@example.com" not in accounts(cognito, pool)


def test_a_creation_cut_short_is_finished_by_its_retry(
    functions, workspace, pool, cognito, dynamodb
):
    """An account this workspace made, with no membership (a crash in between): a retry
    completes it rather than refusing the address."""
    cognito.admin_create_user(
        UserPoolId=pool["pool"],
        Username="bob@example.com",
        UserAttributes=[
            {"Name": "email", "Value": "bob@example.com"},
            {"Name": "custom:workspace", "Value": workspace},
        ],
        MessageAction="SUPPRESS",
    )
    reply = create_member(functions, password=PASSWORD)
    assert reply.status == 201, reply.body
    assert reply.body["userId"] == accounts(cognito, pool)["bob@example.com"]["sub"]
    assert signs_in(cognito, pool, "bob@example.com", PASSWORD)


@pytest.mark.parametrize("password", ["", "short", "7-chars"])
def test_a_password_below_the_stages_minimum_is_refused_before_any_call(
    functions, workspace, pool, cognito, password
):
    reply = create_member(functions, password=password)
    assert (reply.status, reply.code) == (422, "PASSWORD_TOO_WEAK")
    assert reply.body["errors"] == [{"field": "password", "message": "at least 8 characters"}]
    if password:
        assert password not in json.dumps(reply.body)
    assert accounts(cognito, pool) == {}


@pytest.mark.parametrize(
    ("who", "role", "code"),
    [
        ("vic", "viewer", "PERMISSION_DENIED"),  # a viewer holds no members:manage_accounts
        ("ada", "admin", "ROLE_RANK_TOO_LOW"),  # only the owner makes an admin
    ],
)
def test_creating_follows_the_rank_rules_of_invitations(
    functions, workspace, pool, cognito, store, clock, who, role, code
):
    seed_member(store, workspace, "vic", "viewer", clock.now())
    reply = create_member(functions, who=who, role=role, password=PASSWORD)
    assert (reply.status, reply.code) == (403, code)
    assert accounts(cognito, pool) == {}


def test_a_retry_with_the_same_idempotency_key_makes_one_member_and_one_account(
    functions, workspace, pool, cognito
):
    event = sample_event("membership/create-member.json")
    first = functions.call(FN, event)
    again = functions.call(FN, sample_event("membership/create-member.json"))
    assert first.status == again.status == 201
    assert again.body["userId"] == first.body["userId"]
    assert list(accounts(cognito, pool)) == ["bob@example.com"]


# ---- passwords --------------------------------------------------------------------------


def test_setting_a_password_ends_the_members_sessions(
    functions, workspace, pool, cognito, dynamodb, clock
):
    bob = create_member(functions, password=PASSWORD).body["userId"]
    assert read_workspace(functions, bob, ISSUED_AT + 1).status == 200
    clock.advance(seconds=5)
    assert set_password(functions, bob).status == 204
    assert signs_in(cognito, pool, "bob@example.com", NEW_PASSWORD)
    assert not signs_in(cognito, pool, "bob@example.com", PASSWORD)
    refused = read_workspace(functions, bob, ISSUED_AT + 5)  # issued before, same second
    assert (refused.status, refused.code) == (401, "SESSION_REVOKED")
    assert read_workspace(functions, bob, ISSUED_AT + 6).status == 200  # a new sign-in
    [set_event] = [
        e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == "MemberPasswordSet"
    ]
    assert set_event["data"] == {"userId": bob}
    assert NEW_PASSWORD not in everything_written(dynamodb)


def test_only_a_member_this_workspace_manages_alone_gets_a_password(
    functions, workspace, pool, cognito, store, clock
):
    """Invited members (their own account) and managed members who joined another
    workspace since are not this workspace's to take over."""
    seed_member(store, workspace, "invited", "member", clock.now())
    assert (set_password(functions, "invited").code) == "MEMBER_NOT_MANAGED"
    bob = create_member(functions, password=PASSWORD).body["userId"]
    other = "ws_other"
    store.commit(
        [
            *_workspace_of_someone_else(other, clock),
        ]
    )
    seed_member(store, other, bob, "member", clock.now())
    reply = set_password(functions, bob)
    assert (reply.status, reply.code) == (409, "MEMBER_NOT_MANAGED")
    assert signs_in(cognito, pool, "bob@example.com", PASSWORD)


def _workspace_of_someone_else(workspace_id: str, clock):
    from teamspace.core.records import Workspace, WorkspaceType  # noqa: PLC0415
    from teamspace.store import workspaces as workspace_store  # noqa: PLC0415

    now = clock.now()
    other = Workspace(
        workspace_id=workspace_id,
        name="Rival",
        type=WorkspaceType.SIMPLE,
        owner_id="rival-owner",
        created_at=now,
        updated_at=now,
    )
    return [workspace_store.create_workspace(other)]


@pytest.mark.parametrize(
    ("who", "target_role", "code"),
    [
        ("ada", "admin", "ROLE_RANK_TOO_LOW"),  # an admin never resets an admin's
        (OWNER_SUB, "self", "CANNOT_CHANGE_SELF"),  # not even the owner their own
        ("ada", "owner", "OWNER_IMMUTABLE"),
    ],
)
def test_setting_passwords_follows_the_rank_rules(
    functions, workspace, pool, store, clock, who, target_role, code
):
    targets = {"admin": "ada2", "owner": OWNER_SUB, "self": OWNER_SUB}
    seed_member(store, workspace, "ada2", "admin", clock.now())
    reply = set_password(functions, targets[target_role], who=who)
    assert (reply.status, reply.code) == (403, code)


# ---- sessions ---------------------------------------------------------------------------


def test_a_member_signed_out_by_an_admin_is_refused_with_tokens_from_before(
    functions, workspace, pool, store, clock
):
    seed_member(store, workspace, "mo", "member", clock.now())
    clock.advance(seconds=10)
    assert sign_out(functions, "mo", who="ada").status == 204
    assert read_workspace(functions, "mo", ISSUED_AT + 10).code == "SESSION_REVOKED"
    assert read_workspace(functions, "mo", ISSUED_AT + 11).status == 200
    # A token without `iat` (the local runtime's own) is judged by nothing else.
    assert read_workspace(functions, "mo", None).status == 200


def test_everyone_may_sign_themselves_out_but_not_others_above_them(
    functions, workspace, pool, store, clock
):
    seed_member(store, workspace, "mo", "member", clock.now())
    clock.advance(seconds=10)
    assert sign_out(functions, "me", who="mo").status == 204
    assert read_workspace(functions, "mo", ISSUED_AT + 10).code == "SESSION_REVOKED"
    assert sign_out(functions, "ada", who="mo").code == "PERMISSION_DENIED"
    assert sign_out(functions, OWNER_SUB, who="ada").code == "OWNER_IMMUTABLE"


def test_a_suspension_ends_sessions_even_after_reactivation(
    functions, workspace, pool, store, clock
):
    seed_member(store, workspace, "mo", "member", clock.now())
    clock.advance(seconds=10)
    suspend = sample_event("membership/suspend-member.json", path={"userId": "mo"})
    assert functions.call(FN, suspend).status == 200
    reactivate = sample_event("membership/reactivate-member.json", path={"userId": "mo"})
    assert functions.call(FN, reactivate).status == 200
    assert read_workspace(functions, "mo", ISSUED_AT + 10).code == "SESSION_REVOKED"
    assert read_workspace(functions, "mo", ISSUED_AT + 11).status == 200


# ---- removal, and what is kept of it ----------------------------------------------------


def test_removing_a_managed_member_deletes_their_account_and_keeps_a_record(
    functions, workspace, pool, cognito, dynamodb
):
    bob = create_member(functions, password=PASSWORD).body["userId"]
    removal = sample_event("membership/remove-member.json", path={"userId": bob})
    assert functions.call(FN, removal).status == 204
    assert "bob@example.com" not in accounts(cognito, pool)
    listed = functions.call(
        FN, sample_event("membership/list-members.json", query={"status": "DELETED"})
    )
    [removed] = listed.body["items"]
    assert (removed["userId"], removed["status"], removed["removedBy"]) == (
        bob,
        "DELETED",
        OWNER_SUB,
    )
    assert removed["removedAt"]
    everyone = functions.call(FN, sample_event("membership/list-members.json", query={}))
    assert bob not in [m["userId"] for m in everyone.body["items"]]
    # Invited again, the address is no longer listed among the removed.
    invite = sample_event(
        "invitations/create-invitation.json",
        body={"email": "bob@example.com", "role": "member", "sendEmail": False},
    )
    assert functions.call("InvitationsFunction", invite).status == 201
    listed = functions.call(
        FN, sample_event("membership/list-members.json", query={"status": "DELETED"})
    )
    assert listed.body["items"] == []


def test_removing_an_invited_member_leaves_their_account_alone(
    functions, workspace, pool, cognito, store, clock
):
    cognito.admin_create_user(
        UserPoolId=pool["pool"], Username="mo@example.com", MessageAction="SUPPRESS"
    )
    seed_member(store, workspace, "mo", "member", clock.now())
    removal = sample_event("membership/remove-member.json", path={"userId": "mo"})
    assert functions.call(FN, removal).status == 204
    assert "mo@example.com" in accounts(cognito, pool)


# ---- sign-ins ---------------------------------------------------------------------------


def test_sign_ins_are_listed_newest_first_and_stamp_the_member(
    functions, workspace, pool, store, clock
):
    seed_member(store, workspace, "mo", "member", clock.now())
    for _ in range(3):
        clock.advance(minutes=5)
        post_authentication("mo", "mo@example.com")
    event = sample_event("membership/list-sign-ins.json", path={"userId": "mo"})
    listed = functions.call(FN, event)
    assert listed.status == 200, listed.body
    times = [s["at"] for s in listed.body["items"]]
    assert times == sorted(times, reverse=True)
    assert len(times) == 3
    member = functions.call(
        FN, sample_event("membership/get-member.json", path={"userId": "mo"})
    ).body
    assert member["lastSignInAt"] == times[0]
    mine = sample_event("membership/list-sign-ins.json", caller=user("mo"), path={"userId": "me"})
    assert len(functions.call(FN, mine).body["items"]) == 3
    stranger = sample_event(
        "membership/list-sign-ins.json", caller=user("stranger"), path={"userId": "mo"}
    )
    assert functions.call(FN, stranger).code == "WORKSPACE_NOT_FOUND"


def test_a_workspace_sees_a_members_sign_ins_only_from_when_they_joined(
    functions, workspace, pool, store, clock
):
    for _ in range(2):  # before joining: a person in no workspace of ours
        clock.advance(minutes=5)
        post_authentication("mo", "mo@example.com")
    clock.advance(minutes=5)
    joined = clock.now()
    seed_member(store, workspace, "mo", "member", joined)
    for _ in range(2):
        clock.advance(minutes=5)
        post_authentication("mo", "mo@example.com")
    first = functions.call(
        FN,
        sample_event("membership/list-sign-ins.json", path={"userId": "mo"}, query={"limit": "1"}),
    )
    assert len(first.body["items"]) == 1
    assert first.body["nextCursor"]
    second = functions.call(
        FN,
        sample_event(
            "membership/list-sign-ins.json",
            path={"userId": "mo"},
            query={"limit": "5", "cursor": first.body["nextCursor"]},
        ),
    )
    assert second.status == 200, second.body
    assert len(second.body["items"]) == 1
    assert second.body["nextCursor"] is None
    assert second.body["items"][0]["at"] > iso(joined)


# ---- the welcome mail -------------------------------------------------------------------


@pytest.fixture
def ses(pool, monkeypatch):
    """The template's verified sender, in the moto account, and the mailer's environment
    (its sender and sign-in link)."""
    create_resources(TEMPLATE)
    mailer = TEMPLATE.functions()["MailerFunction"].environment
    for name in ("SENDER_ADDRESS", "APP_URL"):
        monkeypatch.setenv(name, mailer[name])
    wiring.reset()
    return ses_backends[ACCOUNT_ID]["us-east-1"]


def deliver_to_mailer(dynamodb, detail_type: str) -> dict[str, Any]:
    """The change's event, as the bus delivers it, to the mailer's entry point."""
    (event,) = [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == detail_type]
    sample = json.loads((EVENTS / "bus" / f"{detail_type}.json").read_text())
    detail = {k: v for k, v in event.items() if k not in ("detailType", "ttl")}
    spec = TEMPLATE.functions()["MailerFunction"]
    bus_event = {**sample, "detail": detail}
    return load_module(spec).lambda_handler(bus_event, LambdaContext(spec.logical_id))


def test_the_welcome_mail_never_holds_the_password_the_administrator_set(
    functions, workspace, pool, ses, dynamodb
):
    create_member(functions, password=PASSWORD)
    assert deliver_to_mailer(dynamodb, "MemberAccountCreated")["sent"] == 1
    [message] = ses.sent_messages
    [mail] = ses_mail()
    assert mail["to"] == "bob@example.com"
    assert "the password your administrator" in mail["text"]
    assert "temporary" not in mail["text"]
    assert PASSWORD not in message.raw_data
    assert PASSWORD not in mail["text"] + mail["html"]


def test_without_a_password_the_welcome_mail_brings_a_temporary_one(
    functions, workspace, pool, ses, cognito, dynamodb
):
    create_member(functions, password=None)
    assert deliver_to_mailer(dynamodb, "MemberAccountCreated")["sent"] == 1
    [mail] = ses_mail()
    temporary = re.search(r"temporary password:\s+(\S+)", mail["text"]).group(1)
    assert f">{temporary}</p>" in mail["html"]
    assert len(temporary) >= 16
    answer = cognito.admin_initiate_auth(
        UserPoolId=pool["pool"],
        ClientId=pool["client"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "bob@example.com", "PASSWORD": temporary},
    )
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"  # theirs to choose first
    assert temporary not in everything_written(dynamodb)


def test_no_welcome_mail_when_the_administrator_asks_for_none(
    functions, workspace, pool, ses, dynamodb
):
    create_member(functions, password=PASSWORD, sendEmail=False)
    assert deliver_to_mailer(dynamodb, "MemberAccountCreated")["sent"] == 0
    assert ses.sent_messages == []
