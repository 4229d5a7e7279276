"""local_runtime/faults.py: each fault answered as DynamoDB answers it (read back through
botocore's own parsing), never applied, reproducible from a seed and counted; also on the
reads tests/support/aws.py answers directly, and where botocore's retry loop sees it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local_runtime import faults
from local_runtime.faults import BadFaultSpec, FaultSpec
from tests.support import TABLE, TEMPLATE
from tests.support.aws import session

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def key(n: int) -> dict:
    return {"PK": {"S": f"FAULT#{n}"}, "SK": {"S": "ITEM"}}


def put(n: int) -> dict:
    return {"TableName": TABLE, "Item": {**key(n), "n": {"N": str(n)}}}


@pytest.fixture
def client(aws: None):
    """A DynamoDB client of its own (botocore retries off, so each fault is seen once)."""
    return boto3.client("dynamodb", region_name=TEMPLATE.region, config=NO_RETRIES)


@pytest.fixture
def inject(client) -> Iterator:
    """install(client, spec) for the test, removed after it."""
    made: list[faults.Injector] = []

    def installed(text: str) -> faults.Injector:
        made.append(faults.install(client, faults.parse(text)))
        return made[-1]

    yield installed
    for injector in made:
        injector.remove()


def error_of(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response


def stored(client, n: int) -> dict | None:
    return client.get_item(TableName=TABLE, Key=key(n), ConsistentRead=True).get("Item")


# ---- the spec ----------------------------------------------------------------------------


def test_a_spec_reads_rates_seed_limit_and_operations() -> None:
    spec = faults.parse("conflict=0.2, throttle=0.05,internal=0.01,unprocessed=0.3,seed=7")
    assert spec == FaultSpec(
        {"conflict": 0.2, "throttle": 0.05, "internal": 0.01, "unprocessed": 0.3}, seed=7
    )
    narrowed = faults.parse("throttle=1,limit=2,only=GetItem+Query")
    assert (narrowed.limit, narrowed.only) == (2, frozenset({"GetItem", "Query"}))
    assert narrowed.rate("throttle", "PutItem") == 0
    assert narrowed.rate("throttle", "Query") == 1
    assert spec.rate("conflict", "GetItem") == 0  # a read is never cancelled
    assert spec.rate("unprocessed", "Query") == 0
    assert not faults.parse("").active
    assert not faults.from_environment({}).active
    assert faults.from_environment({"TEAMSPACE_FAULTS": "internal=1"}).rates == {"internal": 1}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("conflicts=0.2", "unknown fault 'conflicts'"),
        ("conflict=1.5", "from 0 to 1"),
        ("conflict=-0.1", "from 0 to 1"),
        ("conflict=high", "not a number"),
        ("seed=x", "not a number"),
        ("conflict", "not name=value"),
        ("conflict=0.1,conflict=0.2", "given twice"),
        ("limit=-1", "0 or more"),
    ],
)
def test_a_bad_spec_is_refused_naming_what_is_wrong(text: str, said: str) -> None:
    with pytest.raises(BadFaultSpec, match=said):
        faults.parse(text)


# ---- each fault, as DynamoDB answers it, and not applied ---------------------------------


def test_a_conflict_cancels_a_transaction_with_one_conflicting_reason(client, inject) -> None:
    injector = inject("conflict=1,seed=3")
    items = [{"Put": put(n)} for n in range(3)]
    response = error_of(client.transact_write_items, TransactItems=items)
    assert response["Error"]["Code"] == "TransactionCanceledException"
    codes = [reason["Code"] for reason in response["CancellationReasons"]]
    assert sorted(codes) == ["None", "None", "TransactionConflict"]
    assert "TransactionConflict" in response["Error"]["Message"]
    assert injector.counts == {("conflict", "TransactWriteItems"): 1}
    injector.remove()
    assert [stored(client, n) for n in range(3)] == [None, None, None]


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("put_item", put(1)),
        (
            "update_item",
            {
                "TableName": TABLE,
                "Key": key(1),
                "UpdateExpression": "SET n = :n",
                "ExpressionAttributeValues": {":n": {"N": "2"}},
            },
        ),
        ("delete_item", {"TableName": TABLE, "Key": key(1)}),
    ],
)
def test_a_conflict_on_a_single_write_is_a_transaction_conflict(
    client, inject, operation: str, kwargs: dict
) -> None:
    client.put_item(**put(1))
    injector = inject("conflict=1")
    response = error_of(getattr(client, operation), **kwargs)
    assert response["Error"]["Code"] == "TransactionConflictException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    injector.remove()
    assert stored(client, 1) == put(1)["Item"]  # neither changed nor deleted


def test_a_throttle_is_either_of_dynamodbs_two_and_not_applied(client, inject) -> None:
    injector = inject("throttle=1,seed=1")
    codes = {error_of(client.put_item, **put(n))["Error"]["Code"] for n in range(12)}
    assert codes == {"ThrottlingException", "ProvisionedThroughputExceededException"}
    assert injector.counts == {("throttle", "PutItem"): 12}
    injector.remove()
    assert all(stored(client, n) is None for n in range(12))


def test_an_internal_error_is_a_500_and_not_applied(client, inject) -> None:
    injector = inject("internal=1")
    response = error_of(client.transact_write_items, TransactItems=[{"Put": put(1)}])
    assert response["Error"]["Code"] == "InternalServerError"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    injector.remove()
    assert stored(client, 1) is None


def test_reads_answered_directly_are_faulted_too(client, inject) -> None:
    """tests/support/aws.py writes read responses itself (DirectReads): the fault comes first."""
    client.put_item(**put(1))
    inject("throttle=1,only=GetItem+Query+BatchGetItem+Scan")
    for call, kwargs in [
        (client.get_item, {"TableName": TABLE, "Key": key(1)}),
        (
            client.query,
            {
                "TableName": TABLE,
                "KeyConditionExpression": "PK = :p",
                "ExpressionAttributeValues": {":p": {"S": "FAULT#1"}},
            },
        ),
        (client.batch_get_item, {"RequestItems": {TABLE: {"Keys": [key(1)]}}}),
        (client.scan, {"TableName": TABLE}),
    ]:
        assert error_of(call, **kwargs)["Error"]["Code"].endswith("Exception")


def test_unprocessed_keys_are_part_of_a_batch_the_rest_answered(client, inject) -> None:
    for n in range(5):
        client.put_item(**put(n))
    injector = inject("unprocessed=1,seed=5")
    request = {TABLE: {"Keys": [key(n) for n in range(5)], "ConsistentRead": True}}
    response = client.batch_get_item(RequestItems=request)
    answered = {item["PK"]["S"] for item in response["Responses"][TABLE]}
    left = response["UnprocessedKeys"][TABLE]
    assert left["ConsistentRead"] is True  # the table's request, as it was asked
    withheld = {k["PK"]["S"] for k in left["Keys"]}
    assert answered
    assert withheld
    assert not answered & withheld
    assert answered | withheld == {f"FAULT#{n}" for n in range(5)}
    assert injector.counts == {("unprocessed", "BatchGetItem"): 1}
    injector.remove()
    again = client.batch_get_item(RequestItems=response["UnprocessedKeys"])
    assert {item["PK"]["S"] for item in again["Responses"][TABLE]} == withheld
    assert again["UnprocessedKeys"] == {}


def test_a_batch_of_one_key_is_never_left_unprocessed(client, inject) -> None:
    client.put_item(**put(1))
    injector = inject("unprocessed=1")
    response = client.batch_get_item(RequestItems={TABLE: {"Keys": [key(1)]}})
    assert len(response["Responses"][TABLE]) == 1
    assert not response["UnprocessedKeys"]
    assert injector.total() == 0


# ---- seeds, counts, botocore's retries, installing and removing --------------------------


def outcomes(client, text: str, calls: int) -> tuple[list[str], faults.Injector]:
    injector = faults.install(client, faults.parse(text))
    seen = []
    try:
        for n in range(calls):
            try:
                client.put_item(**put(n))
                seen.append("ok")
            except ClientError as error:
                seen.append(error.response["Error"]["Code"])
    finally:
        injector.remove()
    return seen, injector


def test_a_seeded_spec_injects_the_same_faults_again_and_counts_them(client) -> None:
    text = "conflict=0.3,throttle=0.3,internal=0.1,seed=11"
    first, injector = outcomes(client, text, 40)
    second, _ = outcomes(client, text, 40)
    assert first == second
    assert len(set(first)) >= 4  # ok and at least three kinds of fault
    assert injector.total() == sum(code != "ok" for code in first)
    assert injector.total("conflict") == first.count("TransactionConflictException")
    assert injector.counts[("internal", "PutItem")] == first.count("InternalServerError")


def test_a_limit_stops_injecting(client) -> None:
    seen, injector = outcomes(client, "throttle=1,limit=2", 4)
    assert seen[2:] == ["ok", "ok"]
    assert injector.total() == 2


def test_botocores_retry_loop_sees_the_fault_and_retries_it(aws: None) -> None:
    retrying = boto3.client(
        "dynamodb",
        region_name=TEMPLATE.region,
        config=Config(retries={"mode": "legacy", "total_max_attempts": 3}),  # 50 ms, 100 ms
    )
    injector = faults.install(retrying, faults.parse("throttle=1,limit=2"))
    try:
        response = retrying.put_item(**put(1))
    finally:
        injector.remove()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert injector.total("throttle") == 2
    assert stored(retrying, 1) == put(1)["Item"]  # applied once, by the third attempt


def test_a_session_hooks_the_clients_made_from_it_and_removal_disarms_them(aws: None) -> None:
    injector = faults.install(session(), faults.parse("internal=1"))
    try:
        made_during = boto3.client("dynamodb", region_name=TEMPLATE.region, config=NO_RETRIES)
        assert error_of(made_during.put_item, **put(1))["Error"]["Code"] == "InternalServerError"
    finally:
        injector.remove()
    made_after = boto3.client("dynamodb", region_name=TEMPLATE.region, config=NO_RETRIES)
    made_during.put_item(**put(1))
    made_after.put_item(**put(2))
    assert injector.total() == 1
