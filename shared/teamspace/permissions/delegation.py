"""Agencies: who may give an agency's staff a role in one of its client workspaces.

An agency member assigned to a client acts there with the role the assignment gives
(admin unless another is named). Whoever assigns must hold `clients:manage` in the
agency, and the role may grant nothing the assigner does not hold there themselves;
the client's owner role is never handed out this way.
"""

from __future__ import annotations

from teamspace.permissions.catalogue import Permission
from teamspace.permissions.evaluation import effective_permissions
from teamspace.permissions.grants import Subject
from teamspace.permissions.rank_rules import ALLOWED, Verdict
from teamspace.permissions.roles import OWNER, RoleDefinition


def check_client_assignment(assigner: Subject, role: RoleDefinition) -> Verdict:
    held = effective_permissions(assigner)
    if Permission.CLIENTS_MANAGE not in held:
        return Verdict(
            False, "PERMISSION_DENIED", f"your role does not grant {Permission.CLIENTS_MANAGE}"
        )
    if role.key == OWNER:
        return Verdict(False, "OWNER_IMMUTABLE", "a client's owner role cannot be assigned")
    beyond = sorted(str(p) for p in role.permissions - held)
    if beyond:
        return Verdict(
            False,
            "GRANT_EXCEEDS_OWN",
            f"the role grants what you do not hold: {', '.join(beyond)}",
        )
    return ALLOWED
