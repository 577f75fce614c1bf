"""ops/postgres/init-databases.sh, run as the postgres image runs it on the first start: one role and one
database per process, each role confined to its own database, passwords taken literally from the environment."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from sanquan_kernel import testing as kt
from tests.ops.conftest import ROOT, tool

SCRIPT = ROOT / "ops/postgres/init-databases.sh"


@pytest.fixture()
def admin() -> Iterator[dict[str, str]]:
    if not kt.postgres_available() or tool("psql") is None:
        if kt.postgres_required():
            pytest.fail("PostgreSQL and psql are required (CI)")
        pytest.skip("PostgreSQL or psql not available")
    u = make_url(kt.postgres_admin_url())
    names = [f"opsinit_{n}_{os.getpid()}" for n in ("gw", "tr")]
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": u.host or "127.0.0.1",
            "PGPORT": str(u.port or 5432),
            "POSTGRES_USER": u.username or "postgres",
            "SANQUAN_DATABASES": " ".join(names),
        }
    )
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    env.update({f"{n.upper()}_DB_PASSWORD": f"pw'\"{n} $x" for n in names})
    yield env
    with psycopg.connect(
        make_url(kt.postgres_admin_url()).set(drivername="postgresql").render_as_string(False), autocommit=True
    ) as conn:
        for n in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{n}"')


def connect(env: dict[str, str], user: str, database: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host=env["PGHOST"], port=env["PGPORT"], user=user, dbname=database, password=env[f"{user.upper()}_DB_PASSWORD"]
    )


def test_each_process_gets_its_own_role_and_database_and_nothing_else(admin: dict[str, str]) -> None:
    env = admin
    result = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    gw, tr = env["SANQUAN_DATABASES"].split()
    with connect(env, gw, gw) as conn:
        conn.execute("CREATE TABLE t (x int)")  # the owner may create its schema
        assert conn.execute("SELECT current_user").fetchone() == (gw,)
    with pytest.raises(psycopg.OperationalError, match="CONNECT"):
        connect(env, gw, tr)  # ... but cannot even connect to another process's database


def test_the_init_script_stops_when_a_password_is_missing(admin: dict[str, str]) -> None:
    env = dict(admin)
    del env[f"{env['SANQUAN_DATABASES'].split()[1].upper()}_DB_PASSWORD"]
    result = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "_DB_PASSWORD is not set" in result.stderr
