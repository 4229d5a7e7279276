"""Key builders for the single table. Every key Teamspace writes is made here.

- workspace:   PK `WS#<workspaceId>`, SK `META`
- member:      PK `WS#<workspaceId>`, SK `MEMBER#<userId>`;
               GSI1 (a user's workspaces) `USER#<userId>` / `JOINED#<joinedAt>#<workspaceId>`;
               GSI2 (name search) `WS#<workspaceId>#NAMES` / `<case-folded name>#<userId>`
- outbox:      PK `OUTBOX#<eventId>`, SK `OUTBOX` (expires by TTL)
- idempotency: PK `IDEMPOTENCY#<sha256 of caller, operation, key>`, SK `IDEMPOTENCY`

Ids never contain '#': workspace ids are generated, and user ids (the token's `sub`)
are checked at the edge (`teamspace.api.identity`).
"""

from __future__ import annotations

import unicodedata

PK = "PK"
SK = "SK"
GSI1 = "GSI1"
GSI1PK = "GSI1PK"
GSI1SK = "GSI1SK"
GSI2 = "GSI2"
GSI2PK = "GSI2PK"
GSI2SK = "GSI2SK"
TTL = "ttl"

META = "META"
MEMBER_PREFIX = "MEMBER#"

Key = dict[str, str]


def workspace_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}"


def workspace_key(workspace_id: str) -> Key:
    return {PK: workspace_pk(workspace_id), SK: META}


def member_key(workspace_id: str, user_id: str) -> Key:
    return {PK: workspace_pk(workspace_id), SK: f"{MEMBER_PREFIX}{user_id}"}


def user_memberships_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def user_membership_sk(joined_at: str, workspace_id: str) -> str:
    return f"JOINED#{joined_at}#{workspace_id}"


def member_names_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#NAMES"


def name_search_key(text: str) -> str:
    """The case-insensitive form names are indexed and searched by."""
    return unicodedata.normalize("NFKC", text).casefold().strip()[:200]


def member_name_sk(name_key: str, user_id: str) -> str:
    return f"{name_key}#{user_id}"


def outbox_key(event_id: str) -> Key:
    return {PK: f"OUTBOX#{event_id}", SK: "OUTBOX"}


def idempotency_key(fingerprint_of_scope: str) -> Key:
    return {PK: f"IDEMPOTENCY#{fingerprint_of_scope}", SK: "IDEMPOTENCY"}
