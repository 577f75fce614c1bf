"""Start the real platform with demo data (SQLite, free ports, the built SPA served by the gateway), then run the
browser journeys of ``frontend/`` against it (``node --test`` with ``E2E_BASE_URL``).

Every ``frontend/e2e/*.test.mjs`` is run by default (a new journey file is picked up without registering it);
``python tests/e2e/run_e2e.py e2e/files.test.mjs`` runs only the named files (paths under ``frontend/``).

The journey files change the demo data they use (u1_d1_staff1's self-reports, u1_admin's plan, expert1's scores, ...)
and were written to run one after another on one platform. To run them at the same time without sharing anything,
the demo is seeded once, the platform is stopped and its DATA_DIR (SQLite files, stored files, signing keys) is
copied: each journey file gets a platform of its own started on a copy — the same data as a freshly seeded platform
— and up to ``E2E_JOBS`` files run at once (default: CPUs + 1; chromium and four Python processes per file, most of
the time spent waiting on the pages). The longest files (by the last run's times in ``var/e2e-times.json``, else
by size) start first. Each file's output is printed as one block when it ends, failures again at the end, with the
tail of its platform's logs; the exit status is non-zero when any file failed. ``E2E_JOBS=1`` runs the files one
after another (still a platform each). The platforms serve a copy of frontend/dist taken at the start, so a build
elsewhere in the checkout (which empties dist while it runs) cannot turn the pages into 404s mid-run.

A file that changes nothing another file could see (it reads; what it sends is refused) says so on a line of its
own, ``// e2e: shares its platform``; those files run on one platform started on the same copy (at the same time,
as the others do), which saves a platform start (five processes) per file. A file without the line gets a
platform of its own, so a new journey that writes is safe by default.

Journey files that write but were shown to pass one after another on one platform, in a fixed order, are listed
in ``SEQUENCES`` (here, since a file cannot know which others it follows): each sequence runs its files in that
order on one platform started on the copy, which saves a platform start per file after the first. A sequence is
kept only when every one of its files is run; a run of some of them gives each a platform of its own."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
TIMES = ROOT / "var" / "e2e-times.json"
#: Seconds per file on a loaded 2-core machine (2026-12-04), for the order on a fresh clone; a file not listed is
#: weighed by its size, a file that imports more than helpers.mjs (axe-*.test.mjs) by what it imports as well.
HINTS = Path(__file__).with_name("durations.json")
#: The line by which a journey file says it only reads the demo data (see above).
SHARES = re.compile(r"^// e2e: shares its platform\b", re.MULTILINE)
#: Write-journeys run one after another on one platform, in this order (issue #15 stop 27: each sequence passed so
#: on the seeded copy; what the first file changes — a plan returned, a record imported — the second neither lists
#: nor counts). Add one only with a run of the sequence that passed.
SEQUENCES: tuple[tuple[str, ...], ...] = (
    ("e2e/notifications.test.mjs", "e2e/phone.test.mjs"),
    ("e2e/webhooks.test.mjs", "e2e/import.test.mjs"),
)
sys.path.insert(0, str(ROOT))

from tests.harness import Stack, share_tls_context  # noqa: E402


@dataclass
class Outcome:
    file: str
    returncode: int
    seconds: float
    output: str
    logs: str = ""


def journey_files(only: list[str]) -> list[str]:
    """The files to run (paths relative to frontend/); options (``--…``) are passed to node as they are."""
    files = [a for a in only if not a.startswith("--")]
    if not files:
        return sorted(str(p.relative_to(FRONTEND)) for p in (FRONTEND / "e2e").glob("*.test.mjs"))
    out: list[str] = []
    for f in files:
        p = FRONTEND / f
        out += sorted(str(x.relative_to(FRONTEND)) for x in p.glob("*.test.mjs")) if p.is_dir() else [f]
    return out


def longest_first(files: list[str]) -> list[str]:
    times: dict[str, float] = {}
    for source in (HINTS, TIMES):  # the committed hints, then this machine's last run
        with contextlib.suppress(OSError, ValueError):
            times.update(json.loads(source.read_text()))

    def weight(f: str) -> float:
        if f in times:
            return float(times[f])
        path = FRONTEND / f
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return 0.0
        size = len(text)
        for module in re.findall(r"from '\./([\w.-]+\.mjs)'", text):
            if module != "helpers.mjs" and (path.parent / module).is_file():
                size += (path.parent / module).stat().st_size
        return size / 100  # ~1 s per 100 bytes of journey, roughly

    return sorted(files, key=weight, reverse=True)


def remember(outcomes: list[Outcome]) -> None:
    try:
        times = json.loads(TIMES.read_text())
    except (OSError, ValueError):
        times = {}
    times.update({o.file: round(o.seconds, 1) for o in outcomes if o.returncode == 0})
    try:
        TIMES.parent.mkdir(parents=True, exist_ok=True)
        TIMES.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
    except OSError:
        pass


def shares_platform(file: str) -> bool:
    try:
        return bool(SHARES.search((FRONTEND / file).read_text(encoding="utf-8")))
    except OSError:
        return False


class SharedPlatform:
    """The one platform of the files that only read: started on the copy when the first of them starts, stopped
    when the last of them ends."""

    def __init__(self, files: list[str], template: Path, password: str, spa: Path) -> None:
        self.left = len(files)
        self.template, self.password, self.spa = template, password, spa
        self.stack: Stack | None = None
        self.failed: BaseException | None = None
        self.lock = threading.Lock()

    def take(self) -> Stack:
        with self.lock:
            if self.failed is not None:
                raise RuntimeError(f"the shared platform did not start: {self.failed}")
            if self.stack is None:
                stack = Stack(
                    name="e2e-shared",
                    test_profile=True,
                    data_from=self.template,
                    password=self.password,
                    extra_env={"SPA_DIR": str(self.spa)},
                )
                try:
                    stack.__enter__()
                except (OSError, RuntimeError) as exc:
                    self.failed = exc
                    raise
                self.stack = stack
            return self.stack

    def release(self) -> None:
        with self.lock:
            self.left -= 1
            if self.left == 0 and self.stack is not None:
                self.stack.stop()


def run_on(file: str, options: list[str], stack: Stack) -> tuple[int, str, str]:
    """``node --test`` of one journey file against ``stack``: exit status, output, and the platform's log tails
    when it failed."""
    env = {**os.environ, "E2E_BASE_URL": stack.url, "E2E_PASSWORD": stack.password}
    # A journey that runs a service's command on this platform (reminders.test.mjs: the plans service's
    # run-due-jobs with a controlled clock) gets its environment (DATA_DIR, databases, gateway) and Python.
    env.update(E2E_STACK_ENV=json.dumps(stack.env), E2E_PYTHON=sys.executable, E2E_ROOT=str(ROOT))
    command = ["node", "--test", "--test-concurrency=1", "--test-reporter=spec", *options, file]
    proc = subprocess.run(command, cwd=FRONTEND, env=env, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.decode("utf-8", "replace")
    logs = ""
    if proc.returncode != 0:
        logs = "\n".join(
            f"--- {service}.log (tail)\n{path.read_text(errors='replace')[-3000:]}"
            for service, path in stack.logs.items()
            if path.exists()
        )
    return proc.returncode, output, logs


def run_file(
    file: str, options: list[str], template: Path, password: str, spa: Path, shared: SharedPlatform | None = None
) -> Outcome:
    started = time.monotonic()
    name = "e2e-" + Path(file).name.removesuffix(".test.mjs")
    try:
        if shared is not None:
            try:
                returncode, output, logs = run_on(file, options, shared.take())
            finally:
                shared.release()
            return Outcome(file, returncode, time.monotonic() - started, output, logs)
        extra = {"SPA_DIR": str(spa)}
        with Stack(name=name, test_profile=True, data_from=template, password=password, extra_env=extra) as stack:
            returncode, output, logs = run_on(file, options, stack)
            return Outcome(file, returncode, time.monotonic() - started, output, logs)
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:  # no platform: this file failed, not the others
        return Outcome(file, 1, time.monotonic() - started, f"e2e: the platform for {file} failed: {exc}\n")


def run_sequence(files: tuple[str, ...], options: list[str], template: Path, password: str, spa: Path) -> list[Outcome]:
    """``files`` one after another on one platform started on the copy; a file's time is its own run (the first
    also carries the platform's start)."""
    started = time.monotonic()
    name = "e2e-" + Path(files[0]).name.removesuffix(".test.mjs") + "-seq"
    outcomes: list[Outcome] = []
    try:
        extra = {"SPA_DIR": str(spa)}
        with Stack(name=name, test_profile=True, data_from=template, password=password, extra_env=extra) as stack:
            for file in files:
                returncode, output, logs = run_on(file, options, stack)
                outcomes.append(Outcome(file, returncode, time.monotonic() - started, output, logs))
                started = time.monotonic()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:  # no platform: these files failed
        done = {o.file for o in outcomes}
        outcomes += [
            Outcome(f, 1, time.monotonic() - started, f"e2e: the platform for {f} failed: {exc}\n")
            for f in files
            if f not in done
        ]
    return outcomes


