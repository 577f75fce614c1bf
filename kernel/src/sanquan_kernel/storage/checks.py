"""Intake: every check an uploaded file passes before it is stored, in one function (``intake``/``aintake``).

1. The size is bounded per kind while the file streams in (``413`` naming the limit); a declared size that is
   over the limit is refused before a byte is read, and a stream that ends before its declared size (or runs
   past it) leaves nothing stored (``422``). An empty file is ``422``.
2. The kind is decided from the bytes (magic numbers), never from the name or the declared type: anything but
   the allowed kinds is ``415`` (a renamed ``.exe`` too, with what it is named). Polyglots are refused: a PDF
   must start with ``%PDF-`` and carry no zip directory at its end nor HTML at its start, an Office package
   must start with its zip header, end with its directory and hold no PDF header.
3. Per kind: Office packages (docx, xlsx, pptx) have their zip directory checked for bombs before anything is
   decompressed (``spreadsheets.check_archive``), are told apart by ``[Content_Types].xml`` (read under a
   bound, without entities or DTDs), and are refused with macros, encrypted entries or external templates and
   OLE links; images have their pixel count checked from the header before decoding (an image bomb costs
   nothing), then are decoded and encoded again without EXIF, XMP or text chunks (so nothing appended or
   hidden survives); PDFs are parsed (pypdf, every object, compressed object streams too) and also scanned as
   bytes, and refused with JavaScript, launch actions or other active content (``422``), while open actions
   and embedded files are reported in ``flags``.
4. When ``CLAMD_URL`` is set, clamd scans the file (``clamd.scan``); a finding is ``422``, an unreachable
   scanner ``503`` (the upload is refused, not stored unscanned).

The result is an ``Accepted``: the checked temporary file (its SHA-256 and size), its kind and media type, the
name to show (made safe, with the extension of its real kind) and flags. ``storage.commit(accepted.file)``
stores it; leaving the ``with`` block without committing removes it. Parsing is CPU work: ``aintake`` runs the
checks in a worker thread.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import AsyncIterable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio.to_thread

from sanquan_kernel.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType
from sanquan_kernel.storage.backends import Spooled, Storage, too_large
from sanquan_kernel.storage.names import safe_filename


@dataclass(frozen=True)
class Kind:
    name: str
    media_type: str
    extensions: tuple[str, ...]
    label: str  # for messages
    image: bool = False


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("pdf", "application/pdf", (".pdf",), "PDF"),
        Kind("jpeg", "image/jpeg", (".jpg", ".jpeg"), "JPEG", image=True),
        Kind("png", "image/png", (".png",), "PNG", image=True),
        Kind("webp", "image/webp", (".webp",), "WebP", image=True),
        Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            (".docx",),
            "Word (.docx)",
        ),
        Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "Excel (.xlsx)"),
        Kind(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            (".pptx",),
            "PowerPoint (.pptx)",
        ),
    )
}
OFFICE = ("docx", "xlsx", "pptx")
IMAGES = ("jpeg", "png", "webp")
_MB = 1024 * 1024
DEFAULT_LIMITS: dict[str, int] = {
    "pdf": 50 * _MB,
    "jpeg": 20 * _MB,
    "png": 20 * _MB,
    "webp": 20 * _MB,
    "docx": 50 * _MB,
    "xlsx": 50 * _MB,
    "pptx": 50 * _MB,
}  # all within the 64 MB that nginx and the kernel's body limit (MAX_BODY_BYTES) let through
#: The main part's content type of each Office kind (the macro-enabled variants have other ones: refused).
_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
#: What some refused files are, to say so (the first bytes).
_KNOWN = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"\xcf\xfa\xed\xfe", "a program"),
    (b"#!", "a script"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-format (or password-protected) Office file"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
)


@dataclass(frozen=True)
class IntakePolicy:
    """What a service accepts: the kinds, their sizes, the largest image, and the virus scanner."""

    allowed: frozenset[str] = frozenset(KINDS)
    limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    max_image_pixels: int = 40_000_000
    clamd_url: str | None = None
    clamd_timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Any = None, *, allowed: Iterable[str] | None = None) -> IntakePolicy:
        from sanquan_kernel.settings import StorageSettings

        s = settings or StorageSettings()
        limits = {k: s.upload_max_image_bytes if KINDS[k].image else s.upload_max_document_bytes for k in KINDS}
        return cls(
            allowed=frozenset(allowed) if allowed is not None else frozenset(KINDS),
            limits=limits,
            max_image_pixels=s.upload_max_image_pixels,
            clamd_url=s.clamd_url,
            clamd_timeout=s.clamd_timeout,
        )

    def accepted_labels(self) -> str:
        return ", ".join(KINDS[k].label for k in KINDS if k in self.allowed)

    def limit_for_head(self, head: bytes) -> int:
        """The size limit for a file starting with ``head``: its kind's, or (an Office package, told apart only
        once read whole) the largest Office one; a kind not accepted is refused here, before the rest is read."""
        kind = sniff(head)
        if kind == "zip":
            office = [self.limits[k] for k in OFFICE if k in self.allowed]
            if office:
                return max(office)
        elif kind is not None and kind in self.allowed:
            return self.limits[kind]
        raise self.unsupported(head)

    def unsupported(self, head: bytes, what: str | None = None) -> UnsupportedMediaType:
        if what is None:
            what = next((w for magic, w in _KNOWN if head.startswith(magic)), None)
            if what is None and head.lstrip()[:1] == b"<":
                what = "HTML, SVG or XML text"
            what = what or KINDS.get(sniff(head) or "", Kind("", "", (), "a kind of file")).label
        return UnsupportedMediaType(
            f"The file's content is {what}, which is not accepted here; accepted: {self.accepted_labels()}",
            code="file_type_not_accepted",
            accepted=sorted(KINDS[k].media_type for k in self.allowed),
        )


@dataclass
class Accepted:
    """A checked upload, still a temporary file: ``storage.commit(accepted.file)`` stores it."""

    file: Spooled
    kind: str
    media_type: str
    filename: str
    flags: tuple[str, ...] = ()
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        return self.file.sha256

    @property
    def size(self) -> int:
        return self.file.size

    def __enter__(self) -> Accepted:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.discard()


def sniff(head: bytes) -> str | None:
    """The kind the first bytes show: one of KINDS' images or ``pdf``, ``zip`` (an Office package, told apart by
    ``_office_kind``), or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


