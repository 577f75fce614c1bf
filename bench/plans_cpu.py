"""CPU per request of the plans and evaluation services' requests of the load mix, and of their PostgreSQL
backends, two versions of the code side by side on one platform (issue #21, "Plans, PostgreSQL and kernel CPU per
request" in docs/benchmarks.md).

One PostgreSQL platform with the demo data; the plans and evaluation services are restarted on the code of each
version in turn (``--before DIR``: a worktree of the commit before, put first on ``PYTHONPATH``; the other version is
this checkout), rounds interleaved before/after so that both share the machine's minutes. In each round, per request
kind: ``wrk -c4`` straight at the service for ``--seconds``; the CPU of the service process and of the backends of
the platform's databases (from /proc), and the connections opened to them (``pg_stat_database.sessions``). A burst
case (``wrk -c24`` on the dashboard: more sessions at once than ``db_pool_size``) shows the pools' churn. Before the
rounds, every plain GET of both services' OpenAPI (and the dashboard, overview and campaigns of several roles) is
fetched from each version and compared byte for byte.

    .venv/bin/python bench/plans_cpu.py --before /tmp/base [--rounds 2] [--seconds 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from sanquan_kernel import clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_mix import our_backends, sessions_opened
from bench.service_cpu import cpu_seconds
from tests.harness import Stack

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["kernel/src", "gateway/src", "services/plans/src", "services/training/src", "services/evaluation/src"]
SOURCES += ["services/hall/src"]
SERVICES = ("plans", "evaluation")
PROGRESS = {"status": "in_progress", "percent": 50, "note": "按计划推进"}


def use_version(stack: Stack, root: Path | None) -> None:
    """Restart the plans and evaluation services on the code under ``root`` (None: this checkout)."""
    path = ":".join(str((root or ROOT) / s) for s in SOURCES)
    for service in SERVICES:
        stack.kill(service, signal.SIGTERM)
    stack.env["PYTHONPATH"] = path
    for service in SERVICES:
        stack.start(only=service)


def answers(stack: Stack, tokens: dict[str, str], year: int) -> dict[str, str]:
    """Status and a digest of the body of every plain GET of the two services for every role."""
    out: dict[str, str] = {}
    for service in SERVICES:
        base = stack.service_url(service)
        spec = httpx.get(f"{base}/api/{service}/openapi.json", timeout=180).json()
        paths = [p for p, ops in spec["paths"].items() if "get" in ops and "{" not in p and "export" not in p]
        for role, token in tokens.items():
            for p in sorted(paths):
                for query in ("", f"?year={year}"):
                    r = httpx.get(f"{base}{p}{query}", headers={"Authorization": f"Bearer {token}"}, timeout=60)
                    if r.headers.get("content-type", "").startswith("application/json"):
                        out[f"{role} {service}{p}{query}"] = f"{r.status_code} {hashlib.sha256(r.content).hexdigest()}"
    return out


def progress_script(body: dict[str, Any], token: str) -> str:
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(body, ensure_ascii=False))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    return str(path)


def measure(stack: Stack, case: tuple[str, str, str, list[str], int], seconds: int) -> tuple[float, float, int, int]:
    """(service CPU ms, PostgreSQL CPU ms per request, connections opened, requests) of one wrk run."""
    service, label, url, extra, conns = case
    pid = stack.procs[service].pid
    if "-s" in extra:  # the POST, from four client threads (kept-alive connections) for ``seconds``
        token = Path(extra[1]).read_text().split("Bearer ")[1].split('"')[0]
        headers = {"Authorization": f"Bearer {token}"}

        def client(deadline: float) -> int:
            done = 0
            with httpx.Client(headers=headers, timeout=60) as c:
                while time.monotonic() < deadline:
                    r = c.post(url, json=PROGRESS)
                    if r.status_code != 201:
                        raise SystemExit(f"{label}: {r.status_code} {r.text}")
                    done += 1
            return done

        client(time.monotonic() + 2)  # warm
        pg0, s0, c0 = our_backends(stack), cpu_seconds(pid), sessions_opened(stack)
        with ThreadPoolExecutor(conns) as pool:
            n = sum(pool.map(client, [time.monotonic() + seconds] * conns))
        s1, pg1, c1 = cpu_seconds(pid), our_backends(stack), sessions_opened(stack)
        pg = sum(pg1[p] - pg0.get(p, 0.0) for p in pg1)
        return 1000 * (s1 - s0) / n, 1000 * pg / n, c1 - c0, n
    subprocess.run(["wrk", "-c2", "-t1", "-d2s", *extra, url], capture_output=True, check=True)  # warm
    pg0, s0, c0 = our_backends(stack), cpu_seconds(pid), sessions_opened(stack)
    out = subprocess.run(
        ["wrk", f"-c{conns}", "-t2", f"-d{seconds}s", *extra, url], capture_output=True, text=True, check=True
    ).stdout
    s1, pg1, c1 = cpu_seconds(pid), our_backends(stack), sessions_opened(stack)
    n = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"{case[1]}: {bad.group(1)} answers were not 2xx:\n{out}")
    pg = sum(pg1[p] - pg0.get(p, 0.0) for p in pg1)
    return 1000 * (s1 - s0) / n, 1000 * pg / n, c1 - c0, n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="worktree of the code before")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--no-compare", action="store_true", help="skip the byte-for-byte comparison of answers")
    args = parser.parse_args()
    versions: list[tuple[str, Path | None]] = [("before", args.before.resolve()), ("after", None)]
    with Stack(backend="postgresql", name="plans_cpu", extra_env={"LOG_LEVEL": "WARNING"}) as stack:
        stack.seed_demo()
        year = clock.today().year
        tokens = {u: stack.token(u) for u in ("admin", "u1_admin", "u2_admin", "u1_d1_mgr", "u1_d1_staff1")}
        auth = {u: ["-H", f"Authorization: Bearer {t}"] for u, t in tokens.items()}
        mgr = {"Authorization": f"Bearer {tokens['u1_d1_mgr']}"}
        me = httpx.get(f"{stack.url}/api/auth/me", headers=mgr).json()
        plans = httpx.get(f"{stack.url}/api/plans/plans", headers=mgr, params={"year": year}).json()["items"]
        plan = next(p for p in plans if p["status"] == "approved")
        tasks = httpx.get(f"{stack.url}/api/plans/plans/{plan['id']}/tasks", headers=mgr).json()["items"]
        task = next(t for t in tasks if t["department_id"] == me["department_id"])
        lua = progress_script(PROGRESS, tokens["u1_d1_mgr"])
        plans_url, evaluation_url = stack.service_url("plans"), stack.service_url("evaluation")
        cases = [
            ("plans", "/healthz", f"{plans_url}/healthz", [], 4),
            ("plans", "university dashboard", f"{plans_url}/api/plans/dashboard?year={year}", auth["u1_admin"], 4),
            ("plans", "province overview", f"{plans_url}/api/plans/overview?year={year}", auth["admin"], 4),
            ("plans", "progress report POST", f"{plans_url}/api/plans/tasks/{task['id']}/progress", ["-s", lua], 4),
            ("evaluation", "campaigns (province)", f"{evaluation_url}/api/evaluation/campaigns", auth["admin"], 4),
            ("plans", "dashboard, 24 at once", f"{plans_url}/api/plans/dashboard?year={year}", auth["u1_admin"], 24),
        ]
        seen: dict[str, dict[str, str]] = {}
        for name, root in versions if not args.no_compare else []:
            use_version(stack, root)
            seen[name] = answers(stack, tokens, year)
        if seen:
            differ = [k for k in seen["before"] if seen["before"][k] != seen["after"].get(k)]
            print(f"answers compared byte for byte: {len(seen['before'])}, differing: {len(differ)}")
            for k in differ[:20]:
                print(f"  DIFFERS {k}: {seen['before'][k]} / {seen['after'].get(k)}")
        results: dict[tuple[str, str], list[tuple[float, float, int, int]]] = {}
        for r in range(args.rounds):
            for name, root in versions if r % 2 == 0 else versions[::-1]:
                use_version(stack, root)
                for case in cases:
                    try:
                        results.setdefault((case[1], name), []).append(measure(stack, case, args.seconds))
                    except SystemExit as refused:
                        print(f"{name}: {refused}")
    print(f"\nCPU per request, ms (service / its PostgreSQL backends), wrk straight at the service, {args.seconds} s")
    print(
        f"{'request':24} {'before svc':>10} {'after svc':>10} {'ratio':>6} {'before pg':>10} {'after pg':>10} "
        f"{'ratio':>6} {'conns b/a':>10}"
    )
    for case in cases:
        b, a = results.get((case[1], "before")), results.get((case[1], "after"))
        if not a or not b:
            continue
        bs, as_ = sum(x[0] for x in b) / len(b), sum(x[0] for x in a) / len(a)
        bp, ap = sum(x[1] for x in b) / len(b), sum(x[1] for x in a) / len(a)
        conns = f"{sum(x[2] for x in b)}/{sum(x[2] for x in a)}"
        print(
            f"{case[1]:24} {bs:10.3f} {as_:10.3f} {as_ / bs:6.2f} {bp:10.3f} {ap:10.3f} "
            f"{(ap / bp if bp else 0):6.2f} {conns:>10}"
        )
        print(f"{'':24} rounds: svc before {[round(x[0], 3) for x in b]} after {[round(x[0], 3) for x in a]}")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
