"""Bodies of the member routes: a member, their grants, their permissions and an
authorization question (API.md, "Members")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from teamspace import permissions
from teamspace.api.models.fields import (
    AgentId,
    AgentIds,
    AvatarUrl,
    JobTitle,
    MemberStatusName,
    PersonName,
    RequestModel,
    ResponseModel,
    RoleKeyOut,
    Timestamp,
    agent_id_tuple,
    example,
)
from teamspace.core.clock import iso
from teamspace.core.records import Availability, RemovedMember
from teamspace.domain.access import ResolvedMember
from teamspace.domain.membership import EffectivePermissions, MemberChanges
from teamspace.permissions import Decision


class TogglesPatch(RequestModel):
    canEditAgents: bool | None = None
    canUseAdvancedEditor: bool | None = None
    canAccessCrm: bool | None = None
    canViewBillableMinutes: bool | None = None
    canViewRecordings: bool | None = None


class UpdateMemberRequest(RequestModel):
    model_config = example(
        {
            "jobTitle": "Senior agent",
            "avatarUrl": "https://cdn.example.com/avatars/ana.png",
            "permissions": {"canViewRecordings": True},
            "agentIds": ["agent_sales_1"],
        }
    )

    name: PersonName | None = None
    jobTitle: JobTitle | None = None
    # null removes the picture.
    avatarUrl: AvatarUrl | None = None
    permissions: TogglesPatch | None = None
    agentIds: AgentIds | None = None

    def changes(self) -> MemberChanges:
        sent = self.model_fields_set
        fields: dict[str, Any] = {}
        if "name" in sent:
            fields["name"] = self.name
        if "jobTitle" in sent:
            fields["job_title"] = self.jobTitle or None
        if "avatarUrl" in sent:
            fields["avatar_url"] = self.avatarUrl
        if "permissions" in sent and self.permissions is not None:
            fields["toggles"] = self.permissions.model_dump(exclude_unset=True)
        if "agentIds" in sent:
            fields["agent_ids"] = agent_id_tuple(self.agentIds)
        return MemberChanges(**fields)


class MemberOut(ResponseModel):
    userId: str
    email: str
    name: str | None
    jobTitle: str | None
    avatarUrl: str | None = None
    role: RoleKeyOut
    status: MemberStatusName
    # Each toggle as it takes effect (role default or override) ...
    permissions: dict[str, bool]
    # ... and only the overrides, as set on this member.
    permissionOverrides: dict[str, bool]
    agentIds: list[str] | None
    joinedAt: Timestamp
    updatedAt: Timestamp
    # Agency staff working in a client: the agency whose assignment made them a member.
    via: str | None = None
    # Whether this workspace made the member's account (a managed member).
    managed: bool = False
    lastSignInAt: Timestamp | None = None
    # A removed member (status DELETED): when, and by whom.
    removedAt: Timestamp | None = None
    removedBy: str | None = None
    # Whether they take escalations now (PUT .../members/me/availability).
    availability: Availability = Availability.OFFLINE


def member_out(resolved: ResolvedMember) -> dict[str, Any]:
    member, role = resolved.member, resolved.role
    held = permissions.effective_permissions(
        permissions.Subject(
            user_id=member.user_id, role=role, toggles=permissions.Toggles(**member.toggles)
        )
    )
    return MemberOut(
        userId=member.user_id,
        email=member.email,
        name=member.name,
        jobTitle=member.job_title,
        avatarUrl=member.avatar_url,
        role=member.role,
        status=member.status,
        permissions={
            name: permission in held for name, permission in permissions.TOGGLE_PERMISSIONS.items()
        },
        permissionOverrides=dict(member.toggles),
        agentIds=list(member.agent_ids) if member.agent_ids is not None else None,
        joinedAt=iso(member.joined_at),
        updatedAt=iso(member.updated_at),
        via=member.via,
        managed=member.managed,
        lastSignInAt=iso(member.last_sign_in_at) if member.last_sign_in_at else None,
        availability=member.availability,
    ).model_dump()


def removed_member_out(removed: RemovedMember) -> dict[str, Any]:
    """A removed member as the list shows one: status DELETED, holding nothing."""
    return MemberOut(
        userId=removed.user_id,
        email=removed.email,
        name=removed.name,
        jobTitle=removed.job_title,
        role=removed.role,
        status="DELETED",
        permissions=dict.fromkeys(permissions.TOGGLE_PERMISSIONS, False),
        permissionOverrides={},
        agentIds=None,
        joinedAt=iso(removed.joined_at),
        updatedAt=iso(removed.removed_at),
        managed=removed.managed,
        removedAt=iso(removed.removed_at),
        removedBy=removed.removed_by,
    ).model_dump()


class AvailabilityRequest(RequestModel):
    """The caller's availability for escalations (API.md, "Availability")."""

    model_config = example({"status": "available"})

    status: Availability


class MyPermissionsOut(ResponseModel):
    role: RoleKeyOut
    permissions: list[str]
    agentIds: list[str] | None


def my_permissions_out(result: EffectivePermissions) -> dict[str, Any]:
    agent_ids = result.member.agent_ids
    return MyPermissionsOut(
        role=result.member.role,
        permissions=sorted(str(p) for p in result.permissions),
        agentIds=list(agent_ids) if agent_ids is not None else None,
    ).model_dump()


class AuthorizeRequest(RequestModel):
    model_config = example({"permission": "agents:edit", "resourceId": "agent_sales_1"})

    permission: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    resourceId: AgentId | None = None


class DecisionOut(ResponseModel):
    allowed: bool
    reason: str


def decision_out(decision: Decision) -> dict[str, Any]:
    return DecisionOut(allowed=decision.allowed, reason=decision.reason).model_dump()