# -- the one function ----------------------------------------------------------------------------------------------
def intake(
    storage: Storage,
    source: IO[bytes] | Iterable[bytes],
    *,
    filename: str | None,
    policy: IntakePolicy,
    declared_size: int | None = None,
) -> Accepted:
    """Spool ``source`` into ``storage``'s temporary space under the policy's limits, then ``check`` it. Raises a
    ProblemError (413, 415, 422, 503) having left nothing behind."""
    spooled = storage.spool(source, limit=policy.limit_for_head, expected_size=_declared(declared_size, policy))
    return check(spooled, filename=filename, policy=policy, storage=storage)


async def aintake(
    storage: Storage,
    source: AsyncIterable[bytes],
    *,
    filename: str | None,
    policy: IntakePolicy,
    declared_size: int | None = None,
) -> Accepted:
    """``intake`` for an async stream (``request.stream()``); the checks run in a worker thread."""
    spooled = await storage.aspool(source, limit=policy.limit_for_head, expected_size=_declared(declared_size, policy))
    return await anyio.to_thread.run_sync(lambda: check(spooled, filename=filename, policy=policy, storage=storage))


def _declared(declared_size: int | None, policy: IntakePolicy) -> int | None:
    if declared_size is not None and policy.allowed:
        largest = max(policy.limits[k] for k in policy.allowed)
        if declared_size > largest:
            raise too_large(largest)
    return declared_size


def check(spooled: Spooled, *, filename: str | None, policy: IntakePolicy, storage: Storage) -> Accepted:
    """The checks of a spooled upload (see the module's text); the spooled file is discarded on refusal."""
    try:
        if spooled.size == 0:
            raise Unprocessable("The file is empty (0 bytes)", code="file_empty")
        kind = sniff(spooled.head)
        assert spooled.path is not None
        flags: list[str] = []
        width = height = None
        if kind == "zip":
            kind = _check_office(spooled.path, policy)
        elif kind is None or kind not in policy.allowed:
            raise policy.unsupported(spooled.head)
        limit = policy.limits[kind]
        if spooled.size > limit:
            raise too_large(limit, f"{KINDS[kind].label} file")
        if kind == "pdf":
            flags += check_pdf(spooled.path)
        if policy.clamd_url:
            from sanquan_kernel.storage import clamd

            with spooled.open() as f:
                clamd.check(f, policy.clamd_url, timeout=policy.clamd_timeout)
        if KINDS[kind].image:
            spooled, width, height, image_flags = _reencode(spooled, kind, policy, storage)
            flags += image_flags
        return Accepted(
            file=spooled,
            kind=kind,
            media_type=KINDS[kind].media_type,
            filename=display_name(filename, kind),
            flags=tuple(flags),
            width=width,
            height=height,
        )
    except BaseException:
        spooled.discard()
        raise


