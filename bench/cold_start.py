"""Table 3: cold start. Each function's handler module imported in a fresh interpreter,
as Lambda's runtime imports it at init (the function's directory as the working
directory, the layer's package on the path as /opt/python is, the function's own
environment from template.yaml), next to baselines measured in the same rounds:
`import boto3` alone, pydantic with one model, and a minimal Powertools handler without
and with request validation (bench/baseline). Rounds are interleaved, so that a slower
moment of the machine hits every row alike; each row is the median of its rounds.

Then, in the same interpreter, the first call: the handler invoked once with one of the
function's sample events (events/<function>/, a GET route's where there is one),
against a moto server holding the template's table, bus and queues.
What an import leaves for later (the boto3 client, a service built on first use) is
paid there, so "import + first call" is what a cold request costs our code, and a
module made lazy only to flatter the import column would show in it.

Also the size of each function's built artifact and of the layer, from `sam build`
(.aws-sam/build), unzipped and zipped.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from local_runtime.aws import FAKE_ENVIRONMENT, create_resources, create_table
from local_runtime.template import ROOT, Template

BASELINE = Path(__file__).resolve().parent / "baseline"
BUILD = ROOT / ".aws-sam" / "build"
SAMPLES = ROOT / "events"
MINIMAL = "minimal Powertools handler"
VALIDATED = "minimal Powertools handler, validation on"
SNIPPET = """\
import json, time
started = time.perf_counter()
import {module}
imported = time.perf_counter()
if {event!r}:
    class Context:
        function_name = "cold-start"
        function_version = "$LATEST"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cold-start"
        aws_request_id = "cold-start"
    with open({event!r}) as file:
        event = json.load(file)
    answer = {module}.{handler}(event, Context())
    if isinstance(answer, dict) and answer.get("statusCode", 200) >= 500:
        raise SystemExit(f"the first call failed: {{answer}}")
print(imported - started, time.perf_counter() - imported)
"""
TARGET_RATIO = 1.5


@dataclass
class Target:
    name: str
    module: str
    cwd: Path
    environment: dict[str, str]
    event: Path | None = None  # the first call's event; None: import only
    handler: str = "lambda_handler"
    seconds: list[float] = field(default_factory=list)
    first_call_seconds: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def first_call_ms(self) -> float | None:
        return statistics.median(self.first_call_seconds) * 1000 if self.event else None

    @property
    def cold_request_ms(self) -> float | None:
        """The median of import + first call, round by round."""
        if not self.event:
            return None
        pairs = zip(self.seconds, self.first_call_seconds, strict=True)
        return statistics.median(a + b for a, b in pairs) * 1000


@dataclass
class Size:
    name: str
    files: int
    unzipped: int
    zipped: int
    layer: bool = False


def _environment(extra: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT / "shared"),
        **FAKE_ENVIRONMENT,
        **extra,
    }


def first_call_event(code_uri: Path) -> Path | None:
    """The sample event a function's first call is measured with: a GET route's if the
    function has one (it reads, so every round meets the same table), else the first."""
    samples = sorted((SAMPLES / code_uri.name).glob("*.json"))
    reads = [p for p in samples if json.loads(p.read_text()).get("routeKey", "").startswith("GET ")]
    return (reads or samples or [None])[0]


def targets(template: Template, only: tuple[str, ...] | None = None) -> list[Target]:
    found = [
        Target("import boto3", "boto3", BASELINE, _environment({})),
        Target("pydantic and one model", "pydantic_model", BASELINE, _environment({})),
        Target(MINIMAL, "minimal_handler", BASELINE, _environment({}), BASELINE / "get-x.json"),
        Target(
            VALIDATED,
            "validated_handler",
            BASELINE,
            _environment({}),
            BASELINE / "post-x.json",
        ),
    ]
    for logical_id, spec in sorted(template.functions().items()):
        if only is not None and logical_id not in only:
            continue
        module, handler = spec.handler.rsplit(".", 1)
        found.append(
            Target(
                logical_id,
                module,
                spec.code_uri,
                _environment(spec.environment),
                first_call_event(spec.code_uri),
                handler,
            )
        )
    return found


def import_once(target: Target, endpoint: str) -> tuple[float, float]:
    """One fresh interpreter: (import seconds, first call seconds)."""
    snippet = SNIPPET.format(
        module=target.module,
        handler=target.handler,
        event=str(target.event) if target.event else "",
    )
    completed = subprocess.run(  # noqa: S603 - our own interpreter, our own snippet
        [sys.executable, "-c", snippet],
        cwd=target.cwd,
        env={**target.environment, "AWS_ENDPOINT_URL": endpoint},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{target.name}: {completed.stderr[-2000:]}")
    imported, first_call = completed.stdout.strip().splitlines()[-1].split()
    return float(imported), float(first_call)


@contextlib.contextmanager
def moto_server(template: Template) -> Iterator[str]:
    """A moto server on a free local port with the template's resources; its URL."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - only the bench needs it

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request, else
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        with mock.patch.dict(os.environ, {**FAKE_ENVIRONMENT, "AWS_ENDPOINT_URL": endpoint}):
            create_table(template)
            create_resources(template)
        yield endpoint
    finally:
        server.stop()


def measure(
    template: Template,
    rounds: int,
    progress: Callable[[str], None] = lambda _message: None,
    *,
    only: tuple[str, ...] | None = None,
) -> list[Target]:
    found = targets(template, only)
    with moto_server(template) as endpoint:
        if rounds > 1:
            for target in found:  # one unmeasured run each: bytecode written, files cached
                import_once(target, endpoint)
        for round_number in range(rounds):
            for target in found:
                imported, first_call = import_once(target, endpoint)
                target.seconds.append(imported)
                target.first_call_seconds.append(first_call)
            progress(f"cold start round {round_number + 1}/{rounds}")
    return found


def _size(path: Path, *, layer: bool) -> Size:
    files = [p for p in sorted(path.rglob("*")) if p.is_file()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.write(file, file.relative_to(path))
    unzipped = sum(f.stat().st_size for f in files)
    return Size(path.name, len(files), unzipped, len(buffer.getvalue()), layer)


def artifact_sizes(template: Template) -> list[Size]:
    """Each function's and layer's directory in .aws-sam/build (empty if not built)."""
    if not BUILD.is_dir():
        return []
    kinds = {
        logical_id: resource["Type"] == "AWS::Serverless::LayerVersion"
        for logical_id, resource in template.resources.items()
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    }
    return [
        _size(BUILD / name, layer=layer)
        for name, layer in sorted(kinds.items())
        if (BUILD / name).is_dir()
    ]
