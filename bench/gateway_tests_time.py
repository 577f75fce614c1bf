"""The gateway's unit tests before and after a change of their fixtures (issue #15, stop 27): the same test files run
by pytest from a git worktree of the commit before (``--baseline``; its ``gateway/tests`` and ``tests``, the sources
the same: the packages are installed editable from this checkout) and from this checkout, rounds interleaved, one
pytest process at a time. Printed per round: wall seconds and CPU seconds (user + sys of pytest and everything it
started, reaped), then the ratios after/before; bench/calibration.py's host calibration at the start and the end.

    git worktree add /tmp/gw-base <commit before>
    .venv/bin/python bench/gateway_tests_time.py --baseline /tmp/gw-base --rounds 2 \\
        gateway/tests/test_tokens.py gateway/tests/test_orgs_accounts.py

On a machine shared with other work the absolute figures move with the load; the ratios of one round are the
comparable figures (both sides ran within minutes of each other)."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from calibration import calibrated

ROOT = Path(__file__).resolve().parents[1]


def run(cwd: Path, files: list[str]) -> tuple[float, float, int]:
    """One pytest run of ``files`` in ``cwd``: wall s, CPU s of the run's processes, exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "-p", "no:cacheprovider", *files],
        cwd=cwd,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tail = proc.stdout.decode(errors="replace").strip().splitlines()[-1:]
    print(f"    {cwd}: {tail[0] if tail else ''}", flush=True)
    return wall, cpu, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, required=True, help="a git worktree of the commit before the change")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    print(f"{'round':>5} {'before wall':>12} {'after wall':>11} {'before CPU':>11} {'after CPU':>10} {'CPU ratio':>10}")
    ratios = []
    for i in range(args.rounds):
        # alternate which side goes first, so neither always meets the same phase of the other work on the host
        order = [("before", args.baseline), ("after", ROOT)]
        if i % 2:
            order.reverse()
        got = {name: run(cwd, args.files) for name, cwd in order}
        (bw, bc, bs), (aw, ac, as_) = got["before"], got["after"]
        ratios.append(ac / bc)
        flags = "" if bs == as_ == 0 else f"  (exit before {bs}, after {as_})"
        print(f"{i + 1:>5} {bw:>11.1f}s {aw:>10.1f}s {bc:>10.1f}s {ac:>9.1f}s {ac / bc:>9.2f}x{flags}", flush=True)
    print(f"CPU after/before, per round: {', '.join(f'{r:.2f}' for r in ratios)}")


if __name__ == "__main__":
    calibrated(main)