def display_name(filename: str | None, kind: str) -> str:
    """The user's name made safe, ending in its real kind's extension (``photo.pdf`` that is a PNG becomes
    ``photo.pdf.png``; ``x.exe`` that is a PDF ``x.exe.pdf``)."""
    k = KINDS[kind]
    name = safe_filename(filename, default="file" + k.extensions[0])
    if not name.lower().endswith(k.extensions):
        name = safe_filename(name[: 200 - len(k.extensions[0])] + k.extensions[0])
    return name


# -- Office packages -----------------------------------------------------------------------------------------------
_EOCD = b"PK\x05\x06"
_RELS_REFUSED = ("/attachedtemplate", "/oleobject", "/frame", "/subdocument")


def _tail(path: Path, n: int) -> bytes:
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - n))
        return f.read()


def _check_office(path: Path, policy: IntakePolicy) -> str:
    from lxml import etree

    from sanquan_kernel.spreadsheets import MAX_PART, SpreadsheetError, check_archive

    label = "Office document (.docx, .xlsx or .pptx)"
    with path.open("rb") as f:
        head = f.read(1024)
    if b"%PDF-" in head:
        raise UnsupportedMediaType("The file is both a zip archive and a PDF (a polyglot)", code="polyglot")
    # The zip's directory must end the file: data after it would be another file's (a polyglot).
    tail = _tail(path, 65_557)
    end = tail.rfind(_EOCD)
    if end < 0 or end + 22 > len(tail) or end + 22 + int.from_bytes(tail[end + 20 : end + 22], "little") != len(tail):
        raise Unprocessable(f"The file is not a readable {label}: its zip directory does not end it", code="damaged")
    with path.open("rb") as f:
        try:
            check_archive(f, label=label)
        except SpreadsheetError as exc:
            raise Unprocessable(str(exc), code="damaged_or_bomb") from None
        f.seek(0)
        with zipfile.ZipFile(f) as z:
            infos = z.infolist()
            if any(i.header_offset < 0 for i in infos) or (infos and min(i.header_offset for i in infos) != 0):
                raise Unprocessable(f"The file is not a readable {label}: data before its first entry", code="damaged")
            names = {i.filename for i in infos}
            if any(i.flag_bits & 0x1 for i in infos):
                raise Unprocessable(
                    "The document's entries are encrypted; save it without a password", code="encrypted"
                )
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise UnsupportedMediaType(
                    "The document holds macros; save it as a .docx/.xlsx/.pptx without macros", code="macros"
                )
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

            def parse(name: str) -> Any:
                if z.getinfo(name).file_size > MAX_PART:
                    raise Unprocessable(f"The document's part {name[:100]} is larger than any real one", code="damaged")
                try:
                    return etree.fromstring(z.read(name), parser)
                except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, OSError) as exc:
                    raise Unprocessable(f"The file is not a readable {label}", code="damaged") from exc

            if "[Content_Types].xml" not in names:
                raise policy.unsupported(head, "a zip archive")
            types = parse("[Content_Types].xml")
            kinds = {_MAIN_PARTS.get(el.get("ContentType", "")) for el in types.iter("{*}Override")}
            kinds.discard(None)
            content_types = " ".join(el.get("ContentType", "") for el in types.iter("{*}Override", "{*}Default"))
            if "macroEnabled" in content_types:
                raise UnsupportedMediaType(
                    "The document holds macros; save it as a .docx/.xlsx/.pptx without macros", code="macros"
                )
            if len(kinds) != 1:
                raise policy.unsupported(head, "a zip archive" if not kinds else "a mixed Office package")
            kind = str(kinds.pop())
            if kind not in policy.allowed:
                raise policy.unsupported(head, KINDS[kind].label)
            for name in names:
                if not name.endswith(".rels"):
                    continue
                for rel in parse(name).iter("{*}Relationship"):
                    if rel.get("TargetMode") == "External" and rel.get("Type", "").lower().endswith(_RELS_REFUSED):
                        raise Unprocessable(
                            "The document loads a template or object from outside (a known way to deliver "
                            "malware); save it again without external links",
                            code="external_content",
                        )
    return kind


