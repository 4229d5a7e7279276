"""docs/openapi.json is what the code describes, and it describes every route the
template serves, each with its success response and the problems it can answer."""

from __future__ import annotations

import json

import pytest

from local_runtime.template import Template
from teamspace.api.openapi import ERRORS
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
        assert responses[str(status)] == {"$ref": f"#/components/responses/Problem{status}"}
    problem = DOCUMENT["components"]["responses"]["Problem404"]["content"]
    assert problem["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_bodies_forbid_fields_they_do_not_name():
    """Mass assignment is refused by the schema too: request bodies are closed."""
    schemas = DOCUMENT["components"]["schemas"]
    requests = [name for name in schemas if name.endswith("Request")]
    assert requests
    for name in requests:
        assert schemas[name].get("additionalProperties") is False, name


def test_every_route_needs_a_bearer_token_but_the_public_ones():
    assert DOCUMENT["security"] == [{"bearerAuth": []}]
    assert DOCUMENT["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert PUBLIC  # which routes are public: test_template_wiring.py
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            expected = [] if (method, path) in PUBLIC else None
            assert operation.get("security") == expected, (method, path)
