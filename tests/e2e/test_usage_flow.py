"""Usage across clients over real HTTP: an agency gives a client a budget from its pool,
the platform's billing service reports the client's minutes on the local bus
(`POST /_local/bus`, a source in BillingSources), the template's rule takes them to the
billing consumer, the agency's clients list shows what the client used beside its
budget, and the agency's log shows the 80% threshold announced once (the event went
through the outbox, the publisher and the bus to the audit consumer)."""

from __future__ import annotations

import pytest
import requests

from tests.support.http import billing_request, create_workspace

pytestmark = pytest.mark.e2e

THRESHOLD = "MinuteBudgetThresholdReached"


def minutes_used(api, client_id: str, minutes: int, usage_id: str) -> requests.Response:
    return billing_request(
        api, "MinutesUsed", workspaceId=client_id, minutes=minutes, usageId=usage_id
    )


def test_a_client_s_minutes_cross_80_percent_and_the_agency_sees_it(api):
    owner = api.user("usage-uma", email="uma@agency.example")
    agency = create_workspace(owner, "Minutes Agency", "agency")
    base = f"/v1/workspaces/{agency}"
    assert owner.patch(base, json={"settings": {"minutePool": 5000}}).status_code == 200
    created = owner.post(f"{base}/clients", json={"name": "Dental Clinic", "minuteBudget": 1000})
    assert created.status_code == 201, created.text
    client_id = created.json()["workspaceId"]

    for minutes, usage_id in ((500, "call-1"), (290, "call-2")):
        assert minutes_used(api, client_id, minutes, usage_id).status_code == 202
    [listed] = owner.get(f"{base}/clients").json()["items"]
    assert (listed["minutesUsed"], listed["minuteBudget"]) == (790, 1000)
    log = owner.get(f"{base}/audit-log", params={"action": THRESHOLD}).json()["items"]
    assert log == []

    assert minutes_used(api, client_id, 20, "call-3").status_code == 202  # 810: past 80%
    assert minutes_used(api, client_id, 20, "call-3").status_code == 202  # delivered again
    assert minutes_used(api, client_id, 30, "call-4").status_code == 202  # 840: nothing new
    page = owner.get(f"{base}/clients").json()
    [listed] = page["items"]
    assert listed["minutesUsed"] == 840
    assert len(page["usagePeriod"]) == 7  # YYYY-MM

    [record] = owner.get(f"{base}/audit-log", params={"action": THRESHOLD}).json()["items"]
    assert record["actor"] == {"type": "system", "id": "billing"}
    assert record["target"] == {"type": "workspace", "id": client_id}
    assert record["summary"]["percent"] == 80
    assert record["summary"]["minutesUsed"] == 810
    assert owner.get(f"{base}/audit-log/verify").json()["valid"] is True
