"""Benchmark (issue #18): what the record.accepted event costs the campus push, the platform's hottest write.

The same in-process training app (uvicorn, real HTTP, ``training_import.py``'s staff) answers single pushes from
32 concurrent clients, in interleaved rounds: with the outbox INSERT (as shipped) and with ``emit`` switched off in
the push (the baseline: the push as it was before #18). Prints the median and p99 latency and pushes/s of each, and
the ratio.

    .venv/bin/python bench/outbox_push.py [--backend postgresql|sqlite] [--rounds 3] [--clients 32] [--pushes 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from training_common import Server, make_app, percentile, province_orgdir
from training_import import STAFF, UNI, seed_staff

import training.records.service as records_service
from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate
from training.main import ALEMBIC_INI

SHIPPED = records_service.emit


def _no_event(*_: Any, **__: Any) -> str:
    return ""


def pushes(base_url: str, clients: int, per_client: int, tag: str) -> list[float]:
    """``clients`` threads each push ``per_client`` new records one by one; every latency in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    headers = kt.integration(UNI, client="bench-push")

    def run(k: int) -> None:
        mine = []
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
            barrier.wait()
            for i in range(per_client):
                body = {
                    "employee_no": f"E{1 + (k * per_client + i) % STAFF}",
                    "title": "推送记录",
                    "taken_on": "2025-06-01",
                    "hours": 2,
                    "days": 0.5,
                    "themes": ["safety"],
                    "organizer_level": "university",
                    "external_id": f"{tag}-{k}-{i}",
                }
                t0 = time.perf_counter()
                r = http.post("/api/training/records", json=body)
                mine.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 201, r.text
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(latencies) == clients * per_client, "a client failed"
    return latencies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--pushes", type=int, default=20, help="pushes per client and round")
    args = ap.parse_args()
    url = (
        kt.create_postgres_database("bench_outbox_push")
        if args.backend == "postgresql"
        else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    )
    migrate(ALEMBIC_INI, url)
    seed_staff(url)
    print(f"backend={args.backend} load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    results: dict[str, list[float]] = {"baseline (no event)": [], "with record.accepted": []}
    walls: dict[str, float] = dict.fromkeys(results, 0.0)
    app = make_app(url, province_orgdir(1))
    with Server(app) as srv:
        pushes(srv.url, args.clients, 2, "warm")  # warm up: connections, compiled statements
        for r in range(args.rounds):
            for name in results if r % 2 == 0 else reversed(list(results)):
                records_service.emit = SHIPPED if name.startswith("with") else _no_event  # type: ignore[assignment]
                t0 = time.perf_counter()
                lat = pushes(srv.url, args.clients, args.pushes, f"r{r}-{len(name)}")
                walls[name] += time.perf_counter() - t0
                results[name].extend(lat)
    records_service.emit = SHIPPED  # type: ignore[assignment]
    for name, lat in results.items():
        print(
            f"{name:22s} median {statistics.median(lat):6.1f} ms  p99 {percentile(lat, 99):6.1f} ms  "
            f"{len(lat) / walls[name]:7.0f} pushes/s  ({len(lat)} pushes)"
        )
    base, shipped = results["baseline (no event)"], results["with record.accepted"]
    print(
        f"ratio with/without the event: median {statistics.median(shipped) / statistics.median(base):.2f}x  "
        f"throughput {(len(shipped) / walls['with record.accepted']) / (len(base) / walls['baseline (no event)']):.2f}x"
    )
    if args.backend == "postgresql":
        kt.drop_postgres_database("bench_outbox_push")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
