"""Where a batch push's CPU goes, through the gateway (issue #21): the real platform (`tests/harness.py`, PostgreSQL,
the demo's training data only), campus-system clients sending batches of 1,000 new records, and the CPU time
(user + system, from /proc) of the gateway process, the training process and every PostgreSQL backend of the
platform's databases over the run — during the pushes, and again after the outbox relay and the gateway's event
intake have caught up (``--settle`` seconds later). Per batch, so that runs on a busy host compare: the CPU a
record costs moves far less with the load than its latency does.

    .venv/bin/python bench/training_batch_cpu.py [--batches 16] [--clients 2] [--settle 8] [--spy DIR]

``--spy DIR``: also record py-spy profiles (raw, collapsed stacks) of the gateway and training processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg

from sanquan_kernel import clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_cpu import cpu_seconds

from tests.harness import Stack

NAME = "batchcpu"


def backends_cpu(prefix: str) -> dict[tuple[int, str], float]:
    """CPU seconds of every PostgreSQL backend connected to a database named ``prefix…``."""
    out = {}
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres") as c:
        rows = c.execute("SELECT pid, datname FROM pg_stat_activity WHERE datname LIKE %s", (prefix + "%",))
        for pid, db in rows:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[(pid, db)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=16)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--settle", type=float, default=8.0)
    ap.add_argument("--spy", type=Path, default=None)
    args = ap.parse_args()
    with Stack(backend="postgresql", name=NAME) as stack:
        stack.seed_demo(("training",))
        token = stack.token("u1_admin")
        with stack.client("u1_admin") as admin:
            numbers = [
                s["employee_no"] for s in admin.get("/api/training/staff", params={"limit": 500}).json()["items"]
            ]
        today = clock.today().isoformat()

        def body(k: int, j: int) -> bytes:
            item = {"title": "批量推送记录", "taken_on": today, "hours": 2, "days": 0.5, "themes": ["safety", "law"]}
            records = [
                {**item, "organizer_level": "university", "employee_no": numbers[i % len(numbers)]}
                | {"external_id": f"cpu-{k}-{j}-{i}"}
                for i in range(args.size)
            ]
            return json.dumps({"records": records}).encode()

        headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
        with httpx.Client(base_url=stack.url, headers=headers, timeout=120) as c:  # warm the statements
            assert c.post("/api/training/records/batch", content=body(-1, 0)).status_code == 200
        time.sleep(args.settle)
        pids = {s: stack.procs[s].pid for s in ("gateway", "training")}
        spies = []
        if args.spy:
            args.spy.mkdir(parents=True, exist_ok=True)
            for s, pid in pids.items():
                cmd = [sys.executable.replace("python", "py-spy"), "record", "--pid", str(pid), "-r", "200"]
                cmd += ["-f", "raw", "-o", str(args.spy / f"{s}.txt"), "--nonblocking"]
                spies.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(1.5)
        per_client = args.batches // args.clients
        bodies = {k: [body(k, j) for j in range(per_client)] for k in range(args.clients)}
        latencies: list[float] = []

        def run(k: int) -> None:
            with httpx.Client(base_url=stack.url, headers=headers, timeout=120) as c:
                for b in bodies[k]:
                    t = time.perf_counter()
                    r = c.post("/api/training/records/batch", content=b)
                    latencies.append(time.perf_counter() - t)
                    assert r.status_code == 200 and r.json()["created"] == args.size, r.text[:300]

        pg0 = backends_cpu(NAME)
        cpu0 = {s: cpu_seconds(p) for s, p in pids.items()}
        t0 = time.perf_counter()
        threads = [threading.Thread(target=run, args=(k,)) for k in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        cpu1 = {s: cpu_seconds(p) for s, p in pids.items()}
        time.sleep(args.settle)
        cpu2 = {s: cpu_seconds(p) for s, p in pids.items()}
        pg1 = backends_cpu(NAME)
        for sp in spies:
            sp.send_signal(2)
            sp.wait(30)
        n = len(latencies)
        print(
            f"{n} batches of {args.size:,} from {args.clients} clients in {wall:.2f} s: {n * args.size / wall:,.0f} "
            f"records/s, batch median {sorted(latencies)[n // 2] * 1000:.0f} ms (load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        total = 0.0
        for s in pids:
            during, after = (cpu1[s] - cpu0[s]) / n, (cpu2[s] - cpu0[s]) / n
            total += after
            print(
                f"  {s} process: CPU per batch {during * 1000:.0f} ms during the pushes, {after * 1000:.0f} ms settled"
            )
        by_db: dict[str, float] = {}
        for key, v in pg1.items():
            by_db[key[1]] = by_db.get(key[1], 0.0) + v - pg0.get(key, 0.0)
        for db, v in sorted(by_db.items()):
            if v > 0:
                total += v / n
                print(
                    f"  PostgreSQL {db.split('_')[1]}: CPU per batch {v / n * 1000:.0f} ms (backends alive at the end)"
                )
        print(f"  together: {total * 1000:.0f} ms per batch = {total / args.size * 1e6:.0f} us per record")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
