"""A managed member's whole life over real HTTP against the local runtime, whose Cognito
user pool is the template's, emulated (issue 16): created with a password, signs in,
has the password reset by an administrator (the old one and the earlier token refused,
the new one accepted), is removed (the account gone, listed as DELETED) and invited
again."""

from __future__ import annotations

import time

import pytest

from tests.support.http import Client, create_workspace, link_token, mails_to

pytestmark = pytest.mark.e2e


def create_member(owner: Client, workspace_id: str, email: str, name: str, **more):
    """POST .../members: a member whose account the workspace makes."""
    body = {"email": email, "name": name, "role": "member", **more}
    return owner.post(f"/v1/workspaces/{workspace_id}/members", json=body)


def next_second() -> None:
    """Token times have whole seconds: a session ended in this second refuses tokens of
    this second too (docs/decisions.md), so the next sign-in waits for the next one."""
    time.sleep(1.05)


def test_a_managed_member_from_creation_to_removal_and_back(api):
    owner = api.user("life-owner", email="lou@example.com")
    workspace_id = create_workspace(owner, "Life")
    base = f"/v1/workspaces/{workspace_id}"
    made = create_member(
        owner, workspace_id, "meg@example.com", "Meg", role="developer", password="meg-first-1"
    )
    assert made.status_code == 201, made.text
    meg = made.json()
    assert (meg["managed"], meg["role"]) == (True, "developer")

    signed = api.sign_in("meg@example.com", "meg-first-1")
    assert signed.status_code == 200, signed.text
    first = api.bearer(signed.json()["token"])
    assert first.get(f"{base}").status_code == 200
    sign_ins = owner.get(f"{base}/members/{meg['userId']}/sign-ins").json()["items"]
    assert len(sign_ins) == 1
    assert owner.get(f"{base}/members/{meg['userId']}").json()["lastSignInAt"] == sign_ins[0]["at"]

    reset = owner.put(f"{base}/members/{meg['userId']}/password", json={"password": "meg-second-1"})
    assert reset.status_code == 204, reset.text
    refused = first.get(f"{base}")
    assert (refused.status_code, refused.json()["code"]) == (401, "SESSION_REVOKED")
    old = api.sign_in("meg@example.com", "meg-first-1")
    assert (old.status_code, old.json()["code"]) == (401, "INVALID_CREDENTIALS")
    next_second()
    second = api.sign_in("meg@example.com", "meg-second-1")
    assert second.status_code == 200, second.text
    assert api.bearer(second.json()["token"]).get(f"{base}").status_code == 200

    assert owner.delete(f"{base}/members/{meg['userId']}").status_code == 204
    gone = api.sign_in("meg@example.com", "meg-second-1")
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
    made = create_member(owner, workspace_id, "tom@example.com", "Tom", role="viewer")
    assert made.status_code == 201, made.text
    [welcome] = mails_to(api, "tom@example.com")
    temporary = welcome["text"].split("temporary password:")[1].split()[0]
    first = api.sign_in("tom@example.com", temporary)
    assert (first.status_code, first.json()["code"]) == (401, "NEW_PASSWORD_REQUIRED")
    chosen = api.sign_in("tom@example.com", temporary, newPassword="toms-own-password")
    assert chosen.status_code == 200, chosen.text
    assert api.sign_in("tom@example.com", "toms-own-password").status_code == 200


def test_an_address_with_an_account_is_invited_not_taken_over(api):
    owner = api.user("take-owner", email="tara@example.com")
    workspace_id = create_workspace(owner, "Takeover")
    first = create_member(owner, workspace_id, "zed@example.com", "Zed", password="zed-pass-1")
    assert first.status_code == 201
    rival = api.user("rival-owner", email="rio@example.com")
    rival_ws = create_workspace(rival, "Rival")
    taken = create_member(rival, rival_ws, "zed@example.com", "Zed", password="rival-pw-1")
    assert (taken.status_code, taken.json()["code"]) == (409, "ACCOUNT_EXISTS")
    assert api.sign_in("zed@example.com", "zed-pass-1").status_code == 200
