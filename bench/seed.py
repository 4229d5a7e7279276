"""Seeding large states fast: the items the store's own write operations would write
(the entity modules' items: `workspaces`, `members`, `invitations`, `audit`), put straight
into moto's table (bench/lean_moto.py), never through a handler. Counters on the workspace item are
moved with the store's own `adjust_counters` update, so the state is one the code could
have written."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bench.lean_moto import put_directly
from bench.world import World
from teamspace.core.audit import GENESIS, AuditRecord, sealed
from teamspace.core.records import Invitation, InvitationStatus, Member, Workspace, WorkspaceType
from teamspace.permissions import MemberStatus
from teamspace.store import audit as audit_store
from teamspace.store import codec, keys
from teamspace.store import invitations as invitation_store
from teamspace.store import members as member_store
from teamspace.store import workspaces as workspace_store
from teamspace.store.audit import record_item
from teamspace.store.ops import WriteOp

FIRST_NAMES = [
    *("Ana", "Ben", "Carla", "Dmitri", "Elif", "Farah", "Gus", "Hana", "Ivo", "Jonas", "Kim"),
    *("Lea", "Mateo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tova", "Uma", "Vik"),
    *("Wen", "Xena", "Yusuf", "Zoe"),
]


def apply(world: World, ops: list[WriteOp]) -> None:
    """Puts straight into moto's table (bench/lean_moto.py); updates (counters) as
    written, through the API."""
    puts = [op.request["Item"] for op in ops if op.kind == "Put"]
    put_directly(world.table, puts, region=world.template.region)
    for op in ops:
        if op.kind == "Update":
            world.raw.update_item(TableName=world.table, **op.request)
        elif op.kind != "Put":
            raise ValueError(f"seeding does not {op.kind}")


def name_of(n: int) -> str:
    first = FIRST_NAMES[n % len(FIRST_NAMES)]
    return f"{first} {n:05d}"


def members(world: World, workspace_id: str, count: int, *, start: int = 0) -> list[str]:
    """`count` active members (role member) with distinct names; returns their ids."""
    now = world.clock.now()
    ops: list[WriteOp] = []
    ids = []
    for n in range(start, start + count):
        user_id = f"user-{n:06d}"
        member = Member(
            workspace_id=workspace_id,
            user_id=user_id,
            email=f"{user_id}@example.com",
            name=name_of(n),
            role="member",
            status=MemberStatus.ACTIVE,
            joined_at=now,
            updated_at=now,
        )
        ops += [
            member_store.create_member(member),
            member_store.claim_member_email(workspace_id, member.email, user_id),
        ]
        ids.append(user_id)
    ops.append(workspace_store.adjust_counters(workspace_id, members=count))
    apply(world, ops)
    return ids


def invitations(
    world: World, workspace_id: str, expiries: list[datetime], *, inviter: str
) -> list[str]:
    """Pending invitations expiring at `expiries`; returns their ids."""
    now = world.clock.now()
    ops: list[WriteOp] = []
    found = []
    for n, expires_at in enumerate(expiries):
        invitation_id = world.ids.new("inv")
        email = f"invitee{invitation_id[-8:]}{n}@example.com"
        invitation = Invitation(
            workspace_id=workspace_id,
            invitation_id=invitation_id,
            email=email,
            role="member",
            status=InvitationStatus.PENDING,
            invited_by=inviter,
            inviter_name="Olivia Owner",
            workspace_name="Acme Voice",
            created_at=now,
            expires_at=expires_at,
            updated_at=now,
        )
        ops += [
            invitation_store.create_invitation(invitation),
            invitation_store.lock_pending_email(workspace_id, email, invitation_id),
        ]
        found.append(invitation_id)
    ops.append(workspace_store.adjust_counters(workspace_id, pending=len(expiries)))
    apply(world, ops)
    return found


def memberships(world: World, user: dict[str, Any], count: int) -> list[str]:
    """`count` workspaces the user owns (each with its owner member); returns their ids."""
    ops: list[WriteOp] = []
    found = []
    base = world.clock.now()
    for n in range(count):
        at = base + timedelta(seconds=n)  # distinct join times: GSI1 sorts by them
        workspace_id = world.ids.new("ws")
        workspace = Workspace(
            workspace_id=workspace_id,
            name=f"Team {n}",
            type=WorkspaceType.SIMPLE,
            owner_id=user["sub"],
            created_at=at,
            updated_at=at,
            member_count=1,
            seats_used=1,
        )
        owner = Member(
            workspace_id=workspace_id,
            user_id=user["sub"],
            email=user["email"],
            name=user.get("name"),
            role="owner",
            status=MemberStatus.ACTIVE,
            joined_at=at,
            updated_at=at,
        )
        ops += [
            workspace_store.create_workspace(workspace),
            member_store.create_member(owner),
            member_store.claim_member_email(workspace_id, owner.email, owner.user_id),
        ]
        found.append(workspace_id)
    apply(world, ops)
    return found


ACTIONS = ("MemberRoleChanged", "MemberJoined", "InvitationCreated", "MemberUpdated")


def audit_chain(world: World, workspace_id: str, count: int, *, actor: str) -> None:
    """A valid hash chain of `count` records (with their event markers and the head),
    as the audit consumer appends them, one second apart."""
    start = world.clock.now() - timedelta(seconds=count)
    retention = timedelta(days=365)
    previous_hash, previous_expiry = GENESIS, 0
    items: list[dict[str, Any]] = []
    record = None
    for seq in range(1, count + 1):
        occurred = start + timedelta(seconds=seq)
        expires = int((occurred + retention).timestamp())
        record = sealed(
            AuditRecord(
                workspace_id=workspace_id,
                seq=seq,
                event_id=f"evt_bench{seq:018d}",
                occurred_at=occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
                actor={"type": "user", "id": actor},
                action=ACTIONS[seq % len(ACTIONS)],
                target={"type": "member", "id": f"user-{seq % 997:06d}"},
                summary={"role": "manager", "previousRole": "member"},
                prev_hash=previous_hash,
                expires_at=expires,
                prev_expires_at=previous_expiry,
            )
        )
        items.append(record_item(record))
        items.append(
            {
                **audit_store.audit_event_key(workspace_id, record.event_id),
                "entity": "audit_event",
                "seq": seq,
                keys.TTL: expires,
            }
        )
        previous_hash, previous_expiry = record.hash, expires
    if record is not None:
        items.append(
            {
                **audit_store.audit_head_key(workspace_id),
                "entity": "audit_head",
                "workspaceId": workspace_id,
                "seq": record.seq,
                "hash": record.hash,
                "expiresAt": record.expires_at,
            }
        )
    apply(world, [WriteOp("Put", {"Item": codec.to_attributes(i)}, None) for i in items])
