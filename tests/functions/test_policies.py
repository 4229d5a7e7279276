"""Workspace security policies through the real handlers on moto: invitations only to the
allowed email domains, and MFA required of every request once the owner (signed in with
MFA) turns it on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import OWNER, OWNER_SUB, Team, invite, sample_event, token_of, user

WITH_MFA = {"amr": "[pwd mfa]"}  # how an HTTP API hands a list claim to the function
OWNER_MFA = {**OWNER, **WITH_MFA}


def claims(who: str, mfa: bool = False) -> dict[str, Any]:
    base = OWNER if who == OWNER_SUB else user(who)
    return {**base, **(WITH_MFA if mfa else {})}


def set_settings(functions, settings: dict[str, Any], who=OWNER_SUB, mfa=False):
    event = sample_event(
        "workspaces/update-workspace.json", caller=claims(who, mfa), body={"settings": settings}
    )
    return functions.call("WorkspacesFunction", event)


def invite_as(functions, email: str, who=OWNER_SUB, mfa=False):
    """A member's invitation for `email` as `who` (with MFA if asked), keyed by the address."""
    return invite(functions, email, who=claims(who, mfa), key=f"invite-{email}")


def get_workspace(functions, who: str, mfa=False):
    event = sample_event("workspaces/get-workspace.json", caller=claims(who, mfa))
    return functions.call("WorkspacesFunction", event)


@pytest.fixture
def team(functions, store, clock, ids, worlds) -> None:
    """The sample workspace with an admin (ada) and a member (mo), built once per module."""

    def build() -> None:
        team = Team.create(functions, store, clock)
        team.add("ada", "admin")
        team.add("mo", "member")

    worlds.once("team", clock, ids, build)


# ---- allowedEmailDomains -----------------------------------------------------------------


def test_invitations_go_only_to_the_allowed_domains(functions, team):
    reply = set_settings(functions, {"allowedEmailDomains": ["Acme.com", "acme.io"]})
    assert reply.body["settings"]["allowedEmailDomains"] == ["acme.com", "acme.io"]
    assert invite_as(functions, "dev@acme.com").status == 201
    assert invite_as(functions, "ops@ACME.io").status == 201
    for email in ("eve@evil.com", "x@eu.acme.com", "x@acme.com.evil.io"):
        refused = invite_as(functions, email)
        assert (refused.status, refused.code) == (403, "EMAIL_DOMAIN_NOT_ALLOWED"), email


def test_bulk_invitations_are_refused_one_by_one(functions, team):
    set_settings(functions, {"allowedEmailDomains": ["acme.com"]})
    event = sample_event(
        "invitations/bulk-invite.json",
        body={
            "invitations": [
                {"email": "a@acme.com", "role": "member", "sendEmail": False},
                {"email": "b@other.com", "role": "member", "sendEmail": False},
            ]
        },
    )
    results = functions.call("InvitationsFunction", event).body["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("created", None),
        ("refused", "EMAIL_DOMAIN_NOT_ALLOWED"),
    ]


def test_the_policy_in_force_at_accept_applies(functions, team):
    token = token_of(invite_as(functions, "bob@other.com"))
    set_settings(functions, {"allowedEmailDomains": ["acme.com"]})
    event = sample_event(
        "invitations/accept-invitation.json",
        caller=user("bob", "bob@other.com"),
        body={"token": token},
    )
    reply = functions.call("InvitationsFunction", event)
    assert (reply.status, reply.code) == (403, "EMAIL_DOMAIN_NOT_ALLOWED")
    set_settings(functions, {"allowedEmailDomains": None})
    assert functions.call("InvitationsFunction", event).status == 200


def test_a_resend_to_a_domain_no_longer_allowed_is_refused(functions, team):
    invitation = invite_as(functions, "bob@other.com").body["invitationId"]
    set_settings(functions, {"allowedEmailDomains": ["acme.com"]})
    event = sample_event("invitations/resend-invitation.json", path={"invitationId": invitation})
    assert functions.call("InvitationsFunction", event).code == "EMAIL_DOMAIN_NOT_ALLOWED"


@pytest.mark.parametrize(
    "domains", [[], ["not a domain"], ["acme.com", "ACME.com"], ["@acme.com"], ["a" * 300 + ".com"]]
)
def test_malformed_domain_lists_are_422(functions, team, domains):
    reply = set_settings(functions, {"allowedEmailDomains": domains})
    assert (reply.status, reply.code) == (422, "VALIDATION_FAILED")


# ---- requireMfa --------------------------------------------------------------------------


def test_only_the_owner_turns_mfa_on_and_only_with_mfa(functions, team):
    refused = set_settings(functions, {"requireMfa": True}, who="ada", mfa=True)
    assert (refused.status, refused.code) == (403, "OWNER_ONLY_SETTING")
    refused = set_settings(functions, {"requireMfa": True})
    assert (refused.status, refused.code) == (403, "MFA_REQUIRED")
    assert get_workspace(functions, "mo").status == 200  # still off
    assert set_settings(functions, {"requireMfa": True}, mfa=True).status == 200


def test_with_mfa_required_every_request_must_show_it(functions, team):
    set_settings(functions, {"requireMfa": True}, mfa=True)
    for who in (OWNER_SUB, "ada", "mo"):
        refused = get_workspace(functions, who)
        assert (refused.status, refused.code) == (403, "MFA_REQUIRED")
        assert get_workspace(functions, who, mfa=True).status == 200
    refused = invite_as(functions, "new@acme.com", who="ada")
    assert refused.code == "MFA_REQUIRED"
    event = sample_event("membership/my-permissions.json", caller=claims("mo"))
    assert functions.call("MembershipFunction", event).code == "MFA_REQUIRED"


def test_strangers_still_find_nothing_rather_than_an_mfa_hint(functions, team):
    set_settings(functions, {"requireMfa": True}, mfa=True)
    assert get_workspace(functions, "stranger").status == 404


def test_the_owner_turns_mfa_off_from_an_mfa_session(functions, team):
    set_settings(functions, {"requireMfa": True}, mfa=True)
    assert set_settings(functions, {"requireMfa": False}).code == "MFA_REQUIRED"
    assert set_settings(functions, {"requireMfa": False}, who="ada", mfa=True).code == (
        "OWNER_ONLY_SETTING"
    )
    assert set_settings(functions, {"requireMfa": False}, mfa=True).status == 200
    assert get_workspace(functions, "mo").status == 200


def test_other_settings_changes_leave_the_mfa_rule_alone(functions, team):
    set_settings(functions, {"requireMfa": True}, mfa=True)
    assert set_settings(functions, {"timezone": "Europe/Berlin"}, who="ada", mfa=True).status == 200


def test_the_mfa_claim_is_a_stage_setting(functions, team, monkeypatch):
    from teamspace import wiring  # noqa: PLC0415

    monkeypatch.setenv("MFA_CLAIM", "mfa_verified")
    wiring.reset()
    assert set_settings(functions, {"requireMfa": True}, mfa=True).code == "MFA_REQUIRED"
    event = sample_event(
        "workspaces/update-workspace.json",
        caller={**OWNER, "mfa_verified": True},
        body={"settings": {"requireMfa": True}},
    )
    assert functions.call("WorkspacesFunction", event).status == 200
