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
from tests.support import TEMPLATE, Reply, Team, sample_event
from tests.support.audit import seed_chain
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


# ---- the audit log: an export page reads at most 2 MB; verification reads it all -------

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


def test_verification_reads_the_whole_log_500_records_a_query(small_records):
    with dynamodb_calls() as calls:
        result = audit("verify-audit-log")
    assert json.loads(result["body"]) == {
        "valid": True,
        "records": SMALL_LOG,
        "firstInvalidSeq": None,
    }
    assert (
        calls
        == {"BatchGetItem": 1, "Query": math.ceil(SMALL_LOG / 500)}
        == {
            "BatchGetItem": 1,
            "Query": 12,
        }
    )
