"""The printable responsibility letter (任务责任书) as a DOCX in Chinese.

The letter is a document handed to people in the province, so its words are Chinese here (the UI's words live in
the frontend's locale files)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from sanquan_kernel.exports import xml_safe

CATEGORY_ZH = {
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


def _font(doc: Any) -> None:
    style = doc.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")


def render_letter(
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
) -> bytes:
    """``holder`` names the department or person; ``signature`` is (who, when) when this version is signed."""
    # Text typed by users may hold control characters that a DOCX (XML) cannot: they are left out.
    university_name, plan_title, holder = xml_safe(university_name), xml_safe(plan_title), xml_safe(holder)
    content, department_names = xml_safe(content), xml_safe(department_names)
    doc = Document()
    _font(doc)
    title = doc.add_heading(f"{university_name}后勤“三全育人”综合改革任务责任书", level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"实施方案：{plan_title}（{plan_year}年度）")
    doc.add_paragraph(f"责任单位／责任人：{holder}")
    doc.add_paragraph(f"版本：第{version}版　内容摘要（SHA-256）：{content_hash[:16]}")
    doc.add_paragraph(
        "为落实高校后勤“三全育人”实施方案，明确任务责任书、实施路线图、完成时间表和主要责任人，"
        "责任单位（责任人）承诺按下列任务、里程碑和完成时间组织实施，并按时报告进展。"
    )
    tasks = content.get("tasks", [])
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("序号", "类别", "任务", "预期成果", "起止时间", "主要责任人"), strict=True
    ):
        cell.text = text
    for i, t in enumerate(tasks, start=1):
        row = table.add_row().cells
        row[0].text = str(i)
        row[1].text = CATEGORY_ZH.get(t["category"], t["category"])
        row[2].text = t["title"] + (f"\n{t['description']}" if t.get("description") else "")
        row[3].text = t.get("expected_outputs") or ""
        row[4].text = f"{t.get('start_on') or '—'} 至 {t['due_on']}"
        dept = department_names.get(t["department_id"], "")
        row[5].text = f"{t['responsible_name']}（{dept}）" if dept else t["responsible_name"]
    doc.add_heading("实施路线图", level=2)
    for i, t in enumerate(tasks, start=1):
        if not t.get("milestones"):
            continue
        doc.add_paragraph(f"{i}. {t['title']}")
        for m in t["milestones"]:
            doc.add_paragraph(f"第{m['seq']}步：{m['title']}（完成时间：{m['due_on']}）", style="List Bullet")
    doc.add_paragraph("")
    if signature:
        doc.add_paragraph(f"签署：{signature[0]}　　签署时间：{signature[1]}（已在平台确认第{version}版）")
    else:
        doc.add_paragraph("责任单位（责任人）签字：____________　　日期：______年____月____日")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
