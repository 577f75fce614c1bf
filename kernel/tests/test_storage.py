"""Files and evidence (#16), the kernel part: both storage backends (the S3 one against a real S3-compatible
server, moto's, started here), intake checks with hostile inputs, downloads, metadata removal, clamd's
protocol against a fake clamd, orphan cleanup on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import socket
import struct
import threading
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase

from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine, make_sessionmaker, new_metadata
from sanquan_kernel.errors import (
    PayloadTooLarge,
    ProblemError,
    ServiceUnavailable,
    Unprocessable,
    UnsupportedMediaType,
    install_problem_handlers,
)
from sanquan_kernel.storage import (
    AttachmentMixin,
    FilesystemStorage,
    IntakePolicy,
    S3Storage,
    Storage,
    aintake,
    cleanup_orphans,
    content_disposition,
    intake,
    safe_filename,
    strip_metadata,
    thumbnail,
)
from sanquan_kernel.storage import clamd as clamd_mod

BUCKET = "sanquan-test-files"


# -- the S3-compatible server and the two backends -----------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _s3(s3_url: str, tmp_path: Path, namespace: str = "svc") -> S3Storage:
    st = S3Storage(
        bucket=BUCKET,
        namespace=namespace,
        spool_dir=tmp_path / "spool",
        endpoint_url=s3_url,
        access_key_id="test-access",
        secret_access_key="test-secret-key",
    )
    with contextlib.suppress(st.client.exceptions.BucketAlreadyOwnedByYou):
        st.client.create_bucket(Bucket=BUCKET)
    for obj in st.client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        st.client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    return st


@pytest.fixture(params=["filesystem", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "filesystem":
        return FilesystemStorage(tmp_path / "files", "svc")
    return _s3(request.getfixturevalue("s3_url"), tmp_path)


@pytest.fixture
def fs(tmp_path: Path) -> FilesystemStorage:
    return FilesystemStorage(tmp_path / "files", "svc")


def _stored(storage: Storage) -> list[str]:
    """Every object the storage holds, and every temporary file left behind."""
    left = [p.name for p in storage.spool_dir.glob("*")] if storage.spool_dir.exists() else []
    if isinstance(storage, S3Storage):
        return left + [o["Key"] for o in storage.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert isinstance(storage, FilesystemStorage)
    return left + [p.name for p in storage.root.rglob("*") if p.is_file()]


POLICY = IntakePolicy()


def _accept(storage: Storage, data: bytes, name: str = "f", policy: IntakePolicy = POLICY, **kw: Any) -> Any:
    return intake(storage, io.BytesIO(data), filename=name, policy=policy, **kw)


# -- files of each kind ---------------------------------------------------------------------------------------------
def _pdf(*, js: bool = False, author: str | None = None, open_action: bool = False) -> bytes:
    w = PdfWriter()
    w.add_blank_page(200, 200)
    if author:
        w.add_metadata({"/Author": author, "/Creator": "WPS 某大学", "/Title": "自评报告"})
    if js:
        from pypdf.generic import DictionaryObject, NameObject, TextStringObject

        action = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
        w._root_object[NameObject("/OpenAction")] = w._add_object(action)
    if open_action:
        from pypdf.generic import ArrayObject, NameObject

        w._root_object[NameObject("/OpenAction")] = ArrayObject([w.pages[0].indirect_reference, NameObject("/Fit")])
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _image(fmt: str, size: tuple[int, int] = (40, 20), **save: Any) -> bytes:
    im = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0] // 2):
        im.putpixel((x, 0), (0, 0, 255))  # the top-left marks which way is up
    out = io.BytesIO()
    im.save(out, fmt, **save)
    return out.getvalue()


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x013B] = "张三"  # Artist
    exif[0x010E] = "secret-location"  # ImageDescription
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0)}  # GPS
    return exif.tobytes()


def _zip(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def _docx(author: str = "张三") -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("自评材料")
    d.core_properties.author = author
    d.core_properties.last_modified_by = author
    d.core_properties.title = f"{author}的报告"
    out = io.BytesIO()
    d.save(out)
    # add a company (python-docx leaves app.xml as its template has it)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    app = entries.get("docProps/app.xml")
    if app is None or b"<Company>" not in app:
        app = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/extended-properties"><Application>Word</Application>'
            b"<Company>\xe6\x9f\x90\xe5\xa4\xa7\xe5\xad\xa6</Company></Properties>"
        )
        entries["docProps/app.xml"] = app
        ct = entries["[Content_Types].xml"]
        if b"/docProps/app.xml" not in ct:
            entries["[Content_Types].xml"] = ct.replace(
                b"</Types>",
                b'<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.extended-properties+xml"/></Types>',
            )
    return _zip(entries)


def _xlsx(creator: str = "李四") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["名称", "数量"])
    wb.properties.creator = creator
    wb.properties.lastModifiedBy = creator
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_entries(package: bytes, extra: dict[str, bytes], replace: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(package))
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    entries.update(replace or {})
    entries.update(extra)
    return _zip(entries)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small PNG that declares ``width × height`` pixels (its data: a few rows of zeros, compressed)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (width * 3 + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


# -- the backends: streamed, content-addressed, atomic, idempotent -----------------------------------------------------
def test_put_open_and_idempotent_on_identical_content(storage: Storage) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    first = storage.put(io.BytesIO(data), limit=10 * 1024 * 1024)
    again = storage.put(iter([data[:100], data[100:]]), limit=10 * 1024 * 1024)
    assert first == again
    assert first.size == len(data)
    import hashlib

    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert b"".join(storage.iter_chunks(first.sha256)) == data
    assert _stored(storage) == [storage.key(first.sha256) if isinstance(storage, S3Storage) else first.sha256]
    assert storage.stat(first.sha256) is not None and storage.stat(first.sha256)[0] == len(data)  # type: ignore[index]
    storage.delete(first.sha256)
    assert not storage.exists(first.sha256)
    assert _stored(storage) == []


def test_a_multipart_upload_to_s3_is_whole(s3_url: str, tmp_path: Path) -> None:
    st = _s3(s3_url, tmp_path)
    data = os.urandom(S3Storage.PART * 2 + 12345)  # three parts
    blob = st.put(io.BytesIO(data), limit=len(data))
    assert b"".join(st.iter_chunks(blob.sha256)) == data


def test_names_that_are_not_hashes_are_not_found(storage: Storage) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63, "0" * 64 + "/x", ""):
        with pytest.raises(ProblemError) as err, storage.open(bad):
            pass
        assert err.value.status == 404


def test_a_stream_that_ends_early_leaves_nothing(storage: Storage) -> None:
    # declared 2 GB, 10 bytes sent: refused for the declaration, before anything is read
    with pytest.raises(PayloadTooLarge) as err:
        _accept(storage, b"%PDF-1.4\n1", declared_size=2 * 1024**3)
    assert err.value.extra["limit"] == 50 * 1024 * 1024
    assert "50 MB" in str(err.value.detail)
    # declared within the limit, ended early: 422, nothing stored
    with pytest.raises(Unprocessable) as err2:
        _accept(storage, b"%PDF-1.4\n1", declared_size=1000)
    assert err2.value.extra["code"] == "upload_incomplete"
    with pytest.raises(Unprocessable):
        _accept(storage, b"%PDF-1.4\n1", declared_size=-1)
    assert _stored(storage) == []


def test_a_client_that_disconnects_leaves_nothing(storage: Storage) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield _pdf()[:100]
        yield b"x" * (2 * 1024 * 1024)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        asyncio.run(aintake(storage, body(), filename="a.pdf", policy=POLICY))
    assert _stored(storage) == []


def test_the_kind_s_limit_stops_the_stream_early(fs: FilesystemStorage) -> None:
    sent = []
    png = _image("PNG")

    def chunks() -> Iterator[bytes]:
        yield png[:20]
        for _ in range(100):
            sent.append(1)
            yield b"\0" * (1024 * 1024)

    policy = IntakePolicy(limits={**POLICY.limits, "png": 5 * 1024 * 1024})
    with pytest.raises(PayloadTooLarge) as err:
        intake(fs, chunks(), filename="p.png", policy=policy)
    assert err.value.extra["limit"] == 5 * 1024 * 1024 and "5 MB" in str(err.value.detail)
    assert len(sent) <= 6  # read no further than the limit
    assert _stored(fs) == []


async def _agen(data: bytes, n: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), n):
        yield data[i : i + n]


def test_async_intake_and_commit(storage: Storage) -> None:
    pdf = _pdf()
    accepted = asyncio.run(aintake(storage, _agen(pdf, 100), filename="报告.pdf", policy=POLICY))
    with accepted:
        blob = storage.commit(accepted.file)
    assert (accepted.kind, accepted.media_type, accepted.filename) == ("pdf", "application/pdf", "报告.pdf")
    assert b"".join(storage.iter_chunks(blob.sha256)) == pdf
    assert len(_stored(storage)) == 1


def _upload_app(storage: Storage) -> TestClient:
    """An endpoint as a service will write one: the raw body streamed through ``aintake``."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.put("/files/{name}")
    async def upload(name: str, request: Request) -> dict[str, Any]:
        length = request.headers.get("content-length")
        with await aintake(
            storage, request.stream(), filename=name, policy=POLICY, declared_size=int(length) if length else None
        ) as accepted:
            blob = await storage.acommit(accepted.file)
        return {"sha256": blob.sha256, "kind": accepted.kind, "type": accepted.media_type, "name": accepted.filename}

    return TestClient(app)


