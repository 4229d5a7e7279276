"""Putting a workspace on a plan as the billing platform does: its WorkspacePlanChanged,
delivered to the billing function (for the tests of what plans gate)."""

from __future__ import annotations

from itertools import count

from tests.support.events import billing_request
from tests.support.handlers import Functions

_event_ids = count(1)


def put_on_plan(
    functions: Functions, workspace_id: str, plan: str, event_id: str | None = None
) -> str:
    """Deliver a WorkspacePlanChanged for the workspace (a new bus event unless
    `event_id` names one); what the billing function did with it (`applied`,
    `unchanged`, `duplicate`, `gone`)."""
    event_id = event_id or f"plan-{next(_event_ids):08d}"
    event = billing_request("WorkspacePlanChanged", workspace_id, event_id, plan=plan)
    answer = functions.invoke("BillingFunction", event)
    assert answer["detailType"] == "WorkspacePlanChanged"
    return answer["outcome"]
