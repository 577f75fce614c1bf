"""Memory of a large upload through the kernel's storage (issue #16): 200 MB streamed in 1 MiB chunks through
``spool``/``aspool`` and ``commit`` on the filesystem and on S3 (moto's server in a child process, so that its
copy of the object is not counted here), a 50 MB PDF (one 50 MB stream) and a 40-megapixel JPEG (the default
pixel limit: decoded to be cleaned, so its memory is the picture's, about 3 bytes a pixel) through ``intake``.

For each: the peak of Python allocations (tracemalloc) and the growth of the process's peak RSS (VmHWM, reset
through /proc/self/clear_refs before each run), against the 32 MB bound of the issue.

    .venv/bin/python bench/storage_stream.py [--mb 200]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

from sanquan_kernel.storage import FilesystemStorage, IntakePolicy, S3Storage, aintake, intake

CHUNK = os.urandom(1 << 20)


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def measure(name: str, fn: Callable[[], Any]) -> None:
    import gc

    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    rss0 = _status("VmRSS")
    tracemalloc.start()
    started = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    growth = _status("VmHWM") - rss0
    print(f"{name:<44} {elapsed:6.2f} s   python peak {peak / 2**20:6.2f} MiB", end="")
    print(f"   RSS peak growth {growth / 2**20:6.2f} MiB")


def chunks(mb: int) -> Iterator[bytes]:
    for _ in range(mb):
        yield CHUNK


async def achunks(mb: int) -> AsyncIterator[bytes]:
    for _ in range(mb * 16):  # 64 KiB pieces, as an ASGI server delivers a body
        yield CHUNK[: 1 << 16]


def _pdf(mb: int) -> bytes:
    stream = b"0 0 m\n" * (mb * (1 << 20) // 6)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="storage-bench-"))
    fs = FilesystemStorage(root / "files", "bench")
    measure(f"filesystem: spool+commit {args.mb} MB", lambda: fs.put(chunks(args.mb), limit=1 << 40))
    fs2 = FilesystemStorage(root / "files2", "bench")

    async def aput() -> None:
        spooled = await fs2.aspool(achunks(args.mb), limit=1 << 40)
        fs2.commit(spooled)

    measure(f"filesystem: aspool+commit {args.mb} MB (64 KiB)", lambda: asyncio.run(aput()))

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    moto = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        s3 = S3Storage(
            bucket="bench-files",
            namespace="bench",
            spool_dir=root / "spool",
            endpoint_url=f"http://127.0.0.1:{port}",
            access_key_id="bench",
            secret_access_key="bench-secret",
        )
        s3.client.create_bucket(Bucket="bench-files")
        s3.put(chunks(1), limit=1 << 40)  # boto3's first-call set-up is not the upload's
        measure(f"s3: spool+commit {args.mb} MB (multipart)", lambda: s3.put(chunks(args.mb), limit=1 << 40))
    finally:
        moto.terminate()
        moto.wait()

    pdf = _pdf(50)
    policy = IntakePolicy(limits={**IntakePolicy().limits, "pdf": 64 << 20})
    fs3 = FilesystemStorage(root / "files3", "bench")

    def pdf_intake() -> None:
        with intake(fs3, io.BytesIO(pdf), filename="big.pdf", policy=policy) as a:
            fs3.commit(a.file)

    measure(f"intake of a {len(pdf) >> 20} MB PDF (one stream)", pdf_intake)

    async def pdf_aintake() -> None:
        async def body() -> AsyncIterator[bytes]:
            for i in range(0, len(pdf), 1 << 16):
                yield pdf[i : i + (1 << 16)]

        with await aintake(fs3, body(), filename="big.pdf", policy=policy) as a:
            fs3.commit(a.file)

    measure(f"aintake of a {len(pdf) >> 20} MB PDF (one stream)", lambda: asyncio.run(pdf_aintake()))
    from PIL import Image

    im = Image.linear_gradient("L").resize((8000, 5000)).convert("RGB")  # 40 MP, the default limit
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    del im
    jpeg = buf.getvalue()
    del buf

    def image_intake() -> None:
        with intake(fs3, io.BytesIO(jpeg), filename="photo.jpg", policy=IntakePolicy()) as a:
            fs3.commit(a.file)

    measure(f"intake of a 40 MP JPEG ({len(jpeg) >> 20} MB), re-encoded", image_intake)
    import shutil

    shutil.rmtree(root)


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
