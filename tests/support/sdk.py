"""A Python client generated from docs/openapi.json with openapi-python-client, as a user
of the API would make one (docs/api-keys.md): written into a temporary directory, never
committed, and imported from there."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from tools.openapi import DOCUMENT

PACKAGE = "teamspace_client"
# No post-generation hooks: the client is imported, not read, so it need not be
# formatted, and the run does not depend on a ruff on PATH.
CONFIG = f"package_name_override: {PACKAGE}\npost_hooks: []\n"


def generate(directory: Path) -> Path:
    """The package `teamspace_client`, generated into `directory`."""
    config = directory / "openapi-python-client.yaml"
    config.write_text(CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    arguments = ["generate", "--path", str(DOCUMENT), "--config", str(config)]
    arguments += ["--output-path", str(directory / PACKAGE), "--meta", "none"]
    result = subprocess.run(  # noqa: S603 - this environment's generator, our arguments
        [str(generator), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # A warning is a part of the document the generator could not turn into code.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    return directory / PACKAGE


@contextmanager
def generated_client(directory: Path) -> Iterator[ModuleType]:
    """The generated package, importable while the context lasts, with its `api`
    (every tag's operations), `models` and `types` imported."""
    generate(directory)
    sys.path.insert(0, str(directory))
    try:
        package = importlib.import_module(PACKAGE)
        for tag in (directory / PACKAGE / "api").iterdir():
            if tag.is_dir() and not tag.name.startswith("_"):
                for operation in tag.glob("[a-z]*.py"):
                    importlib.import_module(f"{PACKAGE}.api.{tag.name}.{operation.stem}")
        importlib.import_module(f"{PACKAGE}.models")
        importlib.import_module(f"{PACKAGE}.types")
        yield package
    finally:
        sys.path.remove(str(directory))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
