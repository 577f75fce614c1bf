"""Chinese PDFs with fpdf2, one way for every service that writes one (the responsibility letters of plans, the
annual report of evaluation): the font — a CJK TrueType font found once (``find_font``) and the smallest face
derived from it that has every character of a document (``document_font``) — and the tables, drawn as rectangles
and lines of text with an estimated line breaking (``wrap``, ``grid``).

fpdf2 parses and subsets the whole font for every document: ~0.9 s with WenQuanYi Zen Hei's 16 MB collection,
~0.2 s with the GB 2312 face derived from it, ~0.45 s with the wide one (an idle host); its measured line breaking
(``multi_cell``, ``pdf.table``) took most of a long table's time. The callers depend on fpdf2 (which brings
fontTools); this module imports them only when it is used."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sanquan_kernel.errors import ServiceUnavailable

#: TrueType fonts with Chinese glyphs whose licences allow embedding, looked for in this order when no font is
#: configured (a .ttc's first face is used).
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian fonts-wqy-zenhei (GPL-2 with a font exception)
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian fonts-wqy-microhei (Apache-2.0 / GPL-3)
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # Debian fonts-arphic-uming (Arphic Public License)
)
#: Characters a font must map to count as Chinese (任务责任书: the letters' own title, checked since #16).
_PROBE = "任务责任书"
_FILL = (235, 235, 235)

_log = logging.getLogger(__name__)
_FACE_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def find_font(configured: str, *, setting: str, code: str, needed_by: str, note: str = "") -> Path:
    """The configured font (``setting``'s value), else the first of ``CJK_FONTS`` installed; 503 ``code`` naming
    what to install when there is none, or when the configured one maps no Chinese (a page of boxes otherwise).
    ``needed_by`` opens the message ("PDF letters"), ``note`` ends it ("; the DOCX is available")."""
    candidates = [configured] if configured else list(CJK_FONTS)
    for c in candidates:
        if Path(c).is_file():
            if not _has_chinese(Path(c)):
                raise ServiceUnavailable(
                    f"{needed_by} need a Chinese font: {c} has no Chinese characters ({setting})", code=code
                )
            return Path(c)
    raise ServiceUnavailable(
        f"{needed_by} need a Chinese TrueType font: install fonts-wqy-zenhei or set {setting}"
        f" (looked for {', '.join(candidates)}){note}",
        code=code,
    )


def _has_chinese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    try:
        cmap = TTFont(path, fontNumber=0, lazy=True).getBestCmap() or {}
    except Exception:  # noqa: BLE001 - not a font fontTools can read: not a usable font either
        return False
    return all(ord(ch) in cmap for ch in _PROBE)


def _common_chars() -> set[int]:
    """The characters of the smaller face: ASCII, Latin-1, general and CJK punctuation, full-width forms and the
    7,445 characters of GB 2312 (its 6,763 hanzi among them)."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x2070))
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


@lru_cache(maxsize=8)
def derived_face(path: str, wide: bool = False, cache_dir: str = "") -> tuple[str, frozenset[int]] | None:
    """``path``'s first face made small once: subset to ``_common_chars`` (WenQuanYi Zen Hei: 45,000 glyphs →
    ~8,000, 2.4 MB), or with ``wide`` to those and every CJK unified ideograph U+4E00–U+9FFF (a name's rarer
    character: ~22,000 glyphs, 7.9 MB); kept in ``cache_dir`` (default: the temporary directory) in a file named
    after the source's path, size and time, so that later processes reuse it. Deriving one costs 1–3 s once per
    machine; on any failure None (the caller embeds the full font). Returns the file and the characters it maps."""
    try:
        from fontTools import subset as ftsubset
        from fontTools import version as ft_version
        from fontTools.ttLib import TTFont

        st = Path(path).stat()
        tier = "cjk" if wide else "gb2312"
        key = hashlib.sha256(f"{path}|{st.st_size}|{st.st_mtime_ns}|{ft_version}|{tier}-v2".encode()).hexdigest()
        folder = Path(cache_dir or Path(tempfile.gettempdir()) / "sanquan-pdf-fonts")
        target = folder / f"{key[:24]}.ttf"
        if not target.is_file():
            logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
            folder.mkdir(parents=True, exist_ok=True)
            font = TTFont(path, fontNumber=0, lazy=True, recalcTimestamp=False, recalcBBoxes=False)
            options = ftsubset.Options(
                notdef_outline=True, recommended_glyphs=True, name_IDs=["*"], name_languages=["*"], glyph_names=True
            )
            options.layout_features = []
            options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "hdmx", "EBDT", "EBLC", "EBSC", "BDF "]
            subsetter = ftsubset.Subsetter(options)
            subsetter.populate(unicodes=_common_chars() | (set(range(0x4E00, 0xA000)) if wide else set()))
            subsetter.subset(font)
            fd, tmp = tempfile.mkstemp(suffix=".ttf", dir=folder)
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as out:
                font.save(out)
            Path(tmp).replace(target)
        cmap = TTFont(str(target), lazy=True).getBestCmap() or {}
        return str(target), frozenset(cmap)
    except Exception:  # noqa: BLE001 - a cache only: the full font still renders the document
        _log.warning("PDF: the smaller font could not be derived from %s", path, exc_info=True)
        return None


