"""A workspace's standing with the platform's billing service: what a suspension leaves.

The workspace's status is on the workspace item every request reads already, so the gate
costs no read of its own. While a workspace is SUSPENDED (the billing service asked for
it, WorkspaceSuspensionRequested), its members may still read the workspace itself, so
that a client can show why nothing else works; every other request inside it, its API
keys, the acceptance of its invitations and the completion of its ownership transfer
are refused with 403 WORKSPACE_SUSPENDED. An agency's suspension reaches whoever acts
in its clients through it (its owner and its assigned staff); the clients' own members
are decided by the client's own status (docs/decisions.md, "Suspension").

Like the rank rules, each check returns a Verdict and never raises. Statuses are the
workspace record's status values, as strings (this layer imports nothing of ours).
"""

from __future__ import annotations

from enum import StrEnum

from teamspace.permissions.rank_rules import ALLOWED, Verdict

SUSPENDED = "SUSPENDED"
WORKSPACE_SUSPENDED = "WORKSPACE_SUSPENDED"


class Use(StrEnum):
    """What a request does with a workspace, as far as its standing is concerned."""

    READ_WORKSPACE = "read_workspace"  # GET /v1/workspaces/{workspaceId}: still allowed
    ACT = "act"  # every other route inside it, an API key's request
    JOIN = "join"  # accepting one of its invitations
    TAKE_OVER = "take_over"  # completing its ownership transfer
    THROUGH_AGENCY = "through_agency"  # acting in a client through the agency
    # The agency taking its staff's assignment to one of its clients away: it only ever
    # takes access away, so a suspended client allows it.
    WITHDRAW = "withdraw"


# What a suspended workspace still allows.
WHILE_SUSPENDED = frozenset({Use.READ_WORKSPACE, Use.WITHDRAW})

_REFUSALS = {
    Use.ACT: "This workspace is suspended; only reading the workspace itself is allowed",
    Use.JOIN: "This workspace is suspended; its invitations cannot be accepted now",
    Use.TAKE_OVER: "This workspace is suspended; its ownership cannot change hands now",
    Use.THROUGH_AGENCY: "The agency is suspended; its staff cannot act in its clients now",
}


def is_suspended(status: str) -> bool:
    return status == SUSPENDED


def check_standing(status: str, use: Use) -> Verdict:
    """Whether a workspace of `status` allows `use` (for THROUGH_AGENCY: the agency's
    status, for anything its owner or staff do in one of its clients)."""
    if not is_suspended(status) or use in WHILE_SUSPENDED:
        return ALLOWED
    return Verdict(False, WORKSPACE_SUSPENDED, _REFUSALS[use])
