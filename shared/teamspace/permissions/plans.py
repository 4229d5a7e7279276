"""Plans: what a workspace's plan entitles it to, and the checks that hold it there.

The catalogue is a JSON document in the stack's configuration (the layer's
`teamspace/domain/plans.json`, or the stage parameter `PlanCatalogue` in its place):

    {"defaultPlan": "enterprise",
     "plans": {"free": {"agencyWorkspace": false, "seats": 5, "customRoles": 0, ...}}}

Each plan names every feature: a switched one (`true`/`false`) or a counted one (a whole
number, or `null` for no limit of the plan's; the stack's own limits still hold). A
workspace whose `plan` is unset, or names a plan the catalogue no longer has, is on the
default plan. `parse_catalogue` checks all of it and says what is wrong, so that a bad
catalogue stops a function at its first request rather than deciding half of them.

The checks return a Verdict, never raise; a refusal is 403 `PLAN_UPGRADE_REQUIRED` and
names the feature (`Verdict.feature`). A downgrade never takes data away: the counted
checks refuse only growth (`check_room`), the switched settings refuse only being turned
on (`check_plan_settings`), so what a workspace holds beyond its new plan stays, can be
read and can be removed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from teamspace.permissions.rank_rules import ALLOWED, Verdict

PLAN_UPGRADE_REQUIRED = "PLAN_UPGRADE_REQUIRED"


class Feature(StrEnum):
    """What a plan may entitle a workspace to (the names a refusal shows)."""

    AGENCY_WORKSPACE = "agencyWorkspace"
    SEATS = "seats"
    CUSTOM_ROLES = "customRoles"
    API_KEYS = "apiKeys"
    REQUIRE_MFA = "requireMfa"
    AUDIT_EXPORT = "auditExport"
    SMTP_INTEGRATION = "smtpIntegration"
    CALL_RECORDING = "callRecording"
    PHI_REDACTION = "phiRedaction"
    END_TO_END_ENCRYPTION = "endToEndEncryption"


# Counted features: a number of things a workspace may hold (None: no limit of the plan's).
COUNTED: frozenset[Feature] = frozenset({Feature.SEATS, Feature.CUSTOM_ROLES, Feature.API_KEYS})
# The security controls of seed 002, kept in settings.securityControls, one flag each.
SECURITY_CONTROLS: tuple[Feature, ...] = (
    Feature.CALL_RECORDING,
    Feature.PHI_REDACTION,
    Feature.END_TO_END_ENCRYPTION,
)
_NOUN = {
    Feature.AGENCY_WORKSPACE: "agency workspaces",
    Feature.SEATS: "seats",
    Feature.CUSTOM_ROLES: "custom roles",
    Feature.API_KEYS: "API keys",
    Feature.REQUIRE_MFA: "requiring multi-factor authentication",
    Feature.AUDIT_EXPORT: "audit log export",
    Feature.SMTP_INTEGRATION: "the SMTP integration",
    Feature.CALL_RECORDING: "call recording",
    Feature.PHI_REDACTION: "PHI redaction",
    Feature.END_TO_END_ENCRYPTION: "end-to-end encryption",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """One plan of the catalogue: the switched features it includes, and its counts."""

    name: str
    features: frozenset[Feature]
    limits: Mapping[Feature, int | None]

    def includes(self, feature: Feature) -> bool:
        """Whether the plan has the feature at all (a count of 0 is not having it)."""
        if feature in COUNTED:
            return self.limit(feature) != 0
        return feature in self.features

    def limit(self, feature: Feature) -> int | None:
        """How many of a counted feature the plan allows (None: no limit of its own)."""
        return self.limits.get(feature)


@dataclass(frozen=True, slots=True)
class PlanCatalogue:
    plans: Mapping[str, Plan]
    default: str

    def plan_for(self, name: str | None) -> Plan:
        """The plan a workspace is on: the one it names, else the default plan."""
        return self.plans.get(name or self.default) or self.plans[self.default]

    def knows(self, name: str) -> bool:
        return name in self.plans


def parse_catalogue(text: str, source: str = "PLAN_CATALOGUE") -> PlanCatalogue:
    """The catalogue a JSON document describes; ValueError naming `source` and what is
    wrong (an unknown or missing feature, a count that is not a whole number, ...)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{source} is not valid JSON: {error}") from None
    if not isinstance(document, dict) or set(document) != {"defaultPlan", "plans"}:
        raise ValueError(f"{source} must be an object with exactly defaultPlan and plans")
    plans_doc = document["plans"]
    if not isinstance(plans_doc, dict) or not plans_doc:
        raise ValueError(f"{source}: plans must be an object naming at least one plan")
    plans = {name: _plan(source, name, body) for name, body in plans_doc.items()}
    default = document["defaultPlan"]
    if default not in plans:
        raise ValueError(f"{source}: defaultPlan {default!r} is not one of its plans")
    return PlanCatalogue(plans=plans, default=default)


