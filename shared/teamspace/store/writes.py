"""The write operations a transaction is made of.

A service composes a change from these (the state change, the re-checks its permission
decision relied on, the outbox record) and the store commits them in one
TransactWriteItems. Each operation names the domain error to raise when its condition
fails, so the cancellation reasons map back to what went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from teamspace.clock import iso
from teamspace.domain.records import Invitation, Member, OwnershipTransfer, Workspace
from teamspace.errors import (
    Conflict,
    Gone,
    LimitExceeded,
    TeamspaceError,
    version_conflict,
    workspace_not_found,
)
from teamspace.store import codec, keys

if TYPE_CHECKING:  # an annotation only: the store loads no pydantic model
    from teamspace.domain.events import OutboxEvent

OUTBOX_RETENTION_SECONDS = 7 * 24 * 3600
IDEMPOTENCY_RETENTION_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class WriteOp:
    """One item of a TransactWriteItems, without the table name."""

    kind: str  # Put | Update | Delete | ConditionCheck
    request: dict[str, Any]
    on_condition_failed: TeamspaceError | None = None

    def key(self) -> tuple[str, str]:
        if self.kind == "Put":
            item = self.request["Item"]
            return item[keys.PK]["S"], item[keys.SK]["S"]
        key = self.request["Key"]
        return key[keys.PK]["S"], key[keys.SK]["S"]


def attribute_values(**values: Any) -> dict[str, Any]:
    return codec.to_attributes({f":{name}": value for name, value in values.items()})


def create_workspace(workspace: Workspace) -> WriteOp:
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(codec.workspace_item(workspace)),
            "ConditionExpression": "attribute_not_exists(PK)",
        },
        version_conflict("workspace"),
    )


def update_workspace(
    workspace: Workspace, expected_version: int, *, assigned_at_most: int | None = None
) -> WriteOp:
    """Profile fields only: the member counter and status are not touched here.

    With `assigned_at_most` (an agency's new minute pool), the minutes its clients hold
    must not exceed it at the write.
    """
    item = codec.workspace_item(workspace)
    sets = ["#name = :name", "#settings = :settings", "updatedAt = :updatedAt", "version = :next"]
    removes = []
    values: dict[str, Any] = {
        "name": item["name"],
        "settings": item["settings"],
        "updatedAt": item["updatedAt"],
        "next": expected_version + 1,
        "expected": expected_version,
        "active": "ACTIVE",
    }
    for attribute in ("description", "logoUrl"):
        if item[attribute] is None:
            removes.append(attribute)
        else:
            sets.append(f"{attribute} = :{attribute}")
            values[attribute] = item[attribute]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    condition = "version = :expected AND #status = :active"
    if assigned_at_most is not None:
        condition += " AND (attribute_not_exists(minutesAssigned) OR minutesAssigned <= :pool)"
        values["pool"] = assigned_at_most
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace.workspace_id)),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {
                "#name": "name",
                "#settings": "settings",
                "#status": "status",
            },
            "ExpressionAttributeValues": attribute_values(**values),
        },
        version_conflict("workspace"),
    )


def delete_workspace(
    workspace_id: str, owner_id: str, at: datetime, *, api_keys: int | None = None
) -> WriteOp:
    """A tombstone: the workspace and everything in it is unreachable from this write on.

    Member items stay behind until the purge; every read path checks the workspace's
    status first, so they are never served. With `api_keys` (how many keys the caller
    read, to retire them in the same transaction), the tombstone is written only while
    the workspace still has exactly that many, so a key created meanwhile cannot
    outlive it.
    """
    condition = "#status = :active AND ownerId = :owner"
    values: dict[str, Any] = {}
    if api_keys is not None:
        condition += f" AND {_api_key_count_is(api_keys)}"
        values["apiKeysRead"] = api_keys
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
            "UpdateExpression": "SET #status = :deleted, deletedAt = :at, updatedAt = :at "
            "ADD version :one",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(
                deleted="DELETED", active="ACTIVE", at=iso(at), one=1, owner=owner_id, **values
            ),
        },
        # A retry reads the keys again, or answers 404 if the workspace is gone by then.
        workspace_not_found() if api_keys is None else version_conflict("workspace's API keys"),
    )


def _api_key_count_is(count: int) -> str:
    """The condition that the workspace holds `count` API keys (`:apiKeysRead`); a
    workspace that never had one has no counter."""
    if count == 0:
        return "(attribute_not_exists(apiKeys) OR apiKeys = :apiKeysRead)"
    return "apiKeys = :apiKeysRead"


def adjust_counters(
    workspace_id: str,
    *,
    members: int = 0,
    pending: int = 0,
    max_pending: int | None = None,
    seat_limit: bool = False,
    on_failed: TeamspaceError | None = None,
    api_keys: int = 0,
    api_keys_read: int | None = None,
) -> WriteOp:
    """Move the workspace's counters: members, pending invitations, and the seats both use.

    `seatsUsed` is members plus pending invitations, kept as one attribute so that a
    condition can hold it under the seat limit (a condition cannot add two attributes).
    Limits apply only when counts grow. The seat limit is compared with the workspace's
    own `settings.maxMembers` as it is at the write, not as it was read.

    `api_keys` moves the API key counter too (a removal that revokes the member's keys:
    one transaction cannot update the workspace item twice), on the condition, with
    `api_keys_read`, that the workspace still holds the keys that were read.
    """
    seats = members + pending
    conditions = ["#status = :active"]
    values: dict[str, Any] = {"members": members, "pending": pending, "seats": seats}
    if max_pending is not None and pending > 0:
        conditions.append("(attribute_not_exists(pendingInvites) OR pendingInvites < :maxPending)")
        values["maxPending"] = max_pending
    if seat_limit and seats > 0:
        conditions.append(
            "(attribute_not_exists(settings.maxMembers) OR seatsUsed < settings.maxMembers)"
        )
    adds = "ADD memberCount :members, pendingInvites :pending, seatsUsed :seats"
    if api_keys:
        adds += ", apiKeys :apiKeys"
        values["apiKeys"] = api_keys
    if api_keys_read is not None:
        conditions.append(_api_key_count_is(api_keys_read))
        values["apiKeysRead"] = api_keys_read
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
            "UpdateExpression": adds,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(active="ACTIVE", **values),
        },
        on_failed or workspace_not_found(),
    )


def take_minutes(agency_id: str, minutes: int, pool: int) -> WriteOp:
    """Move the minutes an agency's clients hold (`minutesAssigned`) by `minutes`.

    Growing, it must stay within the pool as read (`pool`): the condition holds the pool
    unchanged and the count at most `pool - minutes`, so two budgets granted at once can
    never add up past it (one of them fails and nothing of it is written).
    """
    # Minutes given back (a smaller budget, a deleted client) need no live agency.
    conditions = ["attribute_exists(PK)"]
    names: dict[str, str] = {}
    values: dict[str, Any] = {"minutes": minutes}
    if minutes > 0:
        conditions.append("#status = :active")
        names["#status"] = "status"
        values["active"] = "ACTIVE"
        conditions.append("settings.minutePool = :pool")
        conditions.append("(attribute_not_exists(minutesAssigned) OR minutesAssigned <= :room)")
        values.update(pool=pool, room=pool - minutes)
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(agency_id)),
            "UpdateExpression": "ADD minutesAssigned :minutes",
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeValues": attribute_values(**values),
            **({"ExpressionAttributeNames": names} if names else {}),
        },
        Conflict(
            "MINUTE_POOL_EXCEEDED",
            "The agency's minute pool changed or ran out while this request ran; read it again",
        ),
    )


def require_workspace_active(workspace_id: str) -> WriteOp:
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(active="ACTIVE"),
        },
        workspace_not_found(),
    )


def require_member_unchanged(member: Member) -> WriteOp:
    """Re-check what a permission decision relied on: the caller's item as it was read."""
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(keys.member_key(member.workspace_id, member.user_id)),
            "ConditionExpression": "version = :version AND #status = :status AND #role = :role",
            "ExpressionAttributeNames": {"#status": "status", "#role": "role"},
            "ExpressionAttributeValues": attribute_values(
                version=member.version, status=member.status, role=member.role
            ),
        },
        version_conflict("caller's membership"),
    )