def test_an_upload_endpoint_answers_problems(storage: Storage) -> None:
    client = _upload_app(storage)
    # the declared type is not believed: the bytes are a PNG
    r = client.put("/files/scan.pdf", content=_image("PNG"), headers={"Content-Type": "application/pdf"})
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "png" and r.json()["type"] == "image/png" and r.json()["name"] == "scan.pdf.png"
    big = _image("PNG") + b"\0" * (21 * 1024 * 1024)
    r = client.put("/files/big.png", content=big)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["limit"] == 20 * 1024 * 1024 and "20 MB" in r.json()["detail"]
    r = client.put("/files/a.pdf", content=b"MZ\x90\x00" + b"\0" * 100)
    assert r.status_code == 415 and "Windows program" in r.json()["detail"]
    r = client.put("/files/a.pdf", content=b"")
    assert r.status_code == 422 and r.json()["code"] == "file_empty"
    assert len(_stored(storage)) == 1


def test_streaming_write_memory_does_not_grow_with_size(fs: FilesystemStorage) -> None:
    """64 MB spooled and committed in 256 KB chunks: Python allocations stay near one chunk, not the size."""
    chunk = os.urandom(256 * 1024)

    def chunks() -> Iterator[bytes]:
        for _ in range(256):
            yield chunk

    import gc

    gc.collect()  # garbage of earlier tests (a finalizer allocating) is not this test's
    tracemalloc.start()
    try:
        blob = fs.put(chunks(), limit=1 << 30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert blob.size == 64 * 1024 * 1024
    assert peak < 16 * 1024 * 1024, peak  # holding the upload would be 64 MB


# -- intake: kinds from the bytes, hostile inputs -------------------------------------------------------------------
def test_a_renamed_executable_is_refused(storage: Storage) -> None:
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(2000)
    with pytest.raises(UnsupportedMediaType) as err:
        _accept(storage, exe, "报告.pdf")
    assert "Windows program" in str(err.value.detail) and "PDF" in str(err.value.detail)
    assert err.value.status == 415
    for other in (b"\x7fELF\x02\x01", b"#!/bin/sh\nrm -rf /", b"<html><script>alert(1)</script>", b"GIF89a...."):
        with pytest.raises(UnsupportedMediaType):
            _accept(storage, other, "photo.jpg")
    assert _stored(storage) == []


def test_zero_bytes_is_422(storage: Storage) -> None:
    with pytest.raises(Unprocessable) as err:
        _accept(storage, b"", "empty.pdf")
    assert err.value.extra["code"] == "file_empty"
    assert _stored(storage) == []


def test_the_name_gets_the_real_kind_s_extension(fs: FilesystemStorage) -> None:
    with _accept(fs, _image("PNG"), "照片.pdf") as a:
        assert (a.kind, a.filename) == ("png", "照片.pdf.png")
    with _accept(fs, _pdf(), "../../etc/x.exe") as a:
        assert a.filename == "x.exe.pdf"
    with _accept(fs, _pdf(), None) as a:
        assert a.filename == "file.pdf"


def test_polyglots_are_refused(fs: FilesystemStorage) -> None:
    pdf_zip = _pdf() + _zip({"evil.txt": b"payload"})
    with pytest.raises(UnsupportedMediaType) as err:
        _accept(fs, pdf_zip, "a.pdf")
    assert "polyglot" in str(err.value.detail)
    html_pdf = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n" + _pdf()[9:]
    with pytest.raises(UnsupportedMediaType):
        _accept(fs, html_pdf, "a.pdf")
    # a zip with a PDF header in its first kilobyte (the name of its first entry)
    docx = zipfile.ZipFile(io.BytesIO(_docx()))
    zip_pdf = _zip({"%PDF-1.4 x": b"", **{i.filename: docx.read(i) for i in docx.infolist()}})
    with pytest.raises(UnsupportedMediaType):
        _accept(fs, zip_pdf, "a.docx")
    # a docx with something after its zip directory
    with pytest.raises(Unprocessable):
        _accept(fs, _docx() + b"%PDF-1.4 trailing", "a.docx")
    # a JPEG with a zip appended is accepted, but what is stored is the picture alone
    jpeg_zip = _image("JPEG") + _zip({"evil.txt": b"payload"})
    with _accept(fs, jpeg_zip, "a.jpg") as a:
        blob = fs.commit(a.file)
    stored = b"".join(fs.iter_chunks(blob.sha256))
    assert b"PK\x05\x06" not in stored and b"payload" not in stored
    assert len(_stored(fs)) == 1


def test_an_image_bomb_is_refused_cheaply(fs: FilesystemStorage) -> None:
    bomb = _png_bomb()
    assert len(bomb) < 10_000
    import gc

    gc.collect()
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge) as err:
            _accept(fs, bomb, "bomb.png")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.extra["code"] == "image_too_large"
    assert "40,000,000 pixels" in str(err.value.detail) and "10,000,000,000 pixels" in str(err.value.detail)
    assert peak < 16 * 1024 * 1024  # the header was read, nothing decoded (a decode would be 30 GB)
    assert _stored(fs) == []
    # thumbnails check the same
    with pytest.raises(PayloadTooLarge):
        thumbnail(io.BytesIO(bomb))


