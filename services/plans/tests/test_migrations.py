"""The migration tree goes up, down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from plans.main import ALEMBIC_INI
from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine
from sanquan_kernel.migrate import migrate


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_downgrade_upgrade(backend: str, tmp_path) -> None:
    url = kt.test_database_url(backend, "test_plans_migrations", tmp_path)
    try:
        migrate(ALEMBIC_INI, url)
        migrate(ALEMBIC_INI, url, "base", downgrade=True)
        engine = make_engine(url, pool_size=1)
        assert "plan" not in inspect(engine).get_table_names()
        engine.dispose()
        migrate(ALEMBIC_INI, url)
        engine = make_engine(url, pool_size=1)
        assert {"plan", "task", "milestone", "responsibility_letter", "work_study_posts"} <= set(
            inspect(engine).get_table_names()
        )
        engine.dispose()
    finally:
        if backend == "postgresql":
            kt.drop_postgres_database(str(make_url(url).database))
