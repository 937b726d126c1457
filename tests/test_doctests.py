"""The examples in the core's docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import commsgov

CORE = (
    "commsgov.policy",
    "commsgov.records",
    "commsgov.retention",
    "commsgov.ingest",
    "commsgov.devices",
    "commsgov.asking",
    "commsgov.accounts",
    "commsgov.registers",
)


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(commsgov.__path__, "commsgov."):
        if info.name.startswith(CORE):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_core_imports_no_framework() -> None:
    # The functional core must not import a database, web or CLI framework.
    import ast
    from pathlib import Path

    forbidden = ("sqlalchemy", "fastapi", "typer", "rich", "alembic", "starlette")
    root = Path(commsgov.__file__).parent
    core = (
        "policy",
        "records",
        "retention",
        "ingest",
        "devices",
        "asking",
        "accounts",
        "registers",
    )
    for package in core:
        for file in (root / package).rglob("*.py"):
            tree = ast.parse(file.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                for name in names:
                    assert name.split(".")[0] not in forbidden, f"{file} imports {name}"
