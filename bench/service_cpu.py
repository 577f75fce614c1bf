"""CPU per request of the training and plans services' hot reads of the load mix, beside each service's bare
``/healthz`` in the same run: the figure to drive down for issue #8's load target and #21's CPU per request
(docs/benchmarks.md). Counts the service process's own CPU time (from /proc, user + system) over a fixed `wrk -c4`
run straight at the service, so it does not depend on how busy the machine is as much as latency does.

    .venv/bin/python bench/service_cpu.py [--backend postgresql|sqlite] [--seconds 8] [--only ledger overview]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from sanquan_kernel import clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.harness import Stack


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (a multi-worker service), living or ended (reaped: a
    PostgreSQL backend whose connection closed)."""
    total = 0.0
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for p in [pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if p == pid else 0)
        total += ticks / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--only", nargs="*", help="only the requests whose label contains one of these words")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with Stack(backend=args.backend, name="bench_cpu") as stack:
        stack.seed_demo()
        year = clock.today().year
        staff_token = stack.token("u1_d1_staff1")
        admin_token = stack.token("u1_admin")
        mine = httpx.get(f"{stack.url}/api/training/staff", headers={"Authorization": f"Bearer {staff_token}"})
        staff_id = mine.json()["items"][0]["id"]
        province_token = stack.token("admin")
        training, plans = stack.service_url("training"), stack.service_url("plans")
        cases = [
            ("training", "/healthz (baseline)", f"{training}/healthz", staff_token),
            ("training", "staff ledger", f"{training}/api/training/staff/{staff_id}/ledger?year={year}", staff_token),
            ("training", "staff list, 50", f"{training}/api/training/staff?limit=50", admin_token),
            (
                "training",
                "compliance by dept",
                f"{training}/api/training/compliance?year={year}&group_by=department",
                admin_token,
            ),
            (
                "training",
                "compliance by univ",
                f"{training}/api/training/compliance?year={year}&group_by=university",
                province_token,
            ),
            ("plans", "/healthz (baseline)", f"{plans}/healthz", staff_token),
            ("plans", "university dashboard", f"{plans}/api/plans/dashboard?year={year}", admin_token),
            ("plans", "province overview", f"{plans}/api/plans/overview?year={year}", province_token),
        ]
        if args.only:
            cases = [c for c in cases if c[1].startswith("/healthz") or any(o in c[1] for o in args.only)]
        rows = []
        for service, label, url, token in cases:
            pid = stack.procs[service].pid
            header = ["-H", f"Authorization: Bearer {token}"]
            subprocess.run(["wrk", "-c2", "-t1", "-d2s", *header, url], capture_output=True, check=True)  # warm
            before = cpu_seconds(pid)
            out = subprocess.run(
                ["wrk", "-c4", "-t1", f"-d{args.seconds}s", *header, url], capture_output=True, text=True, check=True
            ).stdout
            spent = cpu_seconds(pid) - before
            n = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
            non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            if non2xx:
                raise SystemExit(f"{label}: {non2xx.group(1)} answers were not 2xx:\n{out}")
            rows.append((service, label, n / args.seconds, 1000 * spent / n))
    print(f"\nService CPU per request, {args.backend}, wrk -c4 straight at the service, {args.seconds}s each")
    print(f"{'service':9} {'request':22} {'req/s':>8} {'CPU ms/request':>15} {'x baseline':>11}")
    base_ms = {}
    for service, label, rps, ms in rows:
        base_ms.setdefault(service, ms)
        print(f"{service:9} {label:22} {rps:8.0f} {ms:15.2f} {ms / base_ms[service]:11.1f}")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
