"""The contract of the audit intake: what another service of the platform puts on the bus
to have a change written to a workspace's audit chain (API.md, "The platform's own
events on the audit chain"; docs/audit.md).

The event's `detail-type` becomes the record's `action`; its `detail` is
`{eventId, workspaceId, occurredAt, actor: {type, id}, target: {type, id}, summary}`.
The published JSON Schema (docs/events.md, "Audit intake", and
docs/schemas/platform-audit-event.schema.json) is generated from `PlatformAuditEvent`,
so the document and the check cannot drift. What a schema cannot say is checked here
too and written in the schema's descriptions: the summary's size in bytes, secret-like
field names at any depth, and Teamspace's own detail-types, which no other service may
claim. A refusal names its reason (`IntakeRefused.reason`), counted by the intake's
metric and carried with the dead letter.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from teamspace.core.audit import canonical_json
from teamspace.core.events import DetailType

# The summary's canonical JSON, in UTF-8 bytes, at most. Teamspace's own summaries take
# a few hundred bytes; 4 KB leaves room for a service's own (an agent's changed
# settings, a number's routing) while a page of 100 records stays under half a
# megabyte and a 2 MB page of the export (docs/audit.md, "Exporting the log") holds a
# few hundred records even if every one of them is that large. A record is one DynamoDB item
# (400 KB at most); the event itself may be up to 256 KB on EventBridge.
SUMMARY_MAX_BYTES = 4096
SUMMARY_MAX_FIELDS = 32
# Words that name a secret: a field called so is refused at any depth of the summary.
# The log keeps what a service sends, so it refuses what looks like a credential.
SECRET_WORDS = ("password", "secret", "token", "credential", "apikey", "authorization")

# An id a service gives (event, workspace, actor, target): printable, no `#` (the
# marker of an event is `<source>#<eventId>`), at most 128 characters.
ID_PATTERN = r"^[A-Za-z0-9+][A-Za-z0-9._:/@+=-]{0,127}$"
# A detail-type, so the record's action: PascalCase, like Teamspace's own.
ACTION_PATTERN = r"^[A-Z][A-Za-z0-9]{2,63}$"
TARGET_TYPE_PATTERN = r"^[a-z][A-Za-z0-9]{1,31}$"
SUMMARY_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
# ISO-8601 with a zone, as Teamspace writes its own timestamps (or with fractions or
# an offset, normalised to `YYYY-MM-DDTHH:MM:SSZ` on the record).
OCCURRED_AT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
SummaryKey = Annotated[str, StringConstraints(pattern=SUMMARY_KEY_PATTERN)]


class IntakeRefused(Exception):
    """An event the intake will not write: `reason` is one of `REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# Why an event was refused (the metric's dimension, the dead letter's attribute).
REASONS = (
    "schema",  # the event does not follow the published schema
    "summary_too_large",  # over SUMMARY_MAX_BYTES
    "secret_field",  # a summary field named like a secret
    "reserved_action",  # one of Teamspace's own detail-types
    "occurred_in_future",  # more than MAX_CLOCK_SKEW after the intake's clock
    "unknown_workspace",  # no such workspace, or it was deleted
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntakeActor(_Strict):
    """Who made the change: a person (`user`: their Teamspace user id), an API key
    (`apiKey`: its id), or a service acting on its own (`system`: its name)."""

    type: Literal["user", "apiKey", "system"]
    id: Id


class IntakeTarget(_Strict):
    """What the change is about, in the producing service's terms (`agent`,
    `knowledgeBase`, `phoneNumber`...)."""

    type: Annotated[str, StringConstraints(pattern=TARGET_TYPE_PATTERN)]
    id: Id


class PlatformAuditDetail(_Strict):
    """The `detail` of an event another service puts on the bus for the audit log."""

    eventId: Id = Field(
        description="Unique per source: a redelivered event with the same id is written once."
    )
    workspaceId: Id = Field(description="An existing workspace; anything else is dead-lettered.")
    occurredAt: str = Field(
        pattern=OCCURRED_AT_PATTERN,
        description="ISO-8601 with a zone; at most 5 minutes after the intake's clock.",
    )
    actor: IntakeActor
    target: IntakeTarget
    summary: dict[SummaryKey, Any] = Field(
        max_length=SUMMARY_MAX_FIELDS,
        # With the key pattern (patternProperties), no other key is taken.
        json_schema_extra={"additionalProperties": False},
        description=(
            f"What changed, as the record will show it: at most {SUMMARY_MAX_BYTES} bytes "
            "of canonical JSON (keys sorted, no whitespace, UTF-8), and no field at any "
            "depth whose name contains " + ", ".join(SECRET_WORDS) + " (in any case)."
        ),
    )


class PlatformAuditEvent(BaseModel):
    """The event as EventBridge delivers it (`source` is one of the stack's
    `AuditSources`; EventBridge's own fields, such as `id` and `time`, are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    source: str = Field(description="One of the stack's AuditSources.")
    detail_type: str = Field(
        alias="detail-type",
        pattern=ACTION_PATTERN,
        description="Becomes the record's action; never one of Teamspace's own detail-types.",
    )
    detail: PlatformAuditDetail


def published_schema() -> dict[str, Any]:
    """The JSON Schema the docs publish (draft 2020-12, as pydantic writes it)."""
    schema = PlatformAuditEvent.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://teamspace.example.com/schemas/platform-audit-event.schema.json",
        **schema,
    }


def canonical_size(value: Any) -> int:
    """Bytes of `value`'s canonical JSON (the form the chain hashes)."""
    return len(canonical_json(value))


def _secret_field(value: Any) -> str | None:
    """The first field name, at any depth, that names a secret."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if any(word in str(key).lower() for word in SECRET_WORDS):
                return str(key)
            found = _secret_field(inner)
            if found:
                return found
    elif isinstance(value, list):
        for inner in value:
            found = _secret_field(inner)
            if found:
                return found
    return None


def parse_platform_event(event: Any) -> PlatformAuditEvent:
    """The event, checked; IntakeRefused (with its reason) when it may not be written.
    The workspace's existence and the clock are the intake's to check (they need I/O)."""
    try:
        parsed = PlatformAuditEvent.model_validate(event)
    except ValidationError as error:
        where = ", ".join(".".join(map(str, e["loc"])) or "event" for e in error.errors())
        raise IntakeRefused("schema", f"The event does not follow the schema at: {where}") from None
    if parsed.detail_type in set(DetailType):
        raise IntakeRefused(
            "reserved_action", f"{parsed.detail_type} is one of Teamspace's own detail-types"
        )
    size = canonical_size(parsed.detail.summary)
    if size > SUMMARY_MAX_BYTES:
        raise IntakeRefused(
            "summary_too_large", f"The summary takes {size} bytes, over {SUMMARY_MAX_BYTES}"
        )
    secret = _secret_field(parsed.detail.summary)
    if secret is not None:
        raise IntakeRefused("secret_field", f"The summary field {secret!r} names a secret")
    occurred_at(parsed.detail)
    return parsed


def occurred_at(detail: PlatformAuditDetail) -> datetime:
    """The detail's moment in UTC (its pattern guarantees a zone)."""
    try:
        return datetime.fromisoformat(detail.occurredAt.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:  # the pattern holds but the date does not exist (2026-02-30)
        raise IntakeRefused("schema", "occurredAt is not a real moment") from None
