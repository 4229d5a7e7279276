"""template.yaml is the one list of routes, functions and the table: everything agrees."""

from __future__ import annotations

import json
import re

import pytest

from local_runtime.lambdas import load_module
from tests.support import EVENTS, TEMPLATE

FUNCTIONS = TEMPLATE.functions()
HTTP_FUNCTIONS = sorted({route.function for route in TEMPLATE.http_routes()})


def resolver_routes(logical_id: str) -> set[str]:
    """The routes a function's Powertools resolver serves, in the template's spelling."""
    app = load_module(FUNCTIONS[logical_id]).app
    found = set()
    for route in app._static_routes + app._dynamic_routes:
        path = re.sub(r"<(\w+)>", r"{\1}", route.path)
        found.add(f"{route.method.upper()} {path}")
    return found


@pytest.mark.parametrize("logical_id", HTTP_FUNCTIONS)
def test_each_function_serves_exactly_the_routes_the_template_gives_it(aws_env, logical_id):
    declared = {r.route_key for r in TEMPLATE.http_routes() if r.function == logical_id}
    assert resolver_routes(logical_id) == declared


def test_no_route_is_declared_twice():
    keys = [route.route_key for route in TEMPLATE.http_routes()]
    assert len(keys) == len(set(keys))


def test_every_route_has_a_sample_event_and_every_sample_matches_a_route():
    declared = {route.route_key for route in TEMPLATE.http_routes()}
    samples = [json.loads(path.read_text()) for path in EVENTS.rglob("*.json")]
    # Authorizer events (type REQUEST) carry the routes of the stacks that attach it.
    samples = [event for event in samples if event.get("type") != "REQUEST"]
    sampled = {event["routeKey"] for event in samples if "routeKey" in event}
    assert sampled == declared
    for event in samples:
        if "routeKey" in event:
            route = next(r for r in TEMPLATE.http_routes() if r.route_key == event["routeKey"])
            assert route.match(event["requestContext"]["http"]["method"], event["rawPath"]) == (
                event.get("pathParameters") or {}
            )


def test_the_table_has_what_the_design_asks_for():
    table = TEMPLATE.resources["Table"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert table["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2", "GSI3"}


def test_every_function_logs_and_measures_through_powertools_settings():
    env = TEMPLATE.raw["Globals"]["Function"]["Environment"]["Variables"]
    assert {"POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE", "TABLE_NAME"} <= set(env)
    for spec in FUNCTIONS.values():
        assert spec.environment["POWERTOOLS_SERVICE_NAME"]


def test_no_function_may_scan_the_table():
    for logical_id, resource in TEMPLATE.resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        text = json.dumps(resource["Properties"].get("Policies", []))
        assert "dynamodb:Scan" not in text, logical_id
        assert "dynamodb:*" not in text, logical_id


# The routes anyone may call, with no bearer token, and what each checks instead.
PUBLIC_ROUTES = {
    "GET /v1/invitations/preview": "the link's token (tests/functions/test_invitation_links.py)",
}


def test_only_the_routes_meant_to_be_public_have_no_authorizer():
    public = {route.route_key for route in TEMPLATE.http_routes() if route.public}
    assert public == set(PUBLIC_ROUTES)


def test_public_routes_are_throttled_like_every_route():
    """API Gateway's per-route limits apply to every route (DefaultRouteSettings), the
    public ones included: none is given looser limits of its own."""
    api = TEMPLATE.resources["HttpApi"]["Properties"]
    defaults = api["DefaultRouteSettings"]
    assert defaults["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert defaults["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert not set(api.get("RouteSettings", {})) & set(PUBLIC_ROUTES)


def test_the_jwt_authorizer_defaults_to_the_stacks_cognito_pool():
    auth = TEMPLATE.resources["HttpApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "JwtAuthorizer"
    config = auth["Authorizers"]["JwtAuthorizer"]["JwtConfiguration"]
    assert config["issuer"]["Fn::If"][0] == "UseCognito"
    assert TEMPLATE.condition("UseCognito") is True


# What each function's code reads from its environment (teamspace.core.settings and the
# wiring it uses), beyond the Globals. The local runtime runs every function in one
# process and so cannot notice a variable missing from one function; this does.
NEEDS = {
    "WorkspacesFunction": set(),
    "MembershipFunction": set(),
    "RolesFunction": set(),
    "OwnershipFunction": set(),
    "InvitationsFunction": {
        "INVITATION_TTL_DAYS",
        "MAX_PENDING_INVITATIONS",
        "INVITES_PER_INVITER_PER_HOUR",
        "ACCEPT_URL_BASE",
    },
    "EventPublisherFunction": {"EVENT_BUS_NAME"},
    "MailerFunction": {
        "SENDER_ADDRESS",
        "ACCEPT_URL_BASE",
        "APP_URL",
        "SMTP_SECRET_PREFIX",
        "SMTP_ALLOW_PRIVATE_HOSTS",
    },
    "IntegrationsFunction": {"SMTP_SECRET_PREFIX", "SMTP_ALLOW_PRIVATE_HOSTS"},
    "InvitationExpiryFunction": set(),
    "AuditConsumerFunction": {"AUDIT_RETENTION_DAYS"},
    "AuditFunction": set(),
    "PostAuthenticationFunction": set(),
    "ClientAccessFunction": set(),
    "ApiKeysFunction": set(),
    "ApiKeyAuthorizerFunction": set(),
}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_function_is_given_the_environment_its_code_reads(logical_id):
    assert logical_id in NEEDS, f"say what {logical_id} reads from its environment"
    environment = set(FUNCTIONS[logical_id].environment)
    assert {"TABLE_NAME", "STAGE", "POWERTOOLS_SERVICE_NAME"} <= environment
    assert NEEDS[logical_id] <= environment
