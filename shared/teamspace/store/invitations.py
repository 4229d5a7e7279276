"""Invitations and their link tokens in the table.

- invitation: `WS#<workspaceId>` / `INVITE#<invitationId>`; GSI2 (by status)
  `WS#<workspaceId>#INVITES#<status>` / `<createdAt>#<invitationId>`; while pending only,
  GSI1 (by invitee) `EMAIL#<email>` / `INVITE#<createdAt>#<id>` and GSI3 (due for expiry)
  `INVITE_EXPIRY#<shard>` / `<expiresAt>#<ws>#<id>`
- pending lock: `WS#<workspaceId>` / `INVITE_EMAIL#<email>` (one pending per address)
- link token: `INVTOKEN#<sha256 of token>` / `INVTOKEN` (kept after use, so an old link
  answers 410); a token names its invitation (`domain/tokens.py`), so the link's item is
  read with the workspace and the invitation (`snapshots.load(..., also=[token_key])`)

One module: an invitation, its pending-email lock and its tokens change together, in the
same transactions.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from teamspace.core import errors
from teamspace.core.clock import iso, parse_iso
from teamspace.core.errors import TeamspaceError, version_conflict
from teamspace.core.records import Invitation, InvitationStatus, InvitationToken, Page
from teamspace.store import codec, keys, workspaces
from teamspace.store.ops import WriteOp, attribute_values, put_new
from teamspace.store.table import TeamspaceStore

if TYPE_CHECKING:  # snapshots imports this module
    from teamspace.store.snapshots import Snapshot

INVITE_PREFIX = "INVITE#"


# The expiry index spreads its writes over a few partitions; the job reads them all.
EXPIRY_SHARDS = 4


def invitation_key(workspace_id: str, invitation_id: str) -> keys.Key:
    return {
        keys.PK: workspaces.workspace_pk(workspace_id),
        keys.SK: f"{INVITE_PREFIX}{invitation_id}",
    }


def invitations_by_status_pk(workspace_id: str, status: str) -> str:
    return f"WS#{workspace_id}#INVITES#{status}"


def invitee_pk(email: str) -> str:
    return f"EMAIL#{email}"


def expiry_shard_pk(shard: int) -> str:
    return f"INVITE_EXPIRY#{shard}"


def expiry_shard_of(invitation_id: str) -> int:
    return sum(invitation_id.encode()) % EXPIRY_SHARDS


def pending_email_lock_key(workspace_id: str, email: str) -> keys.Key:
    return {keys.PK: workspaces.workspace_pk(workspace_id), keys.SK: f"INVITE_EMAIL#{email}"}


def token_key(token_hash: str) -> keys.Key:
    return {keys.PK: f"INVTOKEN#{token_hash}", keys.SK: "INVTOKEN"}


def invitation_item(invitation: Invitation) -> dict[str, Any]:
    """The invitation, indexed by status always, and by invitee and expiry while pending."""
    created = iso(invitation.created_at)
    expires = iso(invitation.expires_at)
    item: dict[str, Any] = {
        **invitation_key(invitation.workspace_id, invitation.invitation_id),
        keys.GSI2PK: invitations_by_status_pk(invitation.workspace_id, invitation.status.value),
        keys.GSI2SK: f"{created}#{invitation.invitation_id}",
        "entity": "invitation",
        "workspaceId": invitation.workspace_id,
        "invitationId": invitation.invitation_id,
        "email": invitation.email,
        "role": invitation.role,
        "status": invitation.status.value,
        "invitedBy": invitation.invited_by,
        "inviterName": invitation.inviter_name,
        "workspaceName": invitation.workspace_name,
        "name": invitation.name,
        "jobTitle": invitation.job_title,
        "toggles": invitation.toggles,
        "agentIds": list(invitation.agent_ids) if invitation.agent_ids is not None else None,
        "sendEmail": invitation.send_email,
        "sendId": invitation.send_id,
        "tokenHash": invitation.token_hash,
        "acceptedBy": invitation.accepted_by,
        "createdAt": created,
        "expiresAt": expires,
        "updatedAt": iso(invitation.updated_at),
        "version": invitation.version,
    }
    if invitation.is_pending:
        item[keys.GSI1PK] = invitee_pk(invitation.email)
        item[keys.GSI1SK] = f"{INVITE_PREFIX}{created}#{invitation.invitation_id}"
        item[keys.GSI3PK] = expiry_shard_pk(expiry_shard_of(invitation.invitation_id))
        item[keys.GSI3SK] = f"{expires}#{invitation.workspace_id}#{invitation.invitation_id}"
    return item


def invitation_from_item(item: dict[str, Any]) -> Invitation:
    agent_ids = item.get("agentIds")
    return Invitation(
        workspace_id=item["workspaceId"],
        invitation_id=item["invitationId"],
        email=item["email"],
        role=item["role"],
        status=InvitationStatus(item["status"]),
        invited_by=item["invitedBy"],
        inviter_name=item.get("inviterName"),
        workspace_name=item.get("workspaceName", ""),
        name=item.get("name"),
        job_title=item.get("jobTitle"),
        toggles=item.get("toggles", {}),
        agent_ids=tuple(agent_ids) if agent_ids is not None else None,
        send_email=item.get("sendEmail", True),
        send_id=item.get("sendId", 1),
        token_hash=item.get("tokenHash"),
        accepted_by=item.get("acceptedBy"),
        created_at=parse_iso(item["createdAt"]),
        expires_at=parse_iso(item["expiresAt"]),
        updated_at=parse_iso(item["updatedAt"]),
        version=item["version"],
    )


def token_from_item(item: dict[str, Any]) -> InvitationToken:
    return InvitationToken(
        token_hash=item[keys.PK].removeprefix("INVTOKEN#"),
        workspace_id=item["workspaceId"],
        invitation_id=item["invitationId"],
        state=item["state"],
    )


def lock_pending_email(workspace_id: str, email: str, invitation_id: str) -> WriteOp:
    """One pending invitation per address per workspace."""
    item = {
        **pending_email_lock_key(workspace_id, email),
        "entity": "pending_invite_lock",
        "invitationId": invitation_id,
    }
    return put_new(item, errors.invitation_pending(email))


def require_no_pending_invitation(workspace_id: str, email: str) -> WriteOp:
    """No invitation is pending for the address (a member made directly must not race
    one: the invitation would be answered by someone who is a member already)."""
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(pending_email_lock_key(workspace_id, email)),
            "ConditionExpression": "attribute_not_exists(PK)",
        },
        errors.invitation_pending(email),
    )


def release_pending_email(workspace_id: str, email: str) -> WriteOp:
    return WriteOp(
        "Delete", {"Key": codec.to_attributes(pending_email_lock_key(workspace_id, email))}
    )


def create_invitation(invitation: Invitation) -> WriteOp:
    return put_new(invitation_item(invitation), version_conflict("invitation"))


def replace_invitation(
    invitation: Invitation,
    expected_version: int,
    *,
    still_pending: bool = True,
    unexpired_at: datetime | None = None,
    on_failed: TeamspaceError | None = None,
) -> WriteOp:
    """Write the invitation's next state, if nobody changed it since it was read.

    With `still_pending`, it must still be PENDING (an accept racing a revoke or the
    expiry job: exactly one of them wins). With `unexpired_at`, it must not have
    expired by then.
    """
    conditions = ["version = :expected"]
    values: dict[str, Any] = {"expected": expected_version}
    names: dict[str, str] = {}
    if still_pending:
        conditions.append("#status = :pending")
        values["pending"] = "PENDING"
        names["#status"] = "status"
    if unexpired_at is not None:
        conditions.append("expiresAt > :now")
        values["now"] = iso(unexpired_at)
    request: dict[str, Any] = {
        "Item": codec.to_attributes(invitation_item(invitation)),
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeValues": attribute_values(**values),
    }
    if names:
        request["ExpressionAttributeNames"] = names
    return WriteOp("Put", request, on_failed or version_conflict("invitation"))


def put_token(token_hash: str, invitation: Invitation) -> WriteOp:
    """The link's token, by hash; kept a month past expiry so an old link answers 410."""
    item = {
        **token_key(token_hash),
        "entity": "invitation_token",
        "workspaceId": invitation.workspace_id,
        "invitationId": invitation.invitation_id,
        "state": "ACTIVE",
        keys.TTL: int(invitation.expires_at.timestamp()) + 30 * 24 * 3600,
    }
    return put_new(item, version_conflict("invitation token"))


