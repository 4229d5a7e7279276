"""The repository's Makefile, run as a person runs it (or dry, with `-n`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def make_output(*arguments: str) -> str:
    """What `make <arguments>` prints on stdout (it must succeed)."""
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed")
    return subprocess.run(  # noqa: S603 - this repository's Makefile
        [make, "--no-print-directory", *arguments],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
