"""File names a user gave, made safe to keep and to send back: RFC 6266 ``Content-Disposition`` with the name
intact for browsers (``filename*=UTF-8''…``, Chinese included) and an ASCII fallback for old clients, with
control characters (CR/LF: header injection), quotes, backslashes and path parts (``../``) removed."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

#: The longest name kept (characters); longer ones keep their start and their extension.
MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._()\- ]+")


def safe_filename(name: str | None, *, default: str = "file") -> str:
    """The last path part of ``name`` without control characters (CR/LF, bidi overrides that disguise an
    extension), quotes, backslashes or leading dots; at most MAX_NAME characters; ``default`` when nothing is
    left."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).replace('"', "").replace("'", "").replace("\x00", "")
    name = name.strip().lstrip(".").strip()
    if not name:
        return default
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        keep_ext = dot and 0 < len(ext) <= 16
        name = stem[: MAX_NAME - len(ext) - 1] + "." + ext if keep_ext else name[:MAX_NAME]
    return name


def ascii_fallback(name: str) -> str:
    """An ASCII rendering of a safe name for the plain ``filename=`` parameter: accents dropped, other letters
    replaced; ``file.<ext>`` when nothing readable is left (a name in Chinese)."""
    decomposed = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = _NOT_TOKEN.sub("_", decomposed).strip(" _")
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    stem = re.sub(r"[ _]{2,}", "_", stem).strip(" _.")
    if not re.search(r"[A-Za-z0-9]", stem):
        stem = "file"
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:16]
    return f"{stem}.{ext}" if ext else stem


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`` (RFC 6266 / RFC 8187)."""
    name = safe_filename(filename)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_headers(filename: str, *, inline: bool = False, media_type: str = "") -> dict[str, str]:
    """The headers of every file download: the disposition, no content sniffing, and a sandbox so that a file
    opened in the browser can run nothing and reach nothing (the type is the one decided at intake). A PDF shown
    inline is left out of the sandbox, where browsers refuse to render it (its scripts are refused at intake)."""
    sandbox = "" if inline and media_type == "application/pdf" else "; sandbox"
    return {
        "Content-Disposition": content_disposition(filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'" + sandbox,
        "Cache-Control": "private, no-cache",
    }
