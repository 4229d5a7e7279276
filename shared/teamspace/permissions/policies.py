"""Workspace security policies: who may get in, and how, whatever their role grants.

A workspace's settings carry its policy:
- `allowedEmailDomains`: invitations go only to addresses at these domains (exact
  match, case-insensitive; a subdomain is another domain). Unset: any address.
- `requireMfa`: every request inside the workspace needs a token that shows MFA.

Like the rank rules, each check returns a Verdict and never raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from teamspace.permissions.grants import Subject
from teamspace.permissions.rank_rules import ALLOWED, Verdict
from teamspace.permissions.roles import OWNER

ALLOWED_EMAIL_DOMAINS = "allowedEmailDomains"
REQUIRE_MFA = "requireMfa"
# Settings only the owner may change, whatever else a role allows: white-label branding
# (seed 003: the owner has "white-label settings", the admin "cannot access" them), the
# security controls of seed 002 (call recording, PHI redaction, end-to-end encryption:
# "additional security controls", the owner's like requireMfa), and how many owners the
# workspace may have (settings.maxOwners, seed 002's co-owners).
OWNER_ONLY_SETTINGS = ("branding", "securityControls", "maxOwners")


@dataclass(frozen=True, slots=True)
class SecurityPolicy:
    allowed_email_domains: frozenset[str] | None = None
    require_mfa: bool = False

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> SecurityPolicy:
        """The policy a workspace's settings describe."""
        domains = settings.get(ALLOWED_EMAIL_DOMAINS)
        return cls(
            allowed_email_domains=(
                frozenset(d.lower() for d in domains) if domains is not None else None
            ),
            require_mfa=bool(settings.get(REQUIRE_MFA, False)),
        )


def check_mfa(policy: SecurityPolicy, mfa_shown: bool) -> Verdict:
    """Whether a request may proceed in a workspace, given what its token shows."""
    if policy.require_mfa and not mfa_shown:
        return Verdict(False, "MFA_REQUIRED", "this workspace requires multi-factor authentication")
    return ALLOWED


def check_email_domain(policy: SecurityPolicy, email: str) -> Verdict:
    """Whether `email` may be invited to (or join) a workspace with this policy."""
    if policy.allowed_email_domains is None:
        return ALLOWED
    domain = email.rpartition("@")[2].lower()
    if domain in policy.allowed_email_domains:
        return ALLOWED
    allowed = ", ".join(sorted(policy.allowed_email_domains))
    return Verdict(
        False, "EMAIL_DOMAIN_NOT_ALLOWED", f"this workspace only admits addresses at {allowed}"
    )


def check_policy_change(
    actor: Subject, before: SecurityPolicy, after: SecurityPolicy, mfa_shown: bool
) -> Verdict:
    """Who may change the MFA requirement: the owner alone, and only to turn it on from a
    token that already shows MFA, so that the owner cannot lock themselves out.

    (Turning it off needs no MFA proof beyond what the policy in force already demanded
    of the request.) The domain list follows `workspace:update`, checked by the caller.
    """
    if before.require_mfa == after.require_mfa:
        return ALLOWED
    if actor.role.key != OWNER:
        return Verdict(False, "OWNER_ONLY_SETTING", "only the owner can change requireMfa")
    if after.require_mfa and not mfa_shown:
        return Verdict(
            False,
            "MFA_REQUIRED",
            "sign in with multi-factor authentication before requiring it of everyone",
        )
    return ALLOWED


def check_owner_only_settings(
    actor: Subject, before: Mapping[str, Any], after: Mapping[str, Any]
) -> Verdict:
    """Whether `actor` may turn the settings `before` into `after` as far as the
    owner-only settings go: anyone when none of them changes, the owner alone otherwise.
    (The other settings follow `workspace:update`, checked by the caller.)"""
    changed = [name for name in OWNER_ONLY_SETTINGS if before.get(name) != after.get(name)]
    if not changed or actor.role.key == OWNER:
        return ALLOWED
    return Verdict(False, "OWNER_ONLY_SETTING", f"only the owner can change {', '.join(changed)}")
