"""The permission layer imports nothing but pydantic and the standard library.

ARCHITECTURE.md ("One permission layer") and STYLE.md ("What we take", 1): other
services import this package, so it must not drag boto3, Powertools or the store in.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import teamspace.permissions

PACKAGE = "teamspace.permissions"
PACKAGE_DIR = Path(teamspace.permissions.__file__).parent
ALLOWED_THIRD_PARTY = {"pydantic"}
EXPECTED_MODULES = {
    "__init__.py",
    "catalogue.py",
    "evaluation.py",
    "grants.py",
    "rank_rules.py",
    "roles.py",
}
MODULES = sorted(PACKAGE_DIR.glob("*.py"))


def forbidden_imports(source: str) -> list[str]:
    """Every module `source` imports that is outside the allowed set, anywhere in it."""
    bad: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:  # `from . import x`, `from .roles import x`: this package
                continue
            if node.level > 1:  # climbs out of the package
                bad.append("." * node.level + (node.module or ""))
                continue
            names = [node.module or ""]
        else:
            continue
        bad.extend(name for name in names if not _allowed(name))
    return bad


def _allowed(module: str) -> bool:
    top = module.split(".", maxsplit=1)[0]
    if module == PACKAGE or module.startswith(PACKAGE + "."):
        return True
    if top == "teamspace":  # the rest of the layer (store, services, ...) is off limits
        return False
    return top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY


def test_the_package_has_the_modules_this_test_expects_to_read():
    # A guard against the glob silently finding nothing (wrong directory).
    assert {path.name for path in MODULES} >= EXPECTED_MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_imports_only_pydantic_stdlib_and_itself(path: Path):
    assert forbidden_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("import boto3", ["boto3"], id="third-party"),
        pytest.param(
            "from aws_lambda_powertools import Logger", ["aws_lambda_powertools"], id="powertools"
        ),
        pytest.param(
            "from teamspace.store.table import T", ["teamspace.store.table"], id="rest-of-layer"
        ),
        pytest.param("import teamspace", ["teamspace"], id="layer-root"),
        pytest.param("from .. import store", [".."], id="relative-out"),
        pytest.param("def f():\n    import requests\n", ["requests"], id="nested"),
        pytest.param("from teamspace.permissions.roles import OWNER", [], id="itself"),
        pytest.param("from .roles import OWNER", [], id="relative-in"),
        pytest.param("from __future__ import annotations\nimport enum", [], id="stdlib"),
        pytest.param("from pydantic import BaseModel", [], id="pydantic"),
    ],
)
def test_the_import_check_itself(source: str, expected: list[str]):
    """The checker must be able to fail, or the test above proves nothing."""
    assert forbidden_imports(source) == expected


def _type_checking_imports(source: str) -> dict[str, str]:
    """Name -> module of the imports under `if TYPE_CHECKING:` in `source`."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom):
                    found.update({alias.name: statement.module or "" for alias in statement.names})
    return found


def test_the_lazy_exports_the_imports_for_type_checkers_and_all_agree():
    # The package's names load on first use (PEP 562) from `_HOME`; type checkers read the
    # TYPE_CHECKING imports; `__all__` lists them. One name missing from one of the three
    # would be an AttributeError at run time or a name the checkers do not know.
    package = teamspace.permissions
    declared = _type_checking_imports((PACKAGE_DIR / "__init__.py").read_text(encoding="utf-8"))
    assert declared == package._HOME
    assert sorted(package.__all__) == sorted(package._HOME)
    for name, module in package._HOME.items():
        assert getattr(package, name) is getattr(sys.modules[module], name), name
