"""The store's read access patterns against the moto table built from template.yaml."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest

from teamspace.core.errors import InvalidInput, TeamspaceError
from teamspace.core.records import Member, Page, WorkspaceStatus
from teamspace.store import members as member_store
from teamspace.store import snapshots
from teamspace.store import workspaces as workspace_store
from teamspace.store.cursor import encode_cursor
from teamspace.store.table import FILTER_READ_BUDGET_PAGES, TeamspaceStore

WS = "ws_a"
OTHER_WS = "ws_b"


def _collect(fetch: Callable[[str | None], Page[Any]], max_pages: int = 50) -> list[Page[Any]]:
    """Every page of a list, following nextCursor until it is None."""
    pages = [fetch(None)]
    while pages[-1].next_cursor is not None:
        assert len(pages) < max_pages, "pagination does not end"
        pages.append(fetch(pages[-1].next_cursor))
    return pages


def _user_ids(page: Page[Member]) -> list[str]:
    return [m.user_id for m in page.items]


def _query_calls(calls: list[str]) -> int:
    return calls.count("Query")


# ---- load_workspace ------------------------------------------------------------------


def test_load_workspace_returns_the_workspace_and_only_the_requested_members(
    store: TeamspaceStore, seed, make_workspace, make_member, dynamodb_calls: list[str]
) -> None:
    workspace = make_workspace(WS, member_count=3, settings={"locale": "sv-SE"})
    members = [make_member(WS, u, role=r) for u, r in [("u-1", "owner"), ("u-2", "admin")]]
    seed(workspace, [*members, make_member(WS, "u-3")])
    seed(make_workspace(OTHER_WS), [make_member(OTHER_WS, "u-2", role="owner")])
    dynamodb_calls.clear()

    loaded, found = snapshots.load_workspace(store, WS, ["u-1", "u-2", "u-1", "u-unknown"])

    assert loaded == workspace
    assert found == {m.user_id: m for m in members}
    # One strongly consistent BatchGetItem: the single read under every request.
    assert dynamodb_calls == ["BatchGetItem"]


def test_load_workspace_of_a_missing_workspace(store: TeamspaceStore) -> None:
    assert snapshots.load_workspace(store, "ws_missing", ["u-1"]) == (None, {})


def test_load_workspace_still_returns_a_deleted_workspace_for_the_caller_to_check(
    store: TeamspaceStore, seed, make_workspace, make_member, clock
) -> None:
    seed(make_workspace(WS, owner_id="u-1"), [make_member(WS, "u-1", role="owner")])
    store.commit([workspace_store.delete_workspace(WS, "u-1", clock.now())])

    loaded, found = snapshots.load_workspace(store, WS, ["u-1"])

    assert loaded is not None
    assert loaded.status is WorkspaceStatus.DELETED
    assert not loaded.is_active
    assert set(found) == {"u-1"}  # the tombstone leaves member items in place


# ---- list_members --------------------------------------------------------------------


@pytest.fixture
def seven_members(seed, make_workspace, make_member) -> list[str]:
    user_ids = [f"u-{i:02d}" for i in range(1, 8)]
    seed(make_workspace(WS), [make_member(WS, u) for u in reversed(user_ids)])
    # A neighbour workspace whose members must never show up.
    seed(make_workspace(OTHER_WS), [make_member(OTHER_WS, f"u-{i:02d}") for i in (3, 99)])
    return user_ids


def test_list_members_pages_three_three_one_without_duplicates_or_gaps(
    store: TeamspaceStore, seven_members: list[str], dynamodb_calls: list[str]
) -> None:
    pages = _collect(lambda cursor: member_store.list_members(store, WS, limit=3, cursor=cursor))

    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert [p.next_cursor is not None for p in pages] == [True, True, False]
    served = [u for p in pages for u in _user_ids(p)]
    assert served == seven_members  # in user-id order, each exactly once
    assert all(m.workspace_id == WS for p in pages for m in p.items)
    # Unfiltered, each page costs exactly one Query.
    assert _query_calls(dynamodb_calls) == 3


@pytest.mark.parametrize(("count", "limit"), [(3, 3), (6, 3), (1, 1)])
def test_list_members_exactly_at_the_limit_leaves_no_dangling_cursor(
    store: TeamspaceStore, seed, make_workspace, make_member, count: int, limit: int
) -> None:
    seed(make_workspace(WS), [make_member(WS, f"u-{i}") for i in range(count)])

    pages = _collect(
        lambda cursor: member_store.list_members(store, WS, limit=limit, cursor=cursor)
    )

    assert [len(p.items) for p in pages] == [limit] * (count // limit)
    assert pages[-1].next_cursor is None


def test_list_members_of_an_empty_workspace(store: TeamspaceStore, seed, make_workspace) -> None:
    seed(make_workspace(WS))
    assert member_store.list_members(store, WS, limit=10, cursor=None) == Page([], None)


@pytest.fixture
def mixed_members(seed, make_workspace, make_member) -> dict[str, tuple[str, str]]:
    """user id -> (role, status), interleaved so that filters skip items mid-page."""
    spec = {
        "u-01": ("owner", "ACTIVE"),
        "u-02": ("viewer", "ACTIVE"),
        "u-03": ("admin", "ACTIVE"),
        "u-04": ("viewer", "SUSPENDED"),
        "u-05": ("admin", "SUSPENDED"),
        "u-06": ("viewer", "ACTIVE"),
        "u-07": ("admin", "ACTIVE"),
        "u-08": ("viewer", "ACTIVE"),
        "u-09": ("admin", "ACTIVE"),
        "u-10": ("viewer", "SUSPENDED"),
        "u-11": ("admin", "ACTIVE"),
    }
    members = [make_member(WS, u, role=r, status=s) for u, (r, s) in spec.items()]
    seed(make_workspace(WS), members)
    seed(make_workspace(OTHER_WS), [make_member(OTHER_WS, "u-00", role="admin")])
    return spec


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", None), ("viewer", None), (None, "SUSPENDED"), (None, "ACTIVE"), ("admin", "ACTIVE")],
)
def test_list_members_filters_return_only_matches_and_page_correctly(
    store: TeamspaceStore,
    mixed_members: dict[str, tuple[str, str]],
    role: str | None,
    status: str | None,
) -> None:
    expected = [
        u
        for u, (r, s) in mixed_members.items()
        if (role is None or r == role) and (status is None or s == status)
    ]

    for limit in (1, 2, 3, 50):
        pages = _collect(
            lambda c, n=limit: member_store.list_members(
                store, WS, limit=n, cursor=c, role=role, status=status
            )
        )

        assert all(len(p.items) <= limit for p in pages), limit
        assert [u for p in pages for u in _user_ids(p)] == expected, limit
        for member in (m for p in pages for m in p.items):
            assert role is None or member.role == role
            assert status is None or member.status == status


def test_list_members_filter_with_no_match(
    store: TeamspaceStore, mixed_members: dict[str, tuple[str, str]]
) -> None:
    pages = _collect(
        lambda c: member_store.list_members(store, WS, limit=5, cursor=c, role="billing")
    )
    assert [m for p in pages for m in p.items] == []


def test_filtered_list_stops_at_the_read_budget_instead_of_reading_everything(
    store: TeamspaceStore, seed, make_workspace, make_member, dynamodb_calls: list[str]
) -> None:
    limit = 2
    # Far more non-matching members than one call's budget can evaluate, then one match.
    viewers = [make_member(WS, f"u-{i:02d}") for i in range(30)]
    admin = make_member(WS, "u-99", role="admin")
    seed(make_workspace(WS), [*viewers, admin])
    assert len(viewers) > FILTER_READ_BUDGET_PAGES * limit
    dynamodb_calls.clear()

    first = member_store.list_members(store, WS, limit=limit, cursor=None, role="admin")

    assert first.items == []
    assert first.next_cursor is not None  # stopped early, with a way to go on
    assert _query_calls(dynamodb_calls) == FILTER_READ_BUDGET_PAGES

    found: list[Member] = []
    cursor: str | None = first.next_cursor
    calls = 1
    while cursor is not None:
        before = _query_calls(dynamodb_calls)
        page = member_store.list_members(store, WS, limit=limit, cursor=cursor, role="admin")
        assert _query_calls(dynamodb_calls) - before <= FILTER_READ_BUDGET_PAGES
        found += page.items
        cursor = page.next_cursor
        calls += 1
        assert calls < 20
    assert found == [admin]
    assert calls > 1


def test_list_members_refuses_a_cursor_from_another_workspace(
    store: TeamspaceStore, seven_members: list[str], dynamodb_calls: list[str]
) -> None:
    theirs = member_store.list_members(store, OTHER_WS, limit=1, cursor=None).next_cursor
    assert theirs is not None
    dynamodb_calls.clear()

    with pytest.raises(InvalidInput) as raised:
        member_store.list_members(store, WS, limit=3, cursor=theirs)

    assert raised.value.code == "INVALID_CURSOR"
    assert dynamodb_calls == []  # refused before any read


def test_list_members_refuses_a_name_search_cursor_of_another_workspace(
    store: TeamspaceStore, seven_members: list[str]
) -> None:
    theirs = member_store.search_members(store, OTHER_WS, "name", limit=1, cursor=None).next_cursor
    assert theirs is not None

    with pytest.raises(InvalidInput) as raised:
        member_store.search_members(store, WS, "name", limit=3, cursor=theirs)

    assert raised.value.code == "INVALID_CURSOR"


# Regression (fixed in teamspace/store/cursor.py with `query_page` in table.py): decode_cursor
# checks that a cursor's attribute names are a subset of the key names and that the
# bound attribute matches, but not that the key the query needs is complete. A crafted
# cursor holding only {"PK": <this workspace>} passes and is sent to DynamoDB as
# ExclusiveStartKey, where it fails inside the Query (real DynamoDB: ValidationException,
# which _map_client_error passes through as a raw ClientError -> 500; moto raises its
# own internal error). The module docstring promises a crafted cursor cannot fail inside
# DynamoDB.


def test_list_members_refuses_a_cursor_without_the_sort_key(
    store: TeamspaceStore, seven_members: list[str]
) -> None:
    cursor = encode_cursor({"PK": f"WS#{WS}"})

    with pytest.raises(InvalidInput) as raised:
        member_store.list_members(store, WS, limit=3, cursor=cursor)

    assert raised.value.code == "INVALID_CURSOR"


def test_search_members_refuses_a_cursor_without_the_table_key(
    store: TeamspaceStore, seven_members: list[str]
) -> None:
    cursor = encode_cursor({"GSI2PK": f"WS#{WS}#NAMES", "GSI2SK": "name u-01#u-01"})

    with pytest.raises(InvalidInput) as raised:
        member_store.search_members(store, WS, "name", limit=3, cursor=cursor)

    assert raised.value.code == "INVALID_CURSOR"


# ---- search_members ------------------------------------------------------------------


@pytest.fixture
def named_members(seed, make_workspace, make_member) -> dict[str, str]:
    names = {
        "u-1": "John Smith",
        "u-2": "joanna",
        "u-3": "Bjorn",
        "u-4": "åsa Lind",
        "u-5": "ÅSA Berg",
        "u-6": "Josefine",
        "u-7": "Anna",
    }
    seed(make_workspace(WS), [make_member(WS, u, name=n) for u, n in names.items()])
    # Same names in another workspace: a search never leaves its workspace.
    seed(make_workspace(OTHER_WS), [make_member(OTHER_WS, "u-9", name="John Other")])
    return names


def test_search_members_is_a_case_insensitive_name_prefix_sorted_by_name(
    store: TeamspaceStore, named_members: dict[str, str]
) -> None:
    expected = {
        "jo": ["joanna", "John Smith", "Josefine"],
        "JO": ["joanna", "John Smith", "Josefine"],
        "john": ["John Smith"],
        "john s": ["John Smith"],
        "ÅSA": ["ÅSA Berg", "åsa Lind"],
        "åsa": ["ÅSA Berg", "åsa Lind"],
        "A\u030asa": ["ÅSA Berg", "åsa Lind"],  # decomposed Å, normalised by NFKC
        "åsa l": ["åsa Lind"],
        "bj": ["Bjorn"],
        "orn": [],  # a prefix, not a substring
        "zz": [],
    }
    found: dict[str, list[str | None]] = {}
    for prefix in expected:
        page = member_store.search_members(store, WS, prefix, limit=10, cursor=None)
        assert page.next_cursor is None
        assert all(m.workspace_id == WS for m in page.items)
        found[prefix] = [m.name for m in page.items]

    assert found == expected


def test_search_members_falls_back_to_email_for_a_member_without_a_name(
    store: TeamspaceStore, seed, make_workspace, make_member
) -> None:
    seed(make_workspace(WS), [make_member(WS, "u-1", name=None, email="Kim@Example.com")])

    page = member_store.search_members(store, WS, "kim@", limit=10, cursor=None)

    assert _user_ids(page) == ["u-1"]


def test_search_members_paginates_in_name_order(
    store: TeamspaceStore, seed, make_workspace, make_member
) -> None:
    names = ["annika", "ANNE", "Annabel", "annie", "anna", "Bob"]
    seed(make_workspace(WS), [make_member(WS, f"u-{i}", name=n) for i, n in enumerate(names)])

    pages = _collect(
        lambda cursor: member_store.search_members(store, WS, "An", limit=2, cursor=cursor)
    )

    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert [m.name for p in pages for m in p.items] == [
        "anna",
        "Annabel",
        "ANNE",
        "annie",
        "annika",
    ]


def test_search_members_applies_role_and_status_filters(
    store: TeamspaceStore, seed, make_workspace, make_member
) -> None:
    seed(
        make_workspace(WS),
        [
            make_member(WS, "u-1", name="Jo A", role="admin"),
            make_member(WS, "u-2", name="Jo B", role="viewer"),
            make_member(WS, "u-3", name="Jo C", role="admin", status="SUSPENDED"),
            make_member(WS, "u-4", name="Jo D", role="admin"),
        ],
    )

    pages = _collect(
        lambda c: member_store.search_members(
            store, WS, "jo", limit=1, cursor=c, role="admin", status="ACTIVE"
        )
    )

    assert [m.name for p in pages for m in p.items] == ["Jo A", "Jo D"]


# Regression (fixed in `members.member_name_sk`): the name index sort key is
# `<name key>#<userId>`, and '#' (0x23) sorts after ' ', '!' and '"'. So a name that is
# another name plus a space sorts first: "Jo Smith" ("jo smith#u-1") comes before "Jo"
# ("jo#u-2"), and a search is not in name order.
def test_search_members_orders_a_name_before_its_longer_variants(
    store: TeamspaceStore, seed, make_workspace, make_member
) -> None:
    names = {"u-1": "Jo Smith", "u-2": "Jo", "u-3": "Jo-Ann"}
    seed(make_workspace(WS), [make_member(WS, u, name=n) for u, n in names.items()])

    page = member_store.search_members(store, WS, "jo", limit=10, cursor=None)

    assert [m.name for m in page.items] == ["Jo", "Jo Smith", "Jo-Ann"]


# Regression (fixed in `members.search_members`, refused first by the membership service):
# a prefix that case-folds to nothing (whitespace only; the API accepts q=" " since it
# only checks min_length=1 and the service searched on any truthy prefix) became
# begins_with(GSI2SK, ""), which DynamoDB rejects with ValidationException ("key
# attribute cannot contain an empty string"), and _map_client_error passes that through
# as a raw ClientError (a 500).
def test_search_members_with_a_blank_prefix_does_not_fail_inside_dynamodb(
    store: TeamspaceStore, named_members: dict[str, str]
) -> None:
    # Refusing it as invalid input is an acceptable answer; a raw ClientError is not.
    with contextlib.suppress(TeamspaceError):
        member_store.search_members(store, WS, "   ", limit=10, cursor=None)


# ---- list_memberships ----------------------------------------------------------------


def test_list_memberships_lists_active_memberships_of_live_workspaces_by_join_time(
    store: TeamspaceStore, seed, make_workspace, make_member, clock
) -> None:
    user = "u-me"
    plan = [
        ("ws_1", "ACTIVE", False),
        ("ws_2", "ACTIVE", True),  # workspace deleted afterwards
        ("ws_3", "SUSPENDED", False),
        ("ws_4", "ACTIVE", False),
        ("ws_5", "ACTIVE", False),
    ]
    for workspace_id, status, _ in plan:
        clock.advance(minutes=1)
        seed(
            make_workspace(workspace_id, owner_id=user),
            [
                make_member(workspace_id, user, role="admin", status=status),
                make_member(workspace_id, "u-someone-else"),
            ],
        )
    for workspace_id, _, deleted in plan:
        if deleted:
            store.commit([workspace_store.delete_workspace(workspace_id, user, clock.now())])

    pages = _collect(
        lambda cursor: member_store.list_memberships(store, user, limit=2, cursor=cursor)
    )

    served = [m.workspace.workspace_id for p in pages for m in p.items]
    assert served == ["ws_1", "ws_4", "ws_5"]
    assert all(len(p.items) <= 2 for p in pages)
    assert pages[-1].next_cursor is None
    for membership in (m for p in pages for m in p.items):
        assert membership.member.user_id == user
        assert membership.member.role == "admin"
        assert membership.workspace.is_active


def test_list_memberships_pages_without_duplicates_or_gaps(
    store: TeamspaceStore, seed, make_workspace, make_member, clock
) -> None:
    workspace_ids = [f"ws_{i}" for i in range(7)]
    for workspace_id in workspace_ids:
        clock.advance(seconds=5)
        seed(make_workspace(workspace_id), [make_member(workspace_id, "u-me")])

    pages = _collect(
        lambda cursor: member_store.list_memberships(store, "u-me", limit=3, cursor=cursor)
    )

    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert [m.workspace.workspace_id for p in pages for m in p.items] == workspace_ids


def test_list_memberships_of_a_user_with_none(store: TeamspaceStore) -> None:
    assert member_store.list_memberships(store, "u-nobody", limit=5, cursor=None) == Page([], None)


def test_list_memberships_refuses_another_users_cursor(
    store: TeamspaceStore, seed, make_workspace, make_member
) -> None:
    for workspace_id in ("ws_1", "ws_2"):
        seed(make_workspace(workspace_id), [make_member(workspace_id, "u-them")])
    theirs = member_store.list_memberships(store, "u-them", limit=1, cursor=None).next_cursor
    assert theirs is not None

    with pytest.raises(InvalidInput) as raised:
        member_store.list_memberships(store, "u-me", limit=1, cursor=theirs)

    assert raised.value.code == "INVALID_CURSOR"
