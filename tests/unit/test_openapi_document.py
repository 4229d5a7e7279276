"""docs/openapi.json is what the code describes, and it describes every route the
template serves, each with its success response and the problems it can answer."""

from __future__ import annotations

import json
import re

import pytest

from local_runtime.template import Template
from teamspace.api.models.fields import RequestModel
from teamspace.api.openapi import ERRORS
from teamspace.permissions import BUILTIN_ROLES
from tools import openapi

DOCUMENT = json.loads(openapi.DOCUMENT.read_text())
# Routes with no authorizer in front of them (template.yaml: `Auth: {Authorizer: NONE}`).
PUBLIC = {(r.method.lower(), r.path) for r in Template().http_routes() if r.public}


@pytest.fixture(scope="module")
def built() -> dict:
    return openapi.build()


def test_the_committed_document_is_what_the_code_describes(built):
    assert openapi.render(built) == openapi.DOCUMENT.read_text(), "run `make openapi`"


def test_every_route_of_the_template_is_described_and_nothing_else():
    routes = {(r.method.lower(), r.path) for r in Template().http_routes()}
    described = {(m, p) for p, ops in DOCUMENT["paths"].items() for m in ops}
    assert described == routes


@pytest.mark.parametrize(
    ("method", "path"),
    sorted((m, p) for p, ops in DOCUMENT["paths"].items() for m in ops),
)
def test_each_operation_declares_its_success_and_every_problem(method, path):
    responses = DOCUMENT["paths"][path][method]["responses"]
    successes = [s for s in responses if s.startswith("2")]
    assert len(successes) == 1
    for status in ERRORS:
        if status == 401 and (method, path) in PUBLIC:
            assert "401" not in responses  # nothing in front of it asks for a token
            continue
        named = KEYED.get((str(status), (method, path) in TAKE_KEYS), f"Problem{status}")
        if (method, path) in PUBLIC:
            named = f"Problem{status}"
        assert responses[str(status)] == {"$ref": f"#/components/responses/{named}"}
    problem = DOCUMENT["components"]["responses"]["Problem404"]["content"]
    assert problem["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_bodies_forbid_fields_they_do_not_name():
    """Mass assignment is refused by the schema too: request bodies are closed."""
    schemas = DOCUMENT["components"]["schemas"]
    requests = [name for name in schemas if name.endswith("Request")]
    assert requests
    for name in requests:
        assert schemas[name].get("additionalProperties") is False, name


# API.md, "API keys on Teamspace's own routes": a key acts on its workspace's routes, but
# no key is a party to a transfer, nor has an availability (issue 20: a key is not a
# member); every other route refuses keys (API_KEY_NOT_ALLOWED).
TRANSFER_ANSWERS = {
    ("post", "/v1/workspaces/{workspaceId}/ownership-transfer/accept"),
    ("post", "/v1/workspaces/{workspaceId}/ownership-transfer/decline"),
    ("put", "/v1/workspaces/{workspaceId}/members/me/availability"),
}
TAKE_KEYS = {
    (m, p)
    for p, ops in DOCUMENT["paths"].items()
    for m in ops
    if p.startswith("/v1/workspaces/{workspaceId}") and (m, p) not in TRANSFER_ANSWERS
}
# (status, whether the operation takes keys) -> the problem it refers to instead of the
# shared one: a keyed operation's 429 names the key's rate, another's 403 names the refusal.
KEYED = {("429", True): "Problem429KeyRate", ("403", False): "Problem403KeyNotAllowed"}


def test_workspace_routes_take_a_token_or_a_key_and_the_others_a_token():
    assert DOCUMENT["security"] == [{"bearerAuth": []}]
    assert DOCUMENT["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert PUBLIC  # which routes are public: test_template_wiring.py
    assert len(TAKE_KEYS) >= 40
    either = [{"bearerAuth": []}, {"apiKeyBearer": []}, {"apiKeyHeader": []}]
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            if (method, path) in PUBLIC:
                expected = []
            elif (method, path) in TAKE_KEYS:
                expected = either  # alternatives: any one of them will do
            else:
                expected = None  # the document's own: a user's token only
            assert operation.get("security") == expected, (method, path)


def test_the_key_problems_say_why():
    responses = DOCUMENT["components"]["responses"]
    assert "API_KEY_NOT_ALLOWED" in responses["Problem403KeyNotAllowed"]["description"]
    keyed = responses["Problem429KeyRate"]
    assert "RATE_LIMITED" in keyed["description"]
    assert keyed["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert keyed["content"] == responses["Problem429"]["content"]
    for method, path in TRANSFER_ANSWERS | {("get", "/v1/workspaces"), ("post", "/v1/workspaces")}:
        assert "key" in DOCUMENT["paths"][path][method]["description"].lower(), (method, path)


# What a generated client makes of the document (issue 18): names, groups, types.
OPERATIONS = [
    (method, path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]
VERBS = {
    "accept", "assign", "authorize", "cancel", "change", "configure", "create", "decline",
    "delete", "export", "get", "list", "preview", "reactivate", "remove", "request",
    "resend", "revoke", "set", "sign", "suspend", "test", "unassign", "update", "verify",
}  # fmt: skip


def test_operation_ids_are_unique_camel_case_verbs():
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", operation_id), operation_id
        assert re.match(r"[a-z]+", operation_id).group(0) in VERBS, operation_id


def test_each_operation_has_one_declared_tag_a_summary_and_a_description():
    tags = {tag["name"]: tag["description"] for tag in DOCUMENT["tags"]}
    assert all(tags.values())
    used = set()
    for method, path, operation in OPERATIONS:
        assert len(operation["tags"]) == 1, (method, path)
        assert operation["tags"][0] in tags, (method, path)
        assert operation["summary"].strip(), (method, path)
        assert operation["description"].strip(), (method, path)
        used.add(operation["tags"][0])
    assert used == set(tags)


def test_an_operation_the_catalogue_does_not_name_stops_the_build():
    """A new route without an id would get Powertools' generated one: refused."""
    original = openapi.OPERATIONS.pop(("post", "/v1/workspaces"))
    try:
        with pytest.raises(openapi.MergeError, match="POST /v1/workspaces has no entry"):
            openapi.build()
    finally:
        openapi.OPERATIONS[("post", "/v1/workspaces")] = original


def _properties(node, path=()):
    """(name, schema, where) of every property of every schema, however nested."""
    if isinstance(node, dict):
        for name, schema in node.get("properties", {}).items():
            yield name, schema, path
        for key, value in node.items():
            yield from _properties(value, (*path, key))
    elif isinstance(node, list):
        for item in node:
            yield from _properties(item, path)


def _schemas_of(schema):
    return schema.get("anyOf", [schema])


def test_every_timestamp_is_a_date_time():
    stamps = [(n, s, w) for n, s, w in _properties(DOCUMENT) if n.endswith("At") or n == "at"]
    assert len(stamps) >= 20
    for name, schema, where in stamps:
        formats = {part.get("format") for part in _schemas_of(schema) if part.get("type") != "null"}
        assert formats == {"date-time"}, (where, name, schema)


def test_roles_and_statuses_are_enumerated():
    """Each enum is one named schema (one class in a generated client), referred to
    wherever a role or a status is written or filtered on."""
    schemas = DOCUMENT["components"]["schemas"]
    builtin = {"$ref": "#/components/schemas/BuiltInRole"}
    for model in ("MemberOut", "InvitationOut", "ApiKeyOut", "WorkspaceOut", "ChangeRoleRequest"):
        assert builtin in _schemas_of(schemas[model]["properties"]["role"]), model
    assert schemas["BuiltInRole"]["enum"] == list(BUILTIN_ROLES)
    assert schemas["MemberStatus"]["enum"] == ["ACTIVE", "SUSPENDED", "DELETED"]
    assert schemas["InvitationStatus"]["enum"] == [
        "pending", "accepted", "revoked", "expired", "declined",
    ]  # fmt: skip
    for model, path, name in [
        ("MemberOut", "/v1/workspaces/{workspaceId}/members", "MemberStatus"),
        ("InvitationOut", "/v1/workspaces/{workspaceId}/invitations", "InvitationStatus"),
    ]:
        named = {"$ref": f"#/components/schemas/{name}"}
        assert schemas[model]["properties"]["status"] == named
        (status,) = [
            p for p in DOCUMENT["paths"][path]["get"]["parameters"] if p["name"] == "status"
        ]
        assert named in _schemas_of(status["schema"])
    export = DOCUMENT["paths"]["/v1/workspaces/{workspaceId}/audit-log/export"]["get"]
    (format_,) = [p for p in export["parameters"] if p["name"] == "format"]
    assert format_["schema"]["enum"] == ["jsonl", "csv"]


def test_waits_and_caching_are_described_as_headers():
    responses = DOCUMENT["components"]["responses"]
    for name in ("Problem429", "Problem429KeyRate", "Problem503"):
        assert responses[name]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    for path, method, status in [
        ("/v1/workspaces/{workspaceId}/api-keys", "post", "201"),
        ("/v1/invitations/preview", "get", "200"),
    ]:
        headers = DOCUMENT["paths"][path][method]["responses"][status]["headers"]
        assert headers["Cache-Control"]["schema"]["enum"] == ["no-store"]


def test_the_creates_that_honour_an_idempotency_key_declare_it():
    declared = {
        operation["operationId"]
        for _, _, operation in OPERATIONS
        if any(p["name"] == "Idempotency-Key" and p["in"] == "header"
               for p in operation.get("parameters", []))
    }  # fmt: skip
    assert declared == {
        "createWorkspace", "createClient", "createMember", "createInvitation", "createApiKey",
    }  # fmt: skip


def test_both_security_schemes_are_declared():
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == schemes["bearerAuth"] | {"type": "http", "scheme": "bearer"}
    assert schemes["apiKeyBearer"]["scheme"] == "bearer"
    assert schemes["apiKeyHeader"] == schemes["apiKeyHeader"] | {
        "type": "apiKey", "in": "header", "name": "X-Api-Key",
    }  # fmt: skip


def test_each_request_body_shows_an_example_its_model_accepts(built):
    """The examples are real requests: each passes the model the route validates with."""
    models = _request_models()
    bodies = [
        media
        for _, _, operation in OPERATIONS
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]
    assert len(bodies) >= 19
    for media in bodies:
        name = media["schema"]["$ref"].rpartition("/")[2]
        assert media["example"] == DOCUMENT["components"]["schemas"][name]["examples"][0]
        models[name].model_validate(media["example"])


def _request_models() -> dict[str, type]:
    found, pending = {}, [RequestModel]
    while pending:
        model = pending.pop()
        found[model.__name__] = model
        pending.extend(model.__subclasses__())
    return found
