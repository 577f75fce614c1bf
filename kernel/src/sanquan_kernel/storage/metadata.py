"""Removing who wrote a document, for blind review: a PDF's document information and XMP metadata (pypdf),
an Office package's ``docProps`` (core: author, last modified by, title, subject, keywords, description,
category; app: company, manager, template, hyperlink base; custom properties). The content is not changed.

The names of the people who commented or changed the text are blanked too (Word's ``w:author``/``w:initials`` on
comments, tracked changes and the people part; Excel's comment authors and threaded-comment persons;
PowerPoint's comment authors). Not removed: names inside the text itself.

``strip_metadata`` reads a stream and returns a new temporary file (rewound); the content then has another
SHA-256 and is stored as a file of its own.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from typing import IO, Any

from sanquan_kernel.errors import Unprocessable

_CORE_KEPT = ("created", "modified")
_APP_REMOVED = ("Company", "Manager", "Template", "HyperlinkBase")
_EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
)


def strip_metadata(src: IO[bytes], kind: str) -> IO[bytes]:
    """A copy of ``src`` (a checked ``pdf``, ``docx``, ``xlsx`` or ``pptx``) without author and organisation
    properties, as a rewound temporary file; other kinds are copied unchanged (images lose theirs at intake)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - returned to the caller, who closes it
    try:
        if kind == "pdf":
            _pdf(src, out)
        elif kind in ("docx", "xlsx", "pptx"):
            _office(src, out)
        else:
            shutil.copyfileobj(src, out, 1 << 20)
    except Unprocessable:
        out.close()
        raise
    except Exception as exc:
        out.close()
        raise Unprocessable("The document cannot be read to remove its author's details", code="damaged") from exc
    out.seek(0)
    return out


def _pdf(src: IO[bytes], out: IO[bytes]) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    reader = PdfReader(src, strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise Unprocessable("The PDF is protected by a password", code="encrypted")
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    root = writer._root_object
    for key in ("/Metadata", "/PieceInfo"):
        if NameObject(key) in root:
            del root[NameObject(key)]
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            if NameObject(key) in page:
                del page[NameObject(key)]
    writer.write(out)


def _office(src: IO[bytes], out: IO[bytes]) -> None:
    from lxml import etree

    from sanquan_kernel.spreadsheets import MAX_PART, check_archive

    check_archive(src, label="Office document")
    src.seek(0)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            name = info.filename
            lower = name.lower()
            if lower in ("docprops/core.xml", "docprops/app.xml", "docprops/custom.xml"):
                if info.file_size > MAX_PART:
                    raise Unprocessable("The document's properties are larger than any real ones", code="damaged")
                zout.writestr(_copy_info(info), _clean_props(lower, zin.read(name), parser))
                continue
            with zin.open(info) as r, zout.open(_copy_info(info), "w") as w:
                if _PEOPLE_PARTS.match(lower):
                    _rewrite_people(r, w)
                else:
                    shutil.copyfileobj(r, w, 1 << 20)


#: Parts that name the people who commented or changed the text: Word's body, comments, notes and people
#: (``w:author``, ``w:initials``, ``w15:userId`` ...), Excel's comment authors and threaded-comment persons,
#: PowerPoint's comment authors.
_PEOPLE_PARTS = re.compile(
    r"(word/[^/]+\.xml|xl/comments[^/]*\.xml|xl/persons/[^/]+\.xml|xl/threadedcomments/[^/]+\.xml"
    r"|ppt/commentauthors\.xml|ppt/authors\.xml)$"
)
_PEOPLE_ATTRS = re.compile(rb"(\s(?:\w+:)?(?:author|initials|userId|providerId|name|displayName))=(\"[^\"]*\"|'[^']*')")
_XL_AUTHOR = re.compile(rb"<author>[^<]*</author>")
#: Elements that name a person: comments, tracked changes (``ins``, ``del``, ``*Change``), people and authors.
_PEOPLE_TAGS = re.compile(rb"<(?:\w+:)?(?:person|cmAuthor|author|comment|ins|del|moveFrom|moveTo|\w+Change)\b")


def _anonymise(piece: bytes) -> bytes:
    """Names of people in the attributes of the elements that carry them (not any ``name`` attribute: styles,
    fonts and bookmarks have names too), and Excel's ``<author>`` texts."""
    piece = _XL_AUTHOR.sub(b"<author>Reviewer</author>", piece)

    def tag(m: re.Match[bytes]) -> bytes:
        element = m.group(0)
        if not _PEOPLE_TAGS.match(element):
            return element
        return _PEOPLE_ATTRS.sub(lambda a: a.group(1) + b'=""', element)

    return re.sub(rb"<[^<>]*>", tag, piece)


def _rewrite_people(r: IO[bytes], w: IO[bytes]) -> None:
    """Stream a part through ``_anonymise`` in 1 MiB pieces, each cut after its last ``>`` (a tag never spans
    two pieces; a piece without a ``>`` is a text run, carried on up to 16 MB)."""
    carry = b""
    while chunk := r.read(1 << 20):
        data = carry + chunk
        cut = data.rfind(b">") + 1
        if cut == 0 and len(data) < 16 << 20:
            carry = data
            continue
        w.write(_anonymise(data[:cut] if cut else data))
        carry = data[cut:] if cut else b""
    w.write(_anonymise(carry))


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
    new.compress_type = info.compress_type
    new.external_attr = info.external_attr
    return new


def _clean_props(name: str, data: bytes, parser: Any) -> bytes:
    from lxml import etree

    if name.endswith("custom.xml"):
        return _EMPTY_CUSTOM
    root = etree.fromstring(data, parser)
    for el in list(root):
        local = etree.QName(el).localname
        if (name.endswith("core.xml") and local not in _CORE_KEPT) or (
            name.endswith("app.xml") and local in _APP_REMOVED
        ):
            root.remove(el)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
