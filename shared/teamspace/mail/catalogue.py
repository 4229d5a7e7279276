"""Which event sends which mail: one template and one mapping per kind of mail.

A mapping turns an event, and the workspace it is about as the mailer read it, into the
mails to send (none when there is nothing to send, e.g. an invitation whose link the
inviter passes on themselves). Adding a notice is a pair of templates in `templates/`
plus one function here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from teamspace import permissions
from teamspace.core.clock import parse_iso
from teamspace.core.events import DetailType, EventDetail
from teamspace.core.records import Workspace
from teamspace.domain.accounts import AccountService
from teamspace.domain.invitation_links import InvitationLinks
from teamspace.domain.workspace_roles import role_of
from teamspace.mail.render import Action, Mail


@dataclass(frozen=True, slots=True)
class MailContext:
    links: InvitationLinks
    accounts: AccountService
    # Where people sign in (the welcome mail's link, the ownership mails' way back).
    app_url: str = ""


Mapping = Callable[[EventDetail, MailContext, Workspace | None], list[Mail]]


def human_date(moment: datetime, zone: str = "UTC") -> str:
    """`moment` as a person reads it in the workspace's time zone, named beside it
    (`8 December 2026 at 11:00 CET (Europe/Berlin)`); UTC for an unknown zone."""
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        zone, local = "UTC", moment.astimezone(ZoneInfo("UTC"))
    shown = local.strftime("%-d %B %Y at %H:%M %Z")
    return shown if zone == "UTC" else f"{shown} ({zone})"


def _zone(workspace: Workspace | None) -> str:
    return workspace.time_zone if workspace is not None else "UTC"


def invitation_mail(
    detail: EventDetail, context: MailContext, workspace: Workspace | None
) -> list[Mail]:
    """The invitation, with a link issued for this very send: who invites, to what, as
    which role and what it allows, until when, and how to get an account first."""
    data = detail.data
    if not data.get("sendEmail", True):
        return []
    link = context.links.issue_link(
        detail.workspaceId, str(data["invitationId"]), int(data["sendId"])
    )
    if link is None:
        return []  # accepted, revoked or sent again since: this send is moot
    invitation = link.invitation
    role = (
        role_of(invitation.role, workspace)
        if workspace is not None
        else (
            permissions.builtin_role(invitation.role) or permissions.unknown_role(invitation.role)
        )
    )
    return [
        Mail(
            to=invitation.email,
            template="invitation",
            data={
                "inviterName": invitation.inviter_name or "A teammate",
                "workspaceName": invitation.workspace_name,
                "roleName": role.name,
                "roleSummary": permissions.role_summary(role),
                "acceptUrl": link.accept_url,
                "expiresOn": human_date(invitation.expires_at, _zone(workspace)),
                "email": invitation.email,
            },
            action=Action("Accept the invitation", link.accept_url),
        )
    ]


def ownership_requested_mail(
    detail: EventDetail, context: MailContext, workspace: Workspace | None
) -> list[Mail]:
    """The nominee learns they are asked to take the workspace over."""
    data = detail.data
    return [
        Mail(
            to=str(data["toEmail"]),
            template="ownership-requested",
            data={
                "ownerName": str(data.get("fromName") or data["fromEmail"]),
                "workspaceName": str(data["workspaceName"]),
                "expiresOn": human_date(parse_iso(str(data["expiresAt"])), _zone(workspace)),
                "appUrl": context.app_url,
            },
            action=Action("Open Teamspace", context.app_url),
        )
    ]


def ownership_transferred_mail(
    detail: EventDetail,
    context: MailContext,
    workspace: Workspace | None,  # noqa: ARG001 - every mapping takes it
) -> list[Mail]:
    """Both people learn the result. A client handed over with its agency (by the system)
    sends nothing: the agency's own transfer told them, once rather than per client."""
    if detail.actor.type == "system":
        return []
    data = detail.data
    facts = {
        "workspaceName": str(data["workspaceName"]),
        "previousOwnerName": str(data.get("fromName") or data["fromEmail"]),
        "newOwnerName": str(data.get("toName") or data["toEmail"]),
        "appUrl": context.app_url,
    }
    action = Action("Open Teamspace", context.app_url)
    return [
        Mail(str(data["fromEmail"]), "ownership-transferred", facts, action),
        Mail(str(data["toEmail"]), "ownership-transferred", facts, action),
    ]


def welcome_mail(
    detail: EventDetail,
    context: MailContext,
    workspace: Workspace | None,  # noqa: ARG001 - every mapping takes it
) -> list[Mail]:
    """A member whose account the workspace made learns how to sign in. Their
    administrator's password is never in it; a temporary one, made for this mail, is
    when the administrator set none (they change it at first sign-in)."""
    data = detail.data
    if not data.get("sendEmail", True):
        return []
    facts = {
        "name": str(data.get("name") or data["email"]),
        "email": str(data["email"]),
        "workspaceName": str(data.get("workspaceName") or "your workspace"),
        "signInUrl": context.app_url,
    }
    action = Action("Sign in", context.app_url)
    if data.get("passwordSet"):
        return [Mail(str(data["email"]), "welcome", facts, action)]
    password = context.accounts.issue_temporary_password(detail.workspaceId, str(data["userId"]))
    if password is None:
        return []  # gone, or no longer this workspace's alone: nothing to hand out
    return [
        Mail(
            str(data["email"]),
            "welcome-temporary",
            {**facts, "temporaryPassword": password},
            action,
        )
    ]


MAILS: dict[DetailType, Mapping] = {
    DetailType.INVITATION_CREATED: invitation_mail,
    DetailType.INVITATION_RESENT: invitation_mail,
    DetailType.OWNERSHIP_TRANSFER_REQUESTED: ownership_requested_mail,
    DetailType.OWNERSHIP_TRANSFERRED: ownership_transferred_mail,
    DetailType.MEMBER_ACCOUNT_CREATED: welcome_mail,
}

MAILED_DETAIL_TYPES = sorted(MAILS)
