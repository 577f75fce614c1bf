"""The printable responsibility letter (任务责任书) in Chinese, as DOCX and as PDF with the same content.

The letter is a document handed to people in the province, so its words are Chinese here (the UI's words live in
the frontend's locale files). Its content is built once (``letter_blocks``) and written by two renderers, so the
DOCX and the PDF cannot drift apart. The PDF embeds a subset of a Chinese TrueType font (WenQuanYi Zen Hei from
Debian's ``fonts-wqy-zenhei`` by default, ``PLANS_LETTER_FONT`` to name another): a reader's machine needs no
Chinese font to show or print it (docs/decisions.md). The font, its smaller derived faces and the table are the
kernel's (``sanquan_kernel.pdf``), as for the annual report of evaluation."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from sanquan_kernel import documents
from sanquan_kernel import pdf as pdf_kit
from sanquan_kernel.documents import Block
from sanquan_kernel.exports import xml_safe

CATEGORY_ZH = documents.TASK_CATEGORY_ZH
TABLE_HEADER = ("序号", "类别", "任务", "预期成果", "起止时间", "主要责任人")
#: The fonts looked for when PLANS_LETTER_FONT is not set (the kernel's, shared with the annual report).
FONT_CANDIDATES = pdf_kit.CJK_FONTS


def letter_blocks(
    *,
    university_name: str,
    plan_year: int,
    plan_title: str,
    holder: str,
    version: int,
    content_hash: str,
    content: dict[str, Any],
    department_names: dict[int, str],
    signature: tuple[str, str] | None,
) -> list[Block]:
    """The letter's content in reading order. ``holder`` names the department or person; ``signature`` is
    (who, when) when this version is signed."""
    # Text typed by users may hold control characters that a DOCX (XML) cannot: they are left out of both.
    university_name, plan_title, holder = xml_safe(university_name), xml_safe(plan_title), xml_safe(holder)
    content, department_names = xml_safe(content), xml_safe(department_names)
    blocks = [
        Block("title", f"{university_name}后勤“三全育人”综合改革任务责任书"),
        Block("paragraph", f"实施方案：{plan_title}（{plan_year}年度）"),
        Block("paragraph", f"责任单位／责任人：{holder}"),
        Block("paragraph", f"版本：第{version}版　内容摘要（SHA-256）：{content_hash[:16]}"),
        Block(
            "paragraph",
            "为落实高校后勤“三全育人”实施方案，明确任务责任书、实施路线图、完成时间表和主要责任人，"
            "责任单位（责任人）承诺按下列任务、里程碑和完成时间组织实施，并按时报告进展。",
        ),
    ]
    tasks = content.get("tasks", [])
    rows = [TABLE_HEADER]
    for i, t in enumerate(tasks, start=1):
        dept = department_names.get(t["department_id"], "")
        rows.append(
            (
                str(i),
                CATEGORY_ZH.get(t["category"], t["category"]),
                t["title"] + (f"\n{t['description']}" if t.get("description") else ""),
                t.get("expected_outputs") or "",
                f"{t.get('start_on') or '—'} 至 {t['due_on']}",
                f"{t['responsible_name']}（{dept}）" if dept else t["responsible_name"],
            )
        )
    blocks.append(Block("table", rows=tuple(rows)))
    blocks.append(Block("heading", "实施路线图"))
    for i, t in enumerate(tasks, start=1):
        if not t.get("milestones"):
            continue
        blocks.append(Block("paragraph", f"{i}. {t['title']}"))
        for m in t["milestones"]:
            blocks.append(Block("bullet", f"第{m['seq']}步：{m['title']}（完成时间：{m['due_on']}）"))
    blocks.append(Block("paragraph", ""))
    if signature:
        blocks.append(
            Block("paragraph", f"签署：{signature[0]}　　签署时间：{signature[1]}（已在平台确认第{version}版）")
        )
    else:
        blocks.append(Block("paragraph", "责任单位（责任人）签字：____________　　日期：______年____月____日"))
    return blocks


def render_docx(blocks: list[Block]) -> bytes:
    return documents.render_docx(blocks, size=11)


def letter_font() -> Path:
    """The Chinese font the PDF embeds: PLANS_LETTER_FONT, else the first of FONT_CANDIDATES installed; 503
    naming what to install when there is none or it maps no Chinese (the DOCX works without it)."""
    return pdf_kit.find_font(
        os.environ.get("PLANS_LETTER_FONT", ""),
        setting="PLANS_LETTER_FONT",
        code="letter_font_missing",
        needed_by="PDF letters",
        note="; the DOCX is available",
    )


#: Column widths of the task table (relative; the page's text width is shared in these proportions).
_COLUMNS = (10, 16, 50, 34, 30, 32)


def render_pdf(blocks: list[Block], font: Path | str | None = None) -> bytes:
    """The same blocks as an A4 PDF with a subset of the Chinese font embedded (CIDFontType2, FontFile2): by
    default the smallest face derived from the letter font that has every character of the letter."""
    from fpdf.enums import Align, WrapMode, XPos, YPos

    pdf = pdf_kit.new_document(
        orientation="portrait", margin=20, creator="sanquan plans", family="letter", font=str(font or _font(blocks))
    )
    width = pdf.epw
    for b in blocks:
        if b.kind == "title":
            pdf_kit.title(pdf, "letter", b.text)
        elif b.kind == "heading":
            pdf_kit.heading(pdf, "letter", b.text)
        elif b.kind == "table":
            pdf_kit.grid(pdf, b.rows, width, _COLUMNS, family="letter", size=9, line=5.0, pad=1.0)
            pdf.ln(2)
        else:
            pdf.set_font("letter", size=11)
            indent = 6 if b.kind == "bullet" else 0
            if b.kind == "bullet":
                if pdf.will_page_break(6.5):
                    pdf.add_page()
                # The bullet is drawn, not written: the text reads the same as the DOCX's list item.
                pdf.circle(x=pdf.l_margin + 1.2, y=pdf.get_y() + 2.45, radius=0.8, style="F")
            pdf.set_x(pdf.l_margin + indent)
            pdf.multi_cell(
                width - indent, 6.5, b.text, align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            pdf.ln(1)
    return bytes(pdf.output())


def _font(blocks: list[Block] | tuple[Block, ...]) -> str:
    """The smallest face of the letter font with every character of ``blocks`` (the kernel derives it once per
    machine), else the whole font."""
    return pdf_kit.document_font(letter_font(), documents.texts(blocks))


@lru_cache(maxsize=32)
def _cached_pdf(blocks: tuple[Block, ...], font: str) -> bytes:
    """A PDF costs about a second (the font collection is parsed each time): the same letter with the same
    content — the same blocks, names included — is rendered once per process (32 kept, ~50 KB each)."""
    return render_pdf(list(blocks), font)


def render_letter(*, fmt: Literal["docx", "pdf"] = "docx", **letter: Any) -> bytes:
    """The letter as DOCX or PDF; ``letter`` holds ``letter_blocks``'s arguments."""
    blocks = letter_blocks(**letter)
    return _cached_pdf(tuple(blocks), _font(blocks)) if fmt == "pdf" else render_docx(blocks)
