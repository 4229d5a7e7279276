"""An agency's clients through the Workspaces function's handler, as the function tests
and the benchmarks drive them: a client created (under an Idempotency-Key of its own
unless one is given), the agency's list, a client's budget and the agency's settings changed."""

from __future__ import annotations

import json
from typing import Any

from tests.support.events import SAMPLE_WORKSPACE, as_caller, sample_event

FN = "WorkspacesFunction"
AGENCY = SAMPLE_WORKSPACE


def create_client(functions, who=None, agency=AGENCY, _key: str | None = None, **body: Any):
    key = _key or "k-" + json.dumps([who, agency, body], sort_keys=True)
    event = sample_event(
        "workspaces/create-client.json",
        caller=as_caller(who),
        body={"name": "Dental Clinic", **body},
        path={"workspaceId": agency},
        headers={"idempotency-key": key[:255]},
    )
    return functions.call(FN, event)


def list_clients(functions, who=None):
    return functions.call(FN, sample_event("workspaces/list-clients.json", caller=as_caller(who)))


def set_budget(functions, client_id, minutes, who=None):
    event = sample_event(
        "workspaces/set-client-budget.json",
        caller=as_caller(who),
        body={"minuteBudget": minutes},
        path={"clientId": client_id},
    )
    return functions.call(FN, event)


def update_settings(functions, settings, workspace_id=AGENCY, who=None):
    event = sample_event(
        "workspaces/update-workspace.json",
        caller=as_caller(who),
        body={"settings": settings},
        path={"workspaceId": workspace_id},
    )
    return functions.call(FN, event)