def test_images_lose_exif_and_text_and_keep_their_orientation(storage: Storage) -> None:
    jpeg = _image("JPEG", (40, 20), exif=_exif())
    assert "张三".encode() in jpeg or b"secret-location" in jpeg
    with _accept(storage, jpeg, "IMG_0001.JPG") as a:
        assert (a.width, a.height) == (20, 40)  # orientation 6 applied
        blob = storage.commit(a.file)
    stored = b"".join(storage.iter_chunks(blob.sha256))
    im = Image.open(io.BytesIO(stored))
    assert im.format == "JPEG" and im.size == (20, 40)
    assert dict(im.getexif()) == {}
    assert b"secret-location" not in stored and "张三".encode() not in stored and b"Exif" not in stored

    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "张三", zip=False)
    info.add_itxt("Comment", "秘密", zip=True)
    png = _image("PNG", pnginfo=info, exif=_exif())
    assert b"eXIf" in png
    with _accept(storage, png, "a.png") as a:
        blob = storage.commit(a.file)
    stored = b"".join(storage.iter_chunks(blob.sha256))
    assert Image.open(io.BytesIO(stored)).text == {}
    assert b"tEXt" not in stored and b"iTXt" not in stored and b"eXIf" not in stored

    webp = _image("WEBP", exif=_exif())
    with _accept(storage, webp, "a.webp") as a:
        assert a.kind == "webp"
        blob = storage.commit(a.file)
    stored = b"".join(storage.iter_chunks(blob.sha256))
    assert b"EXIF" not in stored and b"secret-location" not in stored


