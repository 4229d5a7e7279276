"""Putting a workspace on a plan as the billing platform does (WorkspacePlanChanged),
for the tests of what plans gate and the benchmarks."""

from __future__ import annotations

from itertools import count
from typing import Any

from teamspace import wiring

_event_ids = count(1)


def plan_changed(workspace_id: str, plan: str, event_id: str | None = None) -> dict[str, Any]:
    """The billing platform's WorkspacePlanChanged as a bus event would carry it."""
    return {
        "id": event_id or f"00000000-0000-4000-8000-{next(_event_ids):012d}",
        "detail-type": "WorkspacePlanChanged",
        "source": "platform.billing",
        "detail": {"workspaceId": workspace_id, "plan": plan},
    }


def put_on_plan(workspace_id: str, plan: str, event_id: str | None = None) -> Any:
    """Apply a WorkspacePlanChanged for the workspace; the service's outcome."""
    event = plan_changed(workspace_id, plan, event_id)
    return wiring.plan_changes().change_plan(event["detail"], event["id"])
