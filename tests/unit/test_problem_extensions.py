"""A problem's extension members (RFC 9457, section 3.2): what an error adds to its
problem (the plan `feature` of PLAN_UPGRADE_REQUIRED), never over a member the RFC or
our contract defines."""

from __future__ import annotations

import json

import pytest

from teamspace.api.problems import from_error
from teamspace.core.errors import Forbidden
from teamspace.domain.access import enforce
from teamspace.permissions import Feature, Verdict


def test_an_errors_extensions_are_members_of_its_problem():
    error = Forbidden("PLAN_UPGRADE_REQUIRED", "upgrade", extensions={"feature": "apiKeys"})
    body = json.loads(from_error(error).body)
    assert body["feature"] == "apiKeys"
    assert (body["status"], body["code"], body["detail"]) == (
        403,
        "PLAN_UPGRADE_REQUIRED",
        "upgrade",
    )


def test_an_extension_never_replaces_a_defined_member():
    error = Forbidden("X", "said", extensions={"code": "Y", "status": "200", "detail": "no"})
    body = json.loads(from_error(error).body)
    assert (body["code"], body["status"], body["detail"]) == ("X", 403, "said")


def test_a_plan_refusal_carries_its_feature_to_the_problem():
    verdict = Verdict(False, "PLAN_UPGRADE_REQUIRED", "upgrade", feature=Feature.AUDIT_EXPORT)
    with pytest.raises(Forbidden) as refused:
        enforce(verdict)
    assert refused.value.extensions == {"feature": "auditExport"}
    with pytest.raises(Forbidden) as other:
        enforce(Verdict(False, "OWNER_ONLY_SETTING", "owner"))
    assert other.value.extensions == {}  # no feature, no member
