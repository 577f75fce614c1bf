"""Fault injection against the real processes: a background load, stopping and killing services, a private
PostgreSQL cluster that can be restarted without touching the machine's own (tests/test_faults.py and
``make fault-test``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.harness import SERVICES, Stack, free_port

#: One cheap read per process, as a province admin (who sees everything).
PROBES = {
    "gateway": "/api/auth/me",
    "plans": "/api/plans/plans?limit=5",
    "training": "/api/training/staff?limit=5",
    "evaluation": "/api/evaluation/campaigns?limit=5",
    "hall": "/api/hall/stats",
}


@dataclass
class Sample:
    at: float
    target: str
    status: int  # 0: no answer (connection error or client timeout)
    problem: bool


@dataclass
class Load:
    """Threads sending the probes round-robin through the gateway until stopped; every answer is kept."""

    stack: Stack
    user: str = "admin"
    threads: int = 4
    timeout: float = 15.0
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        token = self.stack.token(self.user)
        for i in range(self.threads):
            t = threading.Thread(target=self._run, args=(token, i), daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def _run(self, token: str, offset: int) -> None:
        targets = list(PROBES)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=self.stack.url, headers=headers, timeout=self.timeout) as c:
            n = offset
            while not self._stop.is_set():
                target = targets[n % len(targets)]
                n += 1
                try:
                    r = c.get(PROBES[target])
                    problem = r.headers.get("content-type", "").startswith("application/problem+json")
                    self.samples.append(Sample(time.monotonic(), target, r.status_code, problem))
                except httpx.HTTPError:
                    self.samples.append(Sample(time.monotonic(), target, 0, False))
                time.sleep(0.01)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(self.timeout + 5)

    def between(self, start: float, end: float) -> list[Sample]:
        return [s for s in self.samples if start <= s.at <= end]

    @staticmethod
    def tally(samples: list[Sample]) -> dict[str, Counter[int]]:
        out: dict[str, Counter[int]] = {}
        for s in samples:
            out.setdefault(s.target, Counter())[s.status] += 1
        return out


def pids(stack: Stack) -> dict[str, int]:
    return {name: proc.pid for name, proc in stack.procs.items() if proc.poll() is None}


def wait_until(predicate: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# -- imports --------------------------------------------------------------------------------------------------
def import_file(stack: Stack, rows: int, tag: str, *, user: str = "u1_admin") -> tuple[bytes, float]:
    """A CSV of ``rows`` valid records for the staff of ``user``'s university, and the hours it adds."""
    with stack.client(user) as c:
        staff = c.get("/api/training/staff", params={"limit": 500, "active": True}).json()["items"]
    year = time.localtime().tm_year
    lines = ["employee_no,title,taken_on,hours,days,themes,organizer_level,external_id"]
    for i in range(rows):
        no = staff[i % len(staff)]["employee_no"]
        lines.append(f"{no},安全教育,{year}-01-{1 + i % 28:02d},1.5,0,safety,department,{tag}-{i}")
    return ("\n".join(lines) + "\n").encode(), 1.5 * rows


def ledger_state(stack: Stack, *, user: str = "u1_admin") -> tuple[int, float]:
    """The university's number of records and its hours this year, as its admin sees them."""
    year = time.localtime().tm_year
    with stack.client(user) as c:
        total = c.get("/api/training/records", params={"limit": 1}).json()["total"]
        report = c.get("/api/training/compliance", params={"year": year, "group_by": "university"}).json()
    return int(total), round(float(report["totals"]["hours"]), 2)


# -- a PostgreSQL cluster of the test's own --------------------------------------------------------------------
def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class PrivatePostgres:
    """``initdb`` + ``pg_ctl`` into a temporary directory on a free port: restarted at will, never the machine's
    server. As root the cluster runs as the ``postgres`` system user (initdb refuses root)."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="sanquan-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = self.dir / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")
            os.chmod(self.dir, 0o700)

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self._as, *cmd], check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        return self

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_databases(self, *names: str) -> dict[str, str]:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')
        return {name: self.url(name) for name in names}

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def stack_env(self) -> dict[str, str]:
        """The four processes' DATABASE_URLs on this cluster."""
        urls = self.create_databases(*(f"sq_{name}" for name in ("gateway", *SERVICES)))
        return {f"{name.upper()}_DATABASE_URL": urls[f"sq_{name}"] for name in ("gateway", *SERVICES)}


def stop_service(stack: Stack, service: str, sig: int = signal.SIGTERM) -> None:
    stack.kill(service, sig)
