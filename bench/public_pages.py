"""The public pages' API behind nginx (issue #19): can the compose edge serve ``/api/public/`` at 1,000 req/s?

The platform runs as processes (tests/harness.py: gateway and services, the demo seeded: the final pilot
selection is a public result), with nginx (Debian's nginx-light) in front on the compose template
(ops/nginx/default.conf.template, rendered as the image's entrypoint does). wrk reads ``GET /api/public/results``:

- **cached**: the template as deployed (``proxy_cache public_api``);
- **uncached (baseline)**: the same template with ``proxy_cache off`` in the public location, so every request
  goes through the gateway to the evaluation service.

The two alternate over several rounds (a neighbour's burst on this shared machine hits both); the table shows each
run and the ratio of the medians.

    .venv/bin/python bench/public_pages.py [--seconds 10] [--rounds 3] [--connections 64]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness import Stack, free_port  # noqa: E402
from tests.ops.conftest import load_compose  # noqa: E402
from tests.ops.test_files_s3 import NGINX_TEMPLATE, dotenv, interpolate, render  # noqa: E402

PATH = "/api/public/results"


def start_nginx(gateway: str, cached: bool, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    values = {k: interpolate(v, dotenv()) for k, v in load_compose()["services"]["frontend"]["environment"].items()}
    values.update(GATEWAY_UPSTREAM=gateway, NGINX_RESOLVER="127.0.0.1", S3_UPSTREAM=f"127.0.0.1:{free_port()}")
    port = free_port()
    server = render(NGINX_TEMPLATE.read_text(), values).replace("listen 8080;", f"listen 127.0.0.1:{port};")
    server = server.replace("/tmp/nginx_public_cache", str(workdir / "cache"))
    server = server.replace("root /usr/share/nginx/html;", f"root {workdir};")
    if not cached:
        server = server.replace("proxy_cache public_api;", "proxy_cache off;")
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n client_body_temp_path {workdir}/body;\n"
        f" proxy_temp_path {workdir}/proxy;\n fastcgi_temp_path {workdir}/fcgi;\n uwsgi_temp_path {workdir}/uwsgi;\n"
        f" scgi_temp_path {workdir}/scgi;\n keepalive_requests 100000;\n{server}\n}}\n"
    )
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(workdir), "-g", "daemon off;"])
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{base}/nginx-health", timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.05)
    proc.terminate()
    raise SystemExit("nginx did not start")


def wrk(url: str, connections: int, seconds: int) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", f"-c{connections}", "-t2", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    assert m, out
    value, unit = float(m.group(1)), m.group(2)
    median_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"errors during the run: {bad.group(0)}\n{out}")
    return rps, median_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with Stack(name="bench_public") as stack:
        stack.seed_demo()
        gateway = stack.url.removeprefix("http://")
        body = httpx.get(stack.url + PATH).json()
        print(f"GET {PATH}: {len(body['items'])} campaign(s), {len(httpx.get(stack.url + PATH).content)} bytes")
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            cached, cached_url = start_nginx(gateway, True, Path(a))
            plain, plain_url = start_nginx(gateway, False, Path(b))
            try:
                for base in (cached_url, plain_url):
                    wrk(base + PATH, 4, 2)  # warm up: pools, the cache entry
                rows = []
                for _ in range(args.rounds):
                    rows.append(
                        (
                            wrk(plain_url + PATH, args.connections, args.seconds),
                            wrk(cached_url + PATH, args.connections, args.seconds),
                        )
                    )
            finally:
                for p in (cached, plain):
                    p.terminate()
                    p.wait(10)
    print(f"\nPublic results through nginx, wrk -c{args.connections} -t2, {args.seconds}s per run")
    print(f"{'round':6} {'uncached rps':>13} {'cached rps':>11} {'ratio':>6} {'uncached p50':>13} {'cached p50':>11}")
    for n, ((u_rps, u_med), (c_rps, c_med)) in enumerate(rows, 1):
        print(f"{n:<6} {u_rps:13.0f} {c_rps:11.0f} {c_rps / u_rps:6.1f} {u_med:11.2f}ms {c_med:9.2f}ms")
    u = statistics.median(r[0][0] for r in rows)
    c = statistics.median(r[1][0] for r in rows)
    print(f"median: uncached {u:.0f} req/s, cached {c:.0f} req/s, ratio {c / u:.1f}x (target: cached >= 1000 req/s)")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
