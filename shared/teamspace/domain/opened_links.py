"""Opening an invitation link: what its token points at, in one round trip.

A token names its workspace and invitation (`tokens`), so the workspace, the invitation,
the link's own item and the members a request needs come in one BatchGetItem. A link
mailed before tokens carried that locator names nothing: its item is read first
(GetItem by hash), then the rest, one round trip more, until those links have expired.

Either way the link's item, found by the SHA-256 of the whole token, decides. No item,
or one that names another invitation than the locator, is answered exactly as a token
never issued (404 `INVITATION_NOT_FOUND`): a wrong secret, or a locator changed to reach
someone else's invitation, learns nothing. The token and its hash are never logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from teamspace.core.errors import Gone
from teamspace.core.records import Invitation, InvitationToken, Member, Workspace
from teamspace.domain.invitation_steps import invitation_not_found
from teamspace.domain.tokens import parse_token
from teamspace.store import invitations as invitation_store
from teamspace.store import snapshots
from teamspace.store.table import TeamspaceStore


@dataclass(frozen=True, slots=True)
class OpenedLink:
    """A link that names a live invitation: its item, the invitation, its workspace
    (active) and the members asked for that are there."""

    link: InvitationToken
    invitation: Invitation
    workspace: Workspace
    members: dict[str, Member]

    @property
    def token_hash(self) -> str:
        return self.link.token_hash


def open_link(store: TeamspaceStore, token: str, user_ids: Sequence[str] = ()) -> OpenedLink:
    """The invitation a link points at, read with the members `user_ids` names.

    404 for a token never issued (or not of our shapes: no read is made for those);
    410 `INVITATION_REVOKED` when the invitation or its workspace is gone (deleted or
    suspended), `INVITATION_SUPERSEDED` for a link a resend replaced, and
    `INVITATION_ALREADY_USED` for a used link whose invitation still shows pending.
    What the invitation's own status means is the caller's to say.
    """
    parsed = parse_token(token)
    if parsed is None:
        raise invitation_not_found()
    if parsed.workspace_id is None or parsed.invitation_id is None:
        link = invitation_store.get_token(store, parsed.token_hash)
        if link is None:
            raise invitation_not_found()
        snapshot = snapshots.load(store, link.workspace_id, user_ids, [link.invitation_id])
    else:
        snapshot = snapshots.load(
            store,
            parsed.workspace_id,
            user_ids,
            [parsed.invitation_id],
            also=[invitation_store.token_key(parsed.token_hash)],
        )
        link = invitation_store.token_in(snapshot, parsed.token_hash)
        if link is None or (link.workspace_id, link.invitation_id) != (
            parsed.workspace_id,
            parsed.invitation_id,
        ):
            raise invitation_not_found()
    invitation = snapshot.invitations.get(link.invitation_id)
    workspace = snapshot.workspace
    # A suspended workspace's links still open (its preview shows, its invitations may be
    # declined); accepting is what its standing refuses (invitation_answers).
    if invitation is None or workspace is None or not workspace.is_live:
        raise Gone("INVITATION_REVOKED", "This invitation is no longer valid")
    if link.state == "SUPERSEDED":
        raise Gone("INVITATION_SUPERSEDED", "A newer link was sent for this invitation")
    if link.state == "USED" and invitation.is_pending:
        raise Gone("INVITATION_ALREADY_USED", "This link has already been used")
    return OpenedLink(link, invitation, workspace, snapshot.members)
