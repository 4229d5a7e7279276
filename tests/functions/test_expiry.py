"""The expiry job at scale: 5,000 pending invitations, 50 of them due. The job must read
the due ones only (GSI3 is sparse and ordered by expiry), expire exactly those, announce
each, free their seats, and find nothing to do when run again."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from local_runtime.moto_tuning import narrow_transaction_backups
from teamspace.core.clock import iso
from teamspace.core.errors import Conflict
from teamspace.core.records import Invitation, InvitationStatus
from teamspace.store import invitations as invitation_store
from teamspace.store import keys
from teamspace.store import workspaces as workspace_store
from tests.functions.chain_helpers import CallLog, Chain, counters, outbox
from tests.support import OWNER_SUB, SAMPLE_WORKSPACE, sample_event

TOTAL = 5_000
DUE = 50
PER_TRANSACTION = 49  # 2 items each, plus the counters: 99 items per transaction
READ_ALLOWANCE = 10  # items a run may read beyond the due ones
SEEDING: dict[str, float] = {}  # how long the last build's seeding took, in seconds


@pytest.fixture
def lean_moto_transactions(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto 5.2 backs up the whole table with copy.deepcopy once per item of every
    TransactWriteItems (at 10,000 items, seconds per transaction: 20 seeding transactions
    took 545 s here). `narrow_transaction_backups` keeps moto's semantics with a backup
    of only the items a transaction touches; the benchmarks and the local runtime use the
    same adjustment."""
    narrow_transaction_backups(monkeypatch.setattr)


@pytest.fixture
def chain(functions, monkeypatch) -> Chain:
    return Chain(monkeypatch)


@pytest.fixture
def seeded(lean_moto_transactions, functions, chain, store, clock, ids, worlds) -> dict[str, Any]:
    """The sample workspace with 5,000 pending invitations; 50 due by `run_at`. Built once
    per module (tests/support/worlds.py): `seeding_seconds` is that build's."""
    world = worlds.once("seeded", clock, ids, lambda: seed(functions, chain, store, clock, ids))
    return {**world, "seeding_seconds": SEEDING["seconds"]}


