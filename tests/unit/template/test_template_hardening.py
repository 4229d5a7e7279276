"""template.yaml's hardening (docs/security.md): least-privilege statements, a dead-letter
queue and an alarm on every asynchronous path, throttling and access logs on the HTTP
API, a log group with a retention for every function, active tracing, and the checkov
rules the Makefile skips each explained in docs/security.md.

These read the template as written (before SAM's transform). SAM adds to each role the
AWS managed policies its features need (docs/security.md, "IAM"); those are not here."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local_runtime.template import ROOT
from teamspace.domain.audit import APPEND_BUDGET_SECONDS
from tests.support import TEMPLATE

RESOURCES = TEMPLATE.resources
FUNCTIONS = {
    logical_id: resource
    for logical_id, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::Function"
}
SECURITY_DOC = (ROOT / "docs" / "security.md").read_text()

TABLE = {"Fn::GetAtt": ["Table", "Arn"]}
INDEXES = {
    index["IndexName"] for index in RESOURCES["Table"]["Properties"]["GlobalSecondaryIndexes"]
}
TABLE_TARGETS = [TABLE] + [{"Fn::Sub": f"${{Table.Arn}}/index/{name}"} for name in INDEXES]

# What each function's code calls (the store methods its routes and services reach),
# action by action. TransactWriteItems is authorised item by item: PutItem, UpdateItem,
# DeleteItem, ConditionCheckItem. A change to a function's calls changes this map, the
# template and the table in docs/security.md together.
TRANSACT = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
}
ACTIONS = {
    "WorkspacesFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
    | TRANSACT,
    "ClientAccessFunction": {
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "sqs:SendMessage",
    },
    "BillingFunction": {
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
        "sqs:SendMessage",
    },
    "MembershipFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
    | TRANSACT
    | {
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminSetUserPassword",
        "cognito-idp:AdminUserGlobalSignOut",
        "cognito-idp:AdminDeleteUser",
        "cognito-idp:ListUsers",
    },
    "RolesFunction": {"dynamodb:BatchGetItem"} | TRANSACT,
    "OwnershipFunction": {"dynamodb:BatchGetItem"} | TRANSACT,
    "InvitationsFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
    | TRANSACT,
    "EventPublisherFunction": {"events:PutEvents", "sqs:SendMessage"},
    "MailerFunction": {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",  # the SMTP test's outcome
        "ses:SendRawEmail",
        "secretsmanager:GetSecretValue",
        "sqs:SendMessage",
        "cognito-idp:AdminSetUserPassword",
    },
    "IntegrationsFunction": {
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
        "secretsmanager:CreateSecret",
        "secretsmanager:PutSecretValue",
        "secretsmanager:DeleteSecret",
    },
    "AuditConsumerFunction": {"dynamodb:BatchGetItem", "dynamodb:PutItem", "sqs:SendMessage"},
    "AuditFunction": {"dynamodb:BatchGetItem", "dynamodb:Query"},
    "ApiKeysFunction": {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"} | TRANSACT,
    "ApiKeyAuthorizerFunction": {"dynamodb:UpdateItem", "dynamodb:PutItem"},
    "PostAuthenticationFunction": {
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    },
    "InvitationExpiryFunction": {
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "sqs:SendMessage",
    },
    # It serves files and settings: no AWS call at all.
    "InvitationPageFunction": set(),
}


def statements(logical_id: str) -> list[dict[str, Any]]:
    found = []
    for policy in FUNCTIONS[logical_id]["Properties"].get("Policies", []):
        # Inline statements only: no managed policy, no SAM policy template.
        assert isinstance(policy, dict), logical_id
        assert set(policy) == {"Statement"}, logical_id
        found += [_with_cognito(statement) for statement in policy["Statement"]]
    return [statement for statement in found if statement is not None]


def _with_cognito(statement: dict[str, Any]) -> dict[str, Any] | None:
    """A statement as the default stack (its own Cognito pool) has it: one under
    `!If [UseCognito, ...]` is there, and with another issuer it is not."""
    if "Fn::If" not in statement:
        return statement
    condition, present, _absent = statement["Fn::If"]
    assert condition == "UseCognito", statement
    return present


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def dead_letter_queues(logical_id: str) -> set[str]:
    """The queues this function's asynchronous paths send their failures to."""
    properties = FUNCTIONS[logical_id]["Properties"]
    arns = []
    invoke = properties.get("EventInvokeConfig", {})
    arns.append(invoke.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"))
    for event in (properties.get("Events") or {}).values():
        event_properties = event["Properties"]
        arns.append(event_properties.get("DeadLetterConfig", {}).get("Arn"))
        destination = event_properties.get("DestinationConfig", {}).get("OnFailure", {})
        arns.append(destination.get("Destination"))
    return {arn["Fn::GetAtt"][0] for arn in arns if arn}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_function_is_granted_exactly_the_actions_its_code_calls(logical_id):
    granted = {action for s in statements(logical_id) for action in as_list(s["Action"])}
    assert granted == ACTIONS[logical_id]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_no_statement_allows_every_action_or_every_resource(logical_id):
    for statement in statements(logical_id):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert "*" not in action, (logical_id, action)
        # Nothing here needs "*": X-Ray's PutTraceSegments (the one that would) comes
        # with SAM's tracing policy, and metrics go out as EMF log lines, not
        # PutMetricData.
        assert "*" not in as_list(statement["Resource"]), (logical_id, statement["Sid"])
        assert "NotAction" not in statement
        assert "NotResource" not in statement


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_dynamodb_statement_targets_the_table_or_its_indexes(logical_id):
    for statement in statements(logical_id):
        actions = as_list(statement["Action"])
        services = {action.split(":")[0] for action in actions}
        assert len(services) == 1, f"{statement['Sid']}: one service per statement"
        if services == {"dynamodb"}:
            resources = as_list(statement["Resource"])
            for resource in resources:
                assert resource in TABLE_TARGETS, (logical_id, statement["Sid"], resource)
            # Item reads and writes go to the table; only Query can use an index.
            if any(resource != TABLE for resource in resources):
                assert actions == ["dynamodb:Query"], (logical_id, statement["Sid"])


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_ses_statements_send_finished_messages_only_as_the_sender(logical_id):
    """Mail is rendered in the layer and sent whole (SendRawEmail): no SES template is
    used, so none may be named, and the sender is bound by the From address."""
    for statement in statements(logical_id):
        if not any(a.startswith("ses:") for a in as_list(statement["Action"])):
            continue
        assert as_list(statement["Action"]) == ["ses:SendRawEmail"]
        assert statement["Condition"] == {
            "StringEquals": {"ses:FromAddress": {"Ref": "SenderAddress"}}
        }
        resources = [TEMPLATE.resolve(r) for r in as_list(statement["Resource"])]
        assert all(re.search(r":ses:[^:]+:\d+:identity/\*$", r) for r in resources), resources


def test_no_ses_template_is_left_in_the_stack():
    assert [r for r in RESOURCES.values() if r["Type"] == "AWS::SES::Template"] == []


SMTP_SECRETS = (
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
    f"teamspace-{TEMPLATE.parameters['Stage']}/smtp/*"
)


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_smtp_passwords_are_read_by_the_mailer_alone_and_only_under_their_prefix(logical_id):
    """One secret per workspace under `teamspace-<stage>/smtp/`: the integrations function
    writes them and cannot read them; the mailer reads them and cannot write them."""
    for statement in statements(logical_id):
        actions = as_list(statement["Action"])
        if not any(a.startswith("secretsmanager:") for a in actions):
            continue
        assert [TEMPLATE.resolve(r) for r in as_list(statement["Resource"])] == [SMTP_SECRETS]
        if logical_id == "MailerFunction":
            assert actions == ["secretsmanager:GetSecretValue"]
        else:
            assert logical_id == "IntegrationsFunction"
            assert "secretsmanager:GetSecretValue" not in actions
    environment = FUNCTIONS[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    if "SMTP_SECRET_PREFIX" in environment:
        assert (
            TEMPLATE.resolve(environment["SMTP_SECRET_PREFIX"]) + "*"
            == SMTP_SECRETS.rsplit(":", 1)[1]
        )


# Dead-letter queues a function's own code fills (not a retry path of AWS's): the audit
# intake refuses a malformed event at once rather than letting it come back.
CODE_DEAD_LETTERS = {"AuditConsumerFunction": {"AuditIntakeDeadLetterQueue"}}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_sqs_sends_go_only_to_the_functions_own_dead_letter_queue(logical_id):
    own = dead_letter_queues(logical_id) | CODE_DEAD_LETTERS.get(logical_id, set())
    for statement in statements(logical_id):
        if "sqs:SendMessage" not in as_list(statement["Action"]):
            continue
        assert as_list(statement["Action"]) == ["sqs:SendMessage"]
        for resource in as_list(statement["Resource"]):
            assert resource["Fn::GetAtt"][1] == "Arn"
            assert resource["Fn::GetAtt"][0] in own, (logical_id, resource)


def test_events_are_put_on_the_stacks_bus_alone():
    for logical_id in FUNCTIONS:
        for statement in statements(logical_id):
            if "events:PutEvents" in as_list(statement["Action"]):
                assert statement["Resource"] == {"Fn::GetAtt": ["EventBus", "Arn"]}


# ---- asynchronous paths: a dead-letter queue each, and an alarm on each queue -------------


def alarms() -> list[dict[str, Any]]:
    return [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"]


def alarmed_queues() -> set[str]:
    found = set()
    for alarm in alarms():
        if alarm["Namespace"] != "AWS/SQS":
            continue
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Threshold"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        [dimension] = alarm["Dimensions"]
        assert dimension["Name"] == "QueueName"
        found.add(dimension["Value"]["Fn::GetAtt"][0])
    return found


ASYNC_FUNCTIONS = {
    "EventPublisherFunction": {"PublisherDeadLetterQueue"},
    "MailerFunction": {"MailerDeadLetterQueue"},
    "ClientAccessFunction": {"ClientAccessDeadLetterQueue"},
    "BillingFunction": {"BillingDeadLetterQueue"},
    "InvitationExpiryFunction": {"ExpiryDeadLetterQueue"},
}


def test_every_asynchronous_function_sends_its_failures_to_its_dead_letter_queue():
    for logical_id, resource in FUNCTIONS.items():
        kinds = {e["Type"] for e in (resource["Properties"].get("Events") or {}).values()}
        if kinds & {"EventBridgeRule", "Schedule", "DynamoDB"}:
            assert logical_id in ASYNC_FUNCTIONS, f"{logical_id} is asynchronous: say its DLQ"
    for logical_id, queues in ASYNC_FUNCTIONS.items():
        assert dead_letter_queues(logical_id) == queues
        properties = FUNCTIONS[logical_id]["Properties"]
        for event in properties["Events"].values():
            event_properties = event["Properties"]
            if event["Type"] in {"EventBridgeRule", "Schedule"}:
                # EventBridge's own delivery retries, then the queue; and Lambda's.
                assert event_properties["RetryPolicy"]["MaximumRetryAttempts"] >= 1
                assert "Arn" in event_properties["DeadLetterConfig"]
                assert "OnFailure" in properties["EventInvokeConfig"]["DestinationConfig"]
            if event["Type"] == "DynamoDB":
                assert event_properties["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
                assert event_properties["BisectBatchOnFunctionError"] is True


def test_the_audit_queue_redrives_to_its_dead_letter_queue():
    [consumer] = [
        e["Properties"]
        for e in FUNCTIONS["AuditConsumerFunction"]["Properties"]["Events"].values()
        if e["Type"] == "SQS"
    ]
    assert consumer["Queue"] == {"Fn::GetAtt": ["AuditQueue", "Arn"]}
    redrive = RESOURCES["AuditQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["AuditDeadLetterQueue", "Arn"]}


def test_the_audit_queue_serialises_nothing_and_a_batch_of_retries_fits_the_timeout():
    """A standard queue, no message group on either rule's target (docs/decisions.md,
    "Audit"): nothing orders every workspace's events through one consumer. A failed
    record is reported alone; a batch whose every record spends its whole append
    budget still ends before the function's Timeout, and a message stays invisible
    while six such invocations could run (Lambda's advice for an SQS source)."""
    queue = RESOURCES["AuditQueue"]["Properties"]
    assert "FifoQueue" not in queue
    assert "FifoQueue" not in RESOURCES["AuditDeadLetterQueue"]["Properties"]
    for rule in ("AuditRule", "AuditIntakeRule"):
        [target] = RESOURCES[rule]["Properties"]["Targets"]
        assert "SqsParameters" not in target
    function = FUNCTIONS["AuditConsumerFunction"]["Properties"]
    [source] = [e["Properties"] for e in function["Events"].values() if e["Type"] == "SQS"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BatchSize"] * APPEND_BUDGET_SECONDS < function["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]


def test_every_dead_letter_queue_has_an_alarm_and_every_alarm_notifies_the_topic():
    dead_letter = set().union(*ASYNC_FUNCTIONS.values(), *CODE_DEAD_LETTERS.values()) | {
        "AuditDeadLetterQueue"
    }
    queues = {k for k, r in RESOURCES.items() if r["Type"] == "AWS::SQS::Queue"}
    assert dead_letter <= queues
    assert queues - dead_letter == {"AuditQueue"}  # every other queue is a DLQ
    assert alarmed_queues() == dead_letter
    for alarm in alarms():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_the_expiry_job_and_the_stream_have_alarms_of_their_own():
    watched = {
        (a["MetricName"], a["Dimensions"][0]["Value"]["Ref"])
        for a in alarms()
        if a["Namespace"] == "AWS/Lambda"
    }
    assert ("Errors", "InvitationExpiryFunction") in watched
    assert ("IteratorAge", "EventPublisherFunction") in watched


def test_eventbridge_may_fill_a_dead_letter_queue_only_from_its_own_rule():
    rule_arns: dict[str, list[Any]] = {}  # queue -> the ARNs of the rules that fill it
    for resource in FUNCTIONS.values():
        for event in (resource["Properties"].get("Events") or {}).values():
            properties = TEMPLATE.resolve(event["Properties"])
            raw = event["Properties"].get("DeadLetterConfig", {}).get("Arn")
            if not raw:
                continue
            prefix = "arn:aws:events:us-east-1:123456789012:rule/"
            if event["Type"] == "EventBridgeRule":
                arn = f"{prefix}{properties['EventBusName']}/{properties['RuleName']}"
            else:
                arn = f"{prefix}{properties['Name']}"
            rule_arns[raw["Fn::GetAtt"][0]] = [arn]
    # The template's own rules: their targets and their targets' dead-letter queues.
    for logical_id, resource in RESOURCES.items():
        if resource["Type"] != "AWS::Events::Rule":
            continue
        for target in resource["Properties"]["Targets"]:
            arns = [target["Arn"], target.get("DeadLetterConfig", {}).get("Arn")]
            for queue in {arn["Fn::GetAtt"][0] for arn in arns if arn}:
                rule_arns.setdefault(queue, []).append({"Fn::GetAtt": [logical_id, "Arn"]})
    assert rule_arns["AuditQueue"] == [
        {"Fn::GetAtt": ["AuditRule", "Arn"]},
        {"Fn::GetAtt": ["AuditIntakeRule", "Arn"]},
    ]
    policies = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::SQS::QueuePolicy"]
    covered: dict[str, list[Any]] = {}
    for policy in policies:
        [queue] = policy["Queues"]
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Principal"] == {"Service": "events.amazonaws.com"}
            assert statement["Action"] == "sqs:SendMessage"
            assert statement["Resource"] == {"Fn::GetAtt": [queue["Ref"], "Arn"]}
            source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
            if all(isinstance(arn, str) for arn in rule_arns[queue["Ref"]]):
                source = TEMPLATE.resolve(source)  # a rule SAM makes: its ARN from its name
            assert source in rule_arns[queue["Ref"]], queue
            covered.setdefault(queue["Ref"], []).append(source)
    assert covered == rule_arns  # each rule allowed, once, and nothing else


def test_the_alarm_topic_is_encrypted_with_a_rotated_key():
    topic = RESOURCES["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = RESOURCES["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    for statement in key["KeyPolicy"]["Statement"]:
        assert statement["Principal"] != "*"


def test_every_queue_is_encrypted_at_rest():
    for resource in RESOURCES.values():
        if resource["Type"] == "AWS::SQS::Queue":
            assert resource["Properties"]["SqsManagedSseEnabled"] is True


# ---- logs, tracing, the HTTP API ------------------------------------------------------------


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_function_logs_to_its_own_group_with_a_retention(logical_id):
    function = FUNCTIONS[logical_id]
    group_id = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    group = RESOURCES[group_id]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group.get("Condition") == function.get("Condition")
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # The name Lambda itself would give it, so every tool that assumes it finds it.
    name = TEMPLATE.resolve(function["Properties"]["FunctionName"])
    assert TEMPLATE.resolve(group["Properties"]["LogGroupName"]) == f"/aws/lambda/{name}"


def test_every_log_group_has_a_retention():
    for resource in RESOURCES.values():
        if resource["Type"] == "AWS::Logs::LogGroup":
            assert resource["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_every_function_is_traced_by_lambda_without_the_xray_sdk():
    assert TEMPLATE.raw["Globals"]["Function"]["Tracing"] == "Active"
    for logical_id, resource in FUNCTIONS.items():
        assert resource["Properties"].get("Tracing", "Active") == "Active", logical_id
        code = (ROOT / resource["Properties"]["CodeUri"] / "app.py").read_text()
        assert "Tracer" not in code, f"{logical_id}: Powertools Tracer costs cold start"


@pytest.mark.parametrize("api_id", ["HttpApi", "KeyApi"])
def test_the_http_apis_throttle_every_route_and_log_every_request(api_id):
    api = RESOURCES[api_id]["Properties"]
    assert api["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
    }
    logs = api["AccessLogSettings"]
    assert logs["DestinationArn"] == {"Fn::GetAtt": [f"{api_id}AccessLogGroup", "Arn"]}
    entry = json.loads(logs["Format"])
    assert {
        "requestId",
        "ip",
        "routeKey",
        "status",
        "integrationErrorMessage",
    } <= set(entry)
    assert all(value.startswith("$context.") for value in entry.values())


def test_the_invitation_pages_api_throttles_and_logs_every_request_like_the_http_api():
    stage = RESOURCES["InvitationPageStage"]["Properties"]
    assert stage["StageName"] == "$default"
    assert (
        stage["DefaultRouteSettings"] == RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]
    )
    logs = stage["AccessLogSettings"]
    assert logs["DestinationArn"] == {"Fn::GetAtt": ["InvitationPageAccessLogGroup", "Arn"]}
    entry = json.loads(logs["Format"])
    assert {"requestId", "ip", "routeKey", "status", "integrationErrorMessage"} <= set(entry)
    # The route key, never the path: a link's token is in the query and stays out.
    assert all(value.startswith("$context.") for value in entry.values())
    assert not {"$context.path", "$context.http.path"} & set(entry.values())


def test_api_gateway_may_invoke_the_page_function_only_from_the_pages_routes():
    permission = RESOURCES["InvitationPagePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "InvitationPageFunction"}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"].endswith("${InvitationPageApi}/*/GET/accept*")
    for route in TEMPLATE.page_routes():
        assert route.method == "GET"
        assert route.path.startswith("/accept")


def test_api_gateway_may_invoke_the_key_authorizer_only_for_the_key_apis_authorizers():
    permission = RESOURCES["KeyApiInvokesKeyAuthorizer"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "ApiKeyAuthorizerFunction"}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"].endswith("${KeyApi}/authorizers/*")


# ---- checkov ------------------------------------------------------------------------------


def makefile_skips() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    [skips] = re.findall(r"^CHECKOV_SKIP := (.+)$", makefile, flags=re.MULTILINE)
    return set(skips.split(","))


def test_every_checkov_rule_the_makefile_skips_is_explained_in_docs_security():
    section = SECURITY_DOC.split("## checkov", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| (CKV_\w+) \|", section, flags=re.MULTILINE))
    assert makefile_skips() == documented


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_the_iam_table_in_docs_security_names_each_functions_actions(logical_id):
    section = SECURITY_DOC.split("## IAM", 1)[1].split("\n## ", 1)[0]
    [row] = [line for line in section.splitlines() if line.startswith(f"| {logical_id} |")]
    named = set(re.findall(r"`((?:dynamodb|events|ses|sqs|cognito-idp|secretsmanager):\w+)`", row))
    assert named == ACTIONS[logical_id]
