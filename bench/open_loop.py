"""The open-loop load generator of the mix benchmarks (bench/load_mix.py, bench/hall_mix.py; bench/webhooks_fanout.py
through load_mix): requests sent at a fixed arrival rate whatever the answers' latency, on the gateway's own
keep-alive HTTP/1.1 client (a general-purpose client cost 0.4 ms of CPU per request, a tenth of the platform's, on
the two cores the generator shares with it), at most ``max_in_flight`` at once (beyond it a request is dropped and
counted as an error: the platform is not keeping up), each answer read to its end so its connection is reused.
Latency per kind, statuses and a timeline; the report of a run.

A mix says what a request of each kind is: ``request_for(kind) -> (method, path, head, body)`` with ``head`` the
header lines as bytes pairs and ``body`` bytes (``b""`` for none); kinds are picked by the mix's weights.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sanquan_gateway.upstream import UpstreamError, UpstreamPool

Head = list[tuple[bytes, bytes]]
Request = tuple[str, str, Head, bytes]


async def run(
    base: str,
    mix: dict[str, int],
    request_for: Callable[[str], Request],
    rate: float,
    seconds: float,
    max_in_flight: int,
) -> dict[str, Any]:
    kinds, weights = list(mix), list(mix.values())
    results: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    statuses: dict[int, int] = defaultdict(int)
    timeline: list[tuple[float, float]] = []  # (sent at, seconds taken) of every request
    in_flight = asyncio.Semaphore(max_in_flight)
    http = UpstreamPool(base, connect_timeout=5, read_timeout=30, max_idle=max_in_flight)
    dropped = 0
    start = time.perf_counter()

    async def one(kind: str) -> None:
        method, path, head, body = request_for(kind)
        t = time.perf_counter()
        try:
            conn = await http.request(method.encode(), path.encode(), head, body)
            try:
                done = False  # read the body to its end (also one received with the head), so the connection is reused
                while not done:
                    _, done = await conn.read_chunk(30)
            except BaseException:
                conn.close()
                raise
            http.release(conn)
            statuses[conn.status] += 1
            if conn.status >= 400:
                errors[kind] += 1
        except (UpstreamError, TimeoutError, OSError):
            errors[kind] += 1
        finally:
            took = time.perf_counter() - t
            results[kind].append(took)
            timeline.append((t - start, took))
            in_flight.release()

    tasks: set[asyncio.Task[None]] = set()
    i = 0
    while True:
        due = start + i / rate
        now = time.perf_counter()
        if now - start >= seconds:
            break
        if due > now:
            await asyncio.sleep(due - now)
        i += 1
        if in_flight.locked():
            dropped += 1  # the platform is not keeping up: counted as an error, not silently skipped
            continue
        await in_flight.acquire()
        task = asyncio.create_task(one(random.choices(kinds, weights)[0]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    http.close()
    return {
        "results": results,
        "errors": errors,
        "statuses": statuses,
        "elapsed": elapsed,
        "dropped": dropped,
        "timeline": timeline,
    }


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` (seconds) in ms."""
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000


def report(out: dict[str, Any], rate: float) -> int:
    """Throughput, errors (dropped included) and latency per kind; returns the number of requests answered."""
    results, errors = out["results"], out["errors"]
    all_lat = [v for vs in results.values() for v in vs]
    total = len(all_lat)
    n_err = sum(errors.values()) + out["dropped"]
    print(
        f"\nopen loop at {rate:.0f} req/s for {out['elapsed']:.0f}s: {total} requests, "
        f"{total / out['elapsed']:.1f} req/s, errors {n_err} ({100 * n_err / max(1, total):.2f}%), "
        f"dropped {out['dropped']}"
    )
    print(f"{'kind':20} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for kind, vs in sorted(results.items()):
        print(f"{kind:20} {len(vs):7} {pct(vs, 50):8.1f} {pct(vs, 95):8.1f} {pct(vs, 99):8.1f} {errors.get(kind, 0):7}")
    print(f"{'all':20} {total:7} {pct(all_lat, 50):8.1f} {pct(all_lat, 95):8.1f} {pct(all_lat, 99):8.1f} {n_err:7}")
    print("statuses:", dict(sorted(out["statuses"].items())))
    if all_lat:
        print(f"mean {statistics.mean(all_lat) * 1000:.1f} ms")
    return total


def report_timeline(timeline: list[tuple[float, float]], step: float) -> None:
    """Requests sent and their p99 per ``step`` seconds: stalls show as a slice with a high p99."""
    slices: dict[int, list[float]] = defaultdict(list)
    for sent, took in timeline:
        slices[int(sent // step)].append(took)
    print(f"\n{'from s':>7} {'sent':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for k in sorted(slices):
        vs = slices[k]
        print(f"{k * step:7.0f} {len(vs):6} {pct(vs, 50):8.1f} {pct(vs, 99):8.1f} {max(vs) * 1000:8.1f}")


def run_loop(coro: Any) -> Any:
    """Run the generator on uvloop (the platform's own loop)."""
    import uvloop

    return uvloop.run(coro)
