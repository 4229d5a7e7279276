"""Generated documents are committed, and must match what the code generates now."""

from __future__ import annotations

from tools.gen_docs import (
    EVENTS_DOC,
    INTAKE_SCHEMA,
    PERMISSIONS_DOC,
    events_markdown,
    intake_schema_json,
    permissions_markdown,
)


def test_docs_events_md_is_up_to_date():
    assert EVENTS_DOC.read_text() == events_markdown(), "run `make docs` and commit the result"


def test_docs_permissions_md_is_up_to_date():
    assert PERMISSIONS_DOC.read_text() == permissions_markdown(), "run `make docs` and commit it"


def test_the_audit_intakes_published_schema_is_up_to_date():
    assert INTAKE_SCHEMA.read_text() == intake_schema_json(), "run `make docs` and commit it"
