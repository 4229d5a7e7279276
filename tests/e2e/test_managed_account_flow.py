"""A managed member's whole life over real HTTP against the local runtime, whose Cognito
user pool is the template's, emulated (issue 16): created with a password, signs in,
has the password reset by an administrator (the old one and the earlier token refused,
the new one accepted), is removed (the account gone, listed as DELETED) and invited
again."""

from __future__ import annotations

import time

import pytest

from tests.e2e.test_invitation_flow import create_workspace, link_token, mails_to

pytestmark = pytest.mark.e2e


def sign_in(api, email: str, password: str, **more: str):
    return api.anonymous().post(
        "/_local/sign-in", json={"email": email, "password": password, **more}
    )


def as_token(api, token: str):
    client = api.anonymous()
    client.token = token
    return client


def next_second() -> None:
    """Token times have whole seconds: a session ended in this second refuses tokens of
    this second too (docs/decisions.md), so the next sign-in waits for the next one."""
    time.sleep(1.05)


def test_a_managed_member_from_creation_to_removal_and_back(api):
    owner = api.user("life-owner", email="lou@example.com")
    workspace_id = create_workspace(owner, "Life")
    base = f"/v1/workspaces/{workspace_id}"
    made = owner.post(
        f"{base}/members",
        json={
            "email": "meg@example.com",
            "name": "Meg",
            "role": "developer",
            "password": "meg-first-password",
        },
    )
    assert made.status_code == 201, made.text
    meg = made.json()
    assert (meg["managed"], meg["role"]) == (True, "developer")

    signed = sign_in(api, "meg@example.com", "meg-first-password")
    assert signed.status_code == 200, signed.text
    first = as_token(api, signed.json()["token"])
    assert first.get(f"{base}").status_code == 200
    sign_ins = owner.get(f"{base}/members/{meg['userId']}/sign-ins").json()["items"]
    assert len(sign_ins) == 1
    assert owner.get(f"{base}/members/{meg['userId']}").json()["lastSignInAt"] == sign_ins[0]["at"]

    reset = owner.put(f"{base}/members/{meg['userId']}/password", json={"password": "meg-second-1"})
    assert reset.status_code == 204, reset.text
    refused = first.get(f"{base}")
    assert (refused.status_code, refused.json()["code"]) == (401, "SESSION_REVOKED")
    old = sign_in(api, "meg@example.com", "meg-first-password")
    assert (old.status_code, old.json()["code"]) == (401, "INVALID_CREDENTIALS")
    next_second()
    second = sign_in(api, "meg@example.com", "meg-second-1")
    assert second.status_code == 200, second.text
    assert as_token(api, second.json()["token"]).get(f"{base}").status_code == 200

    assert owner.delete(f"{base}/members/{meg['userId']}").status_code == 204
    gone = sign_in(api, "meg@example.com", "meg-second-1")
    assert (gone.status_code, gone.json()["code"]) == (401, "INVALID_CREDENTIALS")
    removed = owner.get(f"{base}/members", params={"status": "DELETED"}).json()["items"]
    assert [(m["email"], m["status"], m["removedBy"]) for m in removed] == [
        ("meg@example.com", "DELETED", "life-owner")
    ]
    listed = owner.get(f"{base}/members").json()["items"]
    assert "meg@example.com" not in [m["email"] for m in listed]

    invited = owner.post(f"{base}/invitations", json={"email": "meg@example.com", "role": "viewer"})
    assert invited.status_code == 201, invited.text
    assert owner.get(f"{base}/members", params={"status": "DELETED"}).json()["items"] == []
    [mail] = [m for m in mails_to(api, "meg@example.com") if "invited you" in m["subject"]]
    meg_again = api.user("meg-again", email="meg@example.com")
    accepted = meg_again.post("/v1/invitations/accept", json={"token": link_token(mail)})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["member"]["managed"] is False


def test_a_temporary_password_is_changed_at_first_sign_in(api):
    owner = api.user("temp-owner", email="tess@example.com")
    workspace_id = create_workspace(owner, "Temporary")
    made = owner.post(
        f"/v1/workspaces/{workspace_id}/members",
        json={"email": "tom@example.com", "name": "Tom", "role": "viewer"},
    )
    assert made.status_code == 201, made.text
    [welcome] = mails_to(api, "tom@example.com")
    temporary = welcome["text"].split("temporary password:")[1].split()[0]
    first = sign_in(api, "tom@example.com", temporary)
    assert (first.status_code, first.json()["code"]) == (401, "NEW_PASSWORD_REQUIRED")
    chosen = sign_in(api, "tom@example.com", temporary, newPassword="toms-own-password")
    assert chosen.status_code == 200, chosen.text
    assert sign_in(api, "tom@example.com", "toms-own-password").status_code == 200


def test_an_address_with_an_account_is_invited_not_taken_over(api):
    owner = api.user("take-owner", email="tara@example.com")
    workspace_id = create_workspace(owner, "Takeover")
    first = owner.post(
        f"/v1/workspaces/{workspace_id}/members",
        json={
            "email": "zed@example.com",
            "name": "Zed",
            "role": "member",
            "password": "zed-pass-1",
        },
    )
    assert first.status_code == 201
    rival = api.user("rival-owner", email="rio@example.com")
    rival_ws = create_workspace(rival, "Rival")
    taken = rival.post(
        f"/v1/workspaces/{rival_ws}/members",
        json={
            "email": "zed@example.com",
            "name": "Zed",
            "role": "member",
            "password": "rival-pw-1",
        },
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "ACCOUNT_EXISTS")
    assert sign_in(api, "zed@example.com", "zed-pass-1").status_code == 200
