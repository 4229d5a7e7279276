"""The audit intake's checks, table-driven: each malformed event is refused with its
reason. The published schema (docs/schemas/platform-audit-event.schema.json, as
committed) is run by an independent validator (jsonschema) over the same table: it
refuses every event the intake refuses as `schema`, and takes the ones refused for
what a schema cannot say (size in bytes, secret-like names at any depth, Teamspace's
own detail-types, a date that does not exist), which the schema's descriptions name."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from teamspace.core.audit_intake import (
    SUMMARY_MAX_BYTES,
    IntakeRefused,
    canonical_size,
    parse_platform_event,
)
from tests.support import EVENTS
from tools.gen_docs import INTAKE_SCHEMA

PUBLISHED = jsonschema.Draft202012Validator(json.loads(INTAKE_SCHEMA.read_text()))
SAMPLE = json.loads(
    json.loads((EVENTS / "audit_consumer" / "platform-agent-updated.json").read_text())["Records"][
        0
    ]["body"]
)


def event(**detail: Any) -> dict[str, Any]:
    made = copy.deepcopy(SAMPLE)
    made["detail"].update(detail)
    return made


def without(*path: str) -> dict[str, Any]:
    made = copy.deepcopy(SAMPLE)
    holder = made
    for part in path[:-1]:
        holder = holder[part]
    del holder[path[-1]]
    return made


def enveloped(**fields: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SAMPLE), **fields}


def summary_of_bytes(size: int) -> dict[str, str]:
    """A summary whose canonical JSON takes exactly `size` bytes."""
    overhead = canonical_size({"notes": ""})
    return {"notes": "é" * ((size - overhead) // 2) + "x" * ((size - overhead) % 2)}


TAKEN = [
    SAMPLE,
    event(summary={}),
    event(
        actor={"type": "apiKey", "id": "key_01"}, target={"type": "phoneNumber", "id": "+15550100"}
    ),
    event(actor={"type": "system", "id": "platform.numbers"}),
    event(occurredAt="2026-11-22T11:00:00.123+01:00"),
    event(summary={"nested": {"list": [1, {"deep": True}], "count": None}}),
    event(summary=summary_of_bytes(SUMMARY_MAX_BYTES)),
    event(summary={f"f{n}": n for n in range(32)}),
    enveloped(**{"detail-type": "KnowledgeBaseDocumentAdded"}),
]

SCHEMA = "schema"
REFUSED = [
    (without("detail", "eventId"), SCHEMA),
    (without("detail", "workspaceId"), SCHEMA),
    (without("detail", "occurredAt"), SCHEMA),
    (without("detail", "actor"), SCHEMA),
    (without("detail", "target"), SCHEMA),
    (without("detail", "summary"), SCHEMA),
    (without("detail", "actor", "id"), SCHEMA),
    (without("detail-type"), SCHEMA),
    (without("source"), SCHEMA),
    (without("detail"), SCHEMA),
    (enveloped(detail=[]), SCHEMA),
    (event(eventId=42), SCHEMA),
    (event(eventId=""), SCHEMA),
    (event(eventId="has#hash"), SCHEMA),
    (event(eventId="x" * 129), SCHEMA),
    (event(workspaceId=None), SCHEMA),
    (event(occurredAt="2026-11-22"), SCHEMA),
    (event(occurredAt="2026-11-22T10:00:00"), SCHEMA),  # no zone
    (event(occurredAt=1795341600), SCHEMA),
    (event(actor={"type": "robot", "id": "r2"}), SCHEMA),
    (event(actor={"type": "user", "id": "u", "via": "ws_2"}), SCHEMA),
    (event(actor="user-1"), SCHEMA),
    (event(target={"type": "Agent", "id": "a1"}), SCHEMA),
    (event(target={"type": "agent", "id": 7}), SCHEMA),
    (event(summary=["a", "b"]), SCHEMA),
    (event(summary={"has space": 1}), SCHEMA),
    (event(summary={f"f{n}": n for n in range(33)}), SCHEMA),
    (event(extra="field"), SCHEMA),
    (enveloped(**{"detail-type": "agent updated"}), SCHEMA),
    (enveloped(**{"detail-type": "Ab"}), SCHEMA),
    (enveloped(**{"detail-type": 5}), SCHEMA),
    # Beyond what a JSON Schema can say: the intake's own checks, named in the schema.
    (event(occurredAt="2026-02-30T10:00:00Z"), SCHEMA),
    (event(summary=summary_of_bytes(SUMMARY_MAX_BYTES + 1)), "summary_too_large"),
    (event(summary={"password": "x"}), "secret_field"),
    (event(summary={"smtp": {"Password": "x"}}), "secret_field"),
    (event(summary={"items": [{"accessToken": "x"}]}), "secret_field"),
    (event(summary={"AuthorizationHeader": "x"}), "secret_field"),
    (enveloped(**{"detail-type": "MemberRemoved"}), "reserved_action"),
    (enveloped(**{"detail-type": "WorkspaceDeleted"}), "reserved_action"),
]
BEYOND_THE_SCHEMA = 8  # the last rows


@pytest.mark.parametrize("taken", TAKEN, ids=range(len(TAKEN)))
def test_a_well_formed_event_is_taken_by_the_intake_and_the_published_schema(taken):
    parsed = parse_platform_event(taken)
    assert parsed.detail.summary == taken["detail"]["summary"]
    PUBLISHED.validate(taken)


@pytest.mark.parametrize(("refused", "reason"), REFUSED, ids=range(len(REFUSED)))
def test_a_malformed_event_is_refused_with_its_reason(refused, reason):
    with pytest.raises(IntakeRefused) as caught:
        parse_platform_event(refused)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "refused",
    [e for e, _ in REFUSED[:-BEYOND_THE_SCHEMA]],
    ids=range(len(REFUSED) - BEYOND_THE_SCHEMA),
)
def test_the_published_schema_refuses_what_the_intake_refuses_as_schema(refused):
    assert not PUBLISHED.is_valid(refused)


@pytest.mark.parametrize(
    "beyond", [e for e, _ in REFUSED[-BEYOND_THE_SCHEMA:]], ids=range(BEYOND_THE_SCHEMA)
)
def test_what_a_schema_cannot_say_is_checked_beyond_it(beyond):
    assert PUBLISHED.is_valid(beyond)


def test_the_schema_names_the_checks_beyond_it():
    summary = PUBLISHED.schema["$defs"]["PlatformAuditDetail"]["properties"]["summary"]
    assert f"at most {SUMMARY_MAX_BYTES} bytes" in summary["description"]
    assert "password" in summary["description"]
    detail_type = PUBLISHED.schema["properties"]["detail-type"]
    assert "never one of Teamspace's own" in detail_type["description"]


def test_the_summary_limit_is_counted_in_utf8_bytes_of_canonical_json():
    at_limit = summary_of_bytes(SUMMARY_MAX_BYTES)
    assert canonical_size(at_limit) == SUMMARY_MAX_BYTES
    assert len(json.dumps(at_limit, ensure_ascii=False)) < SUMMARY_MAX_BYTES  # not characters
