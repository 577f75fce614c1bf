"""CPU per request of a synchronous endpoint returning its response model: answered by the kernel's route in the
endpoint's own thread (``sanquan_kernel.routing``) against FastAPI's own answer (validation in a second worker
thread), in process, rounds interleaved (issue #21; docs/benchmarks.md "Plans, PostgreSQL and kernel CPU per
request"). The answers are compared byte for byte first.

    .venv/bin/python bench/route_hops.py [--requests 2000] [--rounds 5] [--items 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sanquan_kernel.routing import ServiceRouter


class Row(BaseModel):
    id: int
    name: str
    percent: int
    due_on: datetime


class Dashboard(BaseModel):
    university_id: int
    year: int
    rows: list[Row]


def app(router: APIRouter, answer: Dashboard) -> FastAPI:
    @router.get("/dashboard", response_model=Dashboard)
    def dashboard() -> Dashboard:
        return answer

    a = FastAPI()
    a.include_router(router)
    return a


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    at = datetime(2026, 12, 5, tzinfo=UTC)
    answer = Dashboard(
        university_id=1,
        year=2026,
        rows=[Row(id=i, name=f"任务{i}", percent=i % 100, due_on=at) for i in range(args.items)],
    )
    clients = {
        "FastAPI (before)": TestClient(app(APIRouter(), answer)),
        "kernel route (after)": TestClient(app(ServiceRouter(), answer)),
    }
    bodies = {name: c.get("/dashboard").content for name, c in clients.items()}
    assert len(set(bodies.values())) == 1, "answers differ"
    print(f"answers byte-identical ({len(next(iter(bodies.values())))} bytes, {args.items} rows)")
    cpu: dict[str, list[float]] = {name: [] for name in clients}
    for r in range(args.rounds):
        for name, c in clients.items() if r % 2 == 0 else reversed(clients.items()):
            for _ in range(100):
                c.get("/dashboard")
            t0 = time.process_time()
            for _ in range(args.requests):
                c.get("/dashboard")
            cpu[name].append(1e6 * (time.process_time() - t0) / args.requests)
    before, after = (statistics.median(v) for v in cpu.values())
    for name, v in cpu.items():
        print(
            f"{name:22} median {statistics.median(v):7.1f} µs CPU per request (test client included)",
            [round(x) for x in v],
        )
    print(f"after/before {after / before:.2f}, saved {before - after:.0f} µs per request")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
