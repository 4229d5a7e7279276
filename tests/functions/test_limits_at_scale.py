"""The routes whose work grows with their input or with the workspace, at their largest,
through their handlers on moto: how many DynamoDB requests each sends, pinned, so that
the worst case of docs/performance.md ("Limits at scale") stays what it says: under the
function's timeout, and so under API Gateway's 30 seconds."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from local_runtime.lambdas import LambdaContext, load_module
from teamspace import wiring
from teamspace.core.audit import Progress, Verification
from teamspace.core.identity import Caller
from teamspace.domain.audit import AuditService, progress_cursor
from tests.support import OWNER_SUB, SAMPLE_WORKSPACE, TEMPLATE, Reply, Team, sample_event
from tests.support.audit import record_key, seed_chain
from tests.support.calls import dynamodb_calls

MAX_BULK = 50  # API.md: "up to 50"
BULK = [{"email": f"p{n}@example.com", "role": "viewer"} for n in range(MAX_BULK)]


@pytest.fixture
def workspace(functions, store, clock, ids, worlds) -> None:
    worlds.once("workspace", clock, ids, lambda: Team.create(functions, store, clock) and None)


def bulk(functions, invitations: list[dict[str, Any]]) -> Reply:
    event = sample_event("invitations/bulk-invite.json", body={"invitations": invitations})
    return functions.call("InvitationsFunction", event)


def test_bulk_invitations_of_50_cost_one_read_and_one_transaction_each(functions, workspace):
    with dynamodb_calls() as calls:
        reply = bulk(functions, BULK)
    assert reply.status == 200, reply.body
    assert [r["status"] for r in reply.body["results"]] == ["created"] * MAX_BULK
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": MAX_BULK}


def test_bulk_invitations_of_50_all_refused_cost_no_more(functions, workspace):
    assert bulk(functions, BULK).status == 200
    with dynamodb_calls() as calls:
        reply = bulk(functions, BULK)  # every address has a pending invitation now
    assert reply.status == 200, reply.body
    assert {r["code"] for r in reply.body["results"]} == {"INVITATION_PENDING"}
    # Each refused by its transaction's condition: no more requests than when created.
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": MAX_BULK}


# ---- the audit log: an export page reads at most 2 MB -----------------------------------

SMALL_LOG = 5900  # not a multiple of 500: no read finds an empty last page


@pytest.fixture
def small_records(functions, store, clock, ids, worlds) -> None:
    """A log of the smallest records (an empty summary): the most records a 2 MB export
    page holds, and so the most reads it makes."""

    def build() -> None:
        Team.create(functions, store, clock)
        seed_chain(SMALL_LOG, {})

    worlds.once("small_records", clock, ids, build)


def audit(name: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    event = sample_event(f"audit/{name}.json", query=query)
    return load_module(TEMPLATE.functions()["AuditFunction"]).lambda_handler(
        event, LambdaContext("AuditFunction")
    )


def test_an_export_page_of_the_smallest_records_reads_a_bounded_part_of_the_log(small_records):
    with dynamodb_calls() as calls:
        page = audit("export-audit-log", {"format": "jsonl"})
    assert page["statusCode"] == 200
    assert "Next-Cursor" in page["headers"]  # the page filled up before the log ended
    served = page["body"].count("\n")
    assert len(page["body"].encode()) <= 2 * 1024 * 1024
    # The workspace and the caller (one BatchGetItem), then the chain 500 records a
    # Query, one record past the page to know it is full.
    assert served == 3534
    assert (
        calls
        == {"BatchGetItem": 1, "Query": math.ceil((served + 1) / 500)}
        == {
            "BatchGetItem": 1,
            "Query": 8,
        }
    )


# ---- a chain longer than one verification checks: in parts, each going on -------------

PART = 1000  # records a part here; VERIFY_LIMIT (50,000) in the stack


def verify_part(clock, cursor: str | None = None) -> Verification:
    """One part of the owner's verification of the sample workspace, through the domain
    service on the handlers' store (wiring's), with parts of `PART` records."""
    service = AuditService(wiring.store(), clock, retention_days=365, verify_limit=PART)
    owner = Caller(user_id=OWNER_SUB, email="owner@example.com", email_verified=True)
    return service.verify(owner, SAMPLE_WORKSPACE, cursor)


def verify_in_parts(clock) -> list[Verification]:
    """The owner's verification of the sample workspace, part after part."""
    parts, cursor = [], None
    while True:
        with dynamodb_calls() as calls:
            result = verify_part(clock, cursor)
        # Each part: the read under the request, then its records 500 a Query (and the
        # one record past the part, to know it is not the end).
        assert calls == {"BatchGetItem": 1, "Query": 3} or result.resume is None, calls
        parts.append(result)
        if result.resume is None:
            return parts
        cursor = progress_cursor(result.resume)
        assert len(parts) < 20


def test_a_long_chain_is_verified_in_parts_that_together_check_it_all(small_records, store, clock):
    parts = verify_in_parts(clock)
    assert [p.records for p in parts] == [1000, 2000, 3000, 4000, 5000, SMALL_LOG]
    assert all(p.valid and p.first_invalid_seq is None for p in parts)


def test_a_record_changed_deep_in_a_long_chain_is_found_by_its_part(
    small_records, store, clock, dynamodb
):
    dynamodb.update_item(
        TableName=TEMPLATE.table_name(),
        Key=record_key(2500),
        UpdateExpression="SET summary = :changed",
        ExpressionAttributeValues={":changed": {"M": {"name": {"S": "changed"}}}},
    )
    parts = verify_in_parts(clock)
    assert [(p.valid, p.records, p.first_invalid_seq) for p in parts] == [
        (True, 1000, None),
        (True, 2000, None),
        (False, 2500, 2500),
    ]


def test_the_route_goes_on_from_a_cursor_and_refuses_one_it_did_not_give(
    small_records, store, clock
):
    first = verify_part(clock)
    assert first.resume is not None
    cursor = progress_cursor(first.resume)
    with dynamodb_calls() as calls:
        result = audit("verify-audit-log", {"cursor": cursor})
    assert result["statusCode"] == 200, result
    # The read under the request, then the rest of the chain 500 records a Query.
    assert calls == {"BatchGetItem": 1, "Query": math.ceil((SMALL_LOG - PART) / 500)}
    # The stack's parts hold 50,000: the rest in one go, and the whole chain counted.
    assert json.loads(result["body"]) == {
        "valid": True,
        "records": SMALL_LOG,
        "firstInvalidSeq": None,
    }
    for bad in ("nope", cursor[:-4], progress_cursor(Progress(5, "0" * 64, 9))):
        refused = audit("verify-audit-log", {"cursor": bad})
        assert refused["statusCode"] == 422, (bad, refused)
        assert json.loads(refused["body"])["code"] == "INVALID_CURSOR"
