"""What a cold start loads, checked in a fresh interpreter (a test process has loaded
everything already). The API key authorizer stands in front of every request the
platform's other services accept with a key, so its cold path is kept light: its
import and its first call load no pydantic and no domain service but its own
(docs/performance.md, table 3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from local_runtime.template import ROOT

SCRIPT = """
import json, sys
from moto import mock_aws
from local_runtime.aws import create_table, use_fake_credentials
from local_runtime.template import Template

template = Template(stage="dev")  # the sample key is a dev key: it is looked up
spec = template.functions()["ApiKeyAuthorizerFunction"]
use_fake_credentials()
import os
os.environ.update(spec.environment)
with mock_aws():
    create_table(template)
    before = set(sys.modules)
    import app

    class Context:
        function_name = "ApiKeyAuthorizerFunction"
        function_version = "$LATEST"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:x"
        aws_request_id = "cold-path"

    with open(sys.argv[1]) as file:
        answer = app.lambda_handler(json.load(file), Context())
loaded = sorted(set(sys.modules) - before)
from teamspace import wiring
read = "dynamodb_client" in wiring.built()
print(json.dumps({"answer": answer, "loaded": loaded, "read": read}))
"""


def _cold_call() -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)]),
    }
    completed = subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, "-c", SCRIPT, str(ROOT / "events/api_key_authorizer/bearer.json")],
        cwd=ROOT / "functions/api_key_authorizer",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_the_key_authorizer_cold_path_loads_no_pydantic_and_no_other_service():
    cold = _cold_call()
    assert cold["answer"] == {"isAuthorized": False}  # a well-formed key, unknown: refused
    assert cold["read"]  # after a look-up in the table
    loaded = cold["loaded"]
    assert "teamspace.domain.key_authorizer" in loaded
    heavy = ("pydantic", "pydantic_core", "email_validator", "dns")
    assert [m for m in loaded if m.split(".")[0] in heavy] == []
    # An allow-list: whatever the domain grows, the authorizer loads its own service and
    # the key format, and no other (nor the event contract, which is pydantic).
    services = {m for m in loaded if m.startswith("teamspace.domain.")}
    assert services <= {"teamspace.domain.key_authorizer", "teamspace.domain.key_format"}, services
    assert "teamspace.core.events" not in loaded
    assert "teamspace.core.event_data" not in loaded
