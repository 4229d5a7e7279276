"""Configuration: the environment, read and checked once per cold start.

A plain dataclass rather than a pydantic model: every function reads it, and the API
key authorizer, which needs nothing else of pydantic, would otherwise load pydantic
at every cold start (docs/performance.md, table 3).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache

# The seed's floor ("minimum 6 characters"): no stage may ask for less.
MIN_PASSWORD_LENGTH = 6


@dataclass(frozen=True, slots=True)
class Settings:
    table_name: str
    stage: str = "dev"
    region: str = "us-east-1"
    # API Gateway HTTP APIs accept up to 10 MB; no Teamspace body needs more than this.
    max_body_bytes: int = 64 * 1024
    # Invitations (stage parameters in template.yaml)
    invitation_ttl_days: int = 7
    max_pending_invitations: int = 100
    invites_per_inviter_per_hour: int = 50
    accept_url_base: str = "http://127.0.0.1:3000/accept"
    # The platform people sign in to (welcome mail, the invitation page's way back).
    app_url: str = "http://127.0.0.1:3000"
    # Events and mail
    event_bus_name: str = ""
    sender_address: str = "no-reply@teamspace.local"
    # A workspace's own SMTP server (stage parameters): the name prefix of the secrets
    # that hold its passwords, and whether its host may be a private, loopback or
    # link-local address (never in AWS by default; the local runtime allows it).
    smtp_secret_prefix: str = "teamspace-dev/smtp/"  # noqa: S105 - a name prefix, not a secret
    smtp_allow_private_hosts: bool = False
    # The token claim that shows MFA: "true", or a list (such as OIDC's `amr`) holding "mfa".
    mfa_claim: str = "amr"
    # Audit records leave by TTL this many days after their event (stage parameter).
    audit_retention_days: int = 365
    # Where the audit intake puts the events it refuses (the queue's URL; the audit
    # consumer's only).
    audit_intake_dead_letter_queue: str = ""
    # Where the stream publisher reports an event too large for the bus (the queue's
    # URL; the publisher's only).
    publisher_dead_letter_queue: str = ""
    # Managed accounts: the stack's user pool (empty: another issuer, so no accounts are
    # managed here), the shortest password it takes, and how long a removed member is
    # still listed (stage parameters).
    user_pool_id: str = ""
    password_min_length: int = 8
    removed_member_retention_days: int = 30
    # How many requests one API key may make per minute on this stack's routes (stage
    # parameter): past it, 429 RATE_LIMITED with Retry-After.
    api_key_rate_per_minute: int = 600
    # The plan catalogue (stage parameter PlanCatalogue): a JSON document replacing the
    # one the layer ships (teamspace/domain/plans.json); empty, that one. Parsed and
    # checked by teamspace.domain.plans at the first request that reads a plan.
    plan_catalogue: str = ""

    def __post_init__(self) -> None:
        if len(self.table_name) < 3:
            raise ValueError("TABLE_NAME must name the table (at least 3 characters)")
        for spec in fields(self):
            if spec.type == "int" and getattr(self, spec.name) < 1:
                raise ValueError(f"{spec.name.upper()} must be at least 1")
        if self.password_min_length < MIN_PASSWORD_LENGTH:
            raise ValueError(f"PASSWORD_MIN_LENGTH must be at least {MIN_PASSWORD_LENGTH}")


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment the first time."""
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        stage=env.get("STAGE", "dev"),
        region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
        max_body_bytes=_int("MAX_BODY_BYTES", 64 * 1024),
        invitation_ttl_days=_int("INVITATION_TTL_DAYS", 7),
        max_pending_invitations=_int("MAX_PENDING_INVITATIONS", 100),
        invites_per_inviter_per_hour=_int("INVITES_PER_INVITER_PER_HOUR", 50),
        accept_url_base=env.get("ACCEPT_URL_BASE", "http://127.0.0.1:3000/accept"),
        app_url=env.get("APP_URL", "http://127.0.0.1:3000"),
        event_bus_name=env.get("EVENT_BUS_NAME", ""),
        sender_address=env.get("SENDER_ADDRESS", "no-reply@teamspace.local"),
        smtp_secret_prefix=env.get("SMTP_SECRET_PREFIX", "teamspace-dev/smtp/"),
        smtp_allow_private_hosts=_flag("SMTP_ALLOW_PRIVATE_HOSTS", False),
        audit_retention_days=_int("AUDIT_RETENTION_DAYS", 365),
        audit_intake_dead_letter_queue=env.get("AUDIT_INTAKE_DLQ_URL", ""),
        publisher_dead_letter_queue=env.get("PUBLISHER_DLQ_URL", ""),
        mfa_claim=env.get("MFA_CLAIM", "amr"),
        user_pool_id=env.get("USER_POOL_ID", ""),
        password_min_length=_int("PASSWORD_MIN_LENGTH", 8),
        removed_member_retention_days=_int("REMOVED_MEMBER_RETENTION_DAYS", 30),
        api_key_rate_per_minute=_int("API_KEY_RATE_PER_MINUTE", 600),
        plan_catalogue=env.get("PLAN_CATALOGUE", "").strip(),
    )
