"""Bodies and query parsing of the audit routes (API.md, "Audit")."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from teamspace.api.models.fields import ResponseModel, Timestamp
from teamspace.core.audit import AuditRecord, Verification
from teamspace.core.audit_intake import ACTION_PATTERN
from teamspace.core.clock import iso
from teamspace.core.errors import FieldError, InvalidInput
from teamspace.core.records import LogQuery

ACTOR_TYPES = ("user", "apiKey", "system")
CSV_COLUMNS = [
    "seq",
    "eventId",
    "occurredAt",
    "actorType",
    "actorId",
    "actorVia",
    "action",
    "targetType",
    "targetId",
    "summary",
    "prevHash",
    "hash",
    "expiresAt",
    "prevExpiresAt",
]


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput("INVALID_QUERY", f"{field} {message}", fields=[FieldError(field, message)])


def _moment(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(field, "must be an ISO-8601 date-time") from None
    if moment.tzinfo is None:
        raise _invalid(field, "must carry a time zone (e.g. Z)")
    return iso(moment)


def log_query(
    actor: str | None, action: str | None, since: str | None, until: str | None
) -> LogQuery:
    """`actor` is a user id, or `<type>:<id>` for an API key or the system."""
    who = None
    if actor is not None:
        kind, _, ident = actor.partition(":")
        who = (kind, ident) if ident and kind in ACTOR_TYPES else ("user", actor)
    # Teamspace's detail-types, and those of the platform's services (the intake's).
    if action is not None and not re.fullmatch(ACTION_PATTERN, action):
        raise _invalid("action", "is not an event detail-type")
    low, high = _moment("from", since), _moment("to", until)
    if low and high and low > high:
        raise _invalid("from", "is after to")
    return LogQuery(actor=who, action=action, since=low, until=high)


class AuditRecordOut(ResponseModel):
    seq: int
    eventId: str
    occurredAt: Timestamp
    actor: dict[str, str]
    action: str
    target: dict[str, str]
    summary: dict[str, Any]
    prevHash: str
    hash: str
    # Who put the event on the bus: `teamspace`, or one of the platform's services
    # (docs/audit.md); and the format the record was hashed in (0: before versions).
    source: str
    formatVersion: int


class VerificationOut(ResponseModel):
    valid: bool
    records: int
    firstInvalidSeq: int | None


def record_out(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "eventId": record.event_id,
        "occurredAt": record.occurred_at,
        "actor": record.actor,
        "action": record.action,
        "target": record.target,
        "summary": record.summary,
        "prevHash": record.prev_hash,
        "hash": record.hash,
        "source": record.source,
        "formatVersion": record.format_version,
    }


def verification_out(result: Verification) -> dict[str, Any]:
    return {
        "valid": result.valid,
        "records": result.records,
        "firstInvalidSeq": result.first_invalid_seq,
    }


def jsonl(records: Iterable[AuditRecord]) -> Iterator[str]:
    """One line per record, with everything its hash covers, so that anyone holding an
    export can recompute the chain."""
    for record in records:
        line = {**record.hashed_fields(), "hash": record.hash}
        yield json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n"


def csv_lines(records: Iterable[AuditRecord]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(
            [
                record.seq,
                record.event_id,
                record.occurred_at,
                record.actor["type"],
                record.actor["id"],
                record.actor.get("via", ""),
                record.action,
                record.target["type"],
                record.target["id"],
                json.dumps(record.summary, sort_keys=True, ensure_ascii=False),
                record.prev_hash,
                record.hash,
                record.expires_at,
                record.prev_expires_at,
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
