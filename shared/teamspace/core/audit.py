"""The audit log's hash chain: what a record is, how it is hashed, how a chain verifies.

Each record stores the hash of the record before it (`prevHash`) and its own `hash`,
the SHA-256 of its canonical JSON form (every field but `hash`, keys sorted, no
whitespace, UTF-8). Changing, removing or reordering any record breaks the link of the
record after it. Pure functions only: no I/O.

What is hashed depends on the record's `formatVersion` (`HASHED_FIELDS`), so that a
later change of what is hashed keeps the chains written before it verifiable: each
record is checked the way it was sealed. Version 0 is every record written before the
version existed (no `formatVersion` stored); version 1 adds `formatVersion` itself and
`source` (who put the event on the bus: Teamspace, or one of the platform's services).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

# The `prevHash` of a workspace's first record.
GENESIS = "0" * 64

# The fields each format version hashes, besides those every version hashes.
_V0_FIELDS = (
    "workspaceId",
    "seq",
    "eventId",
    "occurredAt",
    "actor",
    "action",
    "target",
    "summary",
    "prevHash",
    "expiresAt",
    "prevExpiresAt",
)
HASHED_FIELDS: dict[int, tuple[str, ...]] = {
    0: _V0_FIELDS,
    1: (*_V0_FIELDS, "formatVersion", "source"),
}
# What new records are written as.
FORMAT_VERSION = 1
# The source of Teamspace's own events (core.events.EVENT_SOURCE; records of version 0
# were all Teamspace's).
TEAMSPACE_SOURCE = "teamspace"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    workspace_id: str
    seq: int
    event_id: str
    occurred_at: str
    actor: dict[str, str]
    action: str
    target: dict[str, str]
    summary: dict[str, Any]
    prev_hash: str
    # When retention lets this record go (epoch seconds; never earlier than the record
    # before it), and when it let the record before it go: the oldest record kept after
    # retention proves with this that its predecessor was due to leave.
    expires_at: int
    prev_expires_at: int
    hash: str = ""
    source: str = TEAMSPACE_SOURCE
    format_version: int = FORMAT_VERSION

    def hashed_fields(self) -> dict[str, Any]:
        """Everything the hash covers, as this record's format version says: the whole
        record but the hash itself. LookupError for a version this code does not know."""
        every = self._every_field()
        return {name: every[name] for name in HASHED_FIELDS[self.format_version]}

    def _every_field(self) -> dict[str, Any]:
        return {
            "workspaceId": self.workspace_id,
            "seq": self.seq,
            "eventId": self.event_id,
            "occurredAt": self.occurred_at,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "summary": self.summary,
            "prevHash": self.prev_hash,
            "expiresAt": self.expires_at,
            "prevExpiresAt": self.prev_expires_at,
            "formatVersion": self.format_version,
            "source": self.source,
        }


def canonical_json(value: Any) -> bytes:
    """The one serialisation a hash is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hash_of(record: AuditRecord) -> str:
    return hashlib.sha256(canonical_json(record.hashed_fields())).hexdigest()


def holds(record: AuditRecord) -> bool:
    """Whether the record's hash is the one its own format gives; a record of a format
    this code does not know cannot be vouched for."""
    if record.format_version not in HASHED_FIELDS:
        return False
    return record.hash == hash_of(record)


def sealed(record: AuditRecord) -> AuditRecord:
    """`record` with its hash set."""
    return replace(record, hash=hash_of(record))


@dataclass(frozen=True, slots=True)
class Head:
    """The end of a chain: its last record's seq, hash and expiry (seq 0: empty)."""

    seq: int = 0
    hash: str = GENESIS
    expires_at: int = 0


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a verification stopped short of the head, all good so far: the last record
    checked (its seq and hash) and how many were checked."""

    seq: int
    hash: str
    checked: int


@dataclass(frozen=True, slots=True)
class Verification:
    valid: bool
    records: int
    first_invalid_seq: int | None = None
    # Set when the walk stopped at its limit before the head (valid so far): go on from
    # there (`verify(..., since=resume)`).
    resume: Progress | None = None


def verify(
    records: Iterable[AuditRecord],
    head: Head,
    now: int,
    *,
    since: Progress | None = None,
    limit: int | None = None,
) -> Verification:
    """Walk a chain in `seq` order and name the first sequence number that does not hold.

    The oldest record kept is the anchor: it holds its predecessor's hash and expiry, so
    a chain whose first records retention removed still verifies from there, while one
    whose first records were removed before they were due does not. After the anchor,
    every record must follow the one before it (no gap), link to its hash and match its
    own; the last must be the head, so a removed tail is caught too.

    `since`: go on after a verification that stopped at its `limit` (the records then
    start just after `since.seq`). `limit`: check at most that many records this time;
    short of the head, the answer is valid so far, with `resume` set.
    """
    expected_seq, expected_prev, count = 0, GENESIS, 0
    if since is not None:
        expected_seq, expected_prev, count = since.seq + 1, since.hash, since.checked
    for checked_now, record in enumerate(records):
        if limit is not None and checked_now == limit:
            return Verification(
                True, count, resume=Progress(expected_seq - 1, expected_prev, count)
            )
        count += 1
        if count == 1 and record.seq != 1:
            if record.prev_expires_at > now:  # its predecessor was not due to leave
                return Verification(False, count, record.seq - 1)
            expected_seq, expected_prev = record.seq, record.prev_hash
        elif count == 1:
            expected_seq = 1
        if record.seq != expected_seq:
            return Verification(False, count, expected_seq)
        if record.prev_hash != expected_prev or not holds(record):
            return Verification(False, count, record.seq)
        expected_seq, expected_prev = record.seq + 1, record.hash
    if count == 0:  # nothing kept: fine while the last record was due to leave
        valid = head.seq == 0 or head.expires_at <= now
        return Verification(valid, 0, None if valid else head.seq)
    last_seq, last_hash = expected_seq - 1, expected_prev
    if last_seq < head.seq:
        return Verification(False, count, last_seq + 1)  # the tail is missing
    if last_seq > head.seq:
        return Verification(False, count, head.seq + 1)  # records beyond the head
    if last_hash != head.hash:
        return Verification(False, count, last_seq)
    return Verification(True, count)
