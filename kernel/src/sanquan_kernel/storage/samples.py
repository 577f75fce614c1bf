"""Files for the services' attachment tests (issue #16): good ones of each kind, the hostile ones the issue names
(a renamed program, a polyglot, a PNG bomb, a PDF with JavaScript), documents that name their author, and an
S3-compatible server (moto's, a dev dependency) for the S3 backend. Test support only: nothing here runs in a
service."""

from __future__ import annotations

import contextlib
import io
import socket
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from sanquan_kernel.storage.backends import S3Storage

BUCKET = "sanquan-test-files"


def pdf(*, js: bool = False, author: str | None = None) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    w = PdfWriter()
    w.add_blank_page(200, 200)
    if author:
        w.add_metadata({"/Author": author, "/Creator": "WPS 中原理工大学", "/Title": "申报书"})
    if js:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
        w._root_object[NameObject("/OpenAction")] = w._add_object(action)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def png(size: tuple[int, int] = (64, 48), *, gps: bool = False) -> bytes:
    from PIL import Image

    im = Image.new("RGB", size, (30, 160, 60))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
        im.save(out, "PNG", exif=exif.tobytes())
    else:
        im.save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = "张三"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def docx(author: str = "张三") -> bytes:
    import docx as python_docx

    d = python_docx.Document()
    d.add_paragraph("申报材料")
    d.core_properties.author = author
    d.core_properties.last_modified_by = author
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def exe() -> bytes:
    """A Windows program's first bytes (named ``.pdf`` by the test)."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"


def polyglot() -> bytes:
    """A PDF that is also a zip archive (a zip directory at its end)."""
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("payload.html", "<script>alert(1)</script>")
    return pdf() + z.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small PNG declaring ``width × height`` pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (width * 3 + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """A real S3-compatible HTTP server on a free local port (moto's); its URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_storage(url: str, spool_dir: Path, namespace: str) -> S3Storage:
    """An S3 storage on ``url`` with its bucket created and emptied of ``namespace``'s objects."""
    st = S3Storage(
        bucket=BUCKET,
        namespace=namespace,
        spool_dir=spool_dir,
        endpoint_url=url,
        access_key_id="test-access",
        secret_access_key="test-secret-key",
    )
    with contextlib.suppress(st.client.exceptions.BucketAlreadyOwnedByYou):
        st.client.create_bucket(Bucket=BUCKET)
    for obj in st.client.list_objects_v2(Bucket=BUCKET, Prefix=f"{namespace}/").get("Contents", []):
        st.client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    return st
