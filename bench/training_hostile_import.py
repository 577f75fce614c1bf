"""Benchmark: what a hostile import file costs the training service (issue #13, "Edge security").

Each case runs in a fresh process (the training app behind uvicorn in that process, SQLite): one upload of a
hostile file, timed until it is answered (an import job: until the job ends), with the process's peak resident
memory growth (VmHWM after minus VmRSS before, the peak reset first) and the slowest answer another university got
meanwhile (a staff list, polled every 50 ms).

    .venv/bin/python bench/training_hostile_import.py [--cases bomb-job,xfd20000,...] [--timeout 120]

To measure the code before a change, run it with PYTHONPATH pointing at an older tree's kernel/src and
services/training/src.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from training_common import Server, make_app, province_orgdir, uni_id

from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate
from sanquan_kernel.testing import rewrite_zip_entry, xlsx_bytes

MB = 1024 * 1024
HEADER = ["employee_no", "title", "taken_on", "hours", "days", "themes", "organizer_level", "external_id"]
ROW = ["E1", "培训", "2025-03-01", 2, 0, "safety", "university", "x-1"]


def shared_strings_bomb(mb: int = 314) -> bytes:
    base = xlsx_bytes([HEADER, ROW])
    types = zipfile.ZipFile(io.BytesIO(base)).read("[Content_Types].xml")
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    base = rewrite_zip_entry(base, "[Content_Types].xml", lambda f: f.write(types.replace(b"</Types>", override)))

    def write(f: Any) -> None:
        f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        chunk = b"<si><t>" + b"x" * 4000 + b"</t></si>"
        for _ in range(mb * MB // len(chunk)):
            f.write(chunk)
        f.write(b"</sst>")

    return rewrite_zip_entry(base, "xl/sharedStrings.xml", write)


def declared(rows: int) -> bytes:
    """Three real rows, then empty rows up to ``rows``, the sheet declaring ``A1:XFD<rows>`` (each empty row
    was padded to the 16,384 declared columns)."""
    base = xlsx_bytes([HEADER, ROW, ROW, ROW])
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD%d"' % rows, sheet)
    head, tail = sheet.split(b"</sheetData>")
    empty = b"".join(b'<row r="%d"/>' % r for r in range(5, rows + 1))
    return rewrite_zip_entry(base, "xl/worksheets/sheet1.xml", lambda f: f.write(head + empty + b"</sheetData>" + tail))


CASES: dict[str, tuple[str, str, Callable[[], bytes]]] = {
    "bomb-job": ("/import-jobs", "ledger.xlsx", shared_strings_bomb),
    "bomb-import": ("/import", "ledger.xlsx", shared_strings_bomb),
    "xfd20000": ("/import", "ledger.xlsx", lambda: declared(20_000)),
    "xfd1048576": ("/import", "ledger.xlsx", lambda: declared(1_048_576)),
    "csv-line": ("/import", "ledger.csv", lambda: (",".join(HEADER) + "\n" + "ab," * (4 * MB)).encode()),
}


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def run_case(name: str, timeout: float) -> dict[str, Any]:
    path, filename, build = CASES[name]
    content = build()
    url = f"sqlite:///{tempfile.mkdtemp()}/hostile.db"
    migrate(__import__("training.main", fromlist=["ALEMBIC_INI"]).ALEMBIC_INI, url)
    app = make_app(url, province_orgdir(2))
    other_ms: list[float] = []
    done = threading.Event()

    def other_university(base: str) -> None:
        with httpx.Client(base_url=base, headers=kt.university_admin(uni_id(1)), timeout=60) as http:
            while not done.is_set():
                t0 = time.perf_counter()
                http.get("/api/training/staff", params={"limit": 1})
                other_ms.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.05)

    with Server(app) as srv, httpx.Client(base_url=srv.url, headers=kt.university_admin(uni_id(0))) as http:
        http.get("/api/training/staff", params={"limit": 1})  # warm
        poller = threading.Thread(target=other_university, args=(srv.url,), daemon=True)
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak resident size
        rss = _status("VmRSS")
        poller.start()
        t0 = time.perf_counter()
        outcome = "timeout"
        try:
            r = http.post(
                f"/api/training/records{path}",
                params={"dry_run": "true"},
                files={"file": (filename, content)},
                timeout=timeout,
            )
            outcome = str(r.status_code)
            if r.status_code == 202:
                job_url = r.headers["location"]
                while time.perf_counter() - t0 < timeout:
                    job = http.get(job_url).json()
                    if job["status"] in ("done", "failed"):
                        outcome = f"202, job {job['status']}"
                        break
                    time.sleep(0.05)
                else:
                    outcome = "202, job still running"
        except httpx.TimeoutException:
            pass
        seconds = time.perf_counter() - t0
        done.set()
        poller.join(timeout=5)
        grown = (_status("VmHWM") - rss) / MB
    return {
        "case": name,
        "file_kb": round(len(content) / 1024),
        "answer": outcome,
        "seconds": round(seconds, 2),
        "peak_rss_growth_mb": round(grown),
        "other_university_max_ms": round(max(other_ms), 1) if other_ms else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--case", help=argparse.SUPPRESS)  # one case, in this process (the child)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.timeout)))
        return
    for name in args.cases.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--case", name, "--timeout", str(args.timeout)],
            capture_output=True,
            text=True,
            timeout=args.timeout + 120,
        )
        lines = [line for line in child.stdout.splitlines() if line.startswith('{"case"')]
        if not lines:
            print(f"{name}: failed\n{child.stderr[-2000:]}")
            continue
        res = json.loads(lines[-1])
        print(
            f"{res['case']:<12} {res['file_kb']:>6} kB  answer {res['answer']:<18} {res['seconds']:7.2f} s  "
            f"peak RSS +{res['peak_rss_growth_mb']:>5} MB  other university max {res['other_university_max_ms']} ms"
        )


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
