"""Plans: the catalogue shipped in the layer and checked at cold start, and what each plan
lets a workspace do, as a table of plan x feature (permissions/plans.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teamspace.permissions import Feature, check_feature, check_plan_settings, check_room
from teamspace.permissions.plans import PLAN_UPGRADE_REQUIRED, parse_catalogue

SHIPPED = Path(__file__).parents[3] / "shared/teamspace/domain/plans.json"
CATALOGUE = parse_catalogue(SHIPPED.read_text(encoding="utf-8"))

# What each plan of the shipped catalogue includes (seed 003: the agency workspace is an
# Enterprise feature; seed 002: the security controls on the higher plans). A counted
# feature is "included" when its count is above 0.
F = Feature
FREE = {F.SEATS, F.API_KEYS}
PRO = FREE | {F.CUSTOM_ROLES, F.REQUIRE_MFA, F.SMTP_INTEGRATION, F.CALL_RECORDING}
BUSINESS = PRO | {F.AUDIT_EXPORT, F.PHI_REDACTION}
INCLUDED = {"free": FREE, "pro": PRO, "business": BUSINESS, "enterprise": set(Feature)}
COUNTS = {
    "free": {F.SEATS: 5, F.CUSTOM_ROLES: 0, F.API_KEYS: 2},
    "pro": {F.SEATS: 25, F.CUSTOM_ROLES: 5, F.API_KEYS: 5},
    "business": {F.SEATS: 100, F.CUSTOM_ROLES: 20, F.API_KEYS: 10},
    "enterprise": {F.SEATS: None, F.CUSTOM_ROLES: None, F.API_KEYS: None},
}


def test_the_catalogue_has_the_plans_of_the_table():
    assert set(CATALOGUE.plans) == set(INCLUDED)


def test_a_workspace_without_a_plan_keeps_everything_it_had():
    """Enterprise is the default: every workspace made before plans existed (and every
    test written then) has no plan, and keeps every feature with no count of the plan's
    (the stack's own limits still hold)."""
    assert CATALOGUE.default == "enterprise"
    assert CATALOGUE.plan_for(None).name == "enterprise"
    assert CATALOGUE.plan_for("a plan since withdrawn").name == "enterprise"


@pytest.mark.parametrize("feature", list(Feature))
@pytest.mark.parametrize("plan", sorted(INCLUDED))
def test_plan_by_feature(plan, feature):
    verdict = check_feature(CATALOGUE.plans[plan], feature)
    included = feature in INCLUDED[plan]
    assert verdict.allowed is included
    if not included:
        assert verdict.code == PLAN_UPGRADE_REQUIRED
        assert verdict.feature == feature.value  # the problem names it
        assert feature.value in verdict.reason
        assert plan in verdict.reason


@pytest.mark.parametrize("feature", [F.SEATS, F.CUSTOM_ROLES, F.API_KEYS])
@pytest.mark.parametrize("plan", sorted(COUNTS))
def test_counted_features_refuse_growth_past_the_plan_only(plan, feature):
    limit = COUNTS[plan][feature]
    chosen = CATALOGUE.plans[plan]
    assert chosen.limit(feature) == limit
    if limit is None:
        assert check_room(chosen, feature, 10_000)
        return
    if limit > 0:
        assert check_room(chosen, feature, limit - 1)  # the last one fits
    refused = check_room(chosen, feature, limit)
    assert (refused.allowed, refused.code, refused.feature) == (
        False,
        PLAN_UPGRADE_REQUIRED,
        feature.value,
    )
    # A downgraded workspace holding more than its plan's count: still refused to grow,
    # and the count it holds is named; nothing of it is taken away (no check to remove).
    over = check_room(chosen, feature, limit + 7)
    assert not over
    if limit > 0:
        assert str(limit + 7) in over.reason


CONTROLS = ("callRecording", "phiRedaction", "endToEndEncryption")


@pytest.mark.parametrize("plan", sorted(INCLUDED))
@pytest.mark.parametrize("switch", ["requireMfa", *CONTROLS])
def test_a_gated_setting_is_turned_on_only_on_a_plan_with_it(plan, switch):
    chosen = CATALOGUE.plans[plan]
    feature = Feature(switch)
    on = {"requireMfa": True} if switch == "requireMfa" else {"securityControls": {switch: True}}
    verdict = check_plan_settings(chosen, {}, on)
    assert verdict.allowed is (feature in INCLUDED[plan])
    if not verdict:
        assert (verdict.code, verdict.feature) == (PLAN_UPGRADE_REQUIRED, switch)
    # After a downgrade: kept on, and turned off, on any plan.
    assert check_plan_settings(chosen, on, {**on, "timezone": "Europe/Berlin"})
    assert check_plan_settings(chosen, on, {})


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ({}, {"maxMembers": 5}, True),  # the free plan's seats exactly
        ({}, {"maxMembers": 6}, False),  # past them
        ({"maxMembers": 40}, {"maxMembers": 30}, True),  # lowered after a downgrade
        ({"maxMembers": 40}, {"maxMembers": 40, "locale": "de"}, True),  # kept
        ({"maxMembers": 40}, {"maxMembers": 41}, False),  # raised further
        ({"maxMembers": 40}, {}, True),  # removed: the plan's seats still hold
    ],
)
def test_max_members_stays_within_the_plans_seats(before, after, allowed):
    verdict = check_plan_settings(CATALOGUE.plans["free"], before, after)
    assert verdict.allowed is allowed
    assert verdict.feature == ("" if allowed else "seats")


def _document(**plan_changes) -> str:
    document = json.loads(SHIPPED.read_text(encoding="utf-8"))
    document["plans"]["free"].update(plan_changes)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"plans": {}}', "exactly defaultPlan and plans"),
        ('{"defaultPlan": "x", "plans": {}}', "at least one plan"),
        (
            json.dumps({"defaultPlan": "gold", "plans": json.loads(_document())["plans"]}),
            "defaultPlan 'gold'",
        ),
        (_document(teleport=True), "unknown features: teleport"),
        (_document(seats=-1), "seats is a whole number"),
        (_document(apiKeys="5"), "apiKeys is a whole number"),
        (_document(auditExport="yes"), "auditExport is true or false"),
        (_document(customRoles=1.5), "customRoles is a whole number"),
    ],
)
def test_a_bad_catalogue_says_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message) as raised:
        parse_catalogue(text)
    assert str(raised.value).startswith("PLAN_CATALOGUE")


def test_a_plan_must_say_whether_it_has_every_feature():
    document = json.loads(_document())
    del document["plans"]["pro"]["phiRedaction"]
    with pytest.raises(ValueError, match="plan 'pro' does not say whether it has: phiRedaction"):
        parse_catalogue(json.dumps(document))
