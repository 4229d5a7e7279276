"""The audit record's format version: records written before it existed (version 0, as
the code before it wrote them: no `formatVersion`, no `source`) still verify, records of
version 1 hash their version and source, and a chain may hold both. Tampering is caught
in either format, and so is a record whose version was changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from teamspace.core.audit import GENESIS
from teamspace.store import codec
from tests.support import SAMPLE_WORKSPACE, TEMPLATE, Team
from tests.support.audit import chain, deliver, platform_event, record_key, verify

TABLE = TEMPLATE.table_name()
PK = f"AUDIT#{SAMPLE_WORKSPACE}"
OLD_RECORDS = 3


def old_format_chain(count: int) -> list[dict[str, Any]]:
    """The items the audit consumer wrote before the format had a version, hashed here
    by hand as that code hashed them (every field but `hash`, keys sorted, compact)."""
    items, previous = [], GENESIS
    for seq in range(1, count + 1):
        occurred = f"2026-11-22T09:0{seq}:00Z"
        fields = {
            "workspaceId": SAMPLE_WORKSPACE,
            "seq": seq,
            "eventId": f"evt_old{seq:021d}",
            "occurredAt": occurred,
            "actor": {"type": "user", "id": "owner"},
            "action": "MemberUpdated",
            "target": {"type": "member", "id": f"user-{seq}"},
            "summary": {"userId": f"user-{seq}", "changed": ["jobTitle"]},
            "prevHash": previous,
            "expiresAt": 1_900_000_000 + seq,
            "prevExpiresAt": 0 if seq == 1 else 1_900_000_000 + seq - 1,
        }
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        time_sk = f"{occurred}#{seq:012d}"
        items.append(
            {
                "PK": PK,
                "SK": f"SEQ#{seq:012d}",
                "GSI1PK": f"AUDIT#{SAMPLE_WORKSPACE}#ACTOR#user:owner",
                "GSI1SK": time_sk,
                "GSI2PK": f"AUDIT#{SAMPLE_WORKSPACE}#ACTION#MemberUpdated",
                "GSI2SK": time_sk,
                "GSI3PK": f"AUDIT#{SAMPLE_WORKSPACE}#LOG",
                "GSI3SK": time_sk,
                "entity": "audit_record",
                **fields,
                "hash": digest,
                "ttl": fields["expiresAt"],
            }
        )
        items.append({"PK": PK, "SK": f"EVENT#{fields['eventId']}", "entity": "audit_event"})
        previous = digest
    last = items[-2]
    items.append(
        {
            "PK": PK,
            "SK": "HEAD",
            "entity": "audit_head",
            "workspaceId": SAMPLE_WORKSPACE,
            "seq": last["seq"],
            "hash": last["hash"],
            "expiresAt": last["expiresAt"],
        }
    )
    return items


@pytest.fixture
def old_chain(functions, store, clock, dynamodb) -> None:
    """The sample workspace, its owner, and a chain of the earlier format."""
    Team.create(functions, store, clock)
    for item in old_format_chain(OLD_RECORDS):
        dynamodb.put_item(TableName=TABLE, Item=codec.to_attributes(item))


def test_an_old_format_chain_still_verifies(functions, old_chain):
    assert verify(functions) == {"valid": True, "records": OLD_RECORDS, "firstInvalidSeq": None}


def test_new_records_extend_an_old_chain_in_the_new_format(functions, old_chain, dynamodb):
    assert deliver(platform_event()) == {"batchItemFailures": []}
    records = chain(dynamodb)
    assert ["formatVersion" in r for r in records] == [False] * OLD_RECORDS + [True]
    assert records[-1]["formatVersion"] == 1
    assert records[-1]["source"] == "platform.agents"
    assert records[-1]["prevHash"] == records[-2]["hash"]
    assert verify(functions) == {"valid": True, "records": 4, "firstInvalidSeq": None}


def test_a_tampered_old_format_record_is_caught(functions, old_chain, dynamodb):
    dynamodb.update_item(
        TableName=TABLE,
        Key=record_key(2),
        UpdateExpression="SET summary = :s",
        ExpressionAttributeValues={":s": {"M": {"userId": {"S": "mallory"}}}},
    )
    assert verify(functions) == {"valid": False, "records": 2, "firstInvalidSeq": 2}


@pytest.mark.parametrize(
    ("update", "values"),
    [
        ("REMOVE formatVersion", None),  # passed off as a record of the earlier format
        ("SET formatVersion = :v", {":v": {"N": "2"}}),  # a format this code cannot check
        ("SET #source = :v", {":v": {"S": "platform.billing"}}),  # hashed from version 1
    ],
    ids=["version-removed", "unknown-version", "source-changed"],
)
def test_a_new_format_record_with_its_version_or_source_changed_is_caught(
    functions, old_chain, dynamodb, update, values
):
    assert deliver(platform_event()) == {"batchItemFailures": []}
    request: dict[str, Any] = {"UpdateExpression": update}
    if values:
        request["ExpressionAttributeValues"] = values
    if "#source" in update:
        request["ExpressionAttributeNames"] = {"#source": "source"}
    dynamodb.update_item(TableName=TABLE, Key=record_key(OLD_RECORDS + 1), **request)
    assert verify(functions) == {
        "valid": False,
        "records": OLD_RECORDS + 1,
        "firstInvalidSeq": OLD_RECORDS + 1,
    }
