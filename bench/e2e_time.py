"""The browser journeys' time (issue #15 part 6): the runner of a baseline commit (one platform, every journey file
one after another) beside the current one (seeded once, a platform per file from a copy, E2E_JOBS at once), on the
same journey files (the working tree's), one after the other; wall seconds, CPU seconds of everything each started
(platform, node, chromium) and the load average, and the ratios.

    .venv/bin/python bench/e2e_time.py [--baseline 98db65e] [--skip-baseline] [files under frontend/ ...]
    .venv/bin/python bench/e2e_time.py --journeys-from e2887cd e2e/axe-desktop.test.mjs

``--journeys-from <commit>``: the baseline is the current runner on that commit's journey files (its
``frontend/e2e/*.mjs``, written to a temporary folder under frontend/ for the run) — for a change to the journeys
themselves rather than to the runner.

Needs frontend/dist (``make frontend``) and chromium. The machine is shared: compare CPU seconds, and wall only
between runs at a similar load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[int, float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = proc.stdout.decode("utf-8", "replace")
    return proc.returncode, wall, cpu, f"load {load:.1f}→{os.getloadavg()[0]:.1f}\n{out}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="98db65e", help="the commit whose tests/e2e/run_e2e.py is the baseline")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--journeys-from", help="baseline: the current runner on this commit's journey files")
    parser.add_argument("files", nargs="*", help="journey files (default: every e2e/*.test.mjs)")
    args = parser.parse_args()
    rows: list[tuple[str, int, float, float, str]] = []
    if args.journeys_from:
        folder = ROOT / "frontend" / f".e2e-baseline-{os.getpid()}"
        folder.mkdir()
        try:
            listing = ["git", "ls-tree", "--name-only", args.journeys_from, "frontend/e2e/"]
            for path in subprocess.run(listing, cwd=ROOT, check=True, capture_output=True, text=True).stdout.split():
                if path.endswith(".mjs"):
                    show = ["git", "show", f"{args.journeys_from}:{path}"]
                    text = subprocess.run(show, cwd=ROOT, check=True, capture_output=True, text=True).stdout
                    (folder / Path(path).name).write_text(text)
            files = [f"{folder.name}/{Path(f).name}" for f in args.files] or [folder.name]
            rc, wall, cpu, out = timed([sys.executable, "tests/e2e/run_e2e.py", *files])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        rows.append((f"baseline (journeys of {args.journeys_from}, current runner)", rc, wall, cpu, out))
    elif not args.skip_baseline:
        show = ["git", "show", f"{args.baseline}:tests/e2e/run_e2e.py"]
        source = subprocess.run(show, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        source = source.replace("ROOT = Path(__file__).resolve().parents[2]", f"ROOT = Path({str(ROOT)!r})")
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(source)
        files = args.files or ["e2e/"]
        rc, wall, cpu, out = timed([sys.executable, f.name, *files])
        os.unlink(f.name)
        rows.append((f"baseline ({args.baseline}, one platform, files in turn)", rc, wall, cpu, out))
    rc, wall, cpu, out = timed([sys.executable, "tests/e2e/run_e2e.py", *args.files])
    rows.append((f"current (platform per file, E2E_JOBS={os.environ.get('E2E_JOBS', 'cpus+1')})", rc, wall, cpu, out))
    for name, rc, _wall, _cpu, out in rows:
        print(f"===== {name}: rc={rc}, {out.splitlines()[0]}\n" + "\n".join(out.splitlines()[-12:]))
    print(f"\n{'run':<60} {'rc':>3} {'wall s':>8} {'CPU s':>8}")
    for name, rc, wall, cpu, _ in rows:
        print(f"{name:<60} {rc:>3} {wall:>8.1f} {cpu:>8.1f}")
    if len(rows) == 2:
        (_, _, w0, c0, _), (_, _, w1, c1, _) = rows
        print(f"ratio current/baseline: wall {w1 / w0:.2f}, CPU {c1 / c0:.2f}")
    return max(r[1] for r in rows)


if __name__ == "__main__":
    from calibration import calibrated

    raise SystemExit(calibrated(main))
