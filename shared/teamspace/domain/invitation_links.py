"""The link of each send of an invitation, issued by the mailer: the token exists only in
the mail, and a late or repeated event never issues a link for an older send."""

from __future__ import annotations

from dataclasses import dataclass, replace

from teamspace.core.records import Invitation
from teamspace.domain.invitation_steps import InvitationSteps
from teamspace.domain.tokens import hash_token, new_token
from teamspace.store import invitations as invitation_store


@dataclass(frozen=True, slots=True)
class IssuedLink:
    invitation: Invitation
    accept_url: str


class InvitationLinks(InvitationSteps):
    """The mailer's side of invitations."""

    def issue_link(self, workspace_id: str, invitation_id: str, send_id: int) -> IssuedLink | None:
        """A fresh token for the send `send_id` of an invitation, for the mailer to send.

        The token exists only in the mail: the invitation keeps its hash. None when the
        invitation moved on (accepted, revoked, or sent again since), so a late or
        repeated event never issues a link for an older send.
        """
        invitation = invitation_store.get_invitation(self.store, workspace_id, invitation_id)
        if invitation is None or not invitation.is_pending or invitation.send_id != send_id:
            return None
        token = new_token(workspace_id, invitation_id)
        updated = replace(
            invitation,
            token_hash=hash_token(token),
            updated_at=self.clock.now(),
            version=invitation.version + 1,
        )
        ops = [
            invitation_store.replace_invitation(updated, invitation.version),
            invitation_store.put_token(hash_token(token), updated),
        ]
        if invitation.token_hash:  # an earlier attempt of this send issued one
            ops.append(invitation_store.supersede_token(invitation.token_hash, invitation))
        self.store.commit(ops)
        return IssuedLink(updated, self.limits.accept_url(token))
