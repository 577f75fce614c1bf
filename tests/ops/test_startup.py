"""The containers' start-up sequence, natively against PostgreSQL: wait for the database (the compose
healthcheck's ``pg_isready``), then each image's own CMD (migrate, bootstrap, serve), readiness by the image's own
HEALTHCHECK command — with TWO replicas of the gateway and TWO of training started at the same moment against the
same fresh databases, as ``docker compose up --scale gateway=2 --scale training=2`` does.

A DDL event trigger records every CREATE in each database, so "migrated exactly once" is checked, not assumed."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from sanquan_gateway.auth.passwords import password_problems
from sanquan_kernel import testing as kt
from sanquan_kernel.health import alembic_heads
from tests.harness import free_port
from tests.ops.conftest import PYTHON_SERVICES, ROOT, SERVICE_DOCKERFILE, tool
from tests.ops.test_images import build_args, env_of, expanded

DDL_LOG = """
CREATE TABLE ops_ddl_log (id serial PRIMARY KEY, tag text, object text, pid int);
CREATE FUNCTION ops_log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    INSERT INTO ops_ddl_log (tag, object, pid) VALUES (r.command_tag, r.object_identity, pg_backend_pid());
  END LOOP;
END $$;
CREATE EVENT TRIGGER ops_ddl ON ddl_command_end EXECUTE FUNCTION ops_log_ddl();
"""
ALEMBIC = {"gateway": ROOT / "gateway/alembic.ini", "training": ROOT / "services/training/alembic.ini"}


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def image_command(service: str, kind: str) -> list[str]:
    """The final stage's CMD or HEALTHCHECK of the service's image, with this interpreter for ``python`` (run it with
    ``image_env(service)``)."""
    final = expanded(SERVICE_DOCKERFILE.read_text(), build_args(service))[-1]
    arg = next(a for w, a in final if w == kind)
    if kind == "HEALTHCHECK":
        arg = arg[arg.index("CMD ") + 4 :]
    cmd = json.loads(arg) if arg.startswith("[") else shlex.split(arg)
    assert cmd[0] == "python"
    return [sys.executable, *cmd[1:]]


def image_env(service: str, port: int | None = None) -> dict[str, str]:
    """The image's own ENV that names the service and its port (``SANQUAN_SERVICE``, ``SANQUAN_PORT``)."""
    env = env_of(expanded(SERVICE_DOCKERFILE.read_text(), build_args(service))[-1])
    env = {k: v for k, v in env.items() if k.startswith("SANQUAN_")}
    return env | ({"SANQUAN_PORT": str(port)} if port else {})


