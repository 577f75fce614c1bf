"""The gateway's fixed and per-event work (#21), in-process on PostgreSQL, the code before and after side by side.

What every process pays the gateway whatever the traffic: the services' polls of ``/internal/revocations`` and
``/internal/orgs`` (an unchanged answer, 304), the gateway's own revocation poll, and per pushed record the event
intake (``POST /internal/events`` with one ``record.accepted``, as a service's relay sends it after each push).
CPU of the whole process per call, best of the rounds: the requests go straight to the ASGI app (no HTTP client, no
server), so the figures are the gateway's own work.

    .venv/bin/python bench/gateway_cpu.py --base /tmp/base-gwcpu --rounds 3

``--base`` is a worktree of the code before (``git worktree add /tmp/base-gwcpu <commit>``): its gateway and kernel
run from there via ``PYTHONPATH``, interleaved round by round with this tree's. ``--one`` runs one measurement in
this process (what the rounds call).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]


#: A stand-in service for the proxy's figure (its own process, not counted): a 2 KB JSON answer on keep-alive.
UPSTREAM = r"""
import asyncio, sys
ITEM = b'{"id":%d,"name":"staff member","hours":12.5,"department_id":7}'
BODY = b'{"items":[' + b",".join(ITEM % i for i in range(30)) + b'],"total":30}'
RESP = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(BODY) + BODY
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            cl = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    cl = int(line.split(b":")[1])
            if cl:
                await reader.readexactly(cl)
            writer.write(RESP)
            await writer.drain()
    except Exception:
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def _measure(n: int) -> dict[str, float]:
    import socket
    import tempfile

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from sanquan_gateway.accounts.models import Client, User
    from sanquan_gateway.bootstrap import bootstrap
    from sanquan_gateway.config import Settings
    from sanquan_gateway.main import ALEMBIC_INI, create_app
    from sanquan_gateway.orgs.models import Organisation
    from sanquan_kernel import testing as kt
    from sanquan_kernel.migrate import migrate

    os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="gwcpu-"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(port)])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    url = kt.create_postgres_database(f"bench_gwcpu_{os.getpid()}", durable=False)
    try:
        migrate(ALEMBIC_INI, url)
        settings = Settings(
            database_url=url,
            environment="test",
            plans_url="http://127.0.0.1:9",
            training_url=f"http://127.0.0.1:{port}",
            evaluation_url="http://127.0.0.1:9",
            spa_dir="/nonexistent",
            webhook_worker=False,
            schedule_worker=False,
        )
        app: Any = create_app(settings)
        factory = app.state.kernel.sessionmaker
        bootstrap(factory, None, None)
        with factory.begin() as s:  # a province of 20 universities with 10 departments each
            province = s.scalar(select(Organisation).where(Organisation.level == "province"))
            for u in range(20):
                uni = Organisation(name=f"大学{u}", level="university", parent_id=province.id, code=f"41410{u:05d}")
                s.add(uni)
                s.flush()
                uni.path, uni.university_id = f"{province.path}{uni.id}/", uni.id
                for d in range(10):
                    dept = Organisation(name=f"部门{u}-{d}", level="department", parent_id=uni.id)
                    s.add(dept)
                    s.flush()
                    dept.path, dept.university_id = f"{uni.path}{dept.id}/", uni.id
            uni_id, dept_id = uni.id, dept.id
            person = User(
                username="staff_bench",
                display_name="staff",
                password_hash="x",
                role="staff",
                org_id=dept_id,
                university_id=uni_id,
                department_id=dept_id,
            )
            s.add(person)
        issuer = app.state.kernel.extras["issuer"]
        with factory() as s:
            plans = s.scalar(select(Client).where(Client.client_id == "svc-plans"))
            training = s.scalar(select(Client).where(Client.client_id == "svc-training"))
            svc = {"Authorization": f"Bearer {issuer.access_for_client(plans)[0]}"}
            relay = {"Authorization": f"Bearer {issuer.access_for_client(training)[0]}"}
            staff = {"Authorization": f"Bearer {issuer.access_for_user(s.get(User, person.id))[0]}"}
        poller = app.state.kernel.extras["revocation_poller"]
        out: dict[str, float] = {}
        with TestClient(app) as c:
            poller.stop()  # its thread would add its own polls to the figures; measured on its own below
            rev_etag = c.get("/internal/revocations", headers=svc).headers["etag"]
            org_etag = c.get("/internal/orgs", headers=svc).headers["etag"]

            def event() -> dict[str, Any]:
                return {
                    "events": [
                        {
                            "id": "evt_" + uuid.uuid4().hex,
                            "type": "record.accepted",
                            "source": "training",
                            "university_id": uni_id,
                            "department_id": dept_id,
                            "subject": "record:1",
                            "occurred_at": "2026-12-05T03:00:00+00:00",
                            "data": {"record_id": 1, "staff_id": 2, "hours": 4},
                        }
                    ]
                }

            calls: dict[str, Callable[[], Awaitable[int]]] = {
                "healthz (control)": lambda: _asgi(app, "GET", "/healthz", {}),
                "/internal/revocations 304": lambda: _asgi(
                    app, "GET", "/internal/revocations", {**svc, "If-None-Match": rev_etag}
                ),
                "/internal/orgs 304": lambda: _asgi(app, "GET", "/internal/orgs", {**svc, "If-None-Match": org_etag}),
                "revocation poll, idle": _sync(poller.refresh),
                "proxied GET, 2 KB answer": lambda: _asgi(app, "GET", "/api/training/staff", staff),
                "event intake, 1 event": lambda: _asgi(
                    app, "POST", "/internal/events", {**relay, "Content-Type": "application/json"}, event()
                ),
            }

            async def measure(call: Callable[[], Awaitable[int]]) -> float:
                status = await call()
                assert status in (200, 304), status
                for _ in range(n // 10):
                    await call()
                t0 = time.process_time()
                for _ in range(n):
                    await call()
                return (time.process_time() - t0) / n * 1000

            only = os.environ.get("GWCPU_ONLY")  # one call alone (for a profile)
            for name, call in calls.items():
                if only and name != only:
                    continue
                assert c.portal is not None
                out[name] = c.portal.call(measure, call)  # on the app's own event loop (the proxy's pool lives there)
        app.state.kernel.engine.dispose()
        return out
    finally:
        upstream.kill()
        kt.drop_postgres_database(f"bench_gwcpu_{os.getpid()}")


async def _asgi(app: Any, method: str, path: str, headers: dict[str, str], body: Any = None) -> int:
    """One request straight to the ASGI app; its status."""
    raw = json.dumps(body).encode() if body is not None else b""
    hdrs = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if raw:
        hdrs.append((b"content-length", str(len(raw)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": hdrs,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def _sync(fn: Callable[[], None]) -> Callable[[], Awaitable[int]]:
    async def call() -> int:
        fn()
        return 200

    return call


def _run(base: str | None, n: int) -> dict[str, float]:
    env = dict(os.environ)
    if base:
        env["PYTHONPATH"] = os.pathsep.join(f"{base}/{p}" for p in ("gateway/src", "kernel/src"))
    r = subprocess.run(
        [sys.executable, __file__, "--one", "-n", str(n)], env=env, capture_output=True, text=True, check=False
    )
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    return dict(json.loads(r.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", help="worktree of the code before")
    parser.add_argument("--after", help="worktree of the code after (default: this tree)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-n", type=int, default=400)
    parser.add_argument("--one", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_measure(args.n)))
        return
    from calibration import calibrated

    def bench() -> None:
        before: list[dict[str, float]] = []
        after: list[dict[str, float]] = []
        for i in range(args.rounds):
            if args.base:
                before.append(_run(args.base, args.n))
            after.append(_run(args.after, args.n))
            print(f"round {i + 1}/{args.rounds} done, load average {os.getloadavg()[0]:.1f}", flush=True)
        print(f"\nCPU ms per call (best of {args.rounds} rounds of {args.n}, straight to the ASGI app)")
        print(f"{'call':32} {'before':>9} {'after':>9} {'ratio':>7}")
        for name in after[0]:
            a = min(r[name] for r in after)
            if before:
                b = min(r[name] for r in before)
                print(f"{name:32} {b:9.3f} {a:9.3f} {a / b:7.2f}")
            else:
                print(f"{name:32} {'':9} {a:9.3f}")

    calibrated(bench)


if __name__ == "__main__":
    main()
