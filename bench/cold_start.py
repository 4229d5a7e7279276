"""Table 3: cold start. Each function's handler module imported in a fresh interpreter,
as Lambda's runtime imports it at init (the function's directory as the working
directory, the layer's package on the path as /opt/python is, the function's own
environment from template.yaml), next to two baselines measured in the same rounds:
`import boto3` alone and a minimal Powertools handler (bench/baseline). Rounds are
interleaved, so that a slower moment of the machine hits every row alike; each row is
the median of its rounds.

Also the size of each function's built artifact and of the layer, from `sam build`
(.aws-sam/build), unzipped and zipped.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from local_runtime.aws import FAKE_ENVIRONMENT
from local_runtime.template import ROOT, Template

BASELINE = Path(__file__).resolve().parent / "baseline"
BUILD = ROOT / ".aws-sam" / "build"
SNIPPET = (
    "import time\n"
    "started = time.perf_counter()\n"
    "import {module}\n"
    "print(time.perf_counter() - started)\n"
)
TARGET_RATIO = 1.5


@dataclass
class Target:
    name: str
    module: str
    cwd: Path
    environment: dict[str, str]
    seconds: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000


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


def targets(template: Template, only: tuple[str, ...] | None = None) -> list[Target]:
    found = [
        Target("import boto3", "boto3", BASELINE, _environment({})),
        Target("minimal Powertools handler", "minimal_handler", BASELINE, _environment({})),
        Target(
            "minimal Powertools handler, validation on",
            "validated_handler",
            BASELINE,
            _environment({}),
        ),
    ]
    for logical_id, spec in sorted(template.functions().items()):
        if only is not None and logical_id not in only:
            continue
        module = spec.handler.rsplit(".", 1)[0]
        found.append(Target(logical_id, module, spec.code_uri, _environment(spec.environment)))
    return found


def import_once(target: Target) -> float:
    completed = subprocess.run(  # noqa: S603 - our own interpreter, our own snippet
        [sys.executable, "-c", SNIPPET.format(module=target.module)],
        cwd=target.cwd,
        env=target.environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{target.name}: {completed.stderr[-2000:]}")
    return float(completed.stdout.strip().splitlines()[-1])


def measure(
    template: Template,
    rounds: int,
    progress: Callable[[str], None] = lambda _message: None,
    *,
    only: tuple[str, ...] | None = None,
) -> list[Target]:
    found = targets(template, only)
    if rounds > 1:
        for target in found:  # one unmeasured import each: bytecode written, files cached
            import_once(target)
    for round_number in range(rounds):
        for target in found:
            target.seconds.append(import_once(target))
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
