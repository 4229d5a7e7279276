"""Plans through the real handlers on moto: billing's WorkspacePlanChanged setting a
workspace's plan (once per bus event, never half), each gated route refusing with 403
PLAN_UPGRADE_REQUIRED naming the feature, and a downgrade keeping everything the
workspace holds beyond its new plan readable and removable (permissions/plans.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from teamspace import wiring
from teamspace.core.errors import InvalidInput
from tests.support import (
    OWNER,
    SAMPLE_WORKSPACE,
    TABLE,
    Team,
    billing_request,
    create_workspace,
    invite,
    item,
    outbox_events,
    sample_event,
    seed_member,
    user,
)
from tests.support.plans import put_on_plan

ADMIN = "ada"
SHIPPED = Path(__file__).parents[2] / "shared/teamspace/domain/plans.json"


@pytest.fixture
def team(functions, store, clock, ids, worlds) -> None:
    """The sample workspace with an admin, built once per module."""

    def build() -> None:
        Team.create(functions, store, clock).add(ADMIN, "admin")

    worlds.once("team", clock, ids, build)


def refused_for(reply, feature: str) -> None:
    """A 403 PLAN_UPGRADE_REQUIRED whose problem names `feature`, member and detail."""
    assert (reply.status, reply.code) == (403, "PLAN_UPGRADE_REQUIRED"), reply.body
    assert reply.body["feature"] == feature
    assert feature in reply.body["detail"]
    assert reply.headers["content-type"] == "application/problem+json"


def events_of(dynamodb, detail_type: str) -> list[dict[str, Any]]:
    return [e for e in outbox_events(dynamodb, TABLE) if e["detailType"] == detail_type]


def workspace_item(dynamodb) -> dict[str, Any]:
    found = item(dynamodb, TABLE, f"WS#{SAMPLE_WORKSPACE}", "META")
    assert found is not None
    return found


# ---- WorkspacePlanChanged ---------------------------------------------------------------


def test_billing_sets_the_plan_once_per_event_with_an_event_of_ours(functions, team, dynamodb):
    assert "plan" not in workspace_item(dynamodb)  # made before any plan: the default
    shown = functions.call("WorkspacesFunction", sample_event("workspaces/get-workspace.json"))
    assert shown.body["plan"] == "enterprise"
    assert put_on_plan(functions, SAMPLE_WORKSPACE, "pro", event_id="bill-1") == "applied"
    assert workspace_item(dynamodb)["plan"] == "pro"
    (announced,) = events_of(dynamodb, "WorkspacePlanSet")
    assert announced["data"] == {"plan": "pro", "previousPlan": None, "billingEventId": "bill-1"}
    assert announced["actor"] == {"type": "system", "id": "billing"}

    version = workspace_item(dynamodb)["version"]
    assert put_on_plan(functions, SAMPLE_WORKSPACE, "pro", event_id="bill-1") == "duplicate"
    assert put_on_plan(functions, SAMPLE_WORKSPACE, "pro", event_id="bill-2") == "unchanged"
    assert len(events_of(dynamodb, "WorkspacePlanSet")) == 1
    assert workspace_item(dynamodb)["version"] == version

    shown = functions.call("WorkspacesFunction", sample_event("workspaces/get-workspace.json"))
    assert shown.body["plan"] == "pro"
    put_on_plan(functions, SAMPLE_WORKSPACE, "free", event_id="bill-3")
    later = events_of(dynamodb, "WorkspacePlanSet")[-1]["data"]
    assert (later["plan"], later["previousPlan"]) == ("free", "pro")
    # A redelivery of an older event changes nothing: it was applied once already.
    assert put_on_plan(functions, SAMPLE_WORKSPACE, "pro", event_id="bill-1") == "duplicate"
    assert workspace_item(dynamodb)["plan"] == "free"


def test_an_unknown_plan_is_refused_whole(functions, team, dynamodb, caplog):
    before = workspace_item(dynamodb)
    with pytest.raises(InvalidInput, match="no plan 'platinum'") as refused:
        put_on_plan(functions, SAMPLE_WORKSPACE, "platinum", event_id="bill-x")
    assert refused.value.code == "UNKNOWN_PLAN"
    assert "unknown plan: nothing changed, the event goes to the dead-letter queue" in (caplog.text)
    assert workspace_item(dynamodb) == before
    marker = item(dynamodb, TABLE, f"WS#{SAMPLE_WORKSPACE}", "BILLING#bill-x")
    assert marker is None  # may be redriven once the catalogue has it
    assert events_of(dynamodb, "WorkspacePlanSet") == []


@pytest.mark.parametrize("missing", ["plan", "workspaceId"])
def test_a_malformed_plan_change_is_refused(functions, team, dynamodb, missing):
    event = billing_request("WorkspacePlanChanged", SAMPLE_WORKSPACE, "bill-m", plan="pro")
    del event["detail"][missing]
    before = workspace_item(dynamodb)
    with pytest.raises(InvalidInput) as refused:
        functions.invoke("BillingFunction", event)
    assert refused.value.code == "MALFORMED_EVENT"
    assert workspace_item(dynamodb) == before


def test_a_deleted_workspace_keeps_no_plan(functions, team, dynamodb):
    event = sample_event("workspaces/delete-workspace.json")
    assert functions.call("WorkspacesFunction", event).status == 204
    assert put_on_plan(functions, SAMPLE_WORKSPACE, "pro") == "gone"
    assert "plan" not in workspace_item(dynamodb)


# ---- the gated routes --------------------------------------------------------------------


def create_key(functions, name: str, who: Any = None):
    event = sample_event("api_keys/create-api-key.json", body={"name": name}, caller=who)
    return functions.call("ApiKeysFunction", event)


def test_api_keys_past_the_plans_count_are_refused_and_a_downgrade_keeps_them(functions, team):
    for n in range(3):
        assert create_key(functions, f"key {n}").status == 201
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")  # 2 keys
    refused_for(create_key(functions, "one too many"), "apiKeys")
    listed = functions.call("ApiKeysFunction", sample_event("api_keys/list-api-keys.json"))
    assert len(listed.body["items"]) == 3  # all three kept, listed and still working
    for key in listed.body["items"][:2]:
        revoke = sample_event("api_keys/revoke-api-key.json", path={"keyId": key["keyId"]})
        assert functions.call("ApiKeysFunction", revoke).status == 204
    assert create_key(functions, "room again").status == 201  # 1 left: room for one
    refused_for(create_key(functions, "past it"), "apiKeys")


def test_a_retried_create_of_the_key_that_filled_the_plan_gets_its_first_answer(functions, team):
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")  # 2 keys
    assert create_key(functions, "first").status == 201
    retried = sample_event(
        "api_keys/create-api-key.json",
        body={"name": "second"},
        headers={"Idempotency-Key": "second-key"},
    )
    first = functions.call("ApiKeysFunction", retried)
    again = functions.call("ApiKeysFunction", retried)
    assert (first.status, again.status) == (201, 201)
    assert again.body["keyId"] == first.body["keyId"]
    refused_for(create_key(functions, "third"), "apiKeys")


def create_role(functions, key: str):
    body = {"key": key, "name": key, "rank": 25, "permissions": ["workspace:view"]}
    return functions.call("RolesFunction", sample_event("roles/create-role.json", body=body))


def test_custom_roles_past_the_plans_count_stay_and_can_go_but_not_grow(functions, team):
    assert create_role(functions, "qa_one").status == 201
    assert create_role(functions, "qa_two").status == 201
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")  # no custom roles at all
    refused_for(create_role(functions, "qa_three"), "customRoles")
    roles = functions.call("RolesFunction", sample_event("roles/list-roles.json"))
    assert {"qa_one", "qa_two"} <= {r["key"] for r in roles.body["items"]}
    renamed = sample_event(
        "roles/update-role.json", path={"roleKey": "qa_one"}, body={"name": "QA lead"}
    )
    assert functions.call("RolesFunction", renamed).status == 200
    gone = sample_event("roles/delete-role.json", path={"roleKey": "qa_two"})
    assert functions.call("RolesFunction", gone).status == 204
    put_on_plan(functions, SAMPLE_WORKSPACE, "pro")  # 5 of them
    assert create_role(functions, "qa_three").status == 201


def set_settings(functions, settings: dict[str, Any], who: Any = None, mfa: bool = False):
    caller = user(who) if who else dict(OWNER)
    if mfa:
        caller["amr"] = "[pwd mfa]"  # how an HTTP API hands a list claim to the function
    event = sample_event(
        "workspaces/update-workspace.json", body={"settings": settings}, caller=caller
    )
    return functions.call("WorkspacesFunction", event)


def test_require_mfa_needs_a_plan_with_it_and_a_downgrade_leaves_it_on(functions, team):
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")
    refused_for(set_settings(functions, {"requireMfa": True}, mfa=True), "requireMfa")
    put_on_plan(functions, SAMPLE_WORKSPACE, "pro")
    assert set_settings(functions, {"requireMfa": True}, mfa=True).status == 200
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")
    # Still in force (security never loosens by a billing change) and still removable.
    assert set_settings(functions, {"locale": "de"}).code == "MFA_REQUIRED"
    assert set_settings(functions, {"requireMfa": None}, mfa=True).status == 200
    assert set_settings(functions, {"locale": "de"}).status == 200


def test_max_members_stays_within_the_plans_seats(functions, team):
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")  # 5 seats
    refused_for(set_settings(functions, {"maxMembers": 6}), "seats")
    assert set_settings(functions, {"maxMembers": 5}).status == 200


def test_invitations_past_the_plans_seats_are_refused_and_members_past_them_stay(
    functions, team, store, clock
):
    # 5 seats: the owner, ada and three invitations
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")
    for n in range(3):
        assert invite(functions, f"p{n}@acme.example", key=f"seat-{n}").status == 201
    refused_for(invite(functions, "p3@acme.example", key="seat-3"), "seats")
    # Members past the seats (as a downgrade leaves them) stay, listed and active.
    for n in range(4):
        seed_member(store, SAMPLE_WORKSPACE, f"extra{n}", "member", clock.now())
    listed = sample_event("membership/list-members.json", query={})
    members = functions.call("MembershipFunction", listed).body["items"]
    assert len(members) == 6
    assert {m["status"] for m in members} == {"ACTIVE"}
    refused = invite(functions, "p4@acme.example", key="seat-4")
    refused_for(refused, "seats")
    assert "has 9" in refused.body["detail"]


def test_audit_export_needs_a_plan_with_it_and_the_log_stays_readable(functions, team):
    put_on_plan(functions, SAMPLE_WORKSPACE, "pro")
    export = functions.call("AuditFunction", sample_event("audit/export-audit-log.json"))
    refused_for(export, "auditExport")
    log = functions.call("AuditFunction", sample_event("audit/list-audit-log.json"))
    assert log.status == 200
    verify = functions.call("AuditFunction", sample_event("audit/verify-audit-log.json"))
    assert verify.status == 200
    put_on_plan(functions, SAMPLE_WORKSPACE, "business")
    export = functions.call("AuditFunction", sample_event("audit/export-audit-log.json"))
    assert export.status == 200


def test_an_agency_on_a_plan_without_agencies_keeps_its_clients_and_makes_none(
    functions, store, clock
):
    agency = Team.create(functions, store, clock, "Agency", "agency")
    create = sample_event(
        "workspaces/create-client.json",
        path={"workspaceId": agency.workspace_id},
        body={"name": "Dental Clinic"},
    )
    assert functions.call("WorkspacesFunction", create).status == 201
    put_on_plan(functions, agency.workspace_id, "business")
    refused_for(functions.call("WorkspacesFunction", create), "agencyWorkspace")
    listed = sample_event("workspaces/list-clients.json", path={"workspaceId": agency.workspace_id})
    assert len(functions.call("WorkspacesFunction", listed).body["items"]) == 1


def test_a_stage_whose_default_plan_has_no_agencies_refuses_to_make_one(functions, monkeypatch):
    document = SHIPPED.read_text(encoding="utf-8")
    default = '"defaultPlan": "enterprise"'
    assert default in document
    monkeypatch.setenv("PLAN_CATALOGUE", document.replace(default, '"defaultPlan": "business"'))
    wiring.reset()
    refused_for(create_workspace(functions, "Agency", "agency", key=None), "agencyWorkspace")
    assert create_workspace(functions, "Simple", "simple", key=None).status == 201


def test_a_bad_catalogue_fails_each_request_with_what_is_wrong_in_the_log(
    functions, team, monkeypatch, caplog
):
    monkeypatch.setenv("PLAN_CATALOGUE", '{"defaultPlan": "gold", "plans": {"gold": {}}}')
    wiring.reset()
    reply = functions.call("WorkspacesFunction", sample_event("workspaces/get-workspace.json"))
    assert (reply.status, reply.code) == (500, "INTERNAL_ERROR")
    assert "PLAN_CATALOGUE: plan 'gold' does not say whether it has: agencyWorkspace" in (
        caplog.text
    )


# ---- security controls ----------------------------------------------------------------------


def test_the_owner_sets_security_controls_the_plan_includes_and_they_are_announced(
    functions, team, dynamodb
):
    put_on_plan(functions, SAMPLE_WORKSPACE, "pro")
    reply = set_settings(functions, {"securityControls": {"callRecording": True}})
    assert reply.status == 200, reply.body
    assert reply.body["settings"]["securityControls"] == {
        "callRecording": True,
        "phiRedaction": False,
        "endToEndEncryption": False,
    }
    (announced,) = events_of(dynamodb, "SecurityControlsChanged")
    assert announced["data"] == {
        "securityControls": {
            "callRecording": True,
            "phiRedaction": False,
            "endToEndEncryption": False,
        },
        "changed": ["callRecording"],
    }
    refused_for(
        set_settings(
            functions, {"securityControls": {"callRecording": True, "phiRedaction": True}}
        ),
        "phiRedaction",
    )
    assert len(events_of(dynamodb, "SecurityControlsChanged")) == 1  # nothing of it written


def test_only_the_owner_changes_security_controls(functions, team, dynamodb):
    reply = set_settings(functions, {"securityControls": {"phiRedaction": True}}, who=ADMIN)
    assert (reply.status, reply.code) == (403, "OWNER_ONLY_SETTING")
    assert events_of(dynamodb, "SecurityControlsChanged") == []


def test_a_downgrade_keeps_security_controls_on_and_lets_the_owner_turn_them_off(
    functions, team, dynamodb
):
    every = {"callRecording": True, "phiRedaction": True, "endToEndEncryption": True}
    assert set_settings(functions, {"securityControls": every}).status == 200  # enterprise
    put_on_plan(functions, SAMPLE_WORKSPACE, "free")
    kept = set_settings(functions, {"locale": "de"})
    assert kept.body["settings"]["securityControls"] == every
    assert events_of(dynamodb, "SecurityControlsChanged")[-1]["data"]["changed"] == sorted(
        every, key=list(every).index
    )
    off = set_settings(functions, {"securityControls": {**every, "phiRedaction": False}})
    assert off.status == 200
    assert events_of(dynamodb, "SecurityControlsChanged")[-1]["data"]["changed"] == ["phiRedaction"]
    refused_for(set_settings(functions, {"securityControls": every}), "phiRedaction")
    assert set_settings(functions, {"securityControls": None}).status == 200
    assert "securityControls" not in workspace_item(dynamodb)["settings"]