def create_member(member: Member) -> WriteOp:
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(codec.member_item(member)),
            "ConditionExpression": "attribute_not_exists(PK)",
        },
        version_conflict("member"),
    )


def replace_member(member: Member, expected_version: int) -> WriteOp:
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(codec.member_item(member)),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": attribute_values(expected=expected_version),
        },
        version_conflict("member"),
    )


def delete_member(member: Member) -> WriteOp:
    return WriteOp(
        "Delete",
        {
            "Key": codec.to_attributes(keys.member_key(member.workspace_id, member.user_id)),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": attribute_values(expected=member.version),
        },
        version_conflict("member"),
    )


def put_outbox(event: OutboxEvent, at: datetime) -> WriteOp:
    """The event of a change, written with it; the stream publisher sends it on."""
    detail = event.detail
    item = {
        **keys.outbox_key(detail.eventId),
        "entity": "outbox",
        "detailType": event.detail_type.value,
        "workspaceId": detail.workspaceId,
        "detail": detail.model_dump_json(),
        keys.TTL: int(at.timestamp()) + OUTBOX_RETENTION_SECONDS,
    }
    return WriteOp(
        "Put",
        {"Item": codec.to_attributes(item), "ConditionExpression": "attribute_not_exists(PK)"},
        version_conflict("event"),
    )


