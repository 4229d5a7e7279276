"""The audit export past Lambda's 6 MB response payload: pages of whole records, each
well under it, chained by `Link: <...>; rel="next"` and `Next-Cursor`, whose bodies
joined are the whole log, which anyone can verify as docs/audit.md says (each line's
hash over its hashed fields, each `prevHash` the hash before it)."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from local_runtime.lambdas import LambdaContext, load_module
from teamspace.core.audit import GENESIS, canonical_json
from tests.support import TEMPLATE, Team, sample_event
from tests.support.audit import seed_chain

MB = 1024 * 1024
LAMBDA_RESPONSE_LIMIT = 6 * MB
PAGE_BOUND = 2 * MB  # docs/audit.md, "Exporting the log"
# About 3.8 KB of UTF-8 a summary (under the intake's 4 KB), a third of it characters of
# three bytes that the Lambda response carries as six (\uXXXX).
SUMMARY = {"note": "x" * 2000, "name": "漢字" * 300}
RECORDS = 1800
EXPORT_URL = "https://api.example.com/v1/workspaces/ws/audit-log/export?format=jsonl"


@pytest.fixture
def large_log(functions, store, clock, ids, worlds) -> list[Any]:
    """The sample workspace and its owner, with a log of over 6 MB (once per module)."""

    def build() -> list[Any]:
        Team.create(functions, store, clock)
        return seed_chain(RECORDS, SUMMARY)

    return worlds.once("large_log", clock, ids, build)


def call(query: dict[str, str]) -> dict[str, Any]:
    """The export, through the audit function's real entry point, as the owner."""
    event = sample_event("audit/export-audit-log.json", query=query)
    module = load_module(TEMPLATE.functions()["AuditFunction"])
    return module.lambda_handler(event, LambdaContext("AuditFunction"))


def pages(export_format: str) -> list[dict[str, Any]]:
    """Every page, following each `Link` as a client would (resolved against the URL it
    came from), and checking `Next-Cursor` says the same."""
    found, url = [], EXPORT_URL.replace("jsonl", export_format)
    query = {"format": export_format}
    while True:
        result = call(query)
        assert result["statusCode"] == 200, result
        found.append(result)
        headers = result["headers"]
        if "Link" not in headers:
            assert "Next-Cursor" not in headers
            return found
        (target,) = re.fullmatch(r'<([^>]*)>; rel="next"', headers["Link"]).groups()
        url = urljoin(url, target)
        assert urlsplit(url).path == "/v1/workspaces/ws/audit-log/export"
        query = {k: v for k, (v,) in parse_qs(urlsplit(url).query).items()}
        assert query == {"format": export_format, "cursor": headers["Next-Cursor"]}
        assert len(found) < 50, "the pages never end"


def assert_each_page_fits(found: list[dict[str, Any]]) -> str:
    """Each page under the bound, as Lambda would carry it; the bodies joined."""
    for result in found:
        assert len(json.dumps(result)) < PAGE_BOUND + 4096 < LAMBDA_RESPONSE_LIMIT
        assert len(result["body"].encode("utf-8")) <= PAGE_BOUND
    whole = "".join(result["body"] for result in found)
    assert len(whole.encode("utf-8")) > LAMBDA_RESPONSE_LIMIT  # one body could not hold it
    return whole


def test_the_jsonl_export_past_6_mb_comes_in_pages_that_join_into_the_verifiable_log(
    large_log,
):
    found = pages("jsonl")
    assert len(found) >= 4
    whole = assert_each_page_fits(found)
    lines = [json.loads(line) for line in whole.splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, RECORDS + 1))
    previous = GENESIS
    for line, record in zip(lines, large_log, strict=True):
        fields = {k: v for k, v in line.items() if k != "hash"}
        assert hashlib.sha256(canonical_json(fields)).hexdigest() == line["hash"] == record.hash
        assert line["prevHash"] == previous
        previous = line["hash"]


def test_the_csv_export_pages_join_into_one_file_with_one_header(large_log):
    found = pages("csv")
    whole = assert_each_page_fits(found)
    assert whole.count("seq,eventId,") == 1
    rows = list(csv.DictReader(io.StringIO(whole)))
    assert [int(row["seq"]) for row in rows] == list(range(1, RECORDS + 1))
    assert [row["hash"] for row in rows] == [record.hash for record in large_log]
    assert all(row["prevHash"] == before["hash"] for before, row in itertools.pairwise(rows))
    assert json.loads(rows[-1]["summary"]) == SUMMARY


def test_a_small_log_is_one_page_without_a_next(functions, store, clock):
    Team.create(functions, store, clock)
    seed_chain(3, {"name": "small"})
    result = call({"format": "jsonl"})
    assert "Link" not in result["headers"]
    assert "Next-Cursor" not in result["headers"]
    assert [json.loads(line)["seq"] for line in result["body"].splitlines()] == [1, 2, 3]


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        # Another workspace's chain, and a key of the workspace's partition not a record.
        "eyJQSyI6IkFVRElUI3dzX290aGVyIiwiU0siOiJTRVEjMDAwMDAwMDAwMDAxIn0",
        "eyJQSyI6IkFVRElUI3dzXzAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAxIiwiU0siOiJIRUFEIn0",
    ],
)
def test_a_cursor_that_is_not_one_of_this_logs_pages_is_refused(functions, store, clock, cursor):
    Team.create(functions, store, clock)
    seed_chain(3, {"name": "small"})
    result = call({"format": "jsonl", "cursor": cursor})
    assert result["statusCode"] == 422, result
    assert json.loads(result["body"])["code"] == "INVALID_CURSOR"
