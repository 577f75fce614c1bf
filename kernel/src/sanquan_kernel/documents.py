"""Documents handed to people in the province — the responsibility letters (plans), the annual report (evaluation):
their content is built once as blocks and written by two renderers, DOCX here and PDF with ``sanquan_kernel.pdf``,
so the two cannot drift apart. Their words are Chinese (宋体 in the DOCX). The callers depend on python-docx; this
module imports it only when it is used."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

#: The task categories (DOMAIN.md) as documents print them: the letters' task table, plans' exports, the annual
#: report's milestone chart.
TASK_CATEGORY_ZH = {
    "service": "服务育人",
    "management": "管理育人",
    "environment": "环境育人",
    "culture": "文化育人",
    "collaboration": "协同育人",
    "organisation": "组织领导",
    "publicity": "宣传发动",
    "funding_incentive": "保障力度",
    "accountability": "责任落实",
}

Kind = Literal["title", "heading", "paragraph", "bullet", "table", "image"]


@dataclass(frozen=True)
class Block:
    """One piece of a document: a title, a heading, a paragraph, a bullet point, a table (its first row the header)
    or an image (a PNG, ``text`` its caption)."""

    kind: Kind
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = field(default=())
    image: bytes = b""


def texts(blocks: Iterable[Block]) -> Iterator[str]:
    """Every text of ``blocks``, table cells included (the characters a PDF's font must have)."""
    for b in blocks:
        yield b.text
        for row in b.rows:
            yield from row


def render_docx(blocks: Iterable[Block], *, size: float, landscape: bool = False) -> bytes:
    """``blocks`` as a DOCX in 宋体 at ``size`` pt; ``landscape``: A4 across with 18 mm margins (else the template's
    page). An image is 230 mm wide, its caption centred under it."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    if landscape:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(18))
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(size)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for b in blocks:
        if b.kind == "title":
            doc.add_heading(b.text, level=1).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif b.kind == "heading":
            doc.add_heading(b.text, level=2)
        elif b.kind == "bullet":
            doc.add_paragraph(b.text, style="List Bullet")
        elif b.kind == "table":
            table = doc.add_table(rows=len(b.rows), cols=len(b.rows[0]))
            table.style = "Table Grid"
            # cell by cell through the XML is slow for a province of 200 universities: set each cell's text once
            for r, row in zip(table.rows, b.rows, strict=True):
                for cell, text in zip(r.cells, row, strict=True):
                    cell.text = text
        elif b.kind == "image":
            doc.add_picture(io.BytesIO(b.image), width=Mm(230))
            doc.add_paragraph(b.text).alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            doc.add_paragraph(b.text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
