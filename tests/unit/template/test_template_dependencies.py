"""CloudFormation refuses a stack whose resources name each other in a circle, and
neither cfn-lint nor `sam validate` sees the circles that SAM's transform makes: an HTTP
API built from function events holds each function's integration (so it depends on the
functions) and its JWT authorizer's audience (so it depends on the app client), and a
user pool with a trigger depends on the trigger's function. This draws the graph as SAM
will build it, and looks for a circle."""

from __future__ import annotations

from typing import Any

from tests.support import TEMPLATE

RESOURCES = TEMPLATE.resources


def named(node: Any) -> set[str]:
    """The resources a property names (Ref, Fn::GetAtt, ${...} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0] if isinstance(value, list) else value.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                found |= {
                    name.split(".")[0]
                    for name in _sub_names(text)
                    if name.split(".")[0] not in variables
                }
                found |= named(variables)
            else:
                found |= named(value)
    elif isinstance(node, list):
        for value in node:
            found |= named(value)
    return found & set(RESOURCES)


def _sub_names(text: str) -> list[str]:
    names, rest = [], text
    while "${" in rest:
        rest = rest.split("${", 1)[1]
        name, rest = rest.split("}", 1)
        if not name.startswith("!"):
            names.append(name)
    return names


def dependencies() -> dict[str, set[str]]:
    """Each resource and the resources it waits for, once SAM has transformed it."""
    globals_ = TEMPLATE.raw.get("Globals", {}).get("Function", {})
    graph: dict[str, set[str]] = {name: set() for name in RESOURCES}
    for name, resource in RESOURCES.items():
        properties = dict(resource.get("Properties", {}))
        events = properties.pop("Events", None) or {}
        depends = resource.get("DependsOn", [])
        graph[name] |= named(properties) | set([depends] if isinstance(depends, str) else depends)
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        graph[name] |= named(globals_)
        for event in events.values():
            target = event["Properties"]
            if event["Type"] == "HttpApi":  # the API's body holds the integration
                graph[target["ApiId"]["Ref"]].add(name)
            elif event["Type"] == "Cognito":  # the pool's LambdaConfig names the trigger
                graph[target["UserPool"]["Ref"]].add(name)
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (circle := visit(nxt)):
                return circle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (circle := visit(node)):
            return circle
    return None


def test_no_resources_name_each_other_in_a_circle():
    assert find_circle(dependencies()) is None


def test_the_graph_sees_the_circles_sams_transform_makes():
    graph = dependencies()
    # What the invitation page's first draft did: the app client's callback on HttpApi.
    assert "UserPoolClient" in graph["HttpApi"]  # the authorizer's audience
    graph["UserPoolClient"] = graph["UserPoolClient"] | {"HttpApi"}
    assert find_circle(graph) == ["HttpApi", "UserPoolClient", "HttpApi"]
    # A function serving a route of HttpApi that names the API in its environment.
    graph = dependencies()
    assert "InvitationsFunction" in graph["HttpApi"]
    graph["InvitationsFunction"] = graph["InvitationsFunction"] | {"HttpApi"}
    assert find_circle(graph) is not None
