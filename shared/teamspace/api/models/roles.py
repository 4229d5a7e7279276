"""Bodies of the role routes: the catalogue, custom roles and a member's role
(API.md, "Roles and ownership")."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from teamspace import permissions
from teamspace.api.models.fields import (
    CustomRoleKey,
    RequestModel,
    ResponseModel,
    RoleKey,
    Text,
    example,
)
from teamspace.domain.roles import RoleChanges
from teamspace.permissions import RoleDefinition


class ChangeRoleRequest(RequestModel):
    model_config = example({"role": "manager"})

    role: RoleKey


def _known_permission(value: str) -> permissions.Permission:
    permission = permissions.parse_permission(value)
    if permission is None:
        raise ValueError(f"no permission is called {value!r}")
    return permission


PermissionName = Annotated[str, AfterValidator(_known_permission)]


RoleName = Annotated[Text, StringConstraints(min_length=1, max_length=60)]


CustomRank = Annotated[int, Field(ge=1, le=permissions.CUSTOM_RANK_MAX, strict=True)]


PermissionSet = Annotated[list[PermissionName], Field(max_length=100)]


class CreateRoleRequest(RequestModel):
    """A custom role; `rank` orders it among the roles (1 to 79, below admin's 80)."""

    model_config = example(
        {
            "key": "team_lead",
            "name": "Team lead",
            "permissions": ["members:view", "members:invite"],
            "rank": 50,
        }
    )

    key: CustomRoleKey
    name: RoleName
    permissions: PermissionSet
    rank: CustomRank = permissions.CUSTOM_RANK_DEFAULT


class UpdateRoleRequest(RequestModel):
    model_config = example({"name": "Shift lead", "permissions": ["members:view"]})

    name: RoleName | None = None
    rank: CustomRank | None = None
    permissions: PermissionSet | None = None

    def changes(self) -> RoleChanges:
        fields: dict[str, Any] = {}
        if self.name is not None:
            fields["name"] = self.name
        if self.rank is not None:
            fields["rank"] = self.rank
        if self.permissions is not None:
            fields["permissions"] = frozenset(self.permissions)
        return RoleChanges(**fields)


class RoleOut(ResponseModel):
    key: str
    name: str
    rank: int
    builtin: bool
    permissions: list[str]


def role_out(role: RoleDefinition) -> dict[str, Any]:
    return RoleOut(
        key=role.key,
        name=role.name,
        rank=role.rank,
        builtin=role.builtin,
        permissions=sorted(str(p) for p in role.permissions),
    ).model_dump()
