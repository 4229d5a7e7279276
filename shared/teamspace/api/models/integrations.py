"""Bodies of a workspace's integration routes (API.md, "Workspace integrations and
branding"): its own SMTP server. The password goes in, once per change, and never comes
out: no reply carries it, and `passwordSet` says whether one is stored."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, SecretStr, StringConstraints

from teamspace.api.models.fields import (
    Email,
    RequestModel,
    ResponseModel,
    SenderName,
    Text,
    Timestamp,
    example,
)
from teamspace.core.clock import iso
from teamspace.core.records import SmtpIntegration, SmtpSecurity
from teamspace.domain.smtp_integrations import SmtpSettings

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _smtp_host(value: str) -> str:
    """A DNS name (letters, digits and hyphens in dot-separated labels) or an IP address."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    labels = value.split(".")
    if len(value) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError("must be a host name such as smtp.example.com, or an IP address")
    return value.lower()


SmtpHost = Annotated[
    str, StringConstraints(min_length=1, max_length=253), AfterValidator(_smtp_host)
]
SmtpUsername = Annotated[Text, StringConstraints(min_length=1, max_length=256)]


class SmtpSettingsRequest(RequestModel):
    """The server, how to reach it, how to log in (`username` with `password`; without a
    username, no AUTH), and whom the workspace's mail comes from. A PUT without
    `password` keeps the stored one for the same server's login."""

    model_config = example(
        {
            "host": "smtp.example.com",
            "port": 587,
            "security": "starttls",
            "username": "mailer",
            "password": "app-password",
            "fromAddress": "team@example.com",
            "fromName": "Acme Support",
        }
    )

    host: SmtpHost
    port: Annotated[int, Field(ge=1, le=65535)]
    security: Literal["starttls", "tls", "none"]
    username: SmtpUsername | None = None
    password: Annotated[SecretStr, Field(min_length=1, max_length=256)] | None = None
    fromAddress: Email
    fromName: SenderName | None = None

    def settings(self) -> SmtpSettings:
        return SmtpSettings(
            host=self.host,
            port=self.port,
            security=SmtpSecurity(self.security),
            username=self.username,
            password=self.password.get_secret_value() if self.password is not None else None,
            from_address=self.fromAddress,
            from_name=self.fromName,
        )


class SmtpTestRequest(RequestModel):
    """Where the test message goes."""

    model_config = example({"to": "dana@example.com"})

    to: Email


class SmtpIntegrationOut(ResponseModel):
    host: str
    port: int
    security: Literal["starttls", "tls", "none"]
    username: str | None
    passwordSet: bool
    fromAddress: str
    fromName: str | None
    lastTestedAt: Timestamp | None
    lastError: str | None
    updatedAt: Timestamp
    updatedBy: str


class SmtpTestOut(ResponseModel):
    accepted: bool


def smtp_integration_out(integration: SmtpIntegration) -> dict[str, Any]:
    return SmtpIntegrationOut(
        host=integration.host,
        port=integration.port,
        security=integration.security.value,
        username=integration.username,
        passwordSet=integration.password_version is not None,
        fromAddress=integration.from_address,
        fromName=integration.from_name,
        lastTestedAt=iso(integration.last_tested_at) if integration.last_tested_at else None,
        lastError=integration.last_error,
        updatedAt=iso(integration.updated_at),
        updatedBy=integration.updated_by,
    ).model_dump()
