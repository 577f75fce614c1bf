"""Alembic helpers shared by every service's migration tree.

``migrate`` upgrades a database to head and is safe when several replicas start at once: on PostgreSQL it holds
an advisory lock for the duration; on SQLite the file lock serialises writers and Alembic's version table decides.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, text

from sanquan_kernel.db import make_engine


def alembic_config(alembic_ini: Path, url: str) -> Config:
    cfg = Config(str(alembic_ini))
    cfg.set_main_option("script_location", str(alembic_ini.parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(alembic_ini: Path, url: str, revision: str = "head", *, downgrade: bool = False) -> None:
    engine = make_engine(url, pool_size=1)
    lock_id = zlib.crc32(str(alembic_ini.parent.name).encode())
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_id})
                conn.commit()
            try:
                cfg = alembic_config(alembic_ini, url)
                cfg.attributes["connection"] = conn
                if downgrade:
                    command.downgrade(cfg, revision)
                else:
                    command.upgrade(cfg, revision)
                conn.commit()
            finally:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_id})
                    conn.commit()
    finally:
        engine.dispose()


def run_env(target_metadata: MetaData, default_url: str) -> None:
    """The body of every tree's ``migrations/env.py``."""
    cfg = context.config
    conn: Connection | None = cfg.attributes.get("connection")
    kw: dict[str, Any] = {"target_metadata": target_metadata, "compare_type": True, "render_as_batch": True}
    if conn is not None:
        context.configure(connection=conn, **kw)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = cfg.get_main_option("sqlalchemy.url") or default_url
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **kw)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, pool_size=1)
    with engine.connect() as connection:
        context.configure(connection=connection, **kw)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
