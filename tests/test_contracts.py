"""Contracts that cannot drift silently (issue #15, part 5): the SPA's generated types and the lock files."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import Stack

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_locks", ROOT / "scripts/check_locks.py")
assert _spec is not None and _spec.loader is not None
check_locks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_locks)


def test_the_document_the_spa_types_are_generated_from_is_the_one_the_gateway_serves(
    stack: Stack, tmp_path: Path
) -> None:
    """scripts/gen_openapi.py builds the apps in-process; the running platform must serve the very same document
    (same paths, same merged and renamed components), else the SPA's types describe another API."""
    if stack.backend != "sqlite":
        pytest.skip("the document does not depend on the database")
    out = tmp_path / "openapi.json"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/gen_openapi.py"), "--json", str(out)], check=True, cwd=ROOT, timeout=300
    )
    generated = json.loads(out.read_text())
    with stack.client("admin") as c:
        served = c.get("/api/openapi.json").json()
    assert "x-unavailable-services" not in served
    assert sorted(generated["paths"]) == sorted(served["paths"])
    assert sorted(generated["components"]["schemas"]) == sorted(served["components"]["schemas"])
    differing = [
        f"{path} {method}"
        for path, item in served["paths"].items()
        for method in item
        if item[method] != generated["paths"][path].get(method)
    ]
    differing += [
        name
        for name, schema in served["components"]["schemas"].items()
        if schema != generated["components"]["schemas"][name]
    ]
    assert differing == []
    assert generated == served


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)


LOCKED = "fastapi==0.1.0 \\\n    --hash=sha256:aa\n    # via -r requirements.txt\n"


def test_the_lock_check_accepts_exact_pins_with_hashes_and_the_same_runtime_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_locks, "REPO", tmp_path)
    _write(
        tmp_path,
        {
            "requirements.txt": "fastapi==0.1.0  # a comment\n",
            "requirements.lock": LOCKED,
            "requirements-dev.txt": "-r requirements.txt\nruff==1.0\n",
            "requirements-dev.lock": LOCKED + "ruff==1.0 \\\n    --hash=sha256:bb \\\n    --hash=sha256:cc\n",
        },
    )
    assert check_locks.problems() == []


@pytest.mark.parametrize(
    ("txt", "lock", "dev_lock", "expected"),
    [
        ("fastapi\n", LOCKED, LOCKED, "requirements.txt: fastapi is not pinned exactly"),
        ("fastapi>=0.1\n", LOCKED, LOCKED, "requirements.txt: fastapi>=0.1 is not pinned exactly"),
        ("fastapi==0.1.0\n", "fastapi==0.1.0\n", LOCKED, "requirements.lock: fastapi==0.1.0 has no hash"),
        ("fastapi==0.2.0\n", LOCKED, LOCKED, "requirements.lock has fastapi==0.1.0, requirements.txt asks 0.2.0"),
        ("fastapi==0.1.0\nhttpx==1.0\n", LOCKED, LOCKED, "requirements.lock lacks httpx from requirements.txt"),
        (
            "fastapi==0.1.0\n",
            LOCKED,
            LOCKED.replace("0.1.0", "0.1.1"),
            "requirements-dev.lock has fastapi==0.1.1, requirements.lock 0.1.0",
        ),
    ],
    ids=["unpinned", "range", "no-hash", "stale", "missing", "dev-differs"],
)
def test_the_lock_check_names_each_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, txt: str, lock: str, dev_lock: str, expected: str
) -> None:
    monkeypatch.setattr(check_locks, "REPO", tmp_path)
    _write(
        tmp_path,
        {
            "requirements.txt": txt,
            "requirements.lock": lock,
            "requirements-dev.txt": "-r requirements.txt\n",
            "requirements-dev.lock": dev_lock,
        },
    )
    found = check_locks.problems()
    assert any(p.startswith(expected) for p in found), found


def test_the_repository_locks_pass_the_check() -> None:
    """Adding a requirement without `make lock` (or pinning it loosely) fails here, not on a fresh machine."""
    assert check_locks.problems() == []
    lock = (ROOT / "requirements-dev.lock").read_text()
    assert "honcho" not in lock and "honcho" not in (ROOT / "requirements.txt").read_text()
