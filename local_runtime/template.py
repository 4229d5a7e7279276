"""Reads template.yaml: the routes, the functions and the table, so nothing is said twice.

The local runtime serves the routes declared here, loads each function's handler from
its CodeUri, gives it the environment the template gives it, and creates the table
from the template's own definition. Tests build their moto table the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, !GetAtt, ...)."""


def _tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in the template: /v1/workspaces/{workspaceId}
    function: str  # logical id
    pattern: re.Pattern[str] = field(compare=False, repr=False)
    # No authorizer in front of it (`Auth: {Authorizer: NONE}`): anyone may call it.
    public: bool = False

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = self.pattern.match(path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, str]


class Template:
    """template.yaml, with the intrinsic functions the local runtime needs resolved."""

    def __init__(self, path: Path = TEMPLATE, stage: str = "local", region: str = "us-east-1"):
        self.path = path
        self.raw: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
        self.region = region
        self.parameters = {
            name: str(spec.get("Default", "")) for name, spec in self.raw["Parameters"].items()
        }
        self.parameters["Stage"] = stage
        self.resources: dict[str, Any] = self.raw["Resources"]
        # Ids AWS (here moto) gives a resource when it is made, such as a user pool's:
        # `!Ref` of that resource resolves to it once it is known.
        self.physical_ids: dict[str, str] = {}

    # ---- intrinsic functions -------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((name, arg),) = value.items()
            if name == "Ref":
                return self._ref_value(arg)
            if name == "Fn::Sub":
                return self._sub(arg)
            if name == "Fn::GetAtt":
                return self._get_att(*arg)
            if name == "Fn::If":
                condition, when_true, when_false = arg
                return self.resolve(when_true if self.condition(condition) else when_false)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def condition(self, name: str) -> bool:
        return self._holds(self.raw["Conditions"][name])

    def _holds(self, spec: dict[str, Any]) -> bool:
        ((function, args),) = spec.items()
        if function == "Fn::Equals":
            left, right = (self.resolve(a) for a in args)
            return left == right
        if function == "Fn::Not":
            return not self._holds(args[0])
        raise NotImplementedError(f"condition function {function}")

    def _ref_value(self, name: str) -> Any:
        """`!Ref` as CloudFormation gives it: a CommaDelimitedList parameter is a list,
        and a queue is its URL (what SQS calls take)."""
        spec = self.raw["Parameters"].get(name)
        if spec is not None and spec.get("Type") == "CommaDelimitedList":
            return [item.strip() for item in self.parameters[name].split(",")]
        resource = self.resources.get(name)
        if resource is not None and resource["Type"] == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{self._ref(name)}"
        return self._ref(name)

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        resource = self.resources[name]
        properties = resource.get("Properties", {})
        for physical in ("TableName", "Name", "FunctionName", "QueueName", "LayerName"):
            if physical in properties:
                return str(self.resolve(properties[physical]))
        return name

    def _sub(self, template: Any) -> str:
        if isinstance(template, list):
            text, variables = template
        else:
            text, variables = template, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                return self._get_att(*name.split(".", 1))
            return self._ref(name)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _get_att(self, logical_id: str, attribute: str) -> str:
        name = self._ref(logical_id)
        if attribute == "Arn":
            return f"arn:aws:local:{self.region}:{ACCOUNT_ID}:{logical_id}/{name}"
        return f"{logical_id}.{attribute}"

    # ---- what the runtime needs ------------------------------------------------------

    def table_name(self) -> str:
        return self._ref("Table")

    def event_bus_name(self) -> str:
        return self._ref("EventBus")

    def table_definition(self) -> dict[str, Any]:
        """CreateTable arguments from the template's AWS::DynamoDB::Table."""
        properties = self.resolve(self.resources["Table"]["Properties"])
        wanted = (
            "TableName",
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "BillingMode",
            "StreamSpecification",
        )
        definition = {key: properties[key] for key in wanted if key in properties}
        definition["StreamSpecification"] = {
            "StreamEnabled": True,
            **definition.get("StreamSpecification", {}),
        }
        return definition

    def time_to_live_attribute(self) -> str:
        return self.resources["Table"]["Properties"]["TimeToLiveSpecification"]["AttributeName"]

    def functions(self) -> dict[str, FunctionSpec]:
        globals_env = self.raw.get("Globals", {}).get("Function", {}).get("Environment", {})
        base_env = self.resolve(globals_env.get("Variables", {}))
        found = {}
        for logical_id, resource in self.resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            properties = resource["Properties"]
            env = dict(base_env)
            env.update(self.resolve(properties.get("Environment", {}).get("Variables", {})))
            found[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_uri=ROOT / properties["CodeUri"],
                handler=properties["Handler"],
                environment={k: str(v) for k, v in env.items()},
            )
        return found

    def scheduled_function(self) -> str:
        """The function a Schedule event drives (the invitation expiry job)."""
        for logical_id, resource in self.resources.items():
            events = resource.get("Properties", {}).get("Events", {}) or {}
            if any(event["Type"] in {"Schedule", "ScheduleV2"} for event in events.values()):
                return logical_id
        raise LookupError("template.yaml has no scheduled function")

    def http_routes(self, api: str = "HttpApi") -> list[Route]:
        """The routes function events put on one HTTP API: `HttpApi` (JWTs) by default,
        or `KeyApi`, which serves the same functions to API keys."""
        routes = []
        for logical_id, resource in self.resources.items():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            for event in resource["Properties"].get("Events", {}).values():
                if event["Type"] != "HttpApi" or event["Properties"]["ApiId"] != {"Ref": api}:
                    continue
                path = event["Properties"]["Path"]
                method = event["Properties"]["Method"].upper()
                public = event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
                routes.append(Route(method, path, logical_id, _path_pattern(path), public))
        return routes

    def stage_variables(self, api: str) -> dict[str, str]:
        """An HTTP API's stage variables (KeyApi's tell the key authorizer its routes
        are this stack's own)."""
        variables = self.resources[api]["Properties"].get("StageVariables", {})
        return {name: str(value) for name, value in self.resolve(variables).items()}

    def page_routes(self) -> list[Route]:
        """The routes declared one by one (AWS::ApiGatewayV2::Route, the invitation
        page's), with the function their integration names; public with
        `AuthorizationType: NONE`, as `Auth: {Authorizer: NONE}` makes an HttpApi event."""
        routes = []
        for resource in self.resources.values():
            if resource["Type"] != "AWS::ApiGatewayV2::Route":
                continue
            properties = resource["Properties"]
            method, path = properties["RouteKey"].split(" ", 1)
            integration_id = properties["Target"]["Fn::Sub"].split("${", 1)[1].rstrip("}")
            integration = self.resources[integration_id]["Properties"]
            function = integration["IntegrationUri"]["Fn::GetAtt"][0]
            public = properties.get("AuthorizationType") == "NONE"
            routes.append(Route(method, path, function, _path_pattern(path), public))
        return routes


def _path_pattern(path: str) -> re.Pattern[str]:
    """`/v1/workspaces/{workspaceId}` -> a regex with one named group per parameter."""
    parts = re.split(r"(\{[^}]+\})", path)
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(f"^{regex}$")
