"""One OpenAPI 3.1 document for the whole API, merged from the HTTP functions' resolvers.

Each function describes its own routes (Powertools, validation on); this merges them,
names each operation and tags it by resource (tools/openapi_operations.py: what a
generated client calls its functions), adds the bearer-token security every route needs
(but the template's public routes, which have no authorizer), with an API key as the
alternative on the workspace's routes (their 429 names the key's rate; the other routes'
403 names the refusal of a key), and keeps only the schemas the document refers to. `make openapi`
writes docs/openapi.json; `make test` fails when the committed document and the code
disagree (tests/unit/test_openapi_document.py), and the local runtime serves the same
document at /openapi.json.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

from local_runtime.lambdas import load_module
from local_runtime.template import ROOT, Template
from teamspace.api.models.fields import NAMED_SCHEMAS
from tools.openapi_operations import OPERATIONS, TAGS, takes_keys

DOCUMENT = ROOT / "docs" / "openapi.json"
TITLE = "Teamspace"
VERSION = "1.0.0"
DESCRIPTION = (
    "Workspaces, members, roles and permissions, invitations, ownership transfer, API "
    "keys and a tamper-evident audit log. Every error is an RFC 9457 problem "
    "(application/problem+json) with a stable `code`. The contract: API.md."
)
METHODS = ("get", "put", "post", "delete", "patch")
CONTACT = {"name": "Teamspace", "url": "https://teamspace.dev"}
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A user's token from the identity provider (locally: /_local/tokens "
        "or /_local/sign-in).",
    },
    # An API key travels in either header (docs/api-keys.md); which operations take one
    # is each operation's `security`.
    "apiKeyBearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "tsk_<stage>_<body><check>",
        "description": "A workspace's API key as `Authorization: Bearer tsk_...`.",
    },
    "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "A workspace's API key as `X-Api-Key: tsk_...`.",
    },
}


# A user's token, or a key of the workspace in either header: alternatives.
USER_OR_KEY: list[dict[str, list[str]]] = [
    {"bearerAuth": []},
    {"apiKeyBearer": []},
    {"apiKeyHeader": []},
]
# What the problems shared by every route (teamspace.api.openapi) add where keys matter.
KEY_PROBLEMS = {
    "403": (
        "Problem403KeyNotAllowed",
        "API keys act inside their workspace only: a key is refused here "
        "(API_KEY_NOT_ALLOWED); or a rule refuses the signed-in caller",
    ),
    "429": (
        "Problem429KeyRate",
        "A limit was hit: for an API key, its rate per minute (RATE_LIMITED); "
        "Retry-After says when to try again",
    ),
}


class MergeError(Exception):
    """Two functions describe the same thing differently."""


def build(template: Template | None = None) -> dict[str, Any]:
    """The document, from the template's HTTP functions as they are in the code."""
    os.environ.setdefault("TABLE_NAME", "teamspace-openapi")
    template = template or Template()
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = dict(NAMED_SCHEMAS)
    http_functions = {route.function for route in template.http_routes()}
    public = {
        (route.path, route.method.lower()) for route in template.http_routes() if route.public
    }
    for logical_id, spec in sorted(template.functions().items()):
        if logical_id not in http_functions:
            continue
        app = load_module(spec).app
        part = json.loads(
            app.get_openapi_json_schema(title=TITLE, version=VERSION, openapi_version="3.1.0")
        )
        for path, operations in part["paths"].items():
            for method, operation in operations.items():
                if method in paths.get(path, {}):
                    raise MergeError(f"{method.upper()} {path} is described twice")
                _name(operation, method, path)
                if (path, method) in public:
                    operation["security"] = []  # no bearer token: anyone may call it
                elif takes_keys(method, path):
                    operation["security"] = USER_OR_KEY
                _tidy(operation)
                paths.setdefault(path, {})[method] = operation
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                raise MergeError(f"schema {name} differs between functions")
            schemas[name] = schema
    unnamed = set(OPERATIONS) - {(m, p) for p, ops in paths.items() for m in ops}
    if unnamed:
        raise MergeError(f"tools/openapi_operations.py names routes that do not exist: {unnamed}")
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": DESCRIPTION,
            "contact": CONTACT,
        },
        "servers": [{"url": "http://127.0.0.1:3000", "description": "make run"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": {path: paths[path] for path in sorted(paths)},
        "components": {"securitySchemes": SECURITY_SCHEMES},
    }
    _refer_to_named(document["paths"])
    for name in set(schemas) - set(NAMED_SCHEMAS):
        schemas[name] = _refer_to_named(schemas[name])
    document["components"]["responses"] = _shared_problems(document["paths"])
    _key_problems(document, public)
    document["components"]["schemas"] = _referenced(schemas, document)
    _show_examples(document)
    return document


def _refer_to_named(node: Any) -> Any:
    """Each enum of NAMED_SCHEMAS (written inline by the models and parameters), wherever
    it occurs, becomes a reference to its one named schema."""
    if isinstance(node, list):
        return [_refer_to_named(item) for item in node]
    if not isinstance(node, dict):
        return node
    for name, named in NAMED_SCHEMAS.items():
        if node.get("type") == "string" and node.get("enum") == named["enum"]:
            return {"$ref": f"#/components/schemas/{name}"}
    for key, value in node.items():
        node[key] = _refer_to_named(value)
    return node


def _show_examples(document: dict[str, Any]) -> None:
    """Each request body shows its schema's example (the request models declare one),
    where documentation tools and generated clients look for it."""
    schemas = document["components"]["schemas"]
    for operations in document["paths"].values():
        for operation in operations.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                name = media["schema"].get("$ref", "").rpartition("/")[2]
                examples = schemas.get(name, {}).get("examples")
                if examples:
                    media["example"] = examples[0]


def _name(operation: dict[str, Any], method: str, path: str) -> None:
    """The operation's id, tag, summary and description (tools/openapi_operations.py)."""
    described = OPERATIONS.get((method, path))
    if described is None:
        raise MergeError(
            f"{method.upper()} {path} has no entry in tools/openapi_operations.py "
            "(an operationId, a tag, a summary and a description)"
        )
    operation["operationId"] = described.operation_id
    operation["tags"] = [described.tag]
    operation["summary"] = described.summary
    operation["description"] = described.description


def _tidy(operation: dict[str, Any]) -> None:
    """Responses in status order; a 204 has no body, so it describes none. Header
    parameters keep the case they are written in (Powertools lower-cases them)."""
    for parameter in operation.get("parameters", []):
        title = parameter["schema"].get("title", "")
        if parameter["in"] == "header" and title.lower() == parameter["name"]:
            parameter["name"] = title
    responses = operation["responses"]
    responses.get("204", {}).pop("content", None)
    operation["responses"] = {status: responses[status] for status in sorted(responses)}


def _shared_problems(paths: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every route declares the same problem responses (teamspace.api.openapi): say
    each once, under components, and refer to it."""
    shared: dict[str, Any] = {}
    for operations in paths.values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if "application/problem+json" not in response.get("content", {}):
                    continue
                name = f"Problem{status}"
                if shared.setdefault(name, response) != response:
                    raise MergeError(f"{status} is described differently by two routes")
                operation["responses"][status] = {"$ref": f"#/components/responses/{name}"}
    return {name: shared[name] for name in sorted(shared)}


def _key_problems(document: dict[str, Any], public: set[tuple[str, str]]) -> None:
    """The 429 of an operation that takes keys says the key's rate; the 403 of one that
    refuses them says so (API_KEY_NOT_ALLOWED). Each is the shared problem, described."""
    responses = document["components"]["responses"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (path, method) in public:
                continue
            status = "429" if takes_keys(method, path) else "403"
            name, description = KEY_PROBLEMS[status]
            responses[name] = responses[f"Problem{status}"] | {"description": description}
            operation["responses"][status] = {"$ref": f"#/components/responses/{name}"}
    document["components"]["responses"] = {name: responses[name] for name in sorted(responses)}


def _referenced(schemas: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The schemas the document refers to, directly or through other schemas (Powertools
    adds its own validation-error schemas, which Teamspace's problems replace)."""
    kept: dict[str, Any] = {}
    pending = set(_refs(document))
    while pending:
        name = pending.pop()
        if name in kept:
            continue
        kept[name] = schemas[name]
        pending |= set(_refs(schemas[name])) - set(kept)
    return {name: kept[name] for name in sorted(kept)}


def _refs(node: Any) -> list[str]:
    text = json.dumps(node)
    return re.findall(r'"#/components/schemas/([^"]+)"', text)


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def main() -> int:
    DOCUMENT.write_text(render(build()))
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
