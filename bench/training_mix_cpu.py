"""Issue #21, stop 27: the training service's CPU per request of the load mix's training requests — a staff
member's ledger, a campus push (POST /api/training/records with an external_id; its outbox event relayed to the
gateway), the compliance report by department and the staff list — for the code of a baseline commit and for
this tree, side by side, on one platform (PostgreSQL).

The training service is restarted between rounds with the baseline's sources first on ``PYTHONPATH`` (a git
worktree: ``git worktree add /tmp/base HEAD~1``) or with this tree's; rounds alternate (base, new, base, new …)
so that a busy machine weighs on both alike. Each round sends every request straight at the training service with
``wrk -c4`` for ``--seconds`` and counts the service's CPU (user + system, all workers and its outbox relay thread)
and its PostgreSQL backends' CPU, per request; the ratio new/base is the figure to read.

    .venv/bin/python bench/training_mix_cpu.py --base /tmp/base [--rounds 3] [--seconds 8] [--only push ledger]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from sanquan_kernel import clock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from service_cpu import cpu_seconds  # noqa: E402

from tests.harness import Stack  # noqa: E402

REGISTER = 200  # staff of the campus register the pushes land on (not the demo people whose ledgers are read)

PUSH_LUA = """
local n = 0
local run = "%(run)s"
local nos = {%(nos)s}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local body = string.format(
    '{"employee_no":"%%s","title":"线上安全教育微课","taken_on":"%(year)d-03-%%02d","hours":1.5,"days":0,'
    .. '"themes":["safety"],"organizer_level":"university","external_id":"mix-%%s-%%d"}',
    nos[(n %% #nos) + 1], 1 + n %% 28, run, n)
  return wrk.format(nil, nil, nil, body)
end
"""


def _pythonpath(tree: Path) -> str:
    parts = [tree / "kernel" / "src", tree / "services" / "training" / "src"]
    return os.pathsep.join(str(p) for p in parts)


def _backends(stack: Stack, database: str) -> dict[int, float]:
    import psycopg

    from sanquan_kernel import testing as kt

    dsn = kt.postgres_admin_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        pids = [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,)
            )
        ]
    return {pid: cpu_seconds(pid) for pid in pids}


def _pg_spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(v - before.get(pid, 0.0) for pid, v in after.items())


def _register(stack: Stack) -> tuple[str, list[str]]:
    with stack.client("u1_admin") as c:
        me = c.get("/api/auth/me").json()
        client = c.post(
            "/api/clients",
            json={"name": "mix HR", "org_id": me["org_id"], "scopes": ["training:read", "training:write"]},
        ).json()
        demo = c.get("/api/training/staff", params={"limit": 500}).json()["items"]
        departments = sorted({s["department_id"] for s in demo})
        nos = [f"M-{k:05d}" for k in range(REGISTER)]
        for i, no in enumerate(nos):
            body = {"name": f"职工{no}", "department_id": departments[i % len(departments)], "active": True}
            body["employment_type"] = "contract"
            r = c.put(f"/api/training/staff/by-employee-no/{no}", json=body)
            if r.status_code >= 300:
                raise SystemExit(f"register {no}: {r.status_code} {r.text}")
    return stack.client_token(client["client_id"], client["client_secret"]), nos


def _restart(stack: Stack) -> None:
    """Start the training service again (the shared PostgreSQL server may refuse a connection for a moment)."""
    for attempt in range(10):
        try:
            stack.start(only="training")
            return
        except RuntimeError:
            if attempt == 9:
                raise
            stack.kill("training", 15)
            time.sleep(3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, required=True, help="a worktree of the baseline commit")
    parser.add_argument("--new", type=Path, default=ROOT, help="the tree measured against it (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--profile", type=Path, help="py-spy the new tree's measured runs into this directory")
    parser.add_argument("--only", nargs="*", help="only the requests whose label contains one of these words")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    trees = {"base": args.base.resolve(), "new": args.new.resolve()}
    with Stack(backend="postgresql", name="bench_trmix", extra_env={"TRAINING_WORKERS": "1"}) as stack:
        stack.seed_demo()
        year = clock.today().year
        staff_token = stack.token("u1_d1_staff1")
        admin_token = stack.token("u1_admin")
        mine = httpx.get(f"{stack.url}/api/training/staff", headers={"Authorization": f"Bearer {staff_token}"})
        staff_id = mine.json()["items"][0]["id"]
        push_token, nos = _register(stack)
        training = stack.service_url("training")
        database = next(d for d in stack.databases if "_training_" in d)
        lua_dir = Path(tempfile.mkdtemp(prefix="trmix-"))
        cases = [
            ("/healthz (floor)", "GET", f"{training}/healthz", staff_token),
            ("staff ledger", "GET", f"{training}/api/training/staff/{staff_id}/ledger?year={year}", staff_token),
            ("campus push", "POST", f"{training}/api/training/records", push_token),
            (
                "compliance by dept",
                "GET",
                f"{training}/api/training/compliance?year={year}&group_by=department",
                admin_token,
            ),
            ("staff list, 50", "GET", f"{training}/api/training/staff?limit=50", admin_token),
        ]
        if args.only:
            cases = [c for c in cases if c[0].startswith("/healthz") or any(o in c[0] for o in args.only)]
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for rnd in range(args.rounds):
            for variant in ("base", "new") if rnd % 2 == 0 else ("new", "base"):
                stack.kill("training", 15)
                stack.env["PYTHONPATH"] = _pythonpath(trees[variant])
                _restart(stack)
                pid = stack.procs["training"].pid
                for label, method, url, token in cases:

                    def wrk(method: str = method, token: str = token) -> list[str]:
                        cmd = ["wrk", "-c4", "-t1", "-H", f"Authorization: Bearer {token}"]
                        if method == "POST":  # new external ids every run: every push stores a record
                            lua = lua_dir / f"push-{uuid.uuid4().hex[:8]}.lua"
                            nums = ",".join(f'"{n}"' for n in nos)
                            lua.write_text(PUSH_LUA % {"run": lua.stem, "nos": nums, "year": year})
                            cmd += ["-s", str(lua)]
                        return cmd

                    subprocess.run([*wrk(), "-d2s", url], capture_output=True, check=True)  # warm
                    time.sleep(0.5)  # the relay's round after the warm-up
                    before, pg_before = cpu_seconds(pid), _backends(stack, database)
                    spy = None
                    if args.profile and variant == "new":
                        args.profile.mkdir(parents=True, exist_ok=True)
                        flame = args.profile / f"{label.replace(' ', '_').replace(',', '')}-{rnd}.txt"
                        spy = subprocess.Popen(
                            [
                                str(Path(sys.executable).parent / "py-spy"),
                                "record",
                                "-p",
                                str(pid),
                                "--subprocesses",
                                "-r",
                                "200",
                                "-d",
                                str(args.seconds),
                                "-f",
                                "raw",
                                "-o",
                                str(flame),
                                "--nonblocking",
                                "--gil",
                            ],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    out = subprocess.run(
                        [*wrk(), f"-d{args.seconds}s", url], capture_output=True, text=True, check=True
                    ).stdout
                    time.sleep(0.5)  # the last events relayed, counted
                    if spy is not None:
                        spy.wait()
                    spent, pg = cpu_seconds(pid) - before, _pg_spent(pg_before, _backends(stack, database))
                    n = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
                    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
                    if non2xx:
                        raise SystemExit(f"{variant} {label}: {non2xx.group(1)} answers were not 2xx:\n{out}")
                    results.setdefault((label, variant), []).append((1000 * spent / n, 1000 * pg / n))
                    print(
                        f"round {rnd} {variant:4} {label:20} {n / args.seconds:7.0f} req/s "
                        f"{1000 * spent / n:6.2f} ms service {1000 * pg / n:6.2f} ms pg",
                        flush=True,
                    )
    print(f"\nTraining CPU per request (ms, median of {args.rounds} rounds; wrk -c4 at the service, PostgreSQL)")
    print(f"{'request':20} {'base svc':>9} {'new svc':>9} {'new/base':>9} {'base pg':>9} {'new pg':>9} {'new/base':>9}")
    for label, *_ in cases:
        b, n = sorted(results[(label, "base")]), sorted(results[(label, "new")])
        bs, ns = sorted(x[0] for x in b)[len(b) // 2], sorted(x[0] for x in n)[len(n) // 2]
        bp, np_ = sorted(x[1] for x in b)[len(b) // 2], sorted(x[1] for x in n)[len(n) // 2]
        print(f"{label:20} {bs:9.2f} {ns:9.2f} {ns / bs:9.2f} {bp:9.2f} {np_:9.2f} {np_ / max(bp, 1e-9):9.2f}")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
