"""The Makefile as a person meets it: `make help` (the default goal) names every target
with a line on what it does, and `make run` installs only what the runtime needs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.make import make_output

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"
# A rule's target at the start of a line: a name, then one colon (`:=` assigns).
RULE = re.compile(r"^([A-Za-z][A-Za-z0-9_.-]*)\s*:(?!=)", re.MULTILINE)
PHONY = re.compile(r"^\.PHONY:((?:[^\n]*\\\n)*[^\n]*)", re.MULTILINE)


def targets() -> set[str]:
    """Every target a person can name: each rule's and each .PHONY name."""
    text = MAKEFILE.read_text()
    named = set(RULE.findall(text))
    for listed in PHONY.findall(text):
        named |= set(listed.replace("\\\n", " ").split())
    return named


def help_lines() -> dict[str, str]:
    """`make help`'s lines by the target each describes."""
    shown = make_output("-s", "help")
    lines = {}
    for line in shown.splitlines():
        match = re.match(r"make ([\w.-]+)\s+(\S.*)", line)
        assert match, f"not a `make TARGET  what it does` line: {line!r}"
        lines[match.group(1)] = match.group(2)
    return lines


def test_make_help_names_every_target_with_what_it_does():
    shown = help_lines()
    assert targets() - set(shown) == set(), "targets missing from `make help`"
    assert set(shown) - targets() == set(), "`make help` names targets that do not exist"
    assert all(len(what) > 8 for what in shown.values()), shown


def test_help_is_what_make_does_with_no_target():
    assert re.search(r"^\.DEFAULT_GOAL := help$", MAKEFILE.read_text(), re.MULTILINE)


def requirements(name: str) -> set[str]:
    """The packages a requirements file asks for, with the files it includes."""
    names = set()
    for line in (ROOT / name).read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement.startswith("-r "):
            names |= requirements(requirement.removeprefix("-r ").strip())
        elif requirement:
            names.add(re.split(r"[\[=<>~ ]", requirement)[0].lower())
    return names


def test_make_run_installs_the_runtimes_packages_and_no_test_tools():
    run = requirements("requirements-run.txt")
    assert {"moto", "boto3", "pyjwt", "pydantic", "aws-lambda-powertools"} <= run
    assert run & {"pytest", "pytest-xdist", "hypothesis", "ruff", "schemathesis"} == set()
    assert run <= requirements("requirements-dev.txt")
    rule = re.search(r"^run: (.*)$", MAKEFILE.read_text(), re.MULTILINE)
    assert rule is not None
    assert rule.group(1).strip() == "$(VENV)/.installed-run"