def _plan(source: str, name: Any, body: Any) -> Plan:
    where = f"{source}: plan {name!r}"
    if not isinstance(name, str) or not name or len(name) > 64:
        raise ValueError(f"{where}: a plan's name is 1 to 64 characters")
    if not isinstance(body, dict):
        raise ValueError(f"{where} must be an object of features")
    unknown = sorted(set(body) - set(Feature))
    if unknown:
        raise ValueError(f"{where} names unknown features: {', '.join(unknown)}")
    missing = sorted(str(f) for f in Feature if f not in body)
    if missing:
        raise ValueError(f"{where} does not say whether it has: {', '.join(missing)}")
    features: set[Feature] = set()
    limits: dict[Feature, int | None] = {}
    for feature in Feature:
        value = body[feature.value]
        if feature in COUNTED:
            if value is not None and (type(value) is not int or value < 0):
                raise ValueError(f"{where}: {feature} is a whole number of 0 or more, or null")
            limits[feature] = value
        elif type(value) is not bool:
            raise ValueError(f"{where}: {feature} is true or false")
        elif value:
            features.add(feature)
    return Plan(name=name, features=frozenset(features), limits=limits)


def _upgrade(feature: Feature, reason: str) -> Verdict:
    return Verdict(False, PLAN_UPGRADE_REQUIRED, reason, feature=feature.value)


def check_feature(plan: Plan, feature: Feature) -> Verdict:
    """Whether the plan includes `feature` (for a counted one: allows any at all)."""
    if plan.includes(feature):
        return ALLOWED
    return _upgrade(
        feature, f"The {plan.name} plan does not include {_NOUN[feature]} ({feature}); upgrade"
    )


def check_room(plan: Plan, feature: Feature, held: int, adding: int = 1) -> Verdict:
    """Whether a workspace holding `held` of a counted feature may have `adding` more.
    Only growth is refused: a workspace above its plan's count after a downgrade keeps
    what it holds, and can read and remove it."""
    limit = plan.limit(feature)
    if limit is None or held + adding <= limit:
        return ALLOWED
    if limit == 0:
        return check_feature(plan, feature)
    return _upgrade(
        feature,
        f"The {plan.name} plan allows {limit} {_NOUN[feature]} ({feature}); this workspace "
        f"has {held}: upgrade, or remove some first",
    )


def switched_on(settings: Mapping[str, Any]) -> frozenset[Feature]:
    """The plan-gated switches a workspace's settings turn on: requireMfa and each
    security control set to true (settings.securityControls)."""
    on = {Feature.REQUIRE_MFA} if settings.get("requireMfa") else set()
    controls = settings.get("securityControls") or {}
    on.update(f for f in SECURITY_CONTROLS if controls.get(f.value))
    return frozenset(on)


def check_plan_settings(plan: Plan, before: Mapping[str, Any], after: Mapping[str, Any]) -> Verdict:
    """Whether the plan lets settings `before` become `after`: a gated switch may be
    turned on only on a plan that includes it (kept on, or turned off, on any plan), and
    maxMembers may not be raised past the plan's seats (lowered or removed, always)."""
    for feature in sorted(switched_on(after) - switched_on(before)):
        verdict = check_feature(plan, feature)
        if not verdict:
            return verdict
    seats = plan.limit(Feature.SEATS)
    wanted, had = after.get("maxMembers"), before.get("maxMembers")
    # Raising it past the plan's seats is refused; lowering or removing it never is.
    if seats is not None and wanted is not None and wanted > seats and wanted > (had or 0):
        return _upgrade(
            Feature.SEATS,
            f"The {plan.name} plan has {seats} seats (seats); maxMembers cannot be raised "
            f"to {wanted}",
        )
    return ALLOWED
