"""Configuration: one pydantic model of the environment, validated once per cold start."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str = Field(min_length=3)
    stage: str = "dev"
    region: str = "us-east-1"
    # API Gateway HTTP APIs accept up to 10 MB; no Teamspace body needs more than this.
    max_body_bytes: int = 64 * 1024
    # Invitations (stage parameters in template.yaml)
    invitation_ttl_days: int = 7
    max_pending_invitations: int = 100
    invites_per_inviter_per_hour: int = 50
    accept_url_base: str = "http://127.0.0.1:3000/accept"
    # Events and mail
    event_bus_name: str = ""
    sender_address: str = "no-reply@teamspace.local"
    mail_template_prefix: str = "teamspace-dev-"
    # The token claim that shows MFA: "true", or a list (such as OIDC's `amr`) holding "mfa".
    mfa_claim: str = "amr"
    # Audit records leave by TTL this many days after their event (stage parameter).
    audit_retention_days: int = Field(default=365, ge=1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment the first time."""
    env = os.environ
    return Settings(
        table_name=env.get("TABLE_NAME", ""),
        stage=env.get("STAGE", "dev"),
        region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
        max_body_bytes=int(env.get("MAX_BODY_BYTES", 64 * 1024)),
        invitation_ttl_days=int(env.get("INVITATION_TTL_DAYS", 7)),
        max_pending_invitations=int(env.get("MAX_PENDING_INVITATIONS", 100)),
        invites_per_inviter_per_hour=int(env.get("INVITES_PER_INVITER_PER_HOUR", 50)),
        accept_url_base=env.get("ACCEPT_URL_BASE", "http://127.0.0.1:3000/accept"),
        event_bus_name=env.get("EVENT_BUS_NAME", ""),
        sender_address=env.get("SENDER_ADDRESS", "no-reply@teamspace.local"),
        mail_template_prefix=env.get("MAIL_TEMPLATE_PREFIX", "teamspace-dev-"),
        audit_retention_days=int(env.get("AUDIT_RETENTION_DAYS", 365)),
        mfa_claim=env.get("MFA_CLAIM", "amr"),
    )
