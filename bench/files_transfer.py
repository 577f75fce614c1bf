"""Files through the real platform (issue #16): the attachment endpoints of docs/attachments-api.md on the
gateway and the services as separate processes (tests/harness.py), and nginx (Debian's nginx-light, a non-root
process on a free high port) in front, as deployed.

1. **A 200 MB upload through the gateway**: the growth of the gateway's and the service's resident memory (peak
   RSS, VmHWM reset through /proc/<pid>/clear_refs just before; after a 1 MB warm-up upload), bound 32 MB each;
   the 1 MB upload's growth is printed beside it (what does not grow with the size).
2. **50 concurrent 5 MB uploads** (different files): wall time, errors, latency p50/p95 — beside the same 50
   files sent one after another in the same run.
3. **Download throughput of the 200 MB file**: nginx serving the same bytes from disk (baseline) against the
   platform behind nginx (the service checks the reader's scope and answers ``X-Accel-Redirect``, nginx sends
   the file), interleaved rounds, median MB/s and the ratio (target >= 0.8x); then the same beside ``make run``'s
   path without nginx (the service streams a FileResponse through the gateway), after restarting the service
   without ``STORAGE_ACCEL_PREFIX``.

The client is curl (C: it does not cap what it measures). Run as root, nginx drops to ``nobody`` (setpriv) and
the files are made readable to it for the run.

    .venv/bin/python bench/files_transfer.py [--mb 200] [--concurrent 50] [--each-mb 5] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.harness import Stack, free_port  # noqa: E402

API = "/api/training/attachments"
USER = "u1_d1_staff1"
MiB = 1 << 20


# -- files ---------------------------------------------------------------------------------------------------------
def write_pdf(path: Path, size: int) -> None:
    """A valid one-page PDF of about ``size`` bytes: an ASCIIHex image stream of random bytes (hex digits only,
    so that no name such as /JS or /Launch can appear in it by chance)."""
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    payload = max(size - 700, 2) // 2 * 2
    side = 1
    while (side * 2) ** 2 * 2 <= payload:
        side *= 2
    objects_before = [
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >>"
        b" /Contents 5 0 R >>\nendobj\n",
    ]
    offsets = []
    with path.open("wb") as f:
        f.write(head)
        for obj in objects_before:
            offsets.append(f.tell())
            f.write(obj)
        offsets.append(f.tell())
        f.write(
            b"4 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
            b" /BitsPerComponent 8 /Filter /ASCIIHexDecode /Length %d >>\nstream\n" % (side, side, payload)
        )
        left = payload
        while left:
            n = min(left, 8 * MiB)
            f.write(os.urandom(n // 2).hex().encode())
            left -= n
        f.write(b"\nendstream\nendobj\n")
        offsets.append(f.tell())
        content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
        f.write(b"5 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(content), content))
        xref = f.tell()
        f.write(b"xref\n0 6\n0000000000 65535 f \n")
        for off in offsets:
            f.write(b"%010d 00000 n \n" % off)
        f.write(b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)


# -- processes -----------------------------------------------------------------------------------------------------
def group_pids(leader: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == leader:  # pgrp
                pids.append(int(entry.name))
    return pids


def status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


class Memory:
    """The peak RSS growth of every process of a service's process group (the largest is reported)."""

    def __init__(self, leader: int) -> None:
        self.pids = group_pids(leader)

    def __enter__(self) -> Memory:
        self.before = {}
        for pid in self.pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
            self.before[pid] = status(pid, "VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth = max(status(pid, "VmHWM") - rss for pid, rss in self.before.items())


def curl(*args: str) -> tuple[int, int, float]:
    """(HTTP status, bytes received, seconds)."""
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", *args],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return int(out[0]), int(out[1]), float(out[2])


def upload(base: str, token: str, path: Path, name: str) -> tuple[int, float]:
    started = time.perf_counter()
    r = subprocess.run(
        [
            "curl", "-s", "-X", "POST", "-T", str(path), "-H", f"Authorization: Bearer {token}",
            "-H", "Content-Type: application/octet-stream", "-w", "\n%{http_code}",
            f"{base}{API}?filename={quote(name)}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    body, _, code = r.stdout.rpartition("\n")
    if code != "201":
        print(f"  upload {name}: {code} {body[:300]}", file=sys.stderr)
    upload.last = body  # type: ignore[attr-defined]
    return int(code or 0), time.perf_counter() - started


NGINX_CONF = """
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ application/pdf pdf; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size {max_body};
        location /static/ {{ alias {static}/; }}
        location /_files/ {{ internal; alias {files}/; }}
        location /api/ {{
            proxy_pass http://127.0.0.1:{gateway};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


def start_nginx(
    tmp: Path, *, gateway: int, files: Path, static: Path, max_body: str
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / d).mkdir(parents=True, exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(tmp=tmp, port=port, gateway=gateway, files=files, static=static, max_body=max_body)
    )
    cmd = ["nginx", "-c", str(conf), "-g", "daemon off;"]
    if os.geteuid() == 0:  # not as root: nobody, which must be able to read what it serves
        subprocess.run(["chown", "-R", "nobody:nogroup", str(tmp)], check=True)
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
    proc = subprocess.Popen(cmd, start_new_session=True)
    for _ in range(50):
        if curl(f"http://127.0.0.1:{port}/static/x")[0] in (200, 404):
            break
        time.sleep(0.1)
    return proc, port


def readable_by_others(path: Path, stop: Path) -> None:
    """o+rx on the folders from ``stop`` to ``path``'s parent and o+r on ``path`` (nginx runs as nobody)."""
    path.chmod(path.stat().st_mode | 0o004)
    for parent in path.parents:
        parent.chmod(parent.stat().st_mode | 0o005)
        if parent == stop:
            break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--each-mb", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if shutil.which("nginx") is None or shutil.which("curl") is None:
        raise SystemExit("needs nginx and curl: apt-get install nginx-light curl")

    work = Path(tempfile.mkdtemp(prefix="bench-files-"))
    work.chmod(0o755)
    big = work / "static" / "big.pdf"
    big.parent.mkdir()
    write_pdf(big, args.mb * 1000 * 1000)
    warm = work / "warm.pdf"
    write_pdf(warm, 1000 * 1000)
    small = []
    for i in range(args.concurrent):
        small.append(work / f"small-{i}.pdf")
        write_pdf(small[-1], args.each_mb * 1000 * 1000)
    limit = str(args.mb * MiB + 16 * MiB)
    extra = {
        "UPLOAD_MAX_DOCUMENT_BYTES": limit,
        "MAX_BODY_BYTES": limit,
        "STORAGE_ACCEL_PREFIX": "/_files/",
        "TRAINING_MAX_IN_FLIGHT": "200",
        "GATEWAY_MAX_IN_FLIGHT": "200",
        "GATEWAY_UPSTREAM_READ_TIMEOUT": "300",
    }
    print(f"files through the platform ({args.backend}; {os.cpu_count()} CPUs, shared): {args.mb} MB PDF")
    nginx_holder: list[subprocess.Popen[bytes]] = []
    try:
        run(args, big, warm, small, limit, extra, nginx_holder)
    finally:
        for proc in nginx_holder:
            os.killpg(proc.pid, signal.SIGQUIT)
            proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def run(
    args: argparse.Namespace,
    big: Path,
    warm: Path,
    small: list[Path],
    limit: str,
    extra: dict[str, str],
    nginx_holder: list[subprocess.Popen[bytes]],
) -> None:
    work = big.parent.parent
    with Stack(backend=args.backend, name="bench_files", extra_env=extra) as stack:
        stack.seed_demo(areas=())
        token = stack.token(USER)
        gateway, training = stack.procs["gateway"].pid, stack.procs["training"].pid

        # 1. memory of one large upload through the gateway (not nginx: the gateway's own streaming)
        code, _ = upload(stack.url, token, warm, "warm-up.pdf")
        assert code == 201
        for label, path in (("1 MB", warm), (f"{args.mb} MB", big)):
            with Memory(gateway) as gw, Memory(training) as svc:
                code, seconds = upload(stack.url, token, path, f"证书 {label}.pdf")
            assert code == 201, code
            print(
                f"upload {label:>7} via gateway: {seconds:6.2f} s  RSS growth gateway {gw.growth / MiB:6.1f} MiB,"
                f" training {svc.growth / MiB:6.1f} MiB (bound 32 MB)"
            )
        big_item = json.loads(upload.last)  # type: ignore[attr-defined]

        # 2. 50 concurrent 5 MB uploads, beside the same files one after another
        def one(i: int) -> tuple[int, float]:
            return upload(stack.url, token, small[i], f"签到表-{i}.pdf")

        started = time.perf_counter()
        sequential = [one(i) for i in range(args.concurrent)]
        seq_time = time.perf_counter() - started
        for i in range(args.concurrent):  # new content: nothing deduplicated in the concurrent run
            write_pdf(small[i], args.each_mb * 1000 * 1000)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrent) as pool:
            concurrent = list(pool.map(one, range(args.concurrent)))
        conc_time = time.perf_counter() - started
        for label, results, wall in (
            ("one after another", sequential, seq_time),
            ("concurrent", concurrent, conc_time),
        ):
            errors = sum(1 for code, _ in results if code != 201)
            lat = sorted(t for _, t in results)
            p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
            mb = args.concurrent * args.each_mb
            print(
                f"{args.concurrent} x {args.each_mb} MB {label:<18}: {wall:6.2f} s ({mb / wall:6.1f} MB/s)"
                f"  errors {errors}  p50 {statistics.median(lat):5.2f} s  p95 {p95:5.2f} s"
            )
        print(f"  concurrent / one after another (wall time): {conc_time / seq_time:.2f}x")

        # 3. downloads: nginx from disk vs the platform behind nginx (X-Accel-Redirect)
        files = stack.data_dir / "files"
        sha = big_item["sha256"]
        readable_by_others(files / "training" / sha[:2] / sha[2:4] / sha, stack.data_dir.parent)
        readable_by_others(big, work.parent)
        nginx, port = start_nginx(
            work / "nginx", gateway=stack.ports["gateway"], files=files, static=big.parent, max_body=limit
        )
        nginx_holder.append(nginx)
        auth = f"Authorization: Bearer {token}"
        content = f"{API}/{big_item['id']}/content"
        ways = {
            "nginx from disk": [f"http://127.0.0.1:{port}/static/big.pdf"],
            "platform behind nginx (X-Accel)": ["-H", auth, f"http://127.0.0.1:{port}{content}"],
        }

        def rounds(ways: dict[str, list[str]]) -> dict[str, list[float]]:
            speeds: dict[str, list[float]] = {k: [] for k in ways}
            for _ in range(args.rounds):
                for name, a in ways.items():
                    code, size, seconds = curl(*a)
                    assert code == 200 and size == big.stat().st_size, (name, code, size)
                    speeds[name].append(size / seconds / 1e6)
            return speeds

        def report(speeds: dict[str, list[float]]) -> None:
            base = statistics.median(speeds["nginx from disk"])
            for name, values in speeds.items():
                m = statistics.median(values)
                print(f"download {args.mb} MB {name:<34}: median {m:8.1f} MB/s  {m / base:5.2f}x nginx")

        rounds(ways)  # warm the page cache and the connections
        report(rounds(ways))
        # without nginx (make run): the service streams the file through the gateway
        stack.kill("training", signal.SIGTERM)
        stack.env.pop("STORAGE_ACCEL_PREFIX")
        stack.start("training")
        direct = {
            "nginx from disk": ways["nginx from disk"],
            "platform without nginx (streamed)": ["-H", auth, f"{stack.url}{content}"],
        }
        report(rounds(direct))


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
