"""The table adapter: the few DynamoDB calls every entity's reads and writes are made of,
and the one map from DynamoDB's errors to the domain's.

It knows the table, not what is in it: each entity's module (`workspaces`, `members`,
`invitations`, ...) holds its keys, its item mapping, its reads (functions taking this
adapter) and its write operations. Every read is one GetItem, one BatchGetItem or one
Query (looped only while a filter leaves a page short, within a read budget); every
change is one TransactWriteItems. There is no Scan. docs/data-model.md lists each
access pattern with its key condition.

DynamoDB's answers that say nothing was applied and the cycle may run again (a
transaction cancelled by a conflict, a throttle, a read that failed inside) become
`Contention` and `Busy`, which core/retry.py retries; a failed condition stays the
error its operation names. A commit DynamoDB failed inside (InternalServerError) may
have been applied: it is resent as it was, with the same ClientRequestToken, which
DynamoDB makes idempotent for ten minutes, and never decided again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from teamspace.core.errors import Busy, Contention, TeamspaceError, Unavailable, store_unsure
from teamspace.core.records import Page
from teamspace.core.retry import Retrying
from teamspace.store import codec, keys
from teamspace.store.cursor import decode_cursor, encode_cursor
from teamspace.store.ops import WriteOp

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb.client import DynamoDBClient
else:
    DynamoDBClient = Any

# A filtered list reads at most this many pages of `limit` items to fill one page,
# so its cost follows the page size, never the size of the workspace.
FILTER_READ_BUDGET_PAGES = 4

_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
}
_INTERNAL = "InternalServerError"


class TeamspaceStore:
    """The single table, through one DynamoDB client."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, retrying: Retrying | None = None
    ) -> None:
        self._client = client
        self._table = table_name
        self._retrying = retrying or Retrying(time.sleep)

    # ---- reads ---------------------------------------------------------------------

    def get(self, key: keys.Key) -> dict[str, Any] | None:
        """One item, strongly consistent; None when there is none."""
        response = self._call(
            self._client.get_item,
            TableName=self._table,
            Key=codec.to_attributes(key),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return codec.from_attributes(item) if item else None

    def batch_get(self, wanted: list[keys.Key]) -> list[dict[str, Any]]:
        """The items of these keys that exist, in one strongly consistent BatchGetItem
        (at most 100 keys)."""
        request_keys = [codec.to_attributes(key) for key in wanted]
        found: list[dict[str, Any]] = []
        retry = 0
        # UnprocessedKeys come back under throttling: asked again after a pause, as
        # the retry policy spaces them, and Busy when it is spent.
        while True:
            response = self._call(
                self._client.batch_get_item,
                RequestItems={self._table: {"Keys": request_keys, "ConsistentRead": True}},
            )
            found += [codec.from_attributes(i) for i in response["Responses"].get(self._table, [])]
            unprocessed = response.get("UnprocessedKeys", {}).get(self._table)
            if not unprocessed:
                return found
            request_keys = unprocessed["Keys"]
            if not self._retrying.pause(retry):
                raise Busy()
            retry += 1

    def query(self, request: dict[str, Any]) -> dict[str, Any]:
        """One Query call as DynamoDB answers it (for walks that page by themselves)."""
        return self._call(self._client.query, TableName=self._table, **request)

    def partition_page[T](
        self,
        pk: str,
        prefix: str,
        decode: Callable[[dict[str, Any]], T],
        limit: int,
        cursor: str | None,
        role: str | None = None,
        status: str | None = None,
    ) -> Page[T]:
        """Items of one kind (by sort-key prefix) from one partition, strongly
        consistent."""
        request = {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        return self.query_page(
            request, limit, cursor, {keys.PK: pk}, decode, role, status, prefixes={keys.SK: prefix}
        )

    def query_page[T](
        self,
        request: dict[str, Any],
        limit: int,
        cursor: str | None,
        bound: dict[str, str],
        decode: Callable[[dict[str, Any]], T],
        role: str | None,
        status: str | None,
        prefixes: dict[str, str] | None = None,
        equals: dict[str, str] | None = None,
        floors: dict[str, str] | None = None,
        not_equals: dict[str, str] | None = None,
    ) -> Page[T]:
        """One page of a query, filtered on attributes equal to values (`role`, `status`
        and `equals`) or other than values (`not_equals`) within the read budget,
        resumable by its cursor (`prefixes` and `floors`: see `decode_cursor`)."""
        filters, names, values = [], {}, {}
        wanted = {"role": role, "status": status, **(equals or {})}
        for attribute, value in wanted.items():
            if value is None:
                continue
            filters.append(f"#{attribute} = :{attribute}")
            names[f"#{attribute}"] = attribute
            values[f":{attribute}"] = {"S": value}
        for attribute, value in (not_equals or {}).items():
            filters.append(f"#{attribute} <> :not_{attribute}")
            names[f"#{attribute}"] = attribute
            values[f":not_{attribute}"] = {"S": value}
        query: dict[str, Any] = {"TableName": self._table, **request}
        if filters:
            query["FilterExpression"] = " AND ".join(filters)
            query["ExpressionAttributeNames"] = names
            query["ExpressionAttributeValues"] = {**query["ExpressionAttributeValues"], **values}
        # Unfiltered, one extra item tells whether another page exists. Filtered, each
        # read evaluates a page's worth of items, and a few reads may fill the page.
        query["Limit"] = limit if filters else limit + 1
        reads_left = FILTER_READ_BUDGET_PAGES if filters else 1
        required = frozenset(_key_names(request.get("IndexName")))
        start = decode_cursor(cursor, bound, required, prefixes, floors)
        items: list[T] = []
        while True:
            if start:
                query["ExclusiveStartKey"] = codec.to_attributes(start)
            response = self._call(self._client.query, **query)
            raw_items = response.get("Items", [])
            last_key = response.get("LastEvaluatedKey")
            for position, raw in enumerate(raw_items):
                if len(items) == limit:
                    # More items exist beyond the page: resume after the last one served.
                    return Page(items, encode_cursor(_key_of(query, raw_items[position - 1])))
                items.append(decode(codec.from_attributes(raw)))
            if len(items) == limit and last_key is not None:
                return Page(items, encode_cursor(_key_of(query, raw_items[-1])))
            reads_left -= 1
            if last_key is None:
                return Page(items, None)
            start = {name: value["S"] for name, value in last_key.items()}
            if reads_left == 0:
                return Page(items, encode_cursor(start))

    # ---- writes --------------------------------------------------------------------

    def update_returning(self, op: WriteOp) -> tuple[dict[str, Any] | None, bool]:
        """One conditional UpdateItem that also reads: the item as written and True, or,
        when its condition fails, the item as it was (None if there is none) and False.
        One round trip where a GetItem and a write would take two."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **op.request,
            )
        except _client_error() as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise _map_client_error(error, applied_maybe=True) from error
            item = error.response.get("Item")
            return (codec.from_attributes(item) if item else None), False
        item = response.get("Attributes")
        return (codec.from_attributes(item) if item else None), True

    def commit(self, ops: Sequence[WriteOp]) -> None:
        """Write `ops` in one TransactWriteItems: all of them, or none.

        When a condition fails, the error of the first operation whose condition
        failed is raised, so the caller learns which re-check did not hold.
        """
        request = {
            "TransactItems": [{op.kind: {"TableName": self._table, **op.request}} for op in ops],
            "ClientRequestToken": str(uuid.uuid4()),
        }
        retry = 0
        while True:
            try:
                self._client.transact_write_items(**request)
                return
            except _client_error() as error:
                unsure = error.response["Error"]["Code"] == _INTERNAL
                if not unsure:
                    raise self._transaction_error(error, ops) from error
                # Maybe applied: the same request again (the token makes a repeat of an
                # applied one a no-op), and when the policy is spent, not re-decided.
                if not self._retrying.pause(retry):
                    raise store_unsure() from error
                retry += 1

    # ---- helpers -------------------------------------------------------------------

    def _call(self, method: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        try:
            return method(**kwargs)
        except _client_error() as error:
            raise _map_client_error(error) from error

    @staticmethod
    def _transaction_error(error: ClientError, ops: Sequence[WriteOp]) -> Exception:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            return _map_client_error(error)
        reasons = error.response.get("CancellationReasons", [])
        for op, reason in zip(ops, reasons, strict=False):
            if reason.get("Code") == "ConditionalCheckFailed" and op.on_condition_failed:
                return op.on_condition_failed
        codes = {reason.get("Code") for reason in reasons}
        if "TransactionConflict" in codes:
            return Contention()
        if "ThrottlingError" in codes:
            return Busy()
        return _map_client_error(error)


def _client_error() -> type[ClientError]:
    """botocore's ClientError, imported when one is raised (botocore is loaded by then:
    only a client raises it), so that importing the store does not load botocore."""
    from botocore.exceptions import ClientError  # noqa: PLC0415

    return ClientError


def _key_names(index: str | None) -> list[str]:
    """The attributes of a key DynamoDB resumes a query on `index` from."""
    names = [keys.PK, keys.SK]
    if index is not None:
        names += [f"{index}PK", f"{index}SK"]
    return names


def _key_of(query: dict[str, Any], raw: dict[str, Any]) -> dict[str, str]:
    """The key DynamoDB would resume a query after `raw` from (index keys included)."""
    return {name: raw[name]["S"] for name in _key_names(query.get("IndexName"))}


def _map_client_error(
    error: ClientError, *, applied_maybe: bool = False
) -> TeamspaceError | ClientError:
    """The one map from DynamoDB's errors to the domain's; anything else is a bug.
    `applied_maybe`: the call was a write, which an internal error may have applied."""
    code = error.response["Error"]["Code"]
    if code in _THROTTLED:
        return Busy()
    if code == _INTERNAL:
        return store_unsure() if applied_maybe else Busy()
    if code == "TransactionConflictException":
        return Contention()
    if code == "TransactionCanceledException":
        return Unavailable("STORE_BUSY", "The table is busy; retry shortly", retry_after=1)
    return error
