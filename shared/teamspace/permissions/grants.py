"""Who holds what: a member as the permission layer sees it, and their per-member grants.

The toggles come from the seeds' member form ("Can edit agents", ...). A toggle left
unset follows the role; True adds its permission and False takes it away.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from teamspace.permissions.catalogue import Permission
from teamspace.permissions.roles import RoleDefinition


class MemberStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


TOGGLE_PERMISSIONS: dict[str, Permission] = {
    "canEditAgents": Permission.AGENTS_EDIT,
    "canUseAdvancedEditor": Permission.AGENTS_ADVANCED_EDITOR,
    "canAccessCrm": Permission.CRM_ACCESS,
    "canViewBillableMinutes": Permission.BILLING_MINUTES_VIEW,
    "canViewRecordings": Permission.RECORDINGS_VIEW,
}


class Toggles(BaseModel):
    """Per-member grants on top of the role; None means "as the role says"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    canEditAgents: bool | None = None
    canUseAdvancedEditor: bool | None = None
    canAccessCrm: bool | None = None
    canViewBillableMinutes: bool | None = None
    canViewRecordings: bool | None = None

    def settings(self) -> dict[str, bool]:
        """The toggles that are set, by name."""
        return {name: value for name, value in self.model_dump().items() if value is not None}


class Subject(BaseModel):
    """A member of one workspace, with everything their permissions depend on."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    role: RoleDefinition
    status: MemberStatus = MemberStatus.ACTIVE
    toggles: Toggles = Toggles()
    # None: every agent of the workspace. A set: only these agents.
    agent_ids: frozenset[str] | None = None
    # An API key acting in the workspace (permissions/keys.py), not a person.
    api_key: bool = False

    @property
    def rank(self) -> int:
        return self.role.rank

    @property
    def is_active(self) -> bool:
        return self.status is MemberStatus.ACTIVE
