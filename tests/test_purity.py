"""The core stays pure: no workbook library is imported outside the adapters.

This is what lets both surfaces (file and Excel) share one tested core; the test
reads each module's imports from its source, so a lazy import inside a function
counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "dunning_core"
FORBIDDEN = {"openpyxl", "xlwings", "python_calamine", "fastexcel", "xlrd"}
ADAPTERS = {"sample_book.py"}  # writes the team's sample book, not the tool's output


def _modules() -> list[Path]:
    return [
        p
        for p in sorted(CORE.rglob("*.py"))
        if "workbook" not in p.relative_to(CORE).parts and p.name not in ADAPTERS
    ]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_no_workbook_library(path: Path) -> None:
    assert not (_imports(path) & FORBIDDEN)


def test_there_are_core_modules_to_check() -> None:
    assert len(_modules()) >= 10
