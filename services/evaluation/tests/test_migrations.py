"""The migration tree goes up, down and up again on both databases, and matches the models."""

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from evaluation.main import ALEMBIC_INI
from evaluation.models import Base, load_all_models
from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine
from sanquan_kernel.migrate import migrate


def test_upgrade_downgrade_upgrade(database_url: str, tmp_path) -> None:
    backend = make_url(database_url).get_backend_name()
    url = kt.test_database_url("sqlite" if backend == "sqlite" else "postgresql", "evaluation_migrations", tmp_path)
    try:
        migrate(ALEMBIC_INI, url)
        migrate(ALEMBIC_INI, url, "base", downgrade=True)
        engine = make_engine(url, pool_size=1)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        engine.dispose()
        migrate(ALEMBIC_INI, url)
        load_all_models()
        engine = make_engine(url, pool_size=1)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        engine.dispose()
    finally:
        if backend != "sqlite":
            kt.drop_postgres_database(str(make_url(url).database))