# -- images --------------------------------------------------------------------------------------------------------
def _open_image(src: Path | IO[bytes], kind: str, policy: IntakePolicy) -> Any:
    """The image opened (header read, nothing decoded) after its pixel count is checked: an image bomb (a small
    file declaring 100,000 × 100,000 pixels) is refused before any decoding."""
    from PIL import Image

    declared = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(src, formats=[_PIL_FORMATS[kind]])
    except Image.DecompressionBombError as exc:  # Pillow's own bound (twice its MAX_IMAGE_PIXELS), from the header
        im = None
        declared = re.search(r"\((\d+) pixels\)", str(exc))
    except (OSError, SyntaxError, ValueError) as exc:
        raise Unprocessable(f"The {KINDS[kind].label} image is damaged and cannot be read", code="damaged") from exc
    if im is None or im.width * im.height > policy.max_image_pixels:
        if im is not None:
            im_size = f" ({im.width:,} × {im.height:,} pixels)"
        else:
            im_size = f" ({int(declared.group(1)):,} pixels)" if declared else ""
        if im is not None:
            im.close()
        raise PayloadTooLarge(
            f"The image is larger than the limit of {policy.max_image_pixels:,} pixels{im_size}",
            limit=policy.max_image_pixels,
            code="image_too_large",
        )
    return im


def _reencode(
    spooled: Spooled, kind: str, policy: IntakePolicy, storage: Storage
) -> tuple[Spooled, int, int, list[str]]:
    """Decode the image and encode it again in its own format: the stored file has no EXIF (GPS, camera, owner),
    XMP or text chunks, and nothing that followed or hid in the original. The EXIF orientation is applied
    first, so the picture still stands as it was taken. An animation keeps its first frame."""
    from PIL import Image, ImageOps

    flags: list[str] = []
    assert spooled.path is not None
    with _open_image(spooled.path, kind, policy) as im:
        if getattr(im, "is_animated", False):
            flags.append("animation_first_frame_only")
        icc = im.info.get("icc_profile")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im.load()
            out = ImageOps.exif_transpose(im, in_place=False) if im.getexif().get(0x0112, 1) != 1 else im
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise Unprocessable(f"The {KINDS[kind].label} image is damaged and cannot be read", code="damaged") from exc
        if kind == "jpeg" and out.mode not in ("RGB", "L", "CMYK"):
            out = out.convert("RGB")
        elif kind == "webp" and out.mode not in ("RGB", "RGBA"):
            out = out.convert("RGBA" if "A" in out.mode or "transparency" in out.info else "RGB")
        out.info = {}
        options: dict[str, Any] = {"icc_profile": icc} if icc else {}
        if kind == "jpeg":
            options.update(quality=90)  # not optimize=True: libjpeg then holds every coefficient (2 bytes each)
        elif kind == "png":
            options.update(optimize=False, compress_level=6)
        else:
            options.update(quality=90, method=4)
        width, height = out.size
        with tempfile.TemporaryFile() as buf:  # Pillow's encoders seek
            out.save(buf, _PIL_FORMATS[kind], **options)
            buf.seek(0)
            result = storage.spool(buf, limit=max(policy.limits[kind], spooled.size) * 4)
    spooled.discard()
    return result, width, height, flags


def thumbnail(src: Path | IO[bytes], *, max_side: int = 320, max_pixels: int = 40_000_000) -> bytes:
    """A JPEG of at most ``max_side`` pixels a side of a stored image (alpha flattened on white), decoded at a
    reduced size where the format allows (JPEG's draft mode), after the same pixel check as intake."""
    from PIL import Image

    if not isinstance(src, Path) and not src.seekable():  # an S3 object's body: Pillow seeks
        copy = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
        try:
            shutil.copyfileobj(src, copy, 1 << 20)
            copy.seek(0)
            return thumbnail(copy, max_side=max_side, max_pixels=max_pixels)
        finally:
            copy.close()
    with src.open("rb") if isinstance(src, Path) else contextlib.nullcontext(src) as f:
        head = _peek(f)
    kind = sniff(head)
    if kind not in IMAGES:
        raise UnsupportedMediaType("Only images have thumbnails", code="file_type_not_accepted")
    assert kind is not None
    with _open_image(src, kind, IntakePolicy(max_image_pixels=max_pixels)) as im:
        if kind == "jpeg":
            im.draft("RGB", (max_side, max_side))
        try:
            im.thumbnail((max_side, max_side))
        except (OSError, SyntaxError, ValueError) as exc:
            raise Unprocessable("The image is damaged and cannot be read", code="damaged") from exc
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            back = Image.new("RGB", im.size, "white")
            back.paste(im, mask=im.getchannel("A"))
            im = back
        elif im.mode != "RGB":
            im = im.convert("RGB")
        out = io.BytesIO()
        im.save(out, "JPEG", quality=80)
        return out.getvalue()