def put_idempotency_record(
    scope_fingerprint: str,
    request_fingerprint: str,
    result: dict[str, Any],
    at: datetime,
    on_replay: TeamspaceError,
) -> WriteOp:
    """Remember the first result of an Idempotency-Key, in the same transaction."""
    item = {
        **keys.idempotency_key(scope_fingerprint),
        "entity": "idempotency",
        "requestFingerprint": request_fingerprint,
        "result": result,
        "createdAt": iso(at),
        keys.TTL: int(at.timestamp()) + IDEMPOTENCY_RETENTION_SECONDS,
    }
    return WriteOp(
        "Put",
        {"Item": codec.to_attributes(item), "ConditionExpression": "attribute_not_exists(PK)"},
        on_replay,
    )


def _put_new(item: dict[str, Any], error: TeamspaceError) -> WriteOp:
    return WriteOp(
        "Put",
        {"Item": codec.to_attributes(item), "ConditionExpression": "attribute_not_exists(PK)"},
        error,
    )


def already_member(email: str) -> Conflict:
    return Conflict("ALREADY_A_MEMBER", f"{email} is already a member of this workspace")


def claim_member_email(workspace_id: str, email: str, user_id: str) -> WriteOp:
    """One member per email address in a workspace: the marker invitations check."""
    item = {
        **keys.member_email_key(workspace_id, email),
        "entity": "member_email",
        "userId": user_id,
    }
    return _put_new(item, already_member(email))


def release_member_email(workspace_id: str, email: str) -> WriteOp:
    return WriteOp(
        "Delete", {"Key": codec.to_attributes(keys.member_email_key(workspace_id, email))}
    )


def require_not_member(workspace_id: str, email: str) -> WriteOp:
    return WriteOp(
        "ConditionCheck",
        {
            "Key": codec.to_attributes(keys.member_email_key(workspace_id, email)),
            "ConditionExpression": "attribute_not_exists(PK)",
        },
        already_member(email),
    )


def lock_pending_email(workspace_id: str, email: str, invitation_id: str) -> WriteOp:
    """One pending invitation per address per workspace."""
    item = {
        **keys.pending_email_lock_key(workspace_id, email),
        "entity": "pending_invite_lock",
        "invitationId": invitation_id,
    }
    return _put_new(
        item,
        Conflict("INVITATION_PENDING", f"{email} already has a pending invitation here"),
    )


def release_pending_email(workspace_id: str, email: str) -> WriteOp:
    return WriteOp(
        "Delete", {"Key": codec.to_attributes(keys.pending_email_lock_key(workspace_id, email))}
    )


def create_invitation(invitation: Invitation) -> WriteOp:
    return _put_new(codec.invitation_item(invitation), version_conflict("invitation"))


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
        "Item": codec.to_attributes(codec.invitation_item(invitation)),
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeValues": attribute_values(**values),
    }
    if names:
        request["ExpressionAttributeNames"] = names
    return WriteOp("Put", request, on_failed or version_conflict("invitation"))


def put_token(token_hash: str, invitation: Invitation) -> WriteOp:
    """The link's token, by hash; kept a month past expiry so an old link answers 410."""
    item = {
        **keys.token_key(token_hash),
        "entity": "invitation_token",
        "workspaceId": invitation.workspace_id,
        "invitationId": invitation.invitation_id,
        "state": "ACTIVE",
        keys.TTL: int(invitation.expires_at.timestamp()) + 30 * 24 * 3600,
    }
    return _put_new(item, version_conflict("invitation token"))


