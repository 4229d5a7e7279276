"""Managed accounts: who may create a member's account, set their password, end their
sessions or delete the account (API.md, "Managed accounts").

Two rules stack. The rank rules, as for removal: the actor holds
`members:manage_accounts` and outranks the target (an admin never touches an admin's or
the owner's account), and nobody uses these on themselves but to sign themselves out.
And the rule that keeps one tenant from taking over another's people: a workspace may
set the password of, sign out at the identity provider, or delete only an account it
created itself and that belongs to no other workspace.
"""

from __future__ import annotations

from collections.abc import Iterable

from teamspace.permissions.catalogue import Permission
from teamspace.permissions.grants import Subject, Toggles
from teamspace.permissions.rank_rules import (
    ALLOWED,
    Verdict,
    check_invitation,
    first_refusal,
    not_self,
    outranks,
    requires,
)
from teamspace.permissions.roles import RoleDefinition


def check_managed_member(
    actor: Subject,
    role: RoleDefinition,
    toggles: Toggles | None = None,
    agent_ids: Iterable[str] | None = None,
) -> Verdict:
    """Creating a member with an account: the bounds of an invitation (a role below the
    actor's, grants within their own), with `members:manage_accounts`."""
    return first_refusal(
        requires(actor, Permission.MEMBERS_MANAGE_ACCOUNTS),
        check_invitation(actor, role, toggles, agent_ids),
    )


def check_account_change(actor: Subject, target: Subject) -> Verdict:
    """Setting `target`'s password (or deleting their account, with their removal)."""
    return first_refusal(
        requires(actor, Permission.MEMBERS_MANAGE_ACCOUNTS),
        not_self(actor, target, "set the password of"),
        outranks(actor, target),
    )


def check_sign_out(actor: Subject, target: Subject) -> Verdict:
    """Ending `target`'s sessions: anyone their own, others' under the rank rules."""
    if actor.user_id == target.user_id:
        return ALLOWED
    return first_refusal(
        requires(actor, Permission.MEMBERS_MANAGE_ACCOUNTS), outranks(actor, target)
    )


def controls_account(workspace_id: str, managed_by: str | None, workspaces: int) -> Verdict:
    """Whether the workspace `workspace_id` controls a member's account at the identity
    provider: it created it (`managed_by`) and the person is a member of it alone
    (`workspaces`: how many workspaces they are a member of, this one included)."""
    if managed_by != workspace_id:
        return Verdict(False, "MEMBER_NOT_MANAGED", "this workspace did not create the account")
    if workspaces != 1:
        return Verdict(
            False, "MEMBER_NOT_MANAGED", "the person belongs to another workspace as well"
        )
    return ALLOWED
