"""``make backup`` / ``make restore`` (ops/backup.py): back up every database and the signing key, wipe
everything, restore, and find every record again — on SQLite (the embedded run) and on PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import make_url

from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate
from tests.ops.conftest import ROOT

PROCESSES = {
    "gateway": ROOT / "gateway/alembic.ini",
    "plans": ROOT / "services/plans/alembic.ini",
    "training": ROOT / "services/training/alembic.ini",
    "evaluation": ROOT / "services/evaluation/alembic.ini",
}
PASSWORD = "Backup-2026-ok"


def engine_of(url: str) -> Any:
    from sanquan_kernel.db import make_engine

    return make_engine(url, pool_size=1)


def snapshot(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as sorted tuples of strings."""
    engine = engine_of(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {
                name: sorted(tuple(str(v) for v in row) for row in conn.execute(select(table)))
                for name, table in sorted(meta.tables.items())
                if name != "ops_ddl_log"
            }
    finally:
        engine.dispose()


def populate(env: dict[str, str], urls: dict[str, str]) -> None:
    """Migrated databases; the gateway's province, administrator, service clients and signing key; and an
    audit trail in every service with JSON and Chinese text."""
    from sanquan_gateway.auth import passwords
    from sanquan_gateway.auth.keys import load_signing_key
    from sanquan_gateway.bootstrap import bootstrap
    from sanquan_gateway.config import Settings
    from sanquan_gateway.models import load_all_models
    from sanquan_kernel.db import make_sessionmaker

    for name, ini in PROCESSES.items():
        migrate(ini, urls[name])
    passwords.configure_hasher(time_cost=1, memory_cost=1024)  # the tests check backups, not hashing cost
    load_all_models()
    engine = engine_of(urls["gateway"])
    with data_dir_set(env["DATA_DIR"]):
        bootstrap(make_sessionmaker(engine), "admin", PASSWORD)
        load_signing_key(Settings(database_url=urls["gateway"]))
    engine.dispose()
    for service in ("plans", "training", "evaluation"):
        engine = engine_of(urls[service])
        with engine.begin() as conn:
            for i in range(50):
                conn.execute(
                    text(
                        "INSERT INTO audit_entry (at, actor, actor_role, action, entity, entity_id, university_id,"
                        " before, after, request_id) VALUES (:at, :actor, 'university_admin', :action, 'thing',"
                        " :eid, 10, NULL, :after, :rid)"
                    ),
                    {
                        "at": f"2026-11-26 01:{i % 60:02d}:00+00:00",
                        "actor": str(100 + i),
                        "action": f"{service}.create",
                        "eid": str(i),
                        "after": json.dumps({"name": f"后勤处 {i}", "hours": i * 1.5}, ensure_ascii=False),
                        "rid": f"req-{i}",
                    },
                )
        engine.dispose()


def run_ops(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "ops/backup.py", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(params=["sqlite", "postgresql"])
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    data = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.update({"DATA_DIR": str(data), "ADMIN_USERNAME": "admin", "ADMIN_PASSWORD": PASSWORD, "LOG_LEVEL": "WARNING"})
    databases = []
    if request.param == "sqlite":
        urls = {name: f"sqlite:///{data / (name + '.db')}" for name in PROCESSES}
    else:
        if not kt.postgres_available():
            if kt.postgres_required():
                pytest.fail("PostgreSQL is required (CI) but not reachable")
            pytest.skip("PostgreSQL not reachable")
        databases = [f"ops_bk_{name}_{os.getpid()}" for name in PROCESSES]
        urls = {name: kt.create_postgres_database(db) for name, db in zip(PROCESSES, databases, strict=True)}
        env.update({f"{name.upper()}_DATABASE_URL": url for name, url in urls.items()})
    try:
        yield env, urls
    finally:
        for db in databases:
            kt.drop_postgres_database(db)


def wipe(urls: dict[str, str], data: Path) -> None:
    for url in urls.values():
        u = make_url(url)
        if u.get_backend_name() == "sqlite":
            Path(str(u.database)).unlink()
        else:
            kt.create_postgres_database(str(u.database))  # dropped and created empty: a lost server
    shutil.rmtree(data / "keys")
    shutil.rmtree(data / "secrets", ignore_errors=True)


def test_backup_wipe_restore_finds_every_record_and_the_signing_key(
    platform: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    env, urls = platform
    data = Path(env["DATA_DIR"])
    populate(env, urls)
    before = {name: snapshot(url) for name, url in urls.items()}
    for service in ("plans", "training", "evaluation"):
        assert len(before[service]["audit_entry"]) == 50
    assert len(before["gateway"]["api_client"]) == 4 and len(before["gateway"]["user_account"]) == 1
    key = (data / "keys" / "signing-key.pem").read_bytes()

    folder = Path(run_ops(env, "backup", "--dest", str(tmp_path / "backups")).strip())
    assert folder.parent == tmp_path / "backups" and oct(folder.stat().st_mode & 0o777) == "0o700"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["databases"]) == set(PROCESSES)
    assert "keys" in manifest["data"]

    wipe(urls, data)
    assert not (data / "keys").exists()
    if "postgresql" in next(iter(urls.values())):
        # A table of a migration newer than the backup: the restore must not leave it behind.
        engine = engine_of(urls["training"])
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE from_a_newer_release (id int)"))
        engine.dispose()

    out = run_ops(env, "restore", str(folder))
    assert "pre-restore" in out

    after = {name: snapshot(url) for name, url in urls.items()}
    assert after == before
    assert (data / "keys" / "signing-key.pem").read_bytes() == key
    assert oct((data / "keys" / "signing-key.pem").stat().st_mode & 0o777) == "0o600"
    # The restored database is at head: the next start migrates nothing and the administrator signs in.
    for name, ini in PROCESSES.items():
        migrate(ini, urls[name])
    assert snapshot(urls["gateway"]) == before["gateway"]
    assert_admin_signs_in(env, urls["gateway"])


def assert_admin_signs_in(env: dict[str, str], gateway_url: str) -> None:
    from sanquan_gateway.config import Settings
    from sanquan_gateway.main import create_app

    with data_dir_set(env["DATA_DIR"]):
        app = create_app(Settings(database_url=gateway_url), start_background=False)
        with TestClient(app) as client:
            r = client.post(
                "/api/auth/token", data={"grant_type": "password", "username": "admin", "password": PASSWORD}
            )
            assert r.status_code == 200, r.text


@contextmanager
def data_dir_set(path: str) -> Iterator[None]:
    old = os.environ.get("DATA_DIR")
    os.environ["DATA_DIR"] = path
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("DATA_DIR", None)
        else:
            os.environ["DATA_DIR"] = old


def test_restore_refuses_a_backup_of_another_kind_of_database(tmp_path: Path) -> None:
    folder = tmp_path / "backups" / "20260101T000000Z"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(
        json.dumps({"databases": {"training": {"kind": "postgresql", "file": "training.dump"}}, "data": []})
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env["DATA_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [sys.executable, "ops/backup.py", "restore", str(folder)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode != 0 and "the backup is postgresql" in result.stderr
    assert not (tmp_path / "var" / "training.db").exists()
