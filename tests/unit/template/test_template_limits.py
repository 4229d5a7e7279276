"""Every function behind an API answers within API Gateway's limit: an HTTP API waits
30 seconds for its integration (and its Lambda authorizer) and then answers 503 on its
own, while the function may go on writing. Each such function's Timeout leaves room for
a cold start under those 30 seconds (docs/performance.md, "Limits at scale")."""

from __future__ import annotations

import pytest

from tests.support import TEMPLATE

API_GATEWAY_INTEGRATION_SECONDS = 30
# What a cold start may add before the handler runs: Lambda's init phase, measured at
# well under a second for every function here (docs/performance.md, table 3), taken
# at five.
COLD_START_ALLOWANCE_SECONDS = 5
GLOBAL_TIMEOUT = TEMPLATE.raw["Globals"]["Function"]["Timeout"]


def timeout_of(logical_id: str) -> int:
    return TEMPLATE.resources[logical_id]["Properties"].get("Timeout", GLOBAL_TIMEOUT)


def authorizer_functions() -> set[str]:
    found = set()
    for resource in TEMPLATE.resources.values():
        if resource["Type"] != "AWS::Serverless::HttpApi":
            continue
        authorizers = resource["Properties"].get("Auth", {}).get("Authorizers", {})
        for authorizer in authorizers.values():
            arn = authorizer.get("FunctionArn")
            if arn is not None:
                found.add(arn["Fn::GetAtt"][0])
    return found


API_FUNCTIONS = sorted(
    {route.function for api in ("HttpApi", "KeyApi") for route in TEMPLATE.http_routes(api)}
    | {route.function for route in TEMPLATE.page_routes()}
    | authorizer_functions()
)


def test_the_api_functions_are_found():
    assert {"InvitationsFunction", "AuditFunction", "InvitationPageFunction"} <= set(API_FUNCTIONS)
    assert "ApiKeyAuthorizerFunction" in API_FUNCTIONS
    assert "MailerFunction" in API_FUNCTIONS  # POST .../integrations/smtp/test
    assert "AuditConsumerFunction" not in API_FUNCTIONS  # asynchronous: its own limits


@pytest.mark.parametrize("logical_id", API_FUNCTIONS)
def test_each_api_function_times_out_before_api_gateway_gives_up(logical_id):
    limit = API_GATEWAY_INTEGRATION_SECONDS - COLD_START_ALLOWANCE_SECONDS
    assert timeout_of(logical_id) <= limit, (
        f"{logical_id} may run {timeout_of(logical_id)} s; API Gateway answers 503 after "
        f"{API_GATEWAY_INTEGRATION_SECONDS} s, a cold start included"
    )


def test_no_integration_is_given_a_longer_wait_than_the_default():
    for resource in TEMPLATE.resources.values():
        if resource["Type"] == "AWS::ApiGatewayV2::Integration":
            waited = resource["Properties"].get("TimeoutInMillis", 30_000)
            assert waited <= API_GATEWAY_INTEGRATION_SECONDS * 1000