def seed(functions, chain, store, clock, ids) -> dict[str, Any]:
    created = functions.call("WorkspacesFunction", sample_event("workspaces/create-workspace.json"))
    assert created.status == 201, created.body
    run_at = clock.now() + timedelta(days=8)
    started = time.perf_counter()
    due: dict[str, str] = {}  # invitation id -> email
    batch: list[Invitation] = []
    for n in range(TOTAL):
        invitation_id = ids.new("inv")
        if n % (TOTAL // DUE) == 7:  # spread through the table, and over the shards
            expires_at = run_at - timedelta(minutes=len(due))  # the first: exactly at run_at
            due[invitation_id] = f"invitee{n}@example.com"
        else:
            expires_at = run_at + timedelta(seconds=1 + n * 97)  # the first: one second late
        batch.append(invitation(invitation_id, n, clock.now(), expires_at))
        if len(batch) == PER_TRANSACTION or n == TOTAL - 1:
            commit(store, batch)
            batch = []
    SEEDING["seconds"] = time.perf_counter() - started
    assert len(due) == DUE
    assert counters(chain.dynamodb_reader, SAMPLE_WORKSPACE) == {
        "memberCount": 1,
        "pendingInvites": TOTAL,
        "seatsUsed": TOTAL + 1,
    }
    shards = {invitation_store.expiry_shard_of(i) for i in due}
    assert len(shards) == invitation_store.EXPIRY_SHARDS, shards
    return {"run_at": run_at, "due": due}


def invitation(invitation_id: str, n: int, now: datetime, expires_at: datetime) -> Invitation:
    return Invitation(
        workspace_id=SAMPLE_WORKSPACE,
        invitation_id=invitation_id,
        email=f"invitee{n}@example.com",
        role="member",
        status=InvitationStatus.PENDING,
        invited_by=OWNER_SUB,
        inviter_name="Olivia Owner",
        workspace_name="Acme Voice",
        created_at=now,
        expires_at=expires_at,
        updated_at=now,
    )


def commit(store, batch: list[Invitation]) -> None:
    ops = []
    for item in batch:
        ops += [
            invitation_store.create_invitation(item),
            invitation_store.lock_pending_email(SAMPLE_WORKSPACE, item.email, item.invitation_id),
        ]
    ops.append(workspace_store.adjust_counters(SAMPLE_WORKSPACE, pending=len(batch)))
    assert len(ops) <= 100
    store.commit(ops)


class Reads:
    """What the job's own DynamoDB client read: items returned and evaluated."""

    def __init__(self, log: CallLog) -> None:
        queries = log.of("Query")
        gets = log.of("GetItem")
        batches = log.of("BatchGetItem")
        self.queries = len(queries)
        self.returned = sum(q["Count"] for q in queries)
        self.scanned = sum(q["ScannedCount"] for q in queries)
        self.got = sum(1 for g in gets if "Item" in g) + sum(
            len(items) for b in batches for items in b.get("Responses", {}).values()
        )
        self.transactions = len(log.of("TransactWriteItems"))

    @property
    def items(self) -> int:
        return max(self.returned, self.scanned) + self.got

    def __str__(self) -> str:
        return (
            f"{self.items} items read ({self.returned} returned, {self.scanned} evaluated, "
            f"{self.got} by key) in {self.queries} queries; {self.transactions} transactions"
        )


def run(chain: Chain, at: datetime) -> tuple[dict[str, Any], Reads, float]:
    log = CallLog(chain.dynamodb, "Query", "GetItem", "BatchGetItem", "TransactWriteItems")
    started = time.perf_counter()
    with log.recording():
        report = chain.expire(iso(at))
    return report, Reads(log), time.perf_counter() - started


def query_all(chain: Chain, *, count_only: bool = False, **request: Any) -> tuple[int, list]:
    """A paginated test-side Query: how many items match, and (unless counting) them."""
    total, items = 0, []
    request = {"TableName": "teamspace-test", **request}
    if count_only:
        request["Select"] = "COUNT"
    while True:
        response = chain.dynamodb_reader.query(**request)
        total += response["Count"]
        items += response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return total, items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def with_status(chain: Chain, status: str, *, count_only: bool = False) -> tuple[int, set[str]]:
    """Invitations of one status (GSI2): how many, and (unless counting) their ids."""
    total, items = query_all(
        chain,
        count_only=count_only,
        IndexName=keys.GSI2,
        KeyConditionExpression="GSI2PK = :pk",
        ExpressionAttributeValues={
            ":pk": {"S": invitation_store.invitations_by_status_pk(SAMPLE_WORKSPACE, status)}
        },
    )
    return total, {i["invitationId"]["S"] for i in items}


def in_partition(chain: Chain, prefix: str) -> int:
    total, _ = query_all(
        chain,
        count_only=True,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues={
            ":pk": {"S": f"WS#{SAMPLE_WORKSPACE}"},
            ":prefix": {"S": prefix},
        },
    )
    return total


def counts_agree(chain: Chain) -> dict[str, int]:
    """The META counters agree with the items (counted, not read: moto is slow to serialise
    thousands of items); returns them."""
    found = counters(chain.dynamodb_reader, SAMPLE_WORKSPACE)
    members = in_partition(chain, "MEMBER#")
    pending, _ = with_status(chain, "PENDING", count_only=True)
    actual = {"memberCount": members, "pendingInvites": pending, "seatsUsed": members + pending}
    assert found == actual, f"counters {found} but items say {actual}"
    assert in_partition(chain, "INVITE_EMAIL#") == pending  # one pending lock each
    assert in_partition(chain, "MEMBER_EMAIL#") == members
    return found


# ---- 9. 5,000 pending, 50 due: reads and expires the 50 ----------------------------------


def test_expiry_reads_and_expires_only_the_due_invitations(chain, seeded):
    report, reads, seconds = run(chain, seeded["run_at"])
    measured = (
        f"{TOTAL} pending, {DUE} due: {reads}; run {seconds:.2f} s, "
        f"seeding {seeded['seeding_seconds']:.2f} s; report {report}"
    )
    print(measured)

    assert report == {
        "read": DUE,
        "expired": DUE,
        "lost_races": 0,
        "deferred": 0,
        "finished": True,
    }, measured
    assert DUE <= reads.items <= DUE + READ_ALLOWANCE, measured
    assert reads.queries <= invitation_store.EXPIRY_SHARDS * 2, measured
    assert reads.transactions == DUE, measured

    assert with_status(chain, "EXPIRED") == (DUE, set(seeded["due"])), measured
    assert with_status(chain, "PENDING", count_only=True)[0] == TOTAL - DUE
    for invitation_id in sorted(seeded["due"])[:5]:
        expired = chain.item(f"WS#{SAMPLE_WORKSPACE}", f"INVITE#{invitation_id}")
        assert expired is not None
        assert "GSI3PK" not in expired  # off the sparse indexes
        assert "GSI1PK" not in expired

    events = outbox(chain.dynamodb_reader, "InvitationExpired")
    assert sorted(e["data"]["invitationId"] for e in events) == sorted(seeded["due"])
    for event in events:
        assert event["actor"]["type"] == "system", event
        assert event["actor"]["id"]
        assert event["workspaceId"] == SAMPLE_WORKSPACE
        assert event["occurredAt"] == iso(seeded["run_at"])

    assert counts_agree(chain) == {
        "memberCount": 1,
        "pendingInvites": TOTAL - DUE,
        "seatsUsed": TOTAL - DUE + 1,
    }
    for email in seeded["due"].values():  # each expired invitation freed its address
        assert chain.item(f"WS#{SAMPLE_WORKSPACE}", f"INVITE_EMAIL#{email}") is None


# ---- 10. a second run: nothing due, nothing read, nothing done -----------------------------


def test_expiry_run_again_expires_nothing_and_reads_nothing(chain, seeded):
    first, _, _ = run(chain, seeded["run_at"])
    assert first["expired"] == DUE
    counters_after_first = counters(chain.dynamodb_reader, SAMPLE_WORKSPACE)
    assert counters_after_first["pendingInvites"] == TOTAL - DUE

    report, reads, seconds = run(chain, seeded["run_at"])
    measured = f"second run: {reads}; {seconds:.2f} s; report {report}"
    print(measured)

    assert report == {"read": 0, "expired": 0, "lost_races": 0, "deferred": 0, "finished": True}, (
        measured
    )
    assert reads.items == 0, measured
    assert reads.transactions == 0, measured
    assert len(outbox(chain.dynamodb_reader, "InvitationExpired")) == DUE
    assert counters(chain.dynamodb_reader, SAMPLE_WORKSPACE) == counters_after_first
    # A replay of the run a second early finds nothing either.
    again, _, _ = run(chain, seeded["run_at"] - timedelta(seconds=1))
    assert again == {"read": 0, "expired": 0, "lost_races": 0, "deferred": 0, "finished": True}


def test_lean_transactions_still_cancel_all_or_nothing(lean_moto_transactions, chain, store, clock):
    """The fixture above must keep moto's semantics: a cancelled transaction writes nothing,
    to the table or to its stream."""
    now = clock.now()
    first = invitation("inv_00000000000000000000000001", 1, now, now + timedelta(days=1))
    second = invitation("inv_00000000000000000000000002", 2, now, now + timedelta(days=1))
    store.commit([invitation_store.create_invitation(first)])
    before = chain.stream_records()
    with pytest.raises(Conflict):
        store.commit(
            [
                invitation_store.create_invitation(second),  # applied by moto, then rolled back
                invitation_store.lock_pending_email(
                    SAMPLE_WORKSPACE, second.email, second.invitation_id
                ),
                invitation_store.create_invitation(first),  # exists: the condition fails
            ]
        )
    assert len(before) == 1
    assert chain.stream_records() == []
    assert chain.item(f"WS#{SAMPLE_WORKSPACE}", f"INVITE#{second.invitation_id}") is None
    assert chain.item(f"WS#{SAMPLE_WORKSPACE}", f"INVITE_EMAIL#{second.email}") is None
    assert chain.item(f"WS#{SAMPLE_WORKSPACE}", f"INVITE#{first.invitation_id}") is not None