def test_a_damaged_image_is_422(fs: FilesystemStorage) -> None:
    jpeg = _image("JPEG", (400, 400))
    with pytest.raises(Unprocessable):
        _accept(fs, jpeg[: len(jpeg) // 3], "cut.jpg")
    assert _stored(fs) == []


def test_thumbnail(fs: FilesystemStorage) -> None:
    thumb = thumbnail(io.BytesIO(_image("JPEG", (1600, 800))), max_side=200)
    im = Image.open(io.BytesIO(thumb))
    assert im.format == "JPEG" and max(im.size) <= 200
    rgba = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    out = io.BytesIO()
    rgba.save(out, "PNG")
    assert Image.open(io.BytesIO(thumbnail(io.BytesIO(out.getvalue())))).mode == "RGB"
    with pytest.raises(UnsupportedMediaType):
        thumbnail(io.BytesIO(_pdf()))


def test_thumbnail_of_a_stored_image(storage: Storage) -> None:
    blob = storage.put(io.BytesIO(_image("PNG", (900, 300))), limit=10**7)
    with storage.open(blob.sha256) as f:  # an S3 body cannot seek
        im = Image.open(io.BytesIO(thumbnail(f, max_side=90)))
    assert im.size == (90, 30)


def test_pdfs_with_javascript_are_refused(storage: Storage) -> None:
    with pytest.raises(Unprocessable) as err:
        _accept(storage, _pdf(js=True), "a.pdf")
    assert err.value.extra["code"] == "pdf_active_content" and "JavaScript" in str(err.value.detail)
    # the same with the name spelt in #xx escapes
    raw = _pdf(js=True).replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    with pytest.raises(Unprocessable):
        _accept(storage, raw, "a.pdf")
    # a launch action
    launch = _pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Launch /F (calc.exe) >>")
    with pytest.raises(Unprocessable):
        _accept(storage, launch, "a.pdf")
    assert _stored(storage) == []


def _pdf_with_object_stream(action: bytes) -> bytes:
    """A PDF 1.5 whose open action (object 5) is inside a compressed object stream, listed by an xref stream:
    the bytes of the file do not show the action's names."""
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n")
    offsets: dict[int, int] = {}

    def obj(n: int, body: bytes) -> None:
        offsets[n] = out.tell()
        out.write(f"{n} 0 obj\n".encode() + body + b"\nendobj\n")

    obj(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    obj(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>")
    header = b"5 0 "
    packed = zlib.compress(header + action)
    obj(
        6,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (len(header), len(packed))
        + packed
        + b"\nendstream",
    )
    offsets[7] = out.tell()
    rows = [
        (0, 0, 0xFFFF),
        (1, offsets[1], 0),
        (1, offsets[2], 0),
        (1, offsets[3], 0),
        (0, 0, 0xFFFF),
        (2, 6, 0),
        (1, offsets[6], 0),
        (1, offsets[7], 0),
    ]
    data = b"".join(struct.pack(">BIH", *r) for r in rows)
    out.write(
        b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(data)
        + data
        + b"\nendstream\nendobj\n"
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[7])
    return out.getvalue()


def test_javascript_inside_a_compressed_object_stream_is_found(fs: FilesystemStorage) -> None:
    hidden = _pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    assert b"JavaScript" not in hidden
    assert len(PdfReader(io.BytesIO(hidden)).pages) == 1  # a real PDF
    with pytest.raises(Unprocessable) as err:
        _accept(fs, hidden, "a.pdf")
    assert err.value.extra["code"] == "pdf_active_content"
    with _accept(fs, _pdf_with_object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>"), "a.pdf") as a:
        assert a.flags == ("pdf_open_action",)


def test_a_pdf_with_an_open_action_is_accepted_and_flagged(fs: FilesystemStorage) -> None:
    with _accept(fs, _pdf(open_action=True), "a.pdf") as a:
        assert "pdf_open_action" in a.flags
    with _accept(fs, _pdf(), "a.pdf") as a:
        assert a.flags == ()


def test_a_password_protected_pdf_is_422(fs: FilesystemStorage) -> None:
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf())))
    w.encrypt(user_password="pw-1234", owner_password="owner-5678")
    out = io.BytesIO()
    w.write(out)
    with pytest.raises(Unprocessable) as err:
        _accept(fs, out.getvalue(), "a.pdf")
    assert err.value.extra["code"] == "encrypted"


def test_office_documents(storage: Storage) -> None:
    with _accept(storage, _docx(), "自评.docx") as a:
        assert (a.kind, a.filename) == ("docx", "自评.docx")
    with _accept(storage, _xlsx(), "台账.xlsx") as a:
        assert a.kind == "xlsx"
        assert a.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    only_pdf = IntakePolicy(allowed=frozenset({"pdf"}))
    with pytest.raises(UnsupportedMediaType):
        _accept(storage, _docx(), "自评.docx", policy=only_pdf)


def test_hostile_office_packages(fs: FilesystemStorage) -> None:
    macro = _with_entries(_docx(), {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    with pytest.raises(UnsupportedMediaType) as err:
        _accept(fs, macro, "a.docx")
    assert err.value.extra["code"] == "macros"
    docm_types = (
        zipfile.ZipFile(io.BytesIO(_docx()))
        .read("[Content_Types].xml")
        .replace(b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    )
    with pytest.raises(UnsupportedMediaType):
        _accept(fs, _with_entries(_docx(), {}, {"[Content_Types].xml": docm_types}), "a.docx")
    template = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/attachedTemplate" Target="http://127.0.0.1/evil.dotm" TargetMode="External"/>'
        b"</Relationships>"
    )
    with pytest.raises(Unprocessable) as err2:
        _accept(fs, _with_entries(_docx(), {"word/_rels/settings.xml.rels": template}), "a.docx")
    assert err2.value.extra["code"] == "external_content"
    # a plain zip is not an Office document
    with pytest.raises(UnsupportedMediaType):
        _accept(fs, _zip({"a.txt": b"hello"}), "a.docx")
    # a zip bomb: 64 MB of zeros in a few KB, refused from the directory, before decompressing
    bomb = _with_entries(_docx(), {"word/media/big.bin": b"\0" * (64 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(Unprocessable) as err3:
        _accept(fs, bomb, "a.docx")
    assert "zip bomb" in str(err3.value.detail)
    # entity expansion in the content types is not performed (billion laughs)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Types xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/content-types">&c;</Types>'
    )
    with pytest.raises(UnsupportedMediaType):
        _accept(fs, _with_entries(_docx(), {}, {"[Content_Types].xml": laughs}), "a.docx")
    assert _stored(fs) == []


# -- names and downloads ------------------------------------------------------------------------------------------
def test_content_disposition_keeps_chinese_and_neutralises_the_rest() -> None:
    cd = content_disposition("2024年 自评报告.pdf")
    assert cd == (
        "attachment; filename=\"2024.pdf\"; filename*=UTF-8''2024%E5%B9%B4%20%E8%87%AA%E8%AF%84%E6%8A%A5%E5%91%8A.pdf"
    )
    assert content_disposition("报告.pdf") == (
        "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"
    )
    for hostile in ('a"\r\nSet-Cookie: x=1;.pdf', "../../etc/passwd", "..\\..\\boot.ini", 'x"; filename="evil.exe'):
        cd = content_disposition(hostile)
        assert "\r" not in cd and "\n" not in cd
        assert cd.count('"') == 2  # the fallback's quotes only
        assert "/" not in cd.split("filename*=")[1] and ".." not in cd
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("\u202eexe.pdf") == "exe.pdf"  # a right-to-left override that disguises an extension
    assert safe_filename("...") == "file"
    assert len(safe_filename("长" * 300 + ".pdf")) == 200 and safe_filename("长" * 300 + ".pdf").endswith(".pdf")


def _app(storage: Storage, sha256: str, name: str, media: str, inline: bool = False) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/f")
    def get() -> Any:
        return storage.download(sha256, filename=name, media_type=media, inline=inline)

    return TestClient(app, follow_redirects=False)


def test_filesystem_download_streams_the_file(fs: FilesystemStorage) -> None:
    pdf = _pdf() + b"\n" * 300_000
    blob = fs.put(io.BytesIO(pdf), limit=10**7)
    r = _app(fs, blob.sha256, '证明材料"\r\n.pdf', "application/pdf").get("/f")
    assert r.status_code == 200 and r.content == pdf
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E8%AF%81%E6%98%8E%E6%9D%90%E6%96%99.pdf"
    )
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in r.headers["content-security-policy"]
    ranged = _app(fs, blob.sha256, "a.pdf", "application/pdf").get("/f", headers={"Range": "bytes=0-4"})
    assert ranged.status_code == 206 and ranged.content == b"%PDF-"
    missing = _app(fs, "0" * 64, "a.pdf", "application/pdf").get("/f")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_filesystem_download_through_nginx(tmp_path: Path) -> None:
    st = FilesystemStorage(tmp_path / "files", "evaluation", accel_prefix="/_files/")
    blob = st.put(io.BytesIO(b"%PDF-1.4 x"), limit=100)
    r = _app(st, blob.sha256, "报告.pdf", "application/pdf").get("/f")
    assert r.status_code == 200 and r.content == b""
    s = blob.sha256
    assert r.headers["x-accel-redirect"] == f"/_files/evaluation/{s[:2]}/{s[2:4]}/{s}"
    assert r.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf" in r.headers["content-disposition"]
    # the path nginx is sent to is the file's, under its root
    assert (st.root / r.headers["x-accel-redirect"].removeprefix("/_files/evaluation/")).read_bytes() == b"%PDF-1.4 x"
    with pytest.raises(ValueError):
        FilesystemStorage(tmp_path, "x", accel_prefix="_files")


def test_s3_download_is_a_presigned_redirect(s3_url: str, tmp_path: Path) -> None:
    st = _s3(s3_url, tmp_path)
    data = _pdf()
    blob = st.put(io.BytesIO(data), limit=10**7)
    r = _app(st, blob.sha256, "自评 报告.pdf", "application/pdf", inline=True).get("/f")
    assert r.status_code == 307 and r.headers["cache-control"] == "no-store"
    url = r.headers["location"]
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    got = httpx.get(url)
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == content_disposition("自评 报告.pdf", inline=True)
    # a tampered URL (another file's key) is refused by the store
    assert httpx.get(url.replace(blob.sha256, "0" * 64)).status_code == 403


# -- metadata removal ---------------------------------------------------------------------------------------------
def test_strip_metadata_pdf() -> None:
    pdf = _pdf(author="张三")
    assert PdfReader(io.BytesIO(pdf)).metadata["/Author"] == "张三"
    with strip_metadata(io.BytesIO(pdf), "pdf") as out:
        cleaned = out.read()
    meta = PdfReader(io.BytesIO(cleaned)).metadata
    assert not meta or ("/Author" not in meta and "/Creator" not in meta and "/Title" not in meta)
    assert "张三".encode("utf-16-be") not in cleaned and b"Author" not in cleaned
    assert len(PdfReader(io.BytesIO(cleaned)).pages) == 1


def test_strip_metadata_office(fs: FilesystemStorage) -> None:
    docx = _docx("张三")
    with strip_metadata(io.BytesIO(docx), "docx") as out:
        cleaned = out.read()
    z = zipfile.ZipFile(io.BytesIO(cleaned))
    core, app = z.read("docProps/core.xml").decode(), z.read("docProps/app.xml").decode()
    assert "张三" not in core and "creator" not in core and "lastModifiedBy" not in core
    assert "Company" not in app and "某大学" not in app
    import docx as python_docx

    d = python_docx.Document(io.BytesIO(cleaned))
    assert d.paragraphs[-1].text == "自评材料" and d.core_properties.author == ""
    with _accept(fs, cleaned, "blind.docx") as a:  # still a document that intake accepts
        assert a.kind == "docx"
    xlsx = _xlsx("李四")
    with strip_metadata(io.BytesIO(xlsx), "xlsx") as out:
        cleaned = out.read()
    assert "李四" not in zipfile.ZipFile(io.BytesIO(cleaned)).read("docProps/core.xml").decode()
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(cleaned)).active["A1"].value == "名称"


def test_strip_metadata_blanks_reviewers_in_comments_and_tracked_changes() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body><w:p><w:ins w:id="1" w:author="\xe5\xbc\xa0\xe4\xb8\x89" '
        b'w:date="2024-01-01T00:00:00Z"><w:r><w:t>text</w:t></w:r></w:ins><w:bookmarkStart w:id="0" w:name="keep"/>'
        b"</w:p></w:body></w:document>"
    )
    comments = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:comment w:id="0" w:author="Zhang San" w:initials="ZS"><w:p><w:r>'
        b"<w:t>ok</w:t></w:r></w:p></w:comment></w:comments>"
    )
    docx = _with_entries(_docx(), {"word/comments.xml": comments}, {"word/document.xml": body})
    with strip_metadata(io.BytesIO(docx), "docx") as out:
        z = zipfile.ZipFile(io.BytesIO(out.read()))
    document, notes = z.read("word/document.xml"), z.read("word/comments.xml")
    assert "张三".encode() not in document and b'w:author=""' in document and b'w:name="keep"' in document
    assert b"Zhang San" not in notes and b"ZS" not in notes and b"<w:t>ok</w:t>" in notes
    # a body of several MiB, read in pieces: no author survives a piece's edge
    run = b'<w:ins w:id="1" w:author="\xe5\xbc\xa0\xe4\xb8\x89"><w:r><w:t>abc</w:t></w:r></w:ins>'
    big = body.replace(b"<w:body><w:p>", b"<w:body><w:p>" + run * 60_000)
    with strip_metadata(io.BytesIO(_with_entries(_docx(), {}, {"word/document.xml": big})), "docx") as out:
        document = zipfile.ZipFile(io.BytesIO(out.read())).read("word/document.xml")
    assert len(document) > 3 * 1024 * 1024 and "张三".encode() not in document
    assert document.count(b'w:author=""') == 60_001
    xl_comments = b'<comments xmlns="x"><authors><author>Li Si</author></authors><commentList/></comments>'
    xlsx = _with_entries(_xlsx(), {"xl/comments1.xml": xl_comments})
    with strip_metadata(io.BytesIO(xlsx), "xlsx") as out:
        assert b"Li Si" not in zipfile.ZipFile(io.BytesIO(out.read())).read("xl/comments1.xml")


# -- clamd ----------------------------------------------------------------------------------------------------------
class FakeClamd:
    """A clamd that speaks INSTREAM: it reads the length-prefixed chunks to the zero length and answers FOUND
    when the stream holds the EICAR marker; ``received`` keeps what it was sent."""

    def __init__(self, family: int, address: Any) -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(address)
        self.sock.listen()
        self.received: list[bytes] = []
        self.commands: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read(self, conn: socket.socket, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            data = conn.recv(n - len(buf))
            if not data:
                raise EOFError
            buf += data
        return buf

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                command = b""
                while not command.endswith(b"\0"):
                    command += self._read(conn, 1)
                self.commands.append(command)
                body = b""
                while (n := struct.unpack(">I", self._read(conn, 4))[0]) != 0:
                    body += self._read(conn, n)
                self.received.append(body)
                found = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in body
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")

    def close(self) -> None:
        self.sock.close()


def test_clamd_instream_over_tcp_and_unix_socket(fs: FilesystemStorage, tmp_path: Path) -> None:
    tcp = FakeClamd(socket.AF_INET, ("127.0.0.1", 0))
    unix_path = tmp_path / "clamd.sock"
    unix = FakeClamd(socket.AF_UNIX, str(unix_path))
    try:
        for url, server in ((f"tcp://127.0.0.1:{tcp.sock.getsockname()[1]}", tcp), (f"unix://{unix_path}", unix)):
            policy = IntakePolicy(clamd_url=url)
            pdf = _pdf() + b"\n" * 200_000  # several chunks
            with _accept(fs, pdf, "a.pdf", policy=policy) as a:
                assert a.kind == "pdf"
            assert server.commands[-1] == b"zINSTREAM\0" and server.received[-1] == pdf
            infected = _pdf() + b"%X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n"
            with pytest.raises(Unprocessable) as err:
                _accept(fs, infected, "a.pdf", policy=policy)
            assert err.value.extra["code"] == "malware" and "Eicar-Test-Signature" in str(err.value.detail)
    finally:
        tcp.close()
        unix.close()
    # configured but unreachable: refused, not stored unscanned
    with pytest.raises(ServiceUnavailable) as err2:
        _accept(fs, _pdf(), "a.pdf", policy=IntakePolicy(clamd_url=f"tcp://127.0.0.1:{_free_port()}"))
    assert err2.value.extra["code"] == "scanner_unavailable"
    assert _stored(fs) == []
    with pytest.raises(clamd_mod.ClamdError):
        clamd_mod.scan(io.BytesIO(b"x"), "http://127.0.0.1:1")


# -- the attachment table and orphan cleanup ----------------------------------------------------------------------
class Base(DeclarativeBase):
    metadata = new_metadata()


class Attachment(AttachmentMixin, Base):
    __tablename__ = "attachment"


@pytest.fixture(params=["sqlite", "postgresql"])
def session_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    url = kt.test_database_url(request.param, f"kernel_files_{time.time_ns()}", tmp_path)
    engine = make_engine(url, pool_size=1)
    Base.metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()
    if request.param == "postgresql":
        kt.drop_postgres_database(str(engine.url.database))


@pytest.mark.parametrize("backend", ["filesystem", "s3"])
def test_cleanup_removes_uploads_never_attached(
    backend: str, session_factory: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    st: Storage = (
        FilesystemStorage(tmp_path / "files", "svc")
        if backend == "filesystem"
        else _s3(request.getfixturevalue("s3_url"), tmp_path)
    )
    now = datetime.now(UTC) + timedelta(days=2)  # every stored object is older than the cutoff
    old, recent = now - timedelta(days=3), now - timedelta(hours=2)
    blobs = {n: st.put(io.BytesIO(f"content {n}".encode()), limit=100) for n in ("orphan", "attached", "new", "shared")}
    with session_factory() as s:

        def row(blob: str, created: datetime, owner: int | None) -> Attachment:
            b = blobs[blob]
            return Attachment(
                sha256=b.sha256,
                size=b.size,
                media_type="application/pdf",
                original_name="证明.pdf",
                owner_kind="task" if owner else None,
                owner_id=owner,
                university_id=1,
                uploaded_by=400,
                created_at=created,
            )

        s.add_all(
            [
                row("orphan", old, None),
                row("attached", old, 7),
                row("new", recent, None),
                row("shared", old, None),  # never attached, but the same content is attached elsewhere
                row("shared", old, 8),
            ]
        )
        s.commit()
    st.spool_dir.mkdir(parents=True, exist_ok=True)
    stale, fresh = st.spool_dir / "upload-stale.part", st.spool_dir / "upload-fresh.part"
    stale.write_bytes(b"cut off")
    fresh.write_bytes(b"being written")
    os.utime(stale, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    with session_factory() as s:
        result = cleanup_orphans(s, Attachment, st, now=now)
    assert not stale.exists() and fresh.exists()
    fresh.unlink()
    assert (result.rows, result.objects) == (2, 1)
    assert not st.exists(blobs["orphan"].sha256)
    for kept in ("attached", "new", "shared"):
        assert st.exists(blobs[kept].sha256)
    with session_factory() as s:
        left = s.execute(select(Attachment.sha256, Attachment.owner_id)).all()
    assert len(left) == 3
    # an object uploaded again since the cutoff is not taken from under a new row
    with session_factory() as s:
        s.add(
            Attachment(
                sha256=blobs["new"].sha256, size=1, media_type="x", original_name="x", created_at=old, uploaded_by=1
            )
        )
        s.commit()
    with session_factory() as s:
        s.execute(Attachment.__table__.delete().where(Attachment.created_at == recent))
        s.commit()
        assert cleanup_orphans(s, Attachment, st, now=datetime.now(UTC) + timedelta(hours=1)).objects == 0
    assert st.exists(blobs["new"].sha256)


def test_exports_name_their_file_safely() -> None:
    """A table export's name can hold data (an employee number): no path part, quote or CR/LF reaches the
    header (before, ``quote`` left ``/`` in ``filename*`` and the fallback said nothing of the file)."""
    from sanquan_kernel.exports import ExportFormat, table_response

    r = table_response(["工号"], [["a"]], ExportFormat.CSV, '个人培训台账-../../x"\r\n-2024')
    cd = r.headers["content-disposition"]
    assert "/" not in cd and "\r" not in cd and "\n" not in cd and cd.count('"') == 2
    assert cd.endswith(".csv") and "%E4%B8%AA%E4%BA%BA" in cd


def test_an_unreachable_s3_store_is_503(tmp_path: Path) -> None:
    st = S3Storage(
        bucket=BUCKET,
        namespace="svc",
        spool_dir=tmp_path / "spool",
        endpoint_url=f"http://127.0.0.1:{_free_port()}",
        access_key_id="a",
        secret_access_key="b",
    )
    st.client.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(ServiceUnavailable):
        st.put(io.BytesIO(b"x"), limit=10)
    assert list((tmp_path / "spool").glob("*")) == []  # the spooled file is not left behind
    with pytest.raises(ServiceUnavailable):
        st.stat("0" * 64)
    with pytest.raises(ServiceUnavailable), st.open("0" * 64):
        pass
