"""The table as tests read and seed it: members seeded through the store (the way in
before invitations exist), links of the format mailed before tokens named their
invitation, the outbox and single items read back."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import replace
from datetime import datetime
from typing import Any

from teamspace.core.records import Member
from teamspace.permissions import MemberStatus
from teamspace.store import codec
from teamspace.store import invitations as invitation_store
from teamspace.store import members as member_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.table import TeamspaceStore


def seed_member(
    store: TeamspaceStore,
    workspace_id: str,
    user_id: str,
    role: str,
    at: datetime,
    *,
    name: str | None = None,
    status: str = MemberStatus.ACTIVE,
    toggles: dict[str, bool] | None = None,
    agent_ids: tuple[str, ...] | None = None,
) -> Member:
    member = Member(
        workspace_id=workspace_id,
        user_id=user_id,
        email=f"{user_id}@example.com",
        name=name or user_id.title(),
        role=role,
        status=status,
        joined_at=at,
        updated_at=at,
        toggles=toggles or {},
        agent_ids=agent_ids,
    )
    store.commit(
        [
            member_store.create_member(member),
            member_store.claim_member_email(workspace_id, member.email, user_id),
            workspace_store.adjust_counters(workspace_id, members=1),
        ]
    )
    return member


def earlier_format_link(store: TeamspaceStore, workspace_id: str, invitation_id: str) -> str:
    """A fresh link for the invitation in the format mailed before tokens named their
    invitation: 256 random bits alone, 43 url-safe characters, whose SHA-256 is kept on
    the invitation and keys the link's item, the previous link superseded, in one
    transaction, as the mailer issued links then. Such links are still in inboxes until
    they expire, and must keep working."""
    token = secrets.token_urlsafe(32)
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    invitation = invitation_store.get_invitation(store, workspace_id, invitation_id)
    assert invitation is not None
    assert invitation.is_pending
    linked = replace(invitation, token_hash=token_hash, version=invitation.version + 1)
    ops = [
        invitation_store.replace_invitation(linked, invitation.version),
        invitation_store.put_token(token_hash, linked),
    ]
    if invitation.token_hash:
        ops.append(invitation_store.supersede_token(invitation.token_hash, invitation))
    store.commit(ops)
    return token


def outbox_events(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every outbox record in the table (a test-only Scan), oldest first."""
    items = dynamodb.scan(TableName=table)["Items"]
    found = [codec.from_attributes(i) for i in items]
    events = [i for i in found if i.get("entity") == "outbox"]
    return sorted(
        (
            {"detailType": e["detailType"], **json.loads(e["detail"]), "ttl": e["ttl"]}
            for e in events
        ),
        key=lambda e: e["eventId"],
    )


def item(dynamodb: Any, table: str, pk: str, sk: str) -> dict[str, Any] | None:
    found = dynamodb.get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": sk}}).get("Item")
    return codec.from_attributes(found) if found else None
