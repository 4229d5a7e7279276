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
    routes = TEMPLATE.http_routes() + TEMPLATE.page_routes()
    declared = {route.route_key for route in routes}
    samples = [json.loads(path.read_text()) for path in EVENTS.rglob("*.json")]
    # Authorizer events (type REQUEST) carry the routes of the stacks that attach it.
    samples = [event for event in samples if event.get("type") != "REQUEST"]
    sampled = {event["routeKey"] for event in samples if "routeKey" in event}
    assert sampled == declared
    for event in samples:
        if "routeKey" in event:
            route = next(r for r in routes if r.route_key == event["routeKey"])
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


# The routes anyone may call, with no bearer token, and what each checks instead: on
# HttpApi (`Auth: {Authorizer: NONE}`) and on the invitation page's API
# (`AuthorizationType: NONE`), one list for both.
PUBLIC_ROUTES = {
    "GET /v1/invitations/preview": "the link's token (tests/functions/test_invitation_links.py)",
    "GET /accept": "nothing: the page's document, which reads no data",
    "GET /accept/{file}": "nothing: the page's files and settings (test_invitation_page.py)",
}


def test_only_the_routes_meant_to_be_public_have_no_authorizer():
    routes = TEMPLATE.http_routes() + TEMPLATE.page_routes()
    public = {route.route_key for route in routes if route.public}
    assert public == set(PUBLIC_ROUTES)


def test_public_routes_are_throttled_like_every_route():
    """API Gateway's per-route limits apply to every route (DefaultRouteSettings), the
    public ones included, on both APIs: none is given looser limits of its own."""
    api = TEMPLATE.resources["HttpApi"]["Properties"]
    page_stage = TEMPLATE.resources["InvitationPageStage"]["Properties"]
    for settings in (api, page_stage):
        defaults = settings["DefaultRouteSettings"]
        assert defaults["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
        assert defaults["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
        assert not set(settings.get("RouteSettings", {})) & set(PUBLIC_ROUTES)


def test_every_route_but_the_public_ones_has_its_twin_on_the_key_api():
    """The key API serves API keys the very routes HttpApi serves people, each by the
    same function; nothing else, and no public route (it needs no key)."""
    people = {r.route_key: r.function for r in TEMPLATE.http_routes() if not r.public}
    keys = [(r.route_key, r.function) for r in TEMPLATE.http_routes("KeyApi")]
    assert len(keys) == len(set(keys))
    assert dict(keys) == people
    assert not any(r.public for r in TEMPLATE.http_routes("KeyApi"))


def test_the_key_api_checks_every_request_with_the_key_authorizer_uncached():
    api = TEMPLATE.resources["KeyApi"]["Properties"]
    assert api["StageName"] == "$default"
    # The authorizer's sign that these routes are this stack's own (404 and 429 by the
    # function, functions/api_key_authorizer); the local runtime sends what this says.
    assert api["StageVariables"] == {"keyRoutes": "own"}
    assert TEMPLATE.stage_variables("KeyApi") == {"keyRoutes": "own"}
    auth = api["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": ["ApiKeyAuthorizerFunction", "Arn"]}
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True
    # No cache (a revoked key fails on its next request, every request is counted) and
    # so no identity source: a key comes in either of two headers.
    assert authorizer["Identity"] == {"ReauthorizeEvery": 0}
    rate = TEMPLATE.raw["Parameters"]["ApiKeyRatePerMinute"]
    assert (rate["Type"], rate["Default"], rate["MinValue"]) == ("Number", 600, 1)
    variables = TEMPLATE.resources["ApiKeyAuthorizerFunction"]["Properties"]["Environment"]
    assert variables["Variables"]["API_KEY_RATE_PER_MINUTE"] == {"Ref": "ApiKeyRatePerMinute"}
    assert TEMPLATE.raw["Outputs"]["KeyApiUrl"]["Value"] == {
        "Fn::Sub": "https://${KeyApi}.execute-api.${AWS::Region}.amazonaws.com"
    }


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
    "EventPublisherFunction": {"EVENT_BUS_NAME", "PUBLISHER_DLQ_URL"},
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
    "BillingFunction": set(),
    "ApiKeysFunction": set(),
    "ApiKeyAuthorizerFunction": {"API_KEY_RATE_PER_MINUTE"},
    "InvitationPageFunction": {"IDP_URL", "IDP_CLIENT_ID", "API_URL", "APP_URL"},
}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_function_is_given_the_environment_its_code_reads(logical_id):
    assert logical_id in NEEDS, f"say what {logical_id} reads from its environment"
    environment = set(FUNCTIONS[logical_id].environment)
    assert {"TABLE_NAME", "STAGE", "POWERTOOLS_SERVICE_NAME"} <= environment
    assert NEEDS[logical_id] <= environment


# ---- the invitation page ------------------------------------------------------------------

PAGE_URL = {
    "Fn::Sub": "https://${InvitationPageApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/accept"
}


def test_invitation_links_open_the_suites_page_unless_another_is_named():
    assert TEMPLATE.raw["Parameters"]["AcceptUrlBase"]["Default"] == ""
    for logical_id in ("InvitationsFunction", "MailerFunction"):
        variables = TEMPLATE.resources[logical_id]["Properties"]["Environment"]["Variables"]
        assert variables["ACCEPT_URL_BASE"] == {
            "Fn::If": ["HasAcceptUrlBase", {"Ref": "AcceptUrlBase"}, PAGE_URL]
        }
    assert TEMPLATE.raw["Outputs"]["InvitationPageUrl"]["Value"] == PAGE_URL
    page = [r for r in TEMPLATE.page_routes() if r.path == "/accept"]
    assert [r.function for r in page] == ["InvitationPageFunction"]


def test_the_app_client_signs_in_by_code_with_pkce_back_to_the_page():
    client = TEMPLATE.resources["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False  # a public client: PKCE, no secret in a page
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert client["CallbackURLs"] == [PAGE_URL]
    domain = TEMPLATE.resources["UserPoolDomain"]
    assert domain["Condition"] == "UseCognito"
    assert domain["Properties"]["UserPoolId"] == {"Ref": "UserPool"}


def test_the_page_is_told_the_hosted_ui_the_client_and_the_api_it_calls():
    variables = TEMPLATE.resources["InvitationPageFunction"]["Properties"]["Environment"][
        "Variables"
    ]
    hosted_ui = variables["IDP_URL"]["Fn::If"]
    assert hosted_ui[0] == "UseCognito"
    assert hosted_ui[1]["Fn::Sub"].startswith("https://${UserPoolDomain}.auth.")
    assert variables["IDP_CLIENT_ID"] == {"Fn::If": ["UseCognito", {"Ref": "UserPoolClient"}, ""]}
    assert variables["API_URL"]["Fn::Sub"].startswith("https://${HttpApi}.execute-api.")
    # The page is on another origin than the API: the API lets that origin, and only it, call.
    cors = TEMPLATE.resources["HttpApi"]["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == [{"Fn::Sub": PAGE_URL["Fn::Sub"].removesuffix("/accept")}]
    assert set(cors["AllowHeaders"]) == {"authorization", "content-type"}