def _peek(f: IO[bytes]) -> bytes:
    pos = f.tell()
    head = f.read(16)
    f.seek(pos)
    return head


# -- PDF -----------------------------------------------------------------------------------------------------------
#: Names whose presence refuses a PDF: scripts, launching programs, and other active content.
PDF_REFUSED = {"/JS", "/JavaScript", "/Launch", "/RichMedia", "/ImportData", "/XFA"}
#: Names reported in ``flags``: harmless alone (an open action that shows page 1), worth knowing.
PDF_FLAGGED = {
    "/OpenAction": "pdf_open_action",
    "/AA": "pdf_additional_actions",
    "/EmbeddedFile": "pdf_embedded_file",
    "/EmbeddedFiles": "pdf_embedded_file",
    "/SubmitForm": "pdf_submit_form",
    "/URI": "pdf_links",
}
_PDF_NAME = re.compile(rb"/(?:[A-Za-z0-9]|#[0-9A-Fa-f]{2}){1,40}")
_HTML = re.compile(rb"<\s*(?:html|script|svg|body|iframe|!doctype)", re.IGNORECASE)
MAX_PDF_OBJECTS = 500_000


def _name(raw: bytes) -> str:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def check_pdf(path: Path) -> list[str]:
    """Refuse a PDF with active content, or one that is also another kind of file; the flags of what it holds.
    Two readings: the bytes (names spelt with ``#xx`` escapes decoded), which see every uncompressed object,
    also those no table lists; and pypdf's of the objects inside compressed object streams."""
    with path.open("rb") as f:
        head = f.read(1024)
    if _HTML.search(head):
        raise UnsupportedMediaType("The file is both a PDF and an HTML page (a polyglot)", code="polyglot")
    if _EOCD in _tail(path, 65_557):
        raise UnsupportedMediaType("The file is both a PDF and a zip archive (a polyglot)", code="polyglot")
    found: set[str] = set()
    with path.open("rb") as f:
        carry = b""
        while chunk := f.read(1 << 20):
            data = carry + chunk
            for m in _PDF_NAME.finditer(data):
                found.add(_name(m.group()))
            carry = data[-128:]
    found |= _pdf_object_names(path)
    refused = sorted(found & PDF_REFUSED)
    if refused:
        raise Unprocessable(
            "The PDF holds active content (" + ", ".join(n.lstrip("/") for n in refused) + "), which is not "
            "accepted; print or export it to PDF again without scripts or forms",
            code="pdf_active_content",
        )
    return sorted({flag for name, flag in PDF_FLAGGED.items() if name in found})


def _pdf_object_names(path: Path) -> set[str]:
    """The dictionary keys and name values of the objects inside compressed object streams (what the byte scan
    cannot see), read by pypdf from the open file: only the xref and those streams are read, never the whole
    file nor the other objects' streams (a 50 MB scan is not held in memory)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    names: set[str] = set()
    try:
        with path.open("rb") as f:
            reader = PdfReader(f, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise Unprocessable(
                    "The PDF is protected by a password and cannot be checked; save it without one", code="encrypted"
                )
            ids = list(reader.xref_objStm)
            if len(ids) > MAX_PDF_OBJECTS:
                raise Unprocessable(f"The PDF has more than {MAX_PDF_OBJECTS:,} objects", code="damaged")
            for idnum in ids:
                try:
                    obj = reader.get_object(IndirectObject(idnum, 0, reader))
                except Exception:  # noqa: BLE001, S112 - a broken object: nothing a viewer runs either
                    continue
                stack: list[tuple[Any, int]] = [(obj, 0)]
                while stack:
                    o, depth = stack.pop()
                    if depth > 32:
                        continue
                    if isinstance(o, DictionaryObject):
                        for k, v in o.items():
                            names.add(str(k))
                            if not isinstance(v, IndirectObject):
                                stack.append((v, depth + 1))
                    elif isinstance(o, ArrayObject):
                        stack.extend((v, depth + 1) for v in o if not isinstance(v, IndirectObject))
                    elif isinstance(o, NameObject):
                        names.add(str(o))
    except Unprocessable:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise Unprocessable("The PDF is damaged and cannot be read", code="damaged") from exc
    return names
