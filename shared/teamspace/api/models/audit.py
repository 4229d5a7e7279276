"""Bodies and query parsing of the audit routes (API.md, "Audit")."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from teamspace.api.models.fields import ResponseModel, Timestamp
from teamspace.core.audit import AuditRecord, Verification
from teamspace.core.audit_intake import ACTION_PATTERN
from teamspace.core.clock import iso
from teamspace.core.errors import FieldError, InvalidInput
from teamspace.core.records import LogQuery
from teamspace.domain.audit import progress_cursor

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
    # Only when this request stopped short of the head (a long chain is verified a part
    # at a time): `valid` so far; pass it back as `cursor` to go on.
    nextCursor: str | None = None


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
    shown: dict[str, Any] = {
        "valid": result.valid,
        "records": result.records,
        "firstInvalidSeq": result.first_invalid_seq,
    }
    if result.resume is not None:
        shown["nextCursor"] = progress_cursor(result.resume)
    return shown


# The most one export page may take, counted as the Lambda response carries its body
# (a JSON string, escaped: `"` is two bytes, a 3-byte character six, a 4-byte one
# twelve), which is never less than its UTF-8 size: well below Lambda's 6 MB response
# payload, and API Gateway HTTP API's 10 MB (docs/decisions.md, "Limits at scale").
EXPORT_PAGE_BYTES = 2 * 1024 * 1024


def jsonl_line(record: AuditRecord) -> str:
    """One line per record, with everything its hash covers, so that anyone holding an
    export can recompute the chain."""
    line = {**record.hashed_fields(), "hash": record.hash}
    return json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n"


def _csv_row(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def csv_line(record: AuditRecord) -> str:
    return _csv_row(
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


EXPORT_LINES = {"jsonl": jsonl_line, "csv": csv_line}
# What a whole export starts with (on its first page only, so that the pages joined are
# the whole file).
EXPORT_HEADERS = {"jsonl": "", "csv": _csv_row(CSV_COLUMNS)}


@dataclass(frozen=True, slots=True)
class ExportPage:
    body: str
    last: AuditRecord | None  # the last record on the page
    more: bool  # records follow it: the page ended on its size


def response_size(text: str) -> int:
    """The bytes `text` takes as a JSON string in the Lambda response (escaped ASCII)."""
    return len(json.dumps(text)) - 2


def export_page(
    records: Iterable[AuditRecord],
    export_format: str,
    *,
    first: bool,
    max_bytes: int = EXPORT_PAGE_BYTES,
) -> ExportPage:
    """As many of `records` as fit in `max_bytes` (at least one), in `export_format`;
    with the format's header on the `first` page. Reading stops at the record that does
    not fit, which begins the next page."""
    line_of = EXPORT_LINES[export_format]
    parts = [EXPORT_HEADERS[export_format]] if first else []
    size = response_size(parts[0]) if parts else 0
    last = None
    for record in records:
        line = line_of(record)
        this = response_size(line)
        if last is not None and size + this > max_bytes:
            return ExportPage("".join(parts), last, more=True)
        parts.append(line)
        size += this
        last = record
    return ExportPage("".join(parts), last, more=False)
