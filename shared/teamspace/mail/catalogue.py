"""Which event sends which mail: one template and one mapping per kind of mail.

A mapping turns an event into the mails to send (none when there is nothing to send,
e.g. an invitation whose link the inviter passes on themselves). Adding a notice is a
template in template.yaml plus one function here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from teamspace.core.clock import parse_iso
from teamspace.core.events import DetailType, EventDetail
from teamspace.domain.accounts import AccountService
from teamspace.domain.invitation_links import InvitationLinks
from teamspace.mail.sender import Mail
from teamspace.permissions import builtin_role


@dataclass(frozen=True, slots=True)
class MailContext:
    links: InvitationLinks
    accounts: AccountService
    # Where people sign in (the welcome mail's link).
    app_url: str = ""


Mapping = Callable[[EventDetail, MailContext], list[Mail]]


def human_date(moment: datetime) -> str:
    return moment.strftime("%-d %B %Y at %H:%M UTC")


def invitation_mail(detail: EventDetail, context: MailContext) -> list[Mail]:
    """The invitation, with a link issued for this very send."""
    data = detail.data
    if not data.get("sendEmail", True):
        return []
    link = context.links.issue_link(
        detail.workspaceId, str(data["invitationId"]), int(data["sendId"])
    )
    if link is None:
        return []  # accepted, revoked or sent again since: this send is moot
    invitation = link.invitation
    role = builtin_role(invitation.role)
    return [
        Mail(
            to=invitation.email,
            template="invitation",
            data={
                "inviterName": invitation.inviter_name or "A teammate",
                "workspaceName": invitation.workspace_name,
                "roleName": role.name if role else invitation.role,
                "acceptUrl": link.accept_url,
                "expiresOn": human_date(invitation.expires_at),
            },
        )
    ]


def ownership_requested_mail(detail: EventDetail, context: MailContext) -> list[Mail]:  # noqa: ARG001
    """The nominee learns they are asked to take the workspace over."""
    data = detail.data
    return [
        Mail(
            to=str(data["toEmail"]),
            template="ownership-requested",
            data={
                "ownerName": str(data.get("fromName") or data["fromEmail"]),
                "workspaceName": str(data["workspaceName"]),
                "expiresOn": human_date(parse_iso(str(data["expiresAt"]))),
            },
        )
    ]


def ownership_transferred_mail(detail: EventDetail, context: MailContext) -> list[Mail]:  # noqa: ARG001
    """Both people learn the result. A client handed over with its agency (by the system)
    sends nothing: the agency's own transfer told them, once rather than per client."""
    if detail.actor.type == "system":
        return []
    data = detail.data
    facts = {
        "workspaceName": str(data["workspaceName"]),
        "previousOwnerName": str(data.get("fromName") or data["fromEmail"]),
        "newOwnerName": str(data.get("toName") or data["toEmail"]),
    }
    return [
        Mail(to=str(data["fromEmail"]), template="ownership-transferred", data=facts),
        Mail(to=str(data["toEmail"]), template="ownership-transferred", data=facts),
    ]


def welcome_mail(detail: EventDetail, context: MailContext) -> list[Mail]:
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
    if data.get("passwordSet"):
        return [Mail(to=str(data["email"]), template="welcome", data=facts)]
    password = context.accounts.issue_temporary_password(detail.workspaceId, str(data["userId"]))
    if password is None:
        return []  # gone, or no longer this workspace's alone: nothing to hand out
    return [
        Mail(
            to=str(data["email"]),
            template="welcome-temporary",
            data={**facts, "temporaryPassword": password},
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
