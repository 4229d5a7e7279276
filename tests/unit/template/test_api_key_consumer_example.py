"""The API key authorizer as the template exports it, and as docs/api-keys.md shows
another stack attaching it: the two name the same export, with caching off."""

from __future__ import annotations

import json
import re

from local_runtime.template import ROOT, Template

DOC = ROOT / "docs" / "api-keys.md"
STAGE = "prod"


def example(tmp_path) -> Template:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    [stack] = [block for block in blocks if "AWS::Serverless::HttpApi" in block]
    path = tmp_path / "consumer.yaml"
    path.write_text(stack)
    return Template(path, stage=STAGE)


def test_the_template_exports_the_authorizer_and_gives_it_no_route():
    ours = Template(stage=STAGE)
    output = ours.raw["Outputs"]["ApiKeyAuthorizerArn"]
    assert output["Value"] == {"Fn::GetAtt": ["ApiKeyAuthorizerFunction", "Arn"]}
    assert ours.resolve(output["Export"]["Name"]) == f"teamspace-{STAGE}-api-key-authorizer-arn"
    function = ours.resources["ApiKeyAuthorizerFunction"]["Properties"]
    assert not function.get("Events")
    [statement] = function["Policies"][0]["Statement"]
    assert sorted(statement["Action"]) == ["dynamodb:PutItem", "dynamodb:UpdateItem"]


def test_the_documented_stack_imports_that_export_without_caching(tmp_path):
    consumer = example(tmp_path)
    export = Template(stage=STAGE).resolve(
        Template(stage=STAGE).raw["Outputs"]["ApiKeyAuthorizerArn"]["Export"]["Name"]
    )
    auth = consumer.resources["AgentsApi"]["Properties"]["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    assert consumer.resolve(authorizer["FunctionArn"]) == {"Fn::ImportValue": export}
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True
    # Caching off (a revocation holds at once), and no identity source that could
    # make API Gateway refuse a key sent in the other header.
    assert authorizer["Identity"] == {"ReauthorizeEvery": 0}
    [permission] = [
        r for r in consumer.resources.values() if r["Type"] == "AWS::Lambda::Permission"
    ]
    properties = permission["Properties"]
    assert consumer.resolve(properties["FunctionName"]) == {"Fn::ImportValue": export}
    assert properties["Principal"] == "apigateway.amazonaws.com"
    assert "/authorizers/*" in json.dumps(properties["SourceArn"])