def supersede_token(token_hash: str, invitation: Invitation) -> WriteOp:
    """Mark an older link replaced. A whole item, not an update: if TTL already removed
    the old item, this writes it back as replaced rather than failing (or leaving a
    stub), so the old link can never come back to life."""
    item = {
        **token_key(token_hash),
        "entity": "invitation_token",
        "workspaceId": invitation.workspace_id,
        "invitationId": invitation.invitation_id,
        "state": "SUPERSEDED",
        keys.TTL: int(invitation.expires_at.timestamp()) + 30 * 24 * 3600,
    }
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(item),
            "ConditionExpression": "attribute_not_exists(PK) OR #state = :active",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": attribute_values(active="ACTIVE"),
        },
        errors.link_used(),
    )


def set_token_state(token_hash: str, state: str, *, expect: str = "ACTIVE") -> WriteOp:
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(token_key(token_hash)),
            "UpdateExpression": "SET #state = :state",
            "ConditionExpression": "#state = :expect",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": attribute_values(state=state, expect=expect),
        },
        errors.link_used(),
    )


def get_invitation(
    store: TeamspaceStore, workspace_id: str, invitation_id: str
) -> Invitation | None:
    item = store.get(invitation_key(workspace_id, invitation_id))
    return invitation_from_item(item) if item else None