def document_font(full: Path | str, texts: Iterable[str], cache_dir: str = "") -> str:
    """The font file a document of ``texts`` embeds: the smallest derived face of ``full`` that has every
    character, else ``full`` itself (a character beyond the basic CJK block, another script, no face derived)."""
    chars = {ord(ch) for t in texts for ch in t if ch >= " "}
    for wide in (False, True):
        with _FACE_LOCK:  # one thread derives a face, the others wait for it instead of deriving it again
            derived = derived_face(str(full), wide, cache_dir)
        if derived is None:
            break
        if chars <= derived[1]:
            return derived[0]
    return str(full)


def new_document(*, orientation: str, margin: float, creator: str, family: str, font: str) -> Any:
    """An A4 fpdf2 document in Chinese with ``font`` as ``family`` and its first page."""
    from fpdf import FPDF

    # The font's bitmap strikes (BDF) cannot be subset and are dropped: fontTools says so on every document.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(auto=True, margin=margin)
    pdf.set_creator(creator)
    pdf.set_lang("zh-CN")
    pdf.add_font(family, "", font)
    pdf.add_page()
    return pdf


def title(pdf: Any, family: str, text: str) -> None:
    """The document's title, centred at 16 pt."""
    from fpdf.enums import Align, WrapMode, XPos

    pdf.set_font(family, size=16)
    pdf.multi_cell(pdf.epw, 9, text, align=Align.C, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN)
    pdf.ln(3)


def heading(pdf: Any, family: str, text: str) -> None:
    """A section's heading at 13 pt."""
    from fpdf.enums import Align, WrapMode, XPos

    pdf.ln(3)
    pdf.set_font(family, size=13)
    pdf.multi_cell(pdf.epw, 8, text, align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN)
    pdf.ln(1)


def _width(ch: str, em: float) -> float:
    return em if ord(ch) > 0x2E7F else em * 0.6


def wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of ``text`` within ``width`` mm at ``size`` pt, by an estimate of each character's width (a CJK
    character is one em, others about half of one — the estimate errs wide, so nothing overflows) instead of
    fpdf2's measured line breaking. A Latin word (a date, a name) that would be cut goes to the next line whole."""
    em = size * 0.3528
    lines, cur, w = [], "", 0.0
    for ch in text:
        if ch == "\n":
            lines.append(cur)
            cur, w = "", 0.0
            continue
        cw = _width(ch, em)
        if w + cw > width and cur:
            cut = cur.rfind(" ") + 1 if ch.isascii() and not ch.isspace() else 0
            if 0 < cut < len(cur) and cur[cut:].isascii():
                lines.append(cur[:cut])
                cur = cur[cut:]
                w = sum(_width(c, em) for c in cur)
            else:
                lines.append(cur)
                cur, w = "", 0.0
        cur += ch
        w += cw
    lines.append(cur)
    return lines


def grid(
    pdf: Any,
    rows: tuple[tuple[str, ...], ...],
    width: float,
    columns: tuple[float, ...],
    *,
    family: str,
    size: float,
    line: float,
    pad: float,
) -> None:
    """A table of ``rows`` (the first its header, again on top of every page) across ``width`` mm, its columns in
    the proportions of ``columns``, in ``family`` at ``size`` pt with lines ``line`` mm apart. A row too tall for
    a page under the header (a description of thousands of characters) is written as its cells one under the
    other across the page, in the same order, and the table goes on below it: nothing is cut, and the text reads
    in the same order as the DOCX's table."""
    from fpdf.enums import Align, WrapMode, XPos

    ws = [width * c / sum(columns) for c in columns]
    em = size * 0.3528
    baseline = (line - em) / 2 + 0.15 * em  # from a line's bottom
    pdf.set_font(family, size=size)

    def layout(cells: tuple[str, ...]) -> tuple[list[list[str]], float]:
        wrapped = [wrap(text, w - 2 * pad, size) for text, w in zip(cells, ws, strict=True)]
        return wrapped, max(len(x) for x in wrapped) * line + 2 * pad

    head = layout(rows[0])

    def draw(wrapped: list[list[str]], h: float, header: bool) -> None:
        if pdf.will_page_break(h):
            pdf.add_page()
            if not header:
                draw(*head, True)
        x, y = pdf.l_margin, pdf.get_y()
        if header:
            pdf.set_fill_color(*_FILL)
        for w, lines in zip(ws, wrapped, strict=True):
            pdf.rect(x, y, w, h, style="DF" if header else "D")
            for k, text in enumerate(lines):
                pdf.text(x + pad, y + pad + (k + 1) * line - baseline, text)
            x += w
        pdf.set_y(y + h)

    tallest = pdf.eph - head[1]
    draw(*head, True)
    for r in rows[1:]:
        wrapped, h = layout(r)
        if h <= tallest:
            draw(wrapped, h, False)
            continue
        for text in r:
            pdf.multi_cell(width, line, text, border=1, align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN)
