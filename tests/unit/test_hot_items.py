"""Which calls write the workspace item, and what the item weighs (docs/performance.md,
"Hot items"): every scenario of the benchmark once through its handler, the keys its
DynamoDB requests named recorded on the handlers' own client (bench/meter.py), and a
workspace built up to its limits through the handlers. The document's block must be
what this measures now, so that it cannot go stale."""

from __future__ import annotations

import pytest

from bench import hot_items
from bench.world import World
from tests.support.make import ROOT

DOC = ROOT / "docs" / "performance.md"


@pytest.fixture(scope="module")
def results():
    return hot_items.run_all()


@pytest.fixture(scope="module")
def sizes():
    with World() as world:
        return hot_items.measure(world)


def touches(results):
    return {r.scenario.label: hot_items.touch(r.first) for r in results}


def test_the_documents_table_is_what_the_calls_do(results, sizes):
    expected = hot_items.markdown(results, sizes)
    assert hot_items.block(DOC) == expected, (
        "run `python -m bench.hot_items --write docs/performance.md` and commit it"
    )


def test_no_read_and_no_per_request_path_writes_the_workspace_item(results):
    """Reads, the key authorizer (every key-authenticated request), the sign-in trigger
    and the consumers that follow every change write nothing of the item every request
    reads: its write budget is the changes' alone."""
    per_request = (
        "ApiKeyAuthorizerFunction",
        "PostAuthenticationFunction",
        "AuditConsumerFunction",
        "EventPublisherFunction",
        "MailerFunction",
    )
    for label, found in touches(results).items():
        if label.startswith(("GET ", *per_request)):
            assert not found.writes, label
            assert not found.checked, label


def test_no_change_only_condition_checks_the_workspace_item(results):
    """A ConditionCheck on the item would conflict with every counter move of the
    workspace and cost 2 RRU per 4 KB of it (24 at the limits): the changes' guards
    re-check the caller's member item instead (docs/decisions.md, "Hot items")."""
    checking = [label for label, found in touches(results).items() if found.checked]
    assert checking == []


def test_the_changes_that_move_counters_are_those_the_document_names(results):
    writers = {label for label, found in touches(results).items() if "counters" in found.written}
    assert "POST /v1/workspaces/{workspaceId}/invitations" in writers
    assert "POST /v1/invitations/accept" in writers
    assert "DELETE /v1/workspaces/{workspaceId}/members/{userId}" in writers
    assert "POST /v1/workspaces/{workspaceId}/api-keys" in writers
    # A member's role, status or profile is their own item's, not the workspace's.
    for label in (
        "PUT /v1/workspaces/{workspaceId}/members/{userId}/role",
        "POST /v1/workspaces/{workspaceId}/members/{userId}/suspend",
        "PATCH /v1/workspaces/{workspaceId}/members/{userId}",
    ):
        assert label not in writers, label


def test_the_item_at_its_limits_stays_far_below_dynamodbs_400_kb(sizes):
    assert sizes.custom_roles == hot_items.MAX_CUSTOM_ROLES
    assert sizes.plain < sizes.at_limits < 400 * 1024 // 4
