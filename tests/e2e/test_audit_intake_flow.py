"""The platform's own events on the audit chain, over real HTTP: `POST /_local/bus` puts
an event on the local bus as another service would; the template's rule (a source in
AuditSources) takes it to the audit queue, the consumer's intake onto the workspace's
chain, and the log shows it and verifies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.support.http import create_workspace

pytestmark = pytest.mark.e2e


def bus(api, **body: Any) -> requests.Response:
    return requests.post(f"{api.base}/_local/bus", json=body, timeout=10)


def agent_updated(workspace_id: str, event_id: str, **detail: Any) -> dict[str, Any]:
    return {
        "source": "platform.agents",
        "detailType": "AgentUpdated",
        "detail": {
            "eventId": event_id,
            "workspaceId": workspace_id,
            "occurredAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": {"type": "user", "id": "intake-olga"},
            "target": {"type": "agent", "id": "agent_7"},
            "summary": {"name": "Front desk", "changed": ["voice"]},
            **detail,
        },
    }


def test_another_services_event_lands_once_on_the_chain_and_verifies(api):
    owner = api.user("intake-olga", email="intake-olga@example.com")
    workspace_id = create_workspace(owner, "Intake")
    base = f"/v1/workspaces/{workspace_id}"
    event = agent_updated(workspace_id, "agents-000001")
    first = bus(api, **event)
    assert first.status_code == 202, first.text
    assert first.json()["id"]
    assert bus(api, **event).status_code == 202  # the service sent it twice: one record

    records = owner.get(f"{base}/audit-log", params={"action": "AgentUpdated"}).json()["items"]
    [record] = records
    assert record["actor"] == {"type": "user", "id": "intake-olga"}
    assert record["target"] == {"type": "agent", "id": "agent_7"}
    assert record["summary"] == {"name": "Front desk", "changed": ["voice"]}
    assert record["source"] == "platform.agents"
    assert record["eventId"] == "agents-000001"
    assert owner.get(f"{base}/audit-log/verify").json() == {
        "valid": True,
        "records": 2,  # WorkspaceCreated, then the agent's change
        "firstInvalidSeq": None,
    }


def test_a_malformed_event_or_one_from_an_unlisted_source_never_reaches_the_chain(api):
    owner = api.user("intake-otto", email="intake-otto@example.com")
    workspace_id = create_workspace(owner, "Intake 2")
    base = f"/v1/workspaces/{workspace_id}"
    malformed = agent_updated(workspace_id, "agents-000002", summary={"apiKey": "tsk_x"})
    assert bus(api, **malformed).status_code == 202  # the bus took it; the intake refuses
    unlisted = {**agent_updated(workspace_id, "agents-000003"), "source": "platform.unlisted"}
    assert bus(api, **unlisted).status_code == 202  # no rule matches it
    log = owner.get(f"{base}/audit-log").json()["items"]
    assert [r["action"] for r in log] == ["WorkspaceCreated"]
    assert "tsk_x" not in owner.get(f"{base}/audit-log/export").text


@pytest.mark.parametrize(
    "body",
    [
        {"source": "teamspace", "detailType": "MemberRemoved", "detail": {}},
        {"source": "platform.agents", "detailType": "AgentUpdated"},
        {"source": "platform.agents", "detailType": "AgentUpdated", "detail": [], "x": 1},
    ],
    ids=["teamspace-source", "no-detail", "not-an-object"],
)
def test_the_local_bus_refuses_what_is_no_event_of_another_service(api, body):
    reply = bus(api, **body)
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "VALIDATION_FAILED"
