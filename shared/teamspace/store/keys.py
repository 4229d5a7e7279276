"""Key builders for the single table. Every key Teamspace writes is made here.

- workspace:   PK `WS#<workspaceId>`, SK `META`
- member:      PK `WS#<workspaceId>`, SK `MEMBER#<userId>`;
               GSI1 (a user's workspaces) `USER#<userId>` / `JOINED#<joinedAt>#<workspaceId>`;
               GSI2 (name search) `WS#<workspaceId>#NAMES` / `<case-folded name>\\x01<userId>`
- client list:  a client workspace's item is also in GSI1 under its agency:
               `CLIENTS#<agencyId>` / `<createdAt>#<clientId>`
- member email: PK `WS#<workspaceId>`, SK `MEMBER_EMAIL#<email>` (one member per address)
- invitation:  PK `WS#<workspaceId>`, SK `INVITE#<invitationId>`;
               GSI2 (by status) `WS#<workspaceId>#INVITES#<status>` / `<createdAt>#<invitationId>`;
               while pending only: GSI1 (by invitee) `EMAIL#<email>` / `INVITE#<createdAt>#<id>`
               and GSI3 (due for expiry) `INVITE_EXPIRY#<shard>` / `<expiresAt>#<ws>#<id>`
- pending lock: PK `WS#<workspaceId>`, SK `INVITE_EMAIL#<email>` (one pending per address)
- link token:  PK `INVTOKEN#<sha256 of token>`, SK `INVTOKEN`
- send counter: PK `RATE#INVITES#<userId>#<hour>`, SK `RATE` (expires by TTL)
- mail marker: PK `MAILED#<eventId>`, SK `MAILED` (expires by TTL)
- transfer:    PK `WS#<workspaceId>`, SK `TRANSFER` (the pending ownership transfer)
- audit record: PK `AUDIT#<workspaceId>`, SK `SEQ#<seq, 12 digits>`; by time, newest
               first: GSI3 `AUDIT#<workspaceId>#LOG`, GSI1 `AUDIT#<ws>#ACTOR#<type>:<id>`,
               GSI2 `AUDIT#<ws>#ACTION#<action>`, each / `<occurredAt>#<seq>`
- audit head:  PK `AUDIT#<workspaceId>`, SK `HEAD` (last seq and hash; the anchor)
- audit event: PK `AUDIT#<workspaceId>`, SK `EVENT#<eventId>` (an event is recorded once)
- role holders: PK `WS#<workspaceId>`, SK `ROLE#<roleKey>` (members and pending
               invitations holding a custom role; the role itself is in the workspace item)
- API key:     PK `WS#<workspaceId>`, SK `APIKEY#<keyId>` (what the key list shows)
- key lookup:  PK `APIKEY#<sha256 of the key>`, SK `APIKEY` (what the authorizer reads;
               kept 30 days past revocation by TTL)
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
GSI3 = "GSI3"
GSI3PK = "GSI3PK"
GSI3SK = "GSI3SK"
# The expiry index spreads its writes over a few partitions; the job reads them all.
EXPIRY_SHARDS = 4
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


def clients_pk(agency_id: str) -> str:
    return f"CLIENTS#{agency_id}"


def member_names_pk(workspace_id: str) -> str:
    return f"WS#{workspace_id}#NAMES"


def name_search_key(text: str) -> str:
    """The case-insensitive form names are indexed and searched by."""
    return unicodedata.normalize("NFKC", text).casefold().strip()[:200]


# Sorts before every character a name can hold, so "Jo" comes before "Jo Smith".
NAME_SEPARATOR = "\x01"


def member_name_sk(name_key: str, user_id: str) -> str:
    return f"{name_key}{NAME_SEPARATOR}{user_id}"


def outbox_key(event_id: str) -> Key:
    return {PK: f"OUTBOX#{event_id}", SK: "OUTBOX"}


def idempotency_key(fingerprint_of_scope: str) -> Key:
    return {PK: f"IDEMPOTENCY#{fingerprint_of_scope}", SK: "IDEMPOTENCY"}


def member_email_key(workspace_id: str, email: str) -> Key:
    return {PK: workspace_pk(workspace_id), SK: f"MEMBER_EMAIL#{email}"}


INVITE_PREFIX = "INVITE#"


def invitation_key(workspace_id: str, invitation_id: str) -> Key:
    return {PK: workspace_pk(workspace_id), SK: f"{INVITE_PREFIX}{invitation_id}"}


def invitations_by_status_pk(workspace_id: str, status: str) -> str:
    return f"WS#{workspace_id}#INVITES#{status}"


def invitee_pk(email: str) -> str:
    return f"EMAIL#{email}"


def expiry_shard_pk(shard: int) -> str:
    return f"INVITE_EXPIRY#{shard}"


def expiry_shard_of(invitation_id: str) -> int:
    return sum(invitation_id.encode()) % EXPIRY_SHARDS


def pending_email_lock_key(workspace_id: str, email: str) -> Key:
    return {PK: workspace_pk(workspace_id), SK: f"INVITE_EMAIL#{email}"}


def token_key(token_hash: str) -> Key:
    return {PK: f"INVTOKEN#{token_hash}", SK: "INVTOKEN"}


def invite_rate_key(user_id: str, hour: str) -> Key:
    return {PK: f"RATE#INVITES#{user_id}#{hour}", SK: "RATE"}


def mailed_key(event_id: str) -> Key:
    return {PK: f"MAILED#{event_id}", SK: "MAILED"}


def transfer_key(workspace_id: str) -> Key:
    return {PK: workspace_pk(workspace_id), SK: "TRANSFER"}


def role_holders_key(workspace_id: str, role_key: str) -> Key:
    return {PK: workspace_pk(workspace_id), SK: f"ROLE#{role_key}"}


API_KEY_PREFIX = "APIKEY#"


def api_key_key(workspace_id: str, key_id: str) -> Key:
    return {PK: workspace_pk(workspace_id), SK: f"{API_KEY_PREFIX}{key_id}"}


def api_key_lookup_key(key_hash: str) -> Key:
    return {PK: f"{API_KEY_PREFIX}{key_hash}", SK: "APIKEY"}


AUDIT_SEQ_PREFIX = "SEQ#"


def audit_pk(workspace_id: str) -> str:
    return f"AUDIT#{workspace_id}"


def audit_record_key(workspace_id: str, seq: int) -> Key:
    return {PK: audit_pk(workspace_id), SK: f"{AUDIT_SEQ_PREFIX}{seq:012d}"}


def audit_head_key(workspace_id: str) -> Key:
    return {PK: audit_pk(workspace_id), SK: "HEAD"}


def audit_event_key(workspace_id: str, event_id: str) -> Key:
    return {PK: audit_pk(workspace_id), SK: f"EVENT#{event_id}"}


def audit_time_sk(occurred_at: str, seq: int) -> str:
    return f"{occurred_at}#{seq:012d}"


def audit_log_pk(workspace_id: str) -> str:
    return f"AUDIT#{workspace_id}#LOG"


def audit_actor_pk(workspace_id: str, actor_type: str, actor_id: str) -> str:
    return f"AUDIT#{workspace_id}#ACTOR#{actor_type}:{actor_id}"


def audit_action_pk(workspace_id: str, action: str) -> str:
    return f"AUDIT#{workspace_id}#ACTION#{action}"
