"""Every Alembic tree: upgrade → downgrade → upgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine
from sanquan_kernel.migrate import migrate

ROOT = Path(__file__).resolve().parents[1]
TREES = {
    "gateway": ROOT / "gateway" / "alembic.ini",
    "plans": ROOT / "services/plans/alembic.ini",
    "training": ROOT / "services/training/alembic.ini",
    "evaluation": ROOT / "services/evaluation/alembic.ini",
}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("tree", sorted(TREES))
def test_upgrade_downgrade_upgrade(tree: str, backend: str, tmp_path: Path) -> None:
    url = kt.test_database_url(backend, f"mig_{tree}", tmp_path)
    try:
        migrate(TREES[tree], url)
        engine = make_engine(url)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
        assert "alembic_version" in tables and len(tables) > 1
        migrate(TREES[tree], url, "base", downgrade=True)
        engine = make_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        migrate(TREES[tree], url)
        engine = make_engine(url)
        assert set(inspect(engine).get_table_names()) == tables
        engine.dispose()
    finally:
        if backend == "postgresql":
            kt.drop_postgres_database(str(make_url(url).database))
