"""Loads each function's handler the way Lambda would, and calls it in-process.

Every function's module is `app`, so each is loaded by path under a unique name
(`teamspace_fn_<LogicalId>`): several modules called `app` on sys.path is a trap.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from local_runtime.template import ACCOUNT_ID, FunctionSpec

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The context object the Lambda runtime passes to a handler."""

    function_name: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    remaining_ms: int = 10_000  # what get_remaining_time_in_millis answers

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def load_module(spec: FunctionSpec, instance: str = "") -> ModuleType:
    """The function's handler module, loaded once. `instance` names another execution
    environment of the function: the module loaded again under its own name, with its
    own globals, as a concurrent invocation runs in a Lambda instance of its own."""
    module_name, _ = spec.handler.rsplit(".", 1)
    unique = f"teamspace_fn_{spec.logical_id}" + (f"_{instance}" if instance else "")
    if unique in sys.modules:
        return sys.modules[unique]
    path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
    import_spec = importlib.util.spec_from_file_location(unique, path)
    if import_spec is None or import_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(import_spec)
    sys.modules[unique] = module
    import_spec.loader.exec_module(module)
    return module


def share_environment(specs: list[FunctionSpec]) -> None:
    """Give this one process every function's environment.

    In AWS each function has its own process; here they share one, and the layer reads
    its settings once per process. tests/unit/template checks that each function's own
    template entry declares the variables its code needs, which this sharing would hide.
    """
    for spec in specs:
        os.environ.update(
            {k: v for k, v in spec.environment.items() if k != "POWERTOOLS_SERVICE_NAME"}
        )
    os.environ["POWERTOOLS_SERVICE_NAME"] = "teamspace-local"


class LocalFunction:
    """One function of the template: its environment and its handler, loaded on first call."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self._handler: Handler | None = None

    def handler(self) -> Handler:
        if self._handler is None:
            module = load_module(self.spec)
            self._handler = getattr(module, self.spec.handler.rsplit(".", 1)[1])
        return self._handler

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(
            function_name=self.spec.logical_id,
            aws_request_id=str(uuid.uuid4()),
            log_group_name=f"/aws/lambda/{self.spec.logical_id}",
        )
        return self.handler()(event, context)
