"""Who may say whether a member takes escalations now (seed 002, "human agent
availability"; API.md, "Availability").

Availability is a statement about oneself, so it needs no permission: every active
member sets their own, and nobody sets anyone else's. The escalation queue combines it
with `escalations:handle` when it routes a call, so a member who holds neither role nor
grant for escalations is simply never routed one; requiring the permission here instead
would leave an agent demoted to member stuck "available" with no way to go offline. An
API key is not a member and has no availability.
"""

from __future__ import annotations

from teamspace.permissions.grants import Subject
from teamspace.permissions.rank_rules import ALLOWED, Verdict


def check_availability(actor: Subject) -> Verdict:
    """Setting one's own availability: any active member, never a key."""
    if actor.api_key:
        return Verdict(False, "API_KEY_NOT_ALLOWED", "an API key has no availability to set")
    if not actor.is_active:
        return Verdict(False, "PERMISSION_DENIED", "a suspended member holds nothing")
    return ALLOWED
