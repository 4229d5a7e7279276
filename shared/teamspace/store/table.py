"""The DynamoDB adapter: one method per access pattern, and the one ClientError map.

Every method is one GetItem, one BatchGetItem, one Query (looped only while a filter
leaves a page short, within a read budget) or one TransactWriteItems. There is no Scan.
docs/data-model.md lists each access pattern with its key condition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from teamspace.domain.records import (
    Invitation,
    InvitationToken,
    Member,
    Membership,
    OwnershipTransfer,
    Page,
    Workspace,
)
from teamspace.errors import Conflict, FieldError, InvalidInput, TeamspaceError, Unavailable
from teamspace.store import codec, keys
from teamspace.store.cursor import decode_cursor, encode_cursor
from teamspace.store.writes import WriteOp

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb.client import DynamoDBClient
else:
    DynamoDBClient = Any

# A filtered list reads at most this many pages of `limit` items to fill one page,
# so its cost follows the page size, never the size of the workspace.
FILTER_READ_BUDGET_PAGES = 4

_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}


@dataclass
class Snapshot:
    """What one read under a request found: the workspace and the items it acts on."""

    workspace: Workspace | None = None
    members: dict[str, Member] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    transfer: OwnershipTransfer | None = None
    # Any other item the read was asked for (`load(..., also=...)`), by (PK, SK).
    others: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def other(self, key: keys.Key) -> dict[str, Any] | None:
        return self.others.get((key[keys.PK], key[keys.SK]))


class TeamspaceStore:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # ---- reads ---------------------------------------------------------------------

    def load_workspace(
        self, workspace_id: str, user_ids: Sequence[str] = ()
    ) -> tuple[Workspace | None, dict[str, Member]]:
        snapshot = self.load(workspace_id, user_ids)
        return snapshot.workspace, snapshot.members

    def load(
        self,
        workspace_id: str,
        user_ids: Sequence[str] = (),
        invitation_ids: Sequence[str] = (),
        *,
        with_transfer: bool = False,
        also: Sequence[keys.Key] = (),
    ) -> Snapshot:
        """The workspace with the named members and invitations, in one strongly
        consistent BatchGetItem.

        This is the read under every request inside a workspace: the caller's own
        membership comes with it, and so does whatever the request acts on (`also`:
        any other items, such as the API key a revocation names, kept in `others`).
        """
        wanted = [keys.workspace_key(workspace_id)]
        wanted += [keys.member_key(workspace_id, user_id) for user_id in dict.fromkeys(user_ids)]
        wanted += [keys.invitation_key(workspace_id, i) for i in dict.fromkeys(invitation_ids)]
        if with_transfer:
            wanted.append(keys.transfer_key(workspace_id))
        wanted += [key for key in also if key not in wanted]
        snapshot = Snapshot()
        for item in self._batch_get(wanted):
            _absorb(snapshot, item)
        return snapshot

    def load_related(self, views: dict[str, Sequence[str]]) -> dict[str, Snapshot]:
        """Several workspaces, each with the named members, in one strongly consistent
        BatchGetItem: an agency with one of its clients, read together."""
        wanted = []
        for workspace_id, user_ids in views.items():
            wanted.append(keys.workspace_key(workspace_id))
            wanted += [keys.member_key(workspace_id, u) for u in dict.fromkeys(user_ids)]
        snapshots = {workspace_id: Snapshot() for workspace_id in views}
        for item in self._batch_get(wanted):
            _absorb(snapshots[item["workspaceId"]], item)
        return snapshots

    def list_clients(self, agency_id: str, *, limit: int, cursor: str | None) -> Page[Workspace]:
        """An agency's live client workspaces, oldest first (GSI1)."""
        gsi_pk = keys.clients_pk(agency_id)
        request = {
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": gsi_pk}},
        }
        return self._query_page(
            request, limit, cursor, {keys.GSI1PK: gsi_pk}, codec.workspace_from_item, None, "ACTIVE"
        )

    def assignments_of(self, user_id: str, agency_id: str) -> list[Member]:
        """Every client membership an agency's assignment gave `user_id` (GSI1, the
        user's memberships, filtered on the agency)."""
        gsi_pk = keys.user_memberships_pk(user_id)
        request = {
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": gsi_pk}},
        }
        found: list[Member] = []
        cursor: str | None = None
        while True:
            page = self._query_page(
                request,
                100,
                cursor,
                {keys.GSI1PK: gsi_pk},
                codec.member_from_item,
                None,
                None,
                equals={"via": agency_id},
            )
            found += page.items
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    def memberships_in(self, user_id: str, workspace_ids: Sequence[str]) -> dict[str, Member]:
        """`user_id`'s member items in these workspaces, by workspace (one strongly
        consistent BatchGetItem, at most 100 ids)."""
        wanted = [keys.member_key(w, user_id) for w in dict.fromkeys(workspace_ids)]
        if not wanted:
            return {}
        found = map(codec.member_from_item, self._batch_get(wanted))
        return {member.workspace_id: member for member in found}

    def active_workspace_ids(self, workspace_ids: set[str]) -> set[str]:
        """Which of these workspaces still exist (one BatchGetItem, at most 100 ids)."""
        if not workspace_ids:
            return set()
        items = self._batch_get([keys.workspace_key(i) for i in sorted(workspace_ids)])
        return {i["workspaceId"] for i in items if i.get("status") == "ACTIVE"}

    def get_invitation(self, workspace_id: str, invitation_id: str) -> Invitation | None:
        item = self._get(keys.invitation_key(workspace_id, invitation_id))
        return codec.invitation_from_item(item) if item else None

    def get_token(self, token_hash: str) -> InvitationToken | None:
        item = self._get(keys.token_key(token_hash))
        return codec.token_from_item(item) if item else None

    def was_mailed(self, event_id: str) -> bool:
        return self._get(keys.mailed_key(event_id)) is not None

    def list_invitations(
        self, workspace_id: str, status: str | None, *, limit: int, cursor: str | None
    ) -> Page[Invitation]:
        """A workspace's invitations: of one status from GSI2, or all from the partition."""
        if status is None:
            return self._partition_page(
                workspace_id, keys.INVITE_PREFIX, codec.invitation_from_item, limit, cursor
            )
        gsi_pk = keys.invitations_by_status_pk(workspace_id, status)
        request = {
            "IndexName": keys.GSI2,
            "KeyConditionExpression": "GSI2PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": gsi_pk}},
            "ScanIndexForward": False,
        }
        return self._query_page(
            request, limit, cursor, {keys.GSI2PK: gsi_pk}, codec.invitation_from_item, None, None
        )

    def list_pending_for_email(
        self, email: str, *, limit: int, cursor: str | None
    ) -> Page[Invitation]:
        """Pending invitations addressed to `email`, across workspaces (sparse GSI1)."""
        gsi_pk = keys.invitee_pk(email)
        request = {
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "GSI1PK = :pk AND begins_with(GSI1SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": gsi_pk},
                ":prefix": {"S": keys.INVITE_PREFIX},
            },
        }
        return self._query_page(
            request,
            limit,
            cursor,
            {keys.GSI1PK: gsi_pk},
            codec.invitation_from_item,
            None,
            None,
            prefixes={keys.GSI1SK: keys.INVITE_PREFIX},
        )

    def due_invitations(
        self, shard: int, due_by: str, *, limit: int, cursor: str | None
    ) -> Page[Invitation]:
        """Pending invitations of one expiry shard whose expiry is at or before `due_by`.

        GSI3 holds pending invitations only, ordered by expiry, so this reads the due
        ones and nothing else.
        """
        gsi_pk = keys.expiry_shard_pk(shard)
        request = {
            "IndexName": keys.GSI3,
            "KeyConditionExpression": "GSI3PK = :pk AND GSI3SK <= :due",
            "ExpressionAttributeValues": {
                ":pk": {"S": gsi_pk},
                # Every sort key at that instant, whatever ids follow it, sorts below '~'.
                ":due": {"S": f"{due_by}#~"},
            },
        }
        return self._query_page(
            request, limit, cursor, {keys.GSI3PK: gsi_pk}, codec.invitation_from_item, None, None
        )

    def list_members(
        self,
        workspace_id: str,
        *,
        limit: int,
        cursor: str | None,
        role: str | None = None,
        status: str | None = None,
    ) -> Page[Member]:
        """Members by user id, from the workspace's partition."""
        return self._partition_page(
            workspace_id, keys.MEMBER_PREFIX, codec.member_from_item, limit, cursor, role, status
        )

    def search_members(
        self,
        workspace_id: str,
        name_prefix: str,
        *,
        limit: int,
        cursor: str | None,
        role: str | None = None,
        status: str | None = None,
    ) -> Page[Member]:
        """Members whose name starts with `name_prefix`, case-insensitively, by name."""
        prefix = keys.name_search_key(name_prefix)
        if not prefix:
            raise InvalidInput(
                "VALIDATION_FAILED",
                "The name to search for is empty",
                fields=[FieldError("q", "must contain a letter or digit")],
            )
        gsi_pk = keys.member_names_pk(workspace_id)
        request = {
            "IndexName": keys.GSI2,
            "KeyConditionExpression": "GSI2PK = :pk AND begins_with(GSI2SK, :prefix)",
            "ExpressionAttributeValues": {
                ":pk": {"S": gsi_pk},
                ":prefix": {"S": prefix},
            },
        }
        return self._query_page(
            request,
            limit,
            cursor,
            {keys.GSI2PK: gsi_pk},
            codec.member_from_item,
            role,
            status,
            prefixes={keys.SK: keys.MEMBER_PREFIX, keys.GSI2SK: prefix},
        )

    def list_memberships(self, user_id: str, *, limit: int, cursor: str | None) -> Page[Membership]:
        """A user's active memberships (GSI1), joined to their workspaces (BatchGetItem).

        Deleted workspaces are dropped here, so a page can hold fewer items than asked.
        """
        gsi_pk = keys.user_memberships_pk(user_id)
        request = {
            "IndexName": keys.GSI1,
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": gsi_pk}},
        }
        page = self._query_page(
            request, limit, cursor, {keys.GSI1PK: gsi_pk}, codec.member_from_item, None, "ACTIVE"
        )
        if not page.items:
            return Page([], page.next_cursor)
        workspace_items = self._batch_get(
            [keys.workspace_key(member.workspace_id) for member in page.items]
        )
        workspaces = {ws.workspace_id: ws for ws in map(codec.workspace_from_item, workspace_items)}
        memberships = [
            Membership(workspaces[m.workspace_id], m)
            for m in page.items
            if m.workspace_id in workspaces and workspaces[m.workspace_id].is_active
        ]
        return Page(memberships, page.next_cursor)

    def get_idempotency_record(self, scope_fingerprint: str) -> dict[str, Any] | None:
        return self._get(keys.idempotency_key(scope_fingerprint))

    def _get(self, key: keys.Key) -> dict[str, Any] | None:
        response = self._call(
            self._client.get_item,
            TableName=self._table,
            Key=codec.to_attributes(key),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return codec.from_attributes(item) if item else None

    # ---- writes --------------------------------------------------------------------

    def commit(self, ops: Sequence[WriteOp]) -> None:
        """Write `ops` in one TransactWriteItems: all of them, or none.

        When a condition fails, the error of the first operation whose condition
        failed is raised, so the caller learns which re-check did not hold.
        """
        transact_items = [{op.kind: {"TableName": self._table, **op.request}} for op in ops]
        try:
            self._client.transact_write_items(TransactItems=transact_items)
        except _client_error() as error:
            raise self._transaction_error(error, ops) from error

    # ---- helpers -------------------------------------------------------------------

    def _batch_get(self, wanted: list[keys.Key]) -> list[dict[str, Any]]:
        request_keys = [codec.to_attributes(key) for key in wanted]
        found: list[dict[str, Any]] = []
        # UnprocessedKeys come back under throttling; a few immediate retries suffice.
        for _ in range(5):
            response = self._call(
                self._client.batch_get_item,
                RequestItems={self._table: {"Keys": request_keys, "ConsistentRead": True}},
            )
            found += [codec.from_attributes(i) for i in response["Responses"].get(self._table, [])]
            unprocessed = response.get("UnprocessedKeys", {}).get(self._table)
            if not unprocessed:
                return found
            request_keys = unprocessed["Keys"]
        raise Unavailable("STORE_BUSY", "The table is busy; retry shortly", retry_after=1)

    def _partition_page[T](
        self,
        workspace_id: str,
        prefix: str,
        decode: Callable[[dict[str, Any]], T],
        limit: int,
        cursor: str | None,
        role: str | None = None,
        status: str | None = None,
    ) -> Page[T]:
        """Items of one kind (by sort-key prefix) from a workspace's own partition."""
        pk = keys.workspace_pk(workspace_id)
        request = {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        return self._query_page(
            request, limit, cursor, {keys.PK: pk}, decode, role, status, prefixes={keys.SK: prefix}
        )

    def _query_page[T](
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
    ) -> Page[T]:
        """One page of a query, filtered on attributes equal to values (`role`, `status`
        and `equals`) within the read budget, resumable by its cursor."""
        filters, names, values = [], {}, {}
        wanted = {"role": role, "status": status, **(equals or {})}
        for attribute, value in wanted.items():
            if value is None:
                continue
            filters.append(f"#{attribute} = :{attribute}")
            names[f"#{attribute}"] = attribute
            values[f":{attribute}"] = {"S": value}
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
        start = decode_cursor(cursor, bound, required, prefixes)
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
        if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            return Conflict("CONCURRENT_UPDATE", "Another change got there first; retry")
        return _map_client_error(error)


def _client_error() -> type[ClientError]:
    """botocore's ClientError, imported when one is raised (botocore is loaded by then:
    only a client raises it), so that importing the store does not load botocore."""
    from botocore.exceptions import ClientError  # noqa: PLC0415

    return ClientError


def _absorb(snapshot: Snapshot, item: dict[str, Any]) -> None:
    """Place an item a workspace read brought into its snapshot."""
    if item["entity"] == "workspace":
        snapshot.workspace = codec.workspace_from_item(item)
    elif item["entity"] == "member":
        member = codec.member_from_item(item)
        snapshot.members[member.user_id] = member
    elif item["entity"] == "invitation":
        invitation = codec.invitation_from_item(item)
        snapshot.invitations[invitation.invitation_id] = invitation
    elif item["entity"] == "ownership_transfer":
        snapshot.transfer = codec.transfer_from_item(item)
    else:
        snapshot.others[(item[keys.PK], item[keys.SK])] = item


def _key_names(index: str | None) -> list[str]:
    """The attributes of a key DynamoDB resumes a query on `index` from."""
    names = [keys.PK, keys.SK]
    if index is not None:
        names += [f"{index}PK", f"{index}SK"]
    return names


def _key_of(query: dict[str, Any], raw: dict[str, Any]) -> dict[str, str]:
    """The key DynamoDB would resume a query after `raw` from (index keys included)."""
    return {name: raw[name]["S"] for name in _key_names(query.get("IndexName"))}


def _map_client_error(error: ClientError) -> TeamspaceError | ClientError:
    """The one map from DynamoDB's errors to the domain's; anything else is a bug."""
    code = error.response["Error"]["Code"]
    if code in _RETRYABLE or code == "TransactionCanceledException":
        return Unavailable("STORE_BUSY", "The table is busy; retry shortly", retry_after=1)
    if code == "TransactionConflictException":
        return Conflict("CONCURRENT_UPDATE", "Another change got there first; retry")
    return error
