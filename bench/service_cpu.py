"""CPU per request of the training service's hot reads, beside its bare ``/healthz`` in the same run: the figure to
drive down for issue #8's load target (docs/benchmarks.md). Counts the service process's own CPU time (from
/proc, user + system) over a fixed `wrk -c4` run straight at the service, so it does not depend on how busy the
machine is as much as latency does.

    .venv/bin/python bench/service_cpu.py [--backend postgresql|sqlite] [--seconds 8]
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
        base = stack.service_url("training")
        pid = stack.procs["training"].pid
        cases = [
            ("/healthz (baseline)", f"{base}/healthz", staff_token),
            ("staff ledger", f"{base}/api/training/staff/{staff_id}/ledger?year={year}", staff_token),
            ("staff list, 50", f"{base}/api/training/staff?limit=50", admin_token),
            ("compliance by dept", f"{base}/api/training/compliance?year={year}&group_by=department", admin_token),
        ]
        rows = []
        for label, url, token in cases:
            header = ["-H", f"Authorization: Bearer {token}"]
            subprocess.run(["wrk", "-c2", "-t1", "-d2s", *header, url], capture_output=True, check=True)  # warm
            before = cpu_seconds(pid)
            out = subprocess.run(
                ["wrk", "-c4", "-t1", f"-d{args.seconds}s", *header, url], capture_output=True, text=True, check=True
            ).stdout
            spent = cpu_seconds(pid) - before
            n = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
            rows.append((label, n / args.seconds, 1000 * spent / n))
    base_ms = rows[0][2]
    print(f"\nTraining service CPU per request, {args.backend}, wrk -c4 straight at the service, {args.seconds}s each")
    print(f"{'request':22} {'req/s':>8} {'CPU ms/request':>15} {'x baseline':>11}")
    for label, rps, ms in rows:
        print(f"{label:22} {rps:8.0f} {ms:15.2f} {ms / base_ms:11.1f}")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
