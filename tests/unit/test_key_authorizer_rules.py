"""The API key authorizer's decision, as a table (docs/api-keys.md, "The decision")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from teamspace.core.records import ApiKeySecret, ApiKeyStatus
from teamspace.domain.key_authorizer import KeyReason, is_due, judge_key, presented_key

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
WS = "ws_00000000000000000000000001"
OTHER = "ws_00000000000000000000000002"


def secret(**changes) -> ApiKeySecret:
    fields = {
        "key_hash": "h" * 64,
        "workspace_id": WS,
        "key_id": "key_00000000000000000000000001",
        "role": "viewer",
        "permissions": frozenset({"workspace:view"}),
        "status": ApiKeyStatus.ACTIVE,
        "workspace_status": "ACTIVE",
        "expires_at": None,
        "last_used_at": None,
    }
    return ApiKeySecret(**{**fields, **changes})


R = KeyReason
CASES = [
    ("no such key", None, WS, R.UNKNOWN_KEY),
    ("active, no expiry, its workspace", secret(), WS, R.ALLOWED),
    ("active, a route without a workspace", secret(), None, R.ALLOWED),
    ("revoked", secret(status=ApiKeyStatus.REVOKED), WS, R.REVOKED),
    ("workspace deleted", secret(workspace_status="DELETED"), WS, R.WORKSPACE_INACTIVE),
    ("workspace suspended", secret(workspace_status="SUSPENDED"), WS, R.WORKSPACE_SUSPENDED),
    (
        "suspended and on another route",
        secret(workspace_status="SUSPENDED"),
        OTHER,
        R.WORKSPACE_SUSPENDED,
    ),
    ("expires in a second", secret(expires_at=NOW + timedelta(seconds=1)), WS, R.ALLOWED),
    ("expires this instant", secret(expires_at=NOW), WS, R.EXPIRED),
    ("expired", secret(expires_at=NOW - timedelta(days=1)), WS, R.EXPIRED),
    ("another workspace's route", secret(), OTHER, R.OTHER_WORKSPACE),
    # Refusals come in this order: the most final reason is the one logged.
    (
        "revoked and expired",
        secret(status=ApiKeyStatus.REVOKED, expires_at=NOW),
        WS,
        R.REVOKED,
    ),
    (
        "deleted and on another route",
        secret(workspace_status="DELETED"),
        OTHER,
        R.WORKSPACE_INACTIVE,
    ),
    ("expired and on another route", secret(expires_at=NOW), OTHER, R.EXPIRED),
]


@pytest.mark.parametrize(
    ("what", "item", "route_workspace", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_the_decision(what, item, route_workspace, reason):
    verdict = judge_key(item, NOW, route_workspace)
    assert verdict.reason is reason
    assert verdict.allowed is (reason is R.ALLOWED)
    assert bool(verdict) is verdict.allowed


@pytest.mark.parametrize(
    ("headers", "found"),
    [
        ({"authorization": "Bearer tsk_a"}, "tsk_a"),
        ({"Authorization": "bearer  tsk_a "}, "tsk_a"),
        ({"x-api-key": "tsk_b"}, "tsk_b"),
        ({"X-Api-Key": " tsk_b"}, "tsk_b"),
        ({"x-api-key": "tsk_b", "authorization": "Bearer tsk_a"}, "tsk_b"),
        ({"x-api-key": "", "authorization": "Bearer tsk_a"}, "tsk_a"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, None),
        ({"authorization": "Bearer"}, None),
        ({"authorization": "tsk_a"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_where_a_key_is_read_from(headers, found):
    assert presented_key(headers) == found


def test_last_use_is_recorded_at_most_every_five_minutes():
    assert is_due(secret(), NOW)
    assert not is_due(secret(last_used_at=NOW), NOW)
    assert not is_due(secret(last_used_at=NOW - timedelta(minutes=5)), NOW)
    assert is_due(secret(last_used_at=NOW - timedelta(minutes=5, seconds=1)), NOW)
