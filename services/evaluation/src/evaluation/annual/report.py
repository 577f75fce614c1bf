"""The province's annual report of the reform (年度报告, issue #19, Y3) as DOCX and PDF with the same content.

Its content is built once as blocks (``blocks``) and written by two renderers, like the responsibility letters of
plans: the province's figures, one table per school type, two charts (training compliance by university, milestone
completion by task category), the pilots, the award winners and the published typical cases. The charts are drawn
server-side with Pillow into PNGs that both documents embed; the PDF embeds a subset of a Chinese TrueType font
(WenQuanYi Zen Hei by default, ``EVALUATION_REPORT_FONT`` to name another), read from a smaller face derived from it
once per machine (``pdf_font``; kept in ``EVALUATION_FONT_CACHE``, by default the temporary directory). The document's
words are Chinese: it is handed to people in the province."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from evaluation.annual import figures as fig
from evaluation.annual import repository as repo
from sanquan_kernel import documents
from sanquan_kernel import pdf as pdf_kit
from sanquan_kernel.clock import today
from sanquan_kernel.documents import Block
from sanquan_kernel.exports import xml_safe
from sanquan_kernel.orgdir import OrgDirectory

CATEGORY_ZH = documents.TASK_CATEGORY_ZH
SCHOOL_TYPE_ZH = {
    "undergraduate": "本科高校",
    "higher_vocational": "高职院校",
    "secondary_vocational": "中职学校",
    "school": "中小学校",
    None: "其他",
}
PLAN_STATUS_ZH = {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "approved": "已批准", None: "未制定"}
CASE_CATEGORY_ZH = {"excellent_case": "优秀案例", "outstanding_person": "出彩后勤人"}
FONT_CANDIDATES = pdf_kit.CJK_FONTS
TABLE_HEADER = (
    "高校",
    "方案",
    "节点完成率",
    "逾期节点",
    "培训达标率",
    "勤工助学比例",
    "专项经费(计划/支出)",
    "获奖",
    "整改(销号/总数)",
)


def _pct(v: Any) -> str:
    return "—" if v is None else f"{float(v) * 100:.1f}%"


def _money(v: Any) -> str:
    return f"{float(v or 0):,.2f}"


# -- the data -----------------------------------------------------------------------------------------------------
@dataclass
class ReportData:
    year: int
    province: str
    universities: list[tuple[int, str, str | None]]  # id, name, school type
    fetched: fig.Fetched
    awards: list[dict[str, Any]]
    pilots: list[int]
    cases: list[Any]
    summaries: dict[str, int]
    names: dict[int, str]


def collect(session: Session, src: fig.Sources, orgdir: OrgDirectory, year: int) -> ReportData:
    unis = sorted(orgdir.universities(active_only=True), key=lambda o: ((o.type or "~"), o.code or "", o.id))
    prov = orgdir.province()
    return ReportData(
        year=year,
        province=prov.name if prov else "",
        universities=[(u.id, u.name, u.type) for u in unis],
        fetched=fig.fetch(src, year, None),
        awards=fig.awards(session, year),
        pilots=repo.pilots(session, year),
        cases=repo.published_cases(session, year),
        summaries=repo.status_counts(session, year),
        names={o.id: o.name for o in orgdir.universities()},
    )


# -- the charts ---------------------------------------------------------------------------------------------------
def report_font(configured: str = "") -> Path:
    """The Chinese font of the PDF and the charts: EVALUATION_REPORT_FONT, else the first of the kernel's
    ``CJK_FONTS`` installed."""
    return pdf_kit.find_font(
        configured, setting="EVALUATION_REPORT_FONT", code="report_font_missing", needed_by="Annual reports"
    )


def bar_chart(title: str, labels: list[str], values: list[float | None], *, target: float | None = None) -> bytes:
    """A column chart of rates (0–1) as a PNG: a label under each column when there are few, else the columns
    sorted from the highest and numbered; a dashed line at ``target``."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = str(report_font(os.environ.get("EVALUATION_REPORT_FONT", "")))
    w, h = 1600, 800
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    f_title = ImageFont.truetype(font_path, 34, index=0)
    f = ImageFont.truetype(font_path, 22, index=0)
    left, right, top, bottom = 90, 30, 80, 150
    d.text((w // 2, 20), title, fill="black", font=f_title, anchor="mt")
    ph = h - top - bottom
    pw = w - left - right
    for i in range(6):
        y = top + ph - ph * i / 5
        d.line((left, y, w - right, y), fill=(225, 225, 225), width=1)
        d.text((left - 10, y), f"{i * 20}%", fill="black", font=f, anchor="rm")
    d.line((left, top, left, top + ph), fill="black", width=2)
    d.line((left, top + ph, w - right, top + ph), fill="black", width=2)
    n = max(1, len(values))
    slot = pw / n
    few = n <= 16
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x0 = left + i * slot + slot * 0.15
        x1 = left + (i + 1) * slot - slot * 0.15
        if v is not None:
            y = top + ph - ph * max(0.0, min(1.0, float(v)))
            d.rectangle((x0, y, max(x0 + 1, x1), top + ph), fill=(64, 120, 190))
            if few:
                d.text(((x0 + x1) / 2, y - 6), f"{float(v) * 100:.0f}%", fill="black", font=f, anchor="mb")
        if few:
            d.text(((x0 + x1) / 2, top + ph + 10), label[:8], fill="black", font=f, anchor="mt")
    if not few:
        d.text((left + pw / 2, top + ph + 20), f"各高校（{n} 所，按达标率从高到低）", fill="black", font=f, anchor="mt")
    if target is not None:
        y = top + ph - ph * target
        for x in range(left, w - right, 24):
            d.line((x, y, x + 12, y), fill=(200, 40, 40), width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


# -- the content --------------------------------------------------------------------------------------------------
def blocks(data: ReportData) -> list[Block]:
    fetched = data.fetched
    plans = fig.by_university(fetched.plans)
    ind = fig.by_university(fetched.plans_indicators)
    train = fig.by_university(fetched.training)
    won: dict[int, int] = {}
    for a in data.awards:
        won[a["university_id"]] = won.get(a["university_id"], 0) + 1
    out: list[Block] = [
        Block("title", f"{data.province}高校后勤“三全育人”改革{data.year}年度工作报告"),
        Block("paragraph", f"报告生成日期：{today().isoformat()}。数据来源：实施方案、培训台账、评选与督导记录。"),
    ]
    errors = fetched.errors or {}
    for source, reason in errors.items():
        out.append(Block("paragraph", f"注意：{source} 服务的数据暂不可用（{reason}），相关数字未列入。"))

    # 一、总体情况
    n = len(data.universities)
    approved = sum(1 for u, _, _ in data.universities if plans.get(u, {}).get("plan_status") == "approved")
    ms = sum(int(p.get("milestones", 0)) for p in plans.values())
    ms_done = sum(int(p.get("milestones_done", 0)) for p in plans.values())
    overdue = sum(int(p.get("milestones_overdue", 0)) for p in plans.values())
    staff = sum(int(t.get("staff_total", 0)) for t in train.values())
    compliant = sum(int(t.get("compliant", 0)) for t in train.values())
    posts = sum(int(i.get("total_posts", 0)) for i in ind.values())
    ws = sum(int(i.get("work_study_posts", 0)) for i in ind.values())
    planned = sum(float(i.get("special_fund_planned", 0)) for i in ind.values())
    spent = sum(float(i.get("special_fund_spent", 0)) for i in ind.values())
    rect = sum(int(p.get("rectifications", 0)) for p in plans.values())
    rect_closed = sum(int(p.get("rectifications_closed", 0)) for p in plans.values())
    out += [
        Block("heading", "一、总体情况"),
        Block("bullet", f"参加改革的高校 {n} 所，实施方案获批 {approved} 所。"),
        Block(
            "bullet",
            f"路线图节点 {ms} 个，已完成 {ms_done} 个（完成率 {_pct(ms_done / ms if ms else None)}），"
            f"逾期未完成 {overdue} 个。",
        ),
        Block(
            "bullet",
            f"后勤从业人员 {staff} 人，年度培训达标 {compliant} 人"
            f"（达标率 {_pct(compliant / staff if staff else None)}）。",
        ),
        Block(
            "bullet",
            f"后勤岗位 {posts} 个，勤工助学岗位 {ws} 个"
            f"（占比 {_pct(ws / posts if posts else None)}，要求不低于 10%）。",
        ),
        Block("bullet", f"后勤思政专项经费计划 {_money(planned)} 元，已支出 {_money(spent)} 元。"),
        Block(
            "bullet",
            f"评选获奖 {len(data.awards)} 项，试点高校 {len(data.pilots)} 所，公开典型案例 {len(data.cases)} 个。",
        ),
        Block("bullet", f"督导发现问题 {rect} 个，已整改销号 {rect_closed} 个。"),
        Block(
            "bullet",
            f"年度总结：已提交 {data.summaries.get('submitted', 0)} 份，已通过 {data.summaries.get('accepted', 0)} 份，"
            f"已退回 {data.summaries.get('returned', 0)} 份。",
        ),
    ]
    themes = (fetched.themes or {}).get("items") or []
    if themes:
        out.append(
            Block(
                "paragraph",
                "培训主题覆盖率：" + "；".join(f"{t.get('label')} {_pct(t.get('coverage'))}" for t in themes) + "。",
            )
        )

    # 二、分类统计
    out.append(Block("heading", "二、分类统计"))
    by_type: dict[str | None, list[tuple[int, str]]] = {}
    for u, name, t in data.universities:
        by_type.setdefault(t if t in SCHOOL_TYPE_ZH else None, []).append((u, name))
    for t, unis in by_type.items():
        out.append(Block("paragraph", f"{SCHOOL_TYPE_ZH[t]}（{len(unis)} 所）"))
        rows: list[tuple[str, ...]] = [TABLE_HEADER]
        for u, name in unis:
            p, i, tr = plans.get(u, {}), ind.get(u, {}), train.get(u, {})
            rows.append(
                (
                    name,
                    PLAN_STATUS_ZH.get(p.get("plan_status"), "—"),
                    _pct(p.get("completion")),
                    str(p.get("milestones_overdue", 0)),
                    _pct(tr.get("compliance_rate")) if tr else "—",
                    _pct(i.get("work_study_ratio")) if i else "—",
                    f"{_money(i.get('special_fund_planned'))}/{_money(i.get('special_fund_spent'))}" if i else "—",
                    str(won.get(u, 0)),
                    f"{p.get('rectifications_closed', 0)}/{p.get('rectifications', 0)}",
                )
            )
        out.append(Block("table", rows=tuple(rows)))

    # 三、图表
    out.append(Block("heading", "三、图表"))
    comp = sorted(
        ((name, train.get(u, {}).get("compliance_rate")) for u, name, _ in data.universities if u in train),
        key=lambda x: -(x[1] or 0),
    )
    out.append(
        Block(
            "image",
            "图1 各高校培训达标率",
            image=bar_chart("各高校培训达标率", [c[0] for c in comp], [c[1] for c in comp], target=None),
        )
    )
    cats: dict[str, list[int]] = {}
    for p in plans.values():
        for c in p.get("categories", []):
            x = cats.setdefault(c["category"], [0, 0])
            x[0] += int(c.get("milestones", 0))
            x[1] += int(c.get("milestones_done", 0))
    labels = [CATEGORY_ZH[c] for c in CATEGORY_ZH]
    values = [(cats[c][1] / cats[c][0]) if cats.get(c, [0])[0] else None for c in CATEGORY_ZH]
    out.append(Block("image", "图2 各类任务节点完成率", image=bar_chart("各类任务节点完成率", labels, values)))

    # 四、试点高校
    out.append(Block("heading", "四、试点高校"))
    if data.pilots:
        out += [Block("bullet", data.names.get(u, str(u))) for u in data.pilots]
    else:
        out.append(Block("paragraph", "本年度无试点高校。"))

    # 五、获奖名单
    out.append(Block("heading", "五、获奖名单"))
    if data.awards:
        awards: list[tuple[str, ...]] = [("评选项目", "名次", "获奖对象", "高校")]
        awards += [
            (a["campaign"], str(a["rank"]), a["title"], data.names.get(a["university_id"], "")) for a in data.awards
        ]
        out.append(Block("table", rows=tuple(awards)))
    else:
        out.append(Block("paragraph", "本年度暂无发布的评选结果。"))

    # 六、典型案例
    out.append(Block("heading", "六、典型案例"))
    if data.cases:
        for c in data.cases:
            out.append(
                Block(
                    "paragraph",
                    f"【{CASE_CATEGORY_ZH.get(c.category, c.category)}】{c.title}"
                    f"（{data.names.get(c.university_id, '')}）",
                )
            )
            story = c.story if len(c.story) <= 600 else c.story[:600] + "……"
            out.append(Block("paragraph", story))
    else:
        out.append(Block("paragraph", "本年度暂无公开的典型案例。"))
    return [Block(b.kind, xml_safe(b.text), tuple(tuple(xml_safe(c) for c in r) for r in b.rows), b.image) for b in out]


# -- the renderers ------------------------------------------------------------------------------------------------
def render_docx(content: list[Block]) -> bytes:
    return documents.render_docx(content, size=10.5, landscape=True)


_COLUMNS = (40, 14, 18, 14, 18, 20, 36, 10, 20)
_AWARD_COLUMNS = (40, 10, 80, 40)


def _pdf_grid(pdf: Any, rows: tuple[tuple[str, ...], ...], width: float) -> None:
    """A table at 8 pt (the header again on every page), its columns by its width."""
    n = len(rows[0])
    cols = _COLUMNS if n == len(_COLUMNS) else _AWARD_COLUMNS if n == len(_AWARD_COLUMNS) else (1,) * n
    pdf_kit.grid(pdf, rows, width, cols, family="report", size=8.0, line=3.8, pad=0.9)


def pdf_font(content: list[Block]) -> str:
    """The font file the PDF embeds: the smallest derived face (kept in ``EVALUATION_FONT_CACHE``) that has every
    character of ``content``, else the full font (a character beyond the basic CJK block, another script)."""
    full = report_font(os.environ.get("EVALUATION_REPORT_FONT", ""))
    return pdf_kit.document_font(full, documents.texts(content), os.environ.get("EVALUATION_FONT_CACHE", ""))


def render_pdf(content: list[Block]) -> bytes:
    from fpdf.enums import Align, XPos, YPos

    pdf = pdf_kit.new_document(
        orientation="landscape", margin=15, creator="sanquan evaluation", family="report", font=pdf_font(content)
    )
    width = pdf.epw
    for b in content:
        if b.kind == "title":
            pdf_kit.title(pdf, "report", b.text)
        elif b.kind == "heading":
            pdf_kit.heading(pdf, "report", b.text)
        elif b.kind == "table":
            _pdf_grid(pdf, b.rows, width)
            pdf.ln(2)
        elif b.kind == "image":
            h = 230 * 800 / 1600
            if pdf.will_page_break(h + 8):
                pdf.add_page()
            pdf.image(io.BytesIO(b.image), x=pdf.l_margin + (width - 230) / 2, w=230)
            pdf.set_font("report", size=10)
            pdf.multi_cell(width, 6, b.text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.set_font("report", size=10.5)
            indent = 6 if b.kind == "bullet" else 0
            line = 6.0
            for k, text in enumerate(pdf_kit.wrap(b.text, width - indent, 10.5)):
                if pdf.will_page_break(line):
                    pdf.add_page()
                y = pdf.get_y()
                if b.kind == "bullet" and k == 0:
                    pdf.circle(x=pdf.l_margin + 1.2, y=y + 2.9, radius=0.8, style="F")
                pdf.text(pdf.l_margin + indent, y + line - 1.6, text)
                pdf.set_y(y + line)
            pdf.ln(0.5)
    return bytes(pdf.output())


@lru_cache(maxsize=4)
def _cached(content: tuple[Block, ...], fmt: Literal["docx", "pdf"]) -> bytes:
    """The same report (the same blocks, charts included) is rendered once per process: a PDF costs seconds,
    most of them parsing the font collection and subsetting it."""
    return render_pdf(list(content)) if fmt == "pdf" else render_docx(list(content))


def render(data: ReportData, fmt: Literal["docx", "pdf"]) -> bytes:
    return _cached(tuple(blocks(data)), fmt)
