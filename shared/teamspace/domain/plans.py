"""The plan catalogue of this stack, and the plan a workspace is on.

The catalogue is configuration: the stage parameter `PlanCatalogue` (environment
`PLAN_CATALOGUE`) when set, else the document the layer ships next to this module
(`plans.json`). It is parsed once per process by the permission layer's
`parse_catalogue`, which names what is wrong: a bad catalogue fails the first request
of every function that reads a plan (docs/decisions.md, "Plans and security controls").
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from teamspace.core.records import Workspace
from teamspace.core.settings import get_settings
from teamspace.permissions.plans import Plan, PlanCatalogue, parse_catalogue

SHIPPED = "plans.json"


def catalogue() -> PlanCatalogue:
    """The stack's plan catalogue (read again when the settings are: wiring.reset)."""
    return _parsed(get_settings().plan_catalogue)


@lru_cache(maxsize=2)
def _parsed(configured: str) -> PlanCatalogue:
    if configured:
        return parse_catalogue(configured, "PLAN_CATALOGUE")
    shipped = resources.files("teamspace.domain").joinpath(SHIPPED).read_text(encoding="utf-8")
    return parse_catalogue(shipped, f"teamspace/domain/{SHIPPED}")


def plan_of(workspace: Workspace) -> Plan:
    """The plan a workspace is on: the one billing set, else the catalogue's default."""
    return catalogue().plan_for(workspace.plan)
