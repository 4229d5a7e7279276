"""Bodies of the managed-account routes (API.md, "Managed accounts"). A password comes in
as a secret: it is never in a repr, a log line or a validation error, and never goes out.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from teamspace.api.models.fields import (
    AgentIds,
    Email,
    JobTitle,
    PersonName,
    RequestModel,
    ResponseModel,
    RoleKey,
    Timestamp,
    agent_id_tuple,
    example,
    granted_toggles,
)
from teamspace.api.models.invitations import TogglesGrant
from teamspace.core.clock import iso
from teamspace.core.records import SignIn
from teamspace.domain.accounts import ManagedMemberRequest


class CreateMemberRequest(RequestModel):
    """A member whose account this workspace creates. With `password`, the admin sets the
    first one; without, the welcome mail (`sendEmail`) carries a temporary one."""

    model_config = example(
        {
            "email": "dana@example.com",
            "name": "Dana Smith",
            "role": "member",
            "jobTitle": "Support lead",
            "sendEmail": True,
        }
    )

    email: Email
    name: PersonName
    role: RoleKey
    jobTitle: JobTitle | None = None
    permissions: TogglesGrant | None = None
    agentIds: AgentIds | None = None
    password: SecretStr | None = None
    sendEmail: bool = True

    def request(self) -> ManagedMemberRequest:
        return ManagedMemberRequest(
            email=self.email,
            name=self.name,
            role=self.role,
            job_title=self.jobTitle or None,
            toggles=granted_toggles(self.permissions),
            agent_ids=agent_id_tuple(self.agentIds),
            password=self.password.get_secret_value() if self.password is not None else None,
            send_email=self.sendEmail,
        )


class PasswordRequest(RequestModel):
    model_config = example({"password": "correct horse battery staple"})

    password: SecretStr


class SignInOut(ResponseModel):
    at: Timestamp
    source: str


def sign_in_out(sign_in: SignIn) -> dict[str, Any]:
    return SignInOut(at=iso(sign_in.at), source=sign_in.source).model_dump()