def get_token(store: TeamspaceStore, token_hash: str) -> InvitationToken | None:
    """A link's item alone (one GetItem): how a link of the earlier format, which names
    no invitation, finds it."""
    item = store.get(token_key(token_hash))
    return token_from_item(item) if item else None


def token_in(snapshot: Snapshot, token_hash: str) -> InvitationToken | None:
    """The link's item a workspace read brought along
    (`snapshots.load(..., also=[token_key(token_hash)])`)."""
    found = snapshot.other(token_key(token_hash))
    return token_from_item(found) if found else None


def list_invitations(
    store: TeamspaceStore, workspace_id: str, status: str | None, *, limit: int, cursor: str | None
) -> Page[Invitation]:
    """A workspace's invitations: of one status from GSI2, or all from the partition."""
    if status is None:
        return store.partition_page(
            workspaces.workspace_pk(workspace_id),
            INVITE_PREFIX,
            invitation_from_item,
            limit,
            cursor,
        )
    gsi_pk = invitations_by_status_pk(workspace_id, status)
    request = {
        "IndexName": keys.GSI2,
        "KeyConditionExpression": "GSI2PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": gsi_pk}},
        "ScanIndexForward": False,
    }
    return store.query_page(
        request, limit, cursor, {keys.GSI2PK: gsi_pk}, invitation_from_item, None, None
    )


def list_pending_for_email(
    store: TeamspaceStore, email: str, *, limit: int, cursor: str | None
) -> Page[Invitation]:
    """Pending invitations addressed to `email`, across workspaces (sparse GSI1)."""
    gsi_pk = invitee_pk(email)
    request = {
        "IndexName": keys.GSI1,
        "KeyConditionExpression": "GSI1PK = :pk AND begins_with(GSI1SK, :prefix)",
        "ExpressionAttributeValues": {
            ":pk": {"S": gsi_pk},
            ":prefix": {"S": INVITE_PREFIX},
        },
    }
    return store.query_page(
        request,
        limit,
        cursor,
        {keys.GSI1PK: gsi_pk},
        invitation_from_item,
        None,
        None,
        prefixes={keys.GSI1SK: INVITE_PREFIX},
    )


def due_invitations(
    store: TeamspaceStore, shard: int, due_by: str, *, limit: int, cursor: str | None
) -> Page[Invitation]:
    """Pending invitations of one expiry shard whose expiry is at or before `due_by`.

    GSI3 holds pending invitations only, ordered by expiry, so this reads the due
    ones and nothing else.
    """
    gsi_pk = expiry_shard_pk(shard)
    request = {
        "IndexName": keys.GSI3,
        "KeyConditionExpression": "GSI3PK = :pk AND GSI3SK <= :due",
        "ExpressionAttributeValues": {
            ":pk": {"S": gsi_pk},
            # Every sort key at that instant, whatever ids follow it, sorts below '~'.
            ":due": {"S": f"{due_by}#~"},
        },
    }
    return store.query_page(
        request, limit, cursor, {keys.GSI3PK: gsi_pk}, invitation_from_item, None, None
    )
