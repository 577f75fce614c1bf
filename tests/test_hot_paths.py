"""kernel/HOT_PATHS.md stays true: database branches live only in repositories (and the kernel), and every
function the page names exists."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "kernel" / "HOT_PATHS.md"


def database_branches(path: Path) -> list[int]:
    """Lines of ``path`` that ask which database they run on (``is_sqlite(...)``, ``….dialect.name``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "is_sqlite":
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "name":
            inner = node.value
            if isinstance(inner, ast.Attribute) and inner.attr == "dialect":
                lines.append(node.lineno)
    return lines


def test_database_branches_live_only_in_repositories() -> None:
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in ROOT.glob("services/*/src/**/*.py")
        if path.name != "repository.py" and "migrations" not in path.parts
        for line in database_branches(path)
    }
    assert not found, f"ask which database only in a repository.py (kernel/HOT_PATHS.md): {sorted(found)}"


def test_the_branch_finder_sees_both_forms(tmp_path: Path) -> None:
    sample = tmp_path / "service.py"
    sample.write_text("if is_sqlite(s):\n    pass\nif s.get_bind().dialect.name == 'sqlite':\n    pass\n")
    assert database_branches(sample) == [1, 3]


KERNEL_REF = re.compile(r"`(db|bulk|migrate|routing|middleware|serve|editing|responses|testing|deps)\.(\w+)")
REPOSITORY_REF = re.compile(r"`(?:training/records/|records\.)?repository\.(\w+)")


@pytest.mark.parametrize(
    ("module", "name"),
    sorted({(f"sanquan_kernel.{m}", n) for m, n in KERNEL_REF.findall(PAGE.read_text()) if n != "py"})
    + sorted({("training.records.repository", n) for n in REPOSITORY_REF.findall(PAGE.read_text()) if n != "py"}),
)
def test_every_function_the_page_names_exists(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name), f"kernel/HOT_PATHS.md names {module}.{name}"


def test_the_readme_sends_newcomers_to_the_page() -> None:
    assert "kernel/HOT_PATHS.md" in (ROOT / "README.md").read_text()
