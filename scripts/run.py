"""``make run``: migrate, start the gateway and the four services, seed the demo province when the database is
empty, print the URL and the demo logins, and stop everything cleanly on Ctrl-C.

The processes are started with the same entrypoint as the containers (``python -m sanquan_kernel.cli serve``, the
service named by ``--service`` here and by ``SANQUAN_SERVICE`` in the image), and the webhook delivery worker with
the gateway's ``webhooks`` command, as compose's ``webhooks`` service (``GATEWAY_WEBHOOK_WORKER=true`` keeps it a
thread of the gateway instead).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

ENTRYPOINT = "sanquan_kernel.cli"
SERVICES = [
    ("plans", "PLANS_PORT", 8001),
    ("training", "TRAINING_PORT", 8002),
    ("evaluation", "EVALUATION_PORT", 8003),
    ("hall", "HALL_PORT", 8004),
]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATA_DIR", str(ROOT / "var"))
    env.setdefault("DEMO_PASSWORD", "Demo@2026")
    env.setdefault("DEMO_DATA", "1")
    env.setdefault("GATEWAY_PORT", "8000")
    # The webhooks are delivered by a process of their own at a lower priority, as in compose (#18).
    env.setdefault("GATEWAY_WEBHOOK_WORKER", "false")
    env.setdefault("SPA_DIR", str(ROOT / "frontend" / "dist"))
    if env["DEMO_DATA"] != "0":
        env.setdefault("ADMIN_USERNAME", "admin")
        env.setdefault("ADMIN_PASSWORD", env["DEMO_PASSWORD"])
    gw = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    env.setdefault("GATEWAY_INTERNAL_URL", gw)
    for name, port_var, default in SERVICES:
        port = env.setdefault(port_var, str(default))
        env.setdefault(f"GATEWAY_{name.upper()}_URL", f"http://127.0.0.1:{port}")
    env.setdefault("EVALUATION_PLANS_URL", env["GATEWAY_PLANS_URL"])
    env.setdefault("EVALUATION_TRAINING_URL", env["GATEWAY_TRAINING_URL"])
    env.setdefault("EVALUATION_HALL_URL", env["GATEWAY_HALL_URL"])
    return env


def _pipe(name: str, proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdout is not None
    for line in iter(proc.stdout.readline, b""):
        sys.stdout.write(f"{name:10} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def start(env: dict[str, str]) -> list[tuple[str, subprocess.Popen[bytes]]]:
    procs = []
    ports = [("gateway", "GATEWAY_PORT"), *((name, port_var) for name, port_var, _ in SERVICES)]
    commands = [(name, [PY, "-m", ENTRYPOINT, "--service", name, "serve", "--port", env[var]]) for name, var in ports]
    if env["GATEWAY_WEBHOOK_WORKER"].lower() in ("false", "0", "no", "off"):
        commands.append(("webhooks", [PY, "-m", ENTRYPOINT, "--service", "gateway", "webhooks"]))
    for name, cmd in commands:
        p = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        threading.Thread(target=_pipe, args=(name, p), daemon=True).start()
        procs.append((name, p))
    return procs


def wait_ready(env: dict[str, str], procs: list[tuple[str, subprocess.Popen[bytes]]], timeout: float = 120) -> None:
    urls = {"gateway": f"http://127.0.0.1:{env['GATEWAY_PORT']}/readyz"}
    urls.update({name: f"http://127.0.0.1:{env[port_var]}/readyz" for name, port_var, _ in SERVICES})
    deadline = time.time() + timeout
    pending = dict(urls)
    while pending and time.time() < deadline:
        for name, p in procs:
            if p.poll() is not None:
                raise SystemExit(f"{name} exited with {p.returncode}")
        for name, url in list(pending.items()):
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if pending:
        raise SystemExit(f"not ready after {timeout:.0f}s: {', '.join(pending)}")


def stop(procs: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    for _, p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.time() + 10
    for _, p in procs:
        try:
            p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops everything as Ctrl-C does


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    # DATA_DIR (databases, keys, secrets) and whatever the processes create there: this user's only.
    os.umask(0o077)
    env = environment()
    os.environ.update(env)
    procs = start(env)
    try:
        wait_ready(env, procs)
        base = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        if env["DEMO_DATA"] != "0":
            sys.path.insert(0, str(ROOT))
            from scripts.seed_demo import AREAS, seed_if_empty

            seed_if_empty(base, env["ADMIN_USERNAME"], env["DEMO_PASSWORD"], (*AREAS, "hall"))
        print(f"\n  The platform is running at {base}\n", flush=True)
        if env["DEMO_DATA"] != "0":
            print(
                f"  Demo logins (password {env['DEMO_PASSWORD']!r}): admin (province), expert1..3, u1_admin, "
                "u1_d1_mgr, u1_d1_staff1 (see README)\n",
                flush=True,
            )
        print("  Ctrl-C stops everything.\n", flush=True)
        while all(p.poll() is None for _, p in procs):
            time.sleep(0.5)
        dead = [name for name, p in procs if p.poll() is not None]
        print(f"stopped: {', '.join(dead)} exited", flush=True)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    finally:
        stop(procs)


if __name__ == "__main__":
    main()