def supersede_token(token_hash: str, invitation: Invitation) -> WriteOp:
    """Mark an older link replaced. A whole item, not an update: if TTL already removed
    the old item, this writes it back as replaced rather than failing (or leaving a
    stub), so the old link can never come back to life."""
    item = {
        **keys.token_key(token_hash),
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
        Gone("INVITATION_LINK_USED", "This invitation link has already been used or replaced"),
    )


def set_token_state(token_hash: str, state: str, *, expect: str = "ACTIVE") -> WriteOp:
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.token_key(token_hash)),
            "UpdateExpression": "SET #state = :state",
            "ConditionExpression": "#state = :expect",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": attribute_values(state=state, expect=expect),
        },
        Gone("INVITATION_LINK_USED", "This invitation link has already been used or replaced"),
    )


def count_invite_sent(user_id: str, at: datetime, limit: int) -> WriteOp:
    """The inviter's sends this hour, refused past `limit` (a fixed one-hour window)."""
    hour = at.strftime("%Y-%m-%dT%H")
    retry_after = 3600 - (at.minute * 60 + at.second)
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.invite_rate_key(user_id, hour)),
            "UpdateExpression": "ADD sent :one SET #ttl = if_not_exists(#ttl, :ttl)",
            "ConditionExpression": "attribute_not_exists(sent) OR sent < :limit",
            "ExpressionAttributeNames": {"#ttl": keys.TTL},
            "ExpressionAttributeValues": attribute_values(
                one=1, limit=limit, ttl=int(at.timestamp()) + 2 * 3600
            ),
        },
        LimitExceeded(
            "INVITE_RATE_LIMITED",
            f"You can send {limit} invitations an hour; try again later",
            retry_after=max(retry_after, 1),
        ),
    )


def mark_mailed(event_id: str, at: datetime) -> WriteOp:
    item = {
        **keys.mailed_key(event_id),
        "entity": "mailed",
        "sentAt": iso(at),
        keys.TTL: int(at.timestamp()) + 7 * 24 * 3600,
    }
    return _put_new(item, Conflict("ALREADY_MAILED", "This event was mailed already"))


def transfer_pending() -> Conflict:
    return Conflict("TRANSFER_PENDING", "An ownership transfer is already pending; cancel it first")


def put_transfer(transfer: OwnershipTransfer, at: datetime) -> WriteOp:
    """The one pending transfer of a workspace; a lapsed one may be replaced."""
    return WriteOp(
        "Put",
        {
            "Item": codec.to_attributes(codec.transfer_item(transfer)),
            "ConditionExpression": "attribute_not_exists(PK) OR expiresAt <= :now",
            "ExpressionAttributeValues": attribute_values(now=iso(at)),
        },
        transfer_pending(),
    )


def end_transfer(transfer: OwnershipTransfer) -> WriteOp:
    """Remove the transfer that was read, and no other (a newer one stays)."""
    return WriteOp(
        "Delete",
        {
            "Key": codec.to_attributes(keys.transfer_key(transfer.workspace_id)),
            "ConditionExpression": "version = :version AND toUserId = :to",
            "ExpressionAttributeValues": attribute_values(
                version=transfer.version, to=transfer.to_user_id
            ),
        },
        version_conflict("ownership transfer"),
    )


def change_owner(
    workspace_id: str, previous: str, new: str, at: datetime, *, members: int = 0
) -> WriteOp:
    """The workspace's owner field, moved only from the owner that was read.

    `members` moves the member count (and the seats) with it, for a hand-over that
    removes or adds a member item: one transaction cannot update the workspace twice.
    """
    adds = "ADD version :one"
    values: dict[str, Any] = {}
    if members:
        adds += ", memberCount :members, seatsUsed :members"
        values["members"] = members
    return WriteOp(
        "Update",
        {
            "Key": codec.to_attributes(keys.workspace_key(workspace_id)),
            "UpdateExpression": f"SET ownerId = :new, updatedAt = :at {adds}",
            "ConditionExpression": "ownerId = :previous AND #status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": attribute_values(
                new=new, previous=previous, at=iso(at), one=1, active="ACTIVE", **values
            ),
        },
        version_conflict("workspace's owner"),
    )
