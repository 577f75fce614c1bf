"""Start the real platform — the gateway and the four services as separate processes on free ports — for
cross-service tests, end-to-end browser tests and benchmarks. SQLite files in a temporary DATA_DIR by default;
PostgreSQL databases (one per service) when asked."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("plans", "training", "evaluation", "hall")
#: The one entrypoint of every process, as in the image (SANQUAN_SERVICE) and ``make run``.
ENTRYPOINT = "sanquan_kernel.cli"

#: Kept-alive test clients drop a connection idle for 2 s: the platform's servers (uvicorn) close one idle for 5 s,
#: and httpx's own expiry is 5 s too, so a request sent on a connection just as the server closes it gets "Server
#: disconnected without sending a response" (seen once in the authorization matrix on PostgreSQL).
KEPT_ALIVE = httpx.Limits(keepalive_expiry=2.0)


def service_command(service: str, *args: str) -> list[str]:
    """``python -m sanquan_kernel.cli --service <service> <args>``."""
    return [sys.executable, "-m", ENTRYPOINT, "--service", service, *args]


def _answered_by(proc: subprocess.Popen[bytes], r: httpx.Response) -> bool:
    """Whether ``/readyz`` was answered by ``proc`` or a process of its session (uvicorn's workers)."""
    try:
        pid = r.json().get("pid")
    except ValueError:
        return False
    if not isinstance(pid, int):
        return False
    try:
        return pid == proc.pid or os.getsid(pid) == proc.pid
    except OSError:
        return False


def share_tls_context() -> None:
    """Build httpx's default TLS context once in this process and hand the same one to every client after.

    Each ``httpx.Client`` (and each ``httpx.get``/``post``/``request``, which make one per call) loads certifi's CA
    bundle into a new context: 25-60 ms of CPU, whatever the URL. The test processes make thousands of them (a
    request per operation in the authorization sweeps, ``Stack.token``, the readiness polls) to plain-HTTP
    addresses on this host. Called by the test suites' conftest and the journeys' runner (not by the benchmarks:
    their clients are as they were). A client asking for anything else (``verify=False``, a context, a
    certificate) gets what it asked for."""
    from httpx._transports import default

    build = default.create_ssl_context
    if getattr(build, "shared", False):
        return
    contexts: dict[bool, ssl.SSLContext] = {}

    def shared(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if verify is not True or cert is not None:
            return build(verify=verify, cert=cert, trust_env=trust_env)
        if trust_env not in contexts:
            contexts[trust_env] = build(verify=True, trust_env=trust_env)
        return contexts[trust_env]

    shared.shared = True  # type: ignore[attr-defined]
    default.create_ssl_context = shared  # type: ignore[assignment]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortTaken(RuntimeError):
    """Another process answered on a port this platform was given (a port found free, then taken by a concurrent
    platform's process before ours bound it)."""


class Stack:
    def __init__(
        self,
        *,
        backend: str = "sqlite",
        demo: bool = False,
        password: str = "Demo@2026",
        extra_env: dict[str, str] | None = None,
        name: str = "stack",
        test_profile: bool = False,
        data_from: Path | None = None,
    ) -> None:
        """``test_profile``: the test suites' platform, cheaper where nothing is under test: argon2id with a cheap
        profile (GATEWAY_PASSWORD_HASH_PROFILE=test) and PostgreSQL commits without a flush to disk. Benchmarks,
        ``make fuzz`` and ``make fault-test`` keep the production settings.

        ``data_from``: start on a copy of another (stopped) SQLite platform's DATA_DIR — its databases, files and
        keys — e.g. one seeded once and copied for each group of browser journeys (``snapshot``)."""
        if data_from is not None and backend != "sqlite":
            raise ValueError("data_from copies SQLite platforms only")
        self.backend = backend
        self.test_profile = test_profile
        self.demo = demo
        self.password = password
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"sanquan-{name}-"))
        if data_from is not None:
            shutil.copytree(data_from, self.data_dir, dirs_exist_ok=True, symlinks=True)
        self.ports = {n: free_port() for n in ("gateway", *SERVICES)}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}
        self.databases: list[str] = []
        self.name = name
        self.env = self._environment(extra_env or {})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def service_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def _port_environment(self) -> dict[str, str]:
        env = {"GATEWAY_PORT": str(self.ports["gateway"]), "GATEWAY_INTERNAL_URL": self.url}
        for s in SERVICES:
            env[f"GATEWAY_{s.upper()}_URL"] = self.service_url(s)
        env["EVALUATION_PLANS_URL"] = self.service_url("plans")
        env["EVALUATION_TRAINING_URL"] = self.service_url("training")
        env["EVALUATION_HALL_URL"] = self.service_url("hall")
        return env

    def _environment(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
        env.update(
            {
                "DATA_DIR": str(self.data_dir),
                "ENVIRONMENT": "test",
                "LOG_LEVEL": "WARNING",
                "ADMIN_USERNAME": "admin",
                "ADMIN_PASSWORD": self.password,
                "SPA_DIR": str(ROOT / "frontend" / "dist"),
                "GATEWAY_UPSTREAM_READ_TIMEOUT": "30",
            }
        )
        env.update(self._port_environment())
        # The demo's history holds a campaign whose publicity period has ended: recorded as past (never in production).
        env["EVALUATION_RECORD_PAST_PUBLICITY"] = "true"
        if self.backend == "postgresql":
            from sanquan_kernel import testing as kt

            for s in ("gateway", *SERVICES):
                db = f"{self.name}_{s}_{os.getpid()}"
                env[f"{s.upper()}_DATABASE_URL"] = kt.create_postgres_database(db, durable=not self.test_profile)
                self.databases.append(db)
        if self.test_profile:
            env["GATEWAY_PASSWORD_HASH_PROFILE"] = "test"
        env.update(extra)
        return env

    def start(self, only: str | None = None) -> None:
        for attempt in range(3):
            try:
                self._start(only)
                return
            except PortTaken:
                if only or attempt == 2:
                    raise
                # ports found free were taken by a concurrent platform before ours bound them: new ports, again
                self._stop_processes()
                self.ports = {n: free_port() for n in ("gateway", *SERVICES)}
                self.env.update(self._port_environment())

    def _start(self, only: str | None = None) -> None:
        for service in [only] if only else ["gateway", *SERVICES]:
            log = self.data_dir / f"{service}.log"
            self.logs[service] = log
            cmd = service_command(service, "serve", "--port", str(self.ports[service]))
            self.procs[service] = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
            )
        self.wait_ready(only)

    def wait_ready(self, only: str | None = None, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        for service in [only] if only else ["gateway", *SERVICES]:
            url = f"http://127.0.0.1:{self.ports[service]}/readyz"
            while True:
                proc = self.procs[service]
                if proc.poll() is not None:
                    log = self.logs[service].read_text()[-4000:]
                    if "address already in use" in log.lower():
                        raise PortTaken(f"{service}: port {self.ports[service]} taken:\n{log}")
                    raise RuntimeError(f"{service} exited:\n{log}")
                try:
                    r = httpx.get(url, timeout=2)
                    if r.status_code == 200:
                        if not _answered_by(proc, r):
                            raise PortTaken(f"{service}: another process answers on port {self.ports[service]}")
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline:
                    raise RuntimeError(f"{service} not ready:\n{self.logs[service].read_text()[-4000:]}")
                time.sleep(0.2)

    def seed_demo(self, areas: tuple[str, ...] | None = None) -> None:
        """Organisations and accounts; then the demo data of ``areas`` (all by default, the hall's as ``make run``)."""
        sys.path.insert(0, str(ROOT))
        from scripts.seed_demo import AREAS, seed_if_empty

        every = AREAS if "hall" in AREAS else (*AREAS, "hall")
        seed_if_empty(self.url, "admin", self.password, every if areas is None else areas)

    def kill(self, service: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[service]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(10)

    def snapshot(self, dest: Path) -> Path:
        """Stop the processes (SQLite files complete, nothing in flight) and copy DATA_DIR to ``dest``, for
        ``Stack(data_from=dest)``. The platform can be started again afterwards (``start``)."""
        if self.backend != "sqlite":
            raise ValueError("snapshot copies SQLite platforms only")
        self._stop_processes()
        self.procs.clear()
        shutil.copytree(self.data_dir, dest, symlinks=True, ignore=shutil.ignore_patterns("*.log"))
        return dest

    def _stop_processes(self) -> None:
        for service in list(self.procs):
            proc = self.procs[service]
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def stop(self) -> None:
        self._stop_processes()
        if self.databases:
            from sanquan_kernel import testing as kt

            for db in self.databases:
                kt.drop_postgres_database(db)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- convenience ------------------------------------------------------------------------------------------
    def token(self, username: str, password: str | None = None) -> str:
        r = httpx.post(
            f"{self.url}/api/auth/token",
            data={"grant_type": "password", "username": username, "password": password or self.password},
            timeout=30,
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    def client_token(self, client_id: str, client_secret: str) -> str:
        """An integration client's access token (client_credentials grant)."""
        r = httpx.post(
            f"{self.url}/api/auth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
            timeout=30,
        )
        r.raise_for_status()
        return str(r.json()["access_token"])

    def client(self, username: str | None = None, **kw: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(username)}"} if username else {}
        kw.setdefault("limits", KEPT_ALIVE)
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
