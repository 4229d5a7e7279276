"""A member's effective permissions, and the answer to "may they do this?"."""

from __future__ import annotations

from dataclasses import dataclass

from teamspace.permissions.catalogue import AGENT_SCOPED, Permission
from teamspace.permissions.grants import TOGGLE_PERMISSIONS, Subject


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one permission question, with a reason a person can read."""

    allowed: bool
    reason: str


def effective_permissions(subject: Subject) -> frozenset[Permission]:
    """The role's permissions with the member's toggles applied; nothing while suspended."""
    if not subject.is_active:
        return frozenset()
    held = set(subject.role.permissions)
    for name, value in subject.toggles.settings().items():
        permission = TOGGLE_PERMISSIONS[name]
        if value:
            held.add(permission)
        else:
            held.discard(permission)
    return frozenset(held)


def decide(subject: Subject, permission: Permission, resource_id: str | None = None) -> Decision:
    """Whether `subject` holds `permission`, on `resource_id` when one is named.

    Agent-scoped permissions honour the member's agent assignment: with an assignment,
    a named agent must be on it; with no agent named, the member needs at least one.
    """
    if not subject.is_active:
        return Decision(False, "member is suspended")
    if permission not in effective_permissions(subject):
        return Decision(False, f"{permission} is not granted to role {subject.role.key}")
    if permission in AGENT_SCOPED and subject.agent_ids is not None:
        if resource_id is None:
            if not subject.agent_ids:
                return Decision(False, "no agents are assigned to this member")
            return Decision(True, f"granted for the {len(subject.agent_ids)} assigned agents")
        if resource_id not in subject.agent_ids:
            return Decision(False, f"agent {resource_id} is not assigned to this member")
        return Decision(True, f"granted on assigned agent {resource_id}")
    source = _source_of(subject, permission)
    return Decision(True, f"granted by {source}")


def holds(subject: Subject, permission: Permission) -> bool:
    """Whether `subject` holds `permission` at all (ignoring agent scope)."""
    return permission in effective_permissions(subject)


def _source_of(subject: Subject, permission: Permission) -> str:
    for name, value in subject.toggles.settings().items():
        if value and TOGGLE_PERMISSIONS[name] == permission:
            return f"toggle {name}"
    return f"role {subject.role.key}"
