"""Host-speed calibration for every benchmark (issue #21): a fixed pure-Python loop and a fixed PostgreSQL query,
timed in the same run as the figures and printed beside them, at the start and at the end of the run.

The same code costs twice the CPU on a slow host or a busy one; a figure alone cannot say which. With the two
calibration times printed in the same run, figures from different days compare as ratios: a run whose loop took
1.8× the reference's is expected to show ~1.8× the CPU per request. The reference (``REFERENCE``) is this project's
2-core machine on 2026-12-04 at 21:40 UTC — a busy hour (load average 36; no quiet hour came that day): re-measure
it on a quiet machine and replace it, saying so in docs/benchmarks.md. ``× ref`` above 1 means a slower (or
busier) host than the reference.

    from calibration import calibrated      # the script's own directory is on sys.path
    calibrated(main)                         # prints the calibration, runs main(), prints it again

``python bench/calibration.py`` prints one calibration alone. ``BENCH_CALIBRATION_DSN`` names the PostgreSQL server
(default: the local one of the tests, ``host=127.0.0.1 port=5432 user=postgres dbname=postgres``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

DSN = os.environ.get("BENCH_CALIBRATION_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
#: The fixed PostgreSQL work: one backend's CPU (hashing, aggregation), no I/O, no table.
QUERY = "SELECT count(*), sum(hashtext(i::text)::bigint) FROM generate_series(1, 200000) AS i"
#: The reference host's times in ms (the project's 2-core machine, 2026-12-04 21:40 UTC at load 36, the best of
#: the repeats).
REFERENCE = {"python_ms": 214.0, "postgresql_ms": 350.8}
REPEATS = 5


def _python_work() -> int:
    """Interpreter work of the kind a request does: string formatting, dict lookups and updates, integer maths."""
    counts: dict[str, int] = {}
    for i in range(100_000):
        key = f"k{i % 1000}"
        counts[key] = counts.get(key, 0) + i * 3 % 7
    return len(counts)


def python_ms(repeats: int = REPEATS) -> float:
    """The best of ``repeats`` runs of the fixed loop, in ms (the best: the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        _python_work()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def postgresql_ms(repeats: int = REPEATS, dsn: str = DSN) -> float | None:
    """The best of ``repeats`` runs of the fixed query, in ms (server time plus one local round trip); None when
    no server answers."""
    try:
        import psycopg

        with psycopg.connect(dsn, connect_timeout=5) as conn:
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                conn.execute(QUERY).fetchone()
                best = min(best, time.perf_counter() - t0)
            return best * 1000
    except Exception:  # noqa: BLE001 - a benchmark without a database still prints its Python figure
        return None


@dataclass(frozen=True)
class Calibration:
    python_ms: float
    postgresql_ms: float | None
    load: float
    cores: int

    def line(self, when: str) -> str:
        def ratio(value: float | None, ref: float) -> str:
            return f" ({value / ref:.2f}× ref)" if value is not None and ref > 0 else ""

        pg = "n/a" if self.postgresql_ms is None else f"{self.postgresql_ms:.1f} ms"
        return (
            f"calibration ({when}): python loop {self.python_ms:.1f} ms{ratio(self.python_ms, REFERENCE['python_ms'])}"
            f", postgresql query {pg}{ratio(self.postgresql_ms, REFERENCE['postgresql_ms'])}"
            f", load average {self.load:.2f} on {self.cores} cores"
        )


def measure() -> Calibration:
    return Calibration(python_ms(), postgresql_ms(), os.getloadavg()[0], os.cpu_count() or 1)


def report(when: str) -> Calibration:
    cal = measure()
    print(cal.line(when), flush=True)
    return cal


def calibrated(main: Callable[[], T]) -> T:
    """Run a benchmark's ``main`` between two calibrations (the second also when the run fails)."""
    report("start")
    try:
        return main()
    finally:
        report("end")


if __name__ == "__main__":
    report("now")
