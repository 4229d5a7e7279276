"""The security-policy rules, table by table: MFA, allowed email domains, who may
change the MFA requirement, and who may change the owner-only settings (branding)."""

from __future__ import annotations

import pytest

from teamspace.permissions import (
    BUILTIN_ROLES,
    SecurityPolicy,
    Subject,
    check_email_domain,
    check_mfa,
    check_owner_only_settings,
    check_policy_change,
)

OFF = SecurityPolicy()
ON = SecurityPolicy(require_mfa=True)
ACME = SecurityPolicy.of({"allowedEmailDomains": ["acme.com", "ACME.io"]})


@pytest.mark.parametrize(
    ("policy", "mfa", "allowed"),
    [(OFF, False, True), (OFF, True, True), (ON, False, False), (ON, True, True)],
)
def test_mfa(policy, mfa, allowed):
    verdict = check_mfa(policy, mfa)
    assert verdict.allowed is allowed
    assert verdict.code == ("" if allowed else "MFA_REQUIRED")


@pytest.mark.parametrize(
    ("policy", "email", "allowed"),
    [
        (OFF, "anyone@anywhere.example", True),
        (ACME, "dev@acme.com", True),
        (ACME, "dev@acme.io", True),
        (ACME, "dev@eu.acme.com", False),
        (ACME, "dev@acme.com.evil.io", False),
        (ACME, "dev@notacme.com", False),
        (SecurityPolicy.of({"allowedEmailDomains": []}), "dev@acme.com", False),
    ],
)
def test_email_domains(policy, email, allowed):
    verdict = check_email_domain(policy, email)
    assert verdict.allowed is allowed
    assert verdict.code == ("" if allowed else "EMAIL_DOMAIN_NOT_ALLOWED")


def subject(role: str) -> Subject:
    return Subject(user_id="u", role=BUILTIN_ROLES[role])


@pytest.mark.parametrize("role", sorted(BUILTIN_ROLES))
@pytest.mark.parametrize(
    ("before", "after", "mfa"),
    [(OFF, ON, True), (OFF, ON, False), (ON, OFF, True), (ON, OFF, False), (ON, ON, False)],
)
def test_who_changes_the_mfa_requirement(role, before, after, mfa):
    verdict = check_policy_change(subject(role), before, after, mfa)
    if before == after:
        expected = ""
    elif role != "owner":
        expected = "OWNER_ONLY_SETTING"
    elif after.require_mfa and not mfa:
        expected = "MFA_REQUIRED"
    else:
        expected = ""
    assert verdict.code == expected
    assert verdict.allowed is (expected == "")


BRANDED = {"branding": {"senderName": "Acme", "accentColor": "#112233"}}
REBRANDED = {"branding": {"senderName": "Acme", "accentColor": "#445566"}}
RECORDED = {"securityControls": {"callRecording": True}}
REDACTED = {"securityControls": {"callRecording": True, "phiRedaction": True}}


@pytest.mark.parametrize("role", sorted(BUILTIN_ROLES))
@pytest.mark.parametrize(
    ("before", "after", "changes_branding"),
    [
        ({}, BRANDED, True),  # set
        (BRANDED, REBRANDED, True),  # changed
        (BRANDED, {}, True),  # removed
        (BRANDED, BRANDED, False),  # sent again unchanged
        (BRANDED, {**BRANDED, "timezone": "Europe/Berlin"}, False),  # another setting
        ({}, {"requireMfa": True}, False),  # not branding: check_policy_change's rule
        ({}, RECORDED, True),  # security controls (seed 002): set
        (RECORDED, REDACTED, True),  # changed
        (REDACTED, {}, True),  # removed
        (REDACTED, {**REDACTED, "locale": "de"}, False),  # another setting
        ({}, {"maxOwners": 3}, True),  # co-owners allowed: the owner's alone too
        ({"maxOwners": 3}, {"maxOwners": 2}, True),
        ({"maxOwners": 3}, {}, True),
        ({"maxOwners": 3}, {"maxOwners": 3, "timezone": "UTC"}, False),
    ],
)
def test_who_changes_the_owner_only_settings(role, before, after, changes_branding):
    verdict = check_owner_only_settings(subject(role), before, after)
    refused = changes_branding and role != "owner"
    assert verdict.allowed is not refused
    assert verdict.code == ("OWNER_ONLY_SETTING" if refused else "")