def wait_for_database(url: str, timeout: float = 30) -> None:
    """What ``depends_on: condition: service_healthy`` waits for: the healthcheck's pg_isready over TCP."""
    u = make_url(url)
    exe = tool("pg_isready")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if exe:
            cmd = [exe, "-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
            if subprocess.run(cmd, capture_output=True, check=False).returncode == 0:
                return
        else:
            try:
                psycopg.connect(libpq(url), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                pass
        time.sleep(0.5)
    raise AssertionError("the database never became ready")


@dataclass
class Replica:
    service: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    healthy_before_start: bool = False
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthcheck(self) -> int:
        env = os.environ | image_env(self.service, self.port)
        cmd = image_command(self.service, "HEALTHCHECK")
        return subprocess.run(cmd, capture_output=True, check=False, timeout=10, env=env).returncode


@pytest.fixture()
def fresh_databases() -> Iterator[dict[str, str]]:
    if not kt.postgres_available():
        if kt.postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    names = {s: f"ops_up_{s}_{os.getpid()}" for s in ALEMBIC}
    urls = {s: kt.create_postgres_database(n) for s, n in names.items()}
    for url in urls.values():
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            conn.execute(DDL_LOG)
    try:
        yield urls
    finally:
        for name in names.values():
            kt.drop_postgres_database(name)


def start(service: str, port: int, env: dict[str, str], data: Path, n: int) -> Replica:
    log = data / f"{service}-{n}.log"
    # The image's CMD and its ENV; the port (SANQUAN_PORT) a free one, as compose's replicas each have their own.
    cmd = [*image_command(service, "CMD"), "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env | image_env(service, port),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Replica(service, port, proc, log)


def wait_healthy(replicas: list[Replica], timeout: float = 120) -> None:
    deadline = time.time() + timeout
    pending = list(replicas)
    while pending:
        for r in list(pending):
            if r.proc.poll() is not None:
                raise AssertionError(f"{r.service}:{r.port} exited {r.proc.returncode}:\n{r.log.read_text()[-3000:]}")
            if r.healthcheck() == 0:
                pending.remove(r)
        if time.time() > deadline:
            raise AssertionError("not healthy: " + ", ".join(f"{r.service}:{r.port}" for r in pending))
        time.sleep(0.3)


def stop(replicas: list[Replica]) -> None:
    for r in replicas:
        if r.proc.poll() is None:
            os.killpg(r.proc.pid, signal.SIGTERM)
    for r in replicas:
        try:
            r.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(r.proc.pid, signal.SIGKILL)
            r.proc.wait(5)


def ddl_log(url: str) -> list[tuple[str, str, int]]:
    with psycopg.connect(libpq(url)) as conn:
        return [tuple(row) for row in conn.execute("SELECT tag, object, pid FROM ops_ddl_log ORDER BY id")]


def scalar(url: str, sql: str) -> object:
    with psycopg.connect(libpq(url)) as conn:
        row = conn.execute(sql).fetchone()
        return row[0] if row else None


def strong_random_password() -> str:
    """A fresh password the gateway accepts: random hex can hold a run like 1234a or aaaa, which the password
    policy refuses (CI once drew one), so draw until the policy says nothing."""
    while True:
        password = "Ops-" + secrets.token_hex(8) + "9"
        if password_problems(password, "admin") is None:
            return password


def test_two_replicas_each_of_gateway_and_training_start_at_once_and_migrate_exactly_once(
    fresh_databases: dict[str, str],
) -> None:
    urls = fresh_databases
    data = Path(tempfile.mkdtemp(prefix="sanquan-ops-up-"))
    gw_ports = [free_port(), free_port()]
    tr_ports = [free_port(), free_port()]
    password = strong_random_password()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.update(
        {
            # What docker-compose.yml gives the containers (x-common-env, the gateway's and training's own).
            "ENVIRONMENT": "production",
            "LOG_LEVEL": "WARNING",
            "DATA_DIR": str(data),  # the gateway-data volume, shared by both gateway replicas
            "GATEWAY_INTERNAL_URL": f"http://127.0.0.1:{gw_ports[0]}",
            "GATEWAY_DATABASE_URL": urls["gateway"],
            "TRAINING_DATABASE_URL": urls["training"],
            "GATEWAY_TRAINING_URL": f"http://127.0.0.1:{tr_ports[0]}",
            "GATEWAY_PLANS_URL": f"http://127.0.0.1:{free_port()}",
            "GATEWAY_EVALUATION_URL": f"http://127.0.0.1:{free_port()}",
            "GATEWAY_TRUST_PROXY_HEADERS": "true",
            "ADMIN_USERNAME": "admin",
            "ADMIN_PASSWORD": password,
            "SPA_DIR": str(data / "no-spa"),
            **{
                f"{s.upper()}_SERVICE_CLIENT_SECRET": secrets.token_urlsafe(24)
                for s in PYTHON_SERVICES
                if s != "gateway"
            },
        }
    )
    replicas: list[Replica] = []
    try:
        for url in urls.values():
            wait_for_database(url)
        # All four at the same moment: compose starts them together once postgres is healthy.
        replicas += [start("gateway", p, env, data, i) for i, p in enumerate(gw_ports)]
        replicas += [start("training", p, env, data, i) for i, p in enumerate(tr_ports)]
        wait_healthy(replicas)

        for service, url in urls.items():
            # The schema is at head, and every object was created exactly once, by one connection.
            versions = scalar(url, "SELECT string_agg(version_num, ',') FROM alembic_version")
            assert set(str(versions).split(",")) == alembic_heads(ALEMBIC[service])
            log = ddl_log(url)
            created = [obj for tag, obj, _ in log if tag == "CREATE TABLE"]
            assert "public.alembic_version" in created and len(created) > 2, service
            assert len(created) == len(set(created)), f"{service}: a table was created twice"
            assert len({pid for _, _, pid in log}) == 1, f"{service}: more than one replica ran migrations"

        # The gateway's bootstrap ran once: one province, one administrator, three service clients.
        assert scalar(urls["gateway"], "SELECT count(*) FROM organisation WHERE level = 'province'") == 1
        assert scalar(urls["gateway"], "SELECT count(*) FROM user_account") == 1
        assert scalar(urls["gateway"], "SELECT count(*) FROM api_client WHERE client_id LIKE 'svc-%'") == 4

        # Both gateways sign with the one key of the shared volume; either's token works at every replica.
        jwks = [httpx.get(f"http://127.0.0.1:{p}/.well-known/jwks.json", timeout=5).json() for p in gw_ports]
        assert jwks[0] == jwks[1] and len(jwks[0]["keys"]) == 1
        assert len(list((data / "keys").glob("*.pem"))) == 1
        for gw in gw_ports:
            r = httpx.post(
                f"http://127.0.0.1:{gw}/api/auth/token",
                data={"grant_type": "password", "username": "admin", "password": password},
                timeout=30,
            )
            assert r.status_code == 200, r.text
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            for tr in tr_ports:
                assert httpx.get(f"http://127.0.0.1:{tr}/api/training/records", headers=headers).status_code == 200
            via_gateway = httpx.get(f"http://127.0.0.1:{gw}/api/training/records", headers=headers, timeout=10)
            assert via_gateway.status_code == 200 and "items" in via_gateway.json()
    finally:
        stop(replicas)
        shutil.rmtree(data, ignore_errors=True)


def test_the_healthcheck_fails_while_nothing_answers() -> None:
    replica = Replica("training", free_port(), subprocess.Popen([sys.executable, "-c", "pass"]), Path("/dev/null"))
    replica.proc.wait()
    assert replica.healthcheck() != 0