def sequences_in(files: list[str]) -> list[tuple[str, ...]]:
    """The ``SEQUENCES`` all of whose files are in this run."""
    return [seq for seq in SEQUENCES if all(f in files for f in seq)]


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not (FRONTEND / "dist" / "index.html").is_file():
        print("e2e: frontend/dist is missing; run `make frontend` first", file=sys.stderr)
        return 1
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium).exists() and not shutil.which("chromium"):
        if os.environ.get("CI", "").lower() in ("1", "true"):
            print("e2e: chromium is required in CI (apt-get install chromium)", file=sys.stderr)
            return 1
        print("e2e: skipped, chromium is not installed (apt-get install chromium)")
        return 0
    options = [a for a in args if a.startswith("--")]
    share_tls_context()  # the readiness polls and the seed's clients: one TLS context, not one per request
    files = longest_first(journey_files(args))
    if not files:
        print("e2e: no journey files", file=sys.stderr)
        return 1
    jobs = max(1, min(len(files), int(os.environ.get("E2E_JOBS") or (os.cpu_count() or 1) + 1)))
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="sanquan-e2e-template-"))
    try:
        # the SPA as built now: a `make frontend` elsewhere in the checkout empties frontend/dist while it builds
        spa = shutil.copytree(FRONTEND / "dist", workdir / "dist")
        with Stack(name="e2e-seed", test_profile=True, extra_env={"SPA_DIR": str(spa)}) as seeded:
            seeded.seed_demo()
            template = seeded.snapshot(workdir / "data")
            password = seeded.password
        seeded_in = time.monotonic() - started
        readers = [f for f in files if shares_platform(f)]
        shared = SharedPlatform(readers, template, password, spa) if len(readers) > 1 else None
        sequences = sequences_in([f for f in files if f not in readers])
        in_sequence = {f: seq for seq in sequences for f in seq}
        # the work items, longest first: a sequence where its first file stood in that order, the rest one by one
        units: list[tuple[str, ...]] = []
        for f in files:
            if f not in in_sequence:
                units.append((f,))
            elif in_sequence[f][0] == f:
                units.append(in_sequence[f])
        print(
            f"e2e: demo seeded in {seeded_in:.1f}s; {len(files)} files, {jobs} at a time"
            + (f", {len(readers)} on one shared platform" if shared else "")
            + (f", {sum(map(len, sequences))} in {len(sequences)} sequences" if sequences else ""),
            flush=True,
        )
        lock = threading.Lock()

        def one(unit: tuple[str, ...]) -> list[Outcome]:
            if len(unit) > 1:
                got = run_sequence(unit, options, template, password, spa)
            else:
                got = [run_file(unit[0], options, template, password, spa, shared if unit[0] in readers else None)]
            with lock:
                for outcome in got:
                    status = "passed" if outcome.returncode == 0 else f"FAILED (exit {outcome.returncode})"
                    where = f" (in sequence {' → '.join(unit)})" if len(unit) > 1 else ""
                    print(f"\n===== e2e {outcome.file}: {status} in {outcome.seconds:.1f}s{where}", flush=True)
                    print(outcome.output, end="" if outcome.output.endswith("\n") else "\n", flush=True)
            return got

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outcomes = [o for got in pool.map(one, units) for o in got]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    remember(outcomes)
    failed = [o for o in outcomes if o.returncode != 0]
    for o in failed:
        print(f"\n===== FAILED: {o.file} (exit {o.returncode})\n{o.output[-6000:]}\n{o.logs}", flush=True)
    total = time.monotonic() - started
    summary = ", ".join(f"{Path(o.file).name} {o.seconds:.0f}s" for o in outcomes)
    print(f"\ne2e: {len(outcomes) - len(failed)} of {len(outcomes)} files passed in {total:.1f}s ({summary})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
