"""The import's workbooks for office users: the template (Chinese headers, an example row, drop-down lists, date
cells and a 填写说明 sheet) and the error report (the uploaded rows with an error column and the bad cells marked).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sanquan_kernel import spreadsheets
from sanquan_kernel.exports import safe_cell, xml_safe
from training.records import importer
from training.vocabulary import ORGANIZER_LABELS, THEME_LABELS

#: The cells an error report marks at most (a file wrong on every row of 200,000 is not held as a million marks).
REPORT_MAX_ERRORS = 50_000
#: Rows of the template that carry the drop-down lists and the date format.
TEMPLATE_ROWS = 2000
SHEET = "培训记录"
EXAMPLE = (
    importer.EXAMPLE_EMPLOYEE_NO,
    "（示例）消防安全培训",
    date(2026, 3, 15),
    8,
    1,
    "安全教育；以宪法教育为核心的法治教育",
    "校级",
    "",
)
_REQUIRED = "必填"
_NOTES: list[tuple[str, str, str, str]] = [
    ("employee_no", _REQUIRED, "人员的工号，须是本单位在册人员；部门负责人只能导入本部门人员。", "T0001"),
    ("title", _REQUIRED, "培训名称，最多 200 个字。", "消防安全培训"),
    (
        "taken_on",
        _REQUIRED,
        "培训日期，日期格式（如 2026-03-15），不能晚于今天。也可写 2026/3/15 或 20260315。",
        "2026-03-15",
    ),
    ("hours", _REQUIRED, "学时，0 到 9999，最多两位小数；学时和天数不能同时为 0。", "8"),
    ("days", _REQUIRED, "天数，0 到 9999，最多两位小数。", "1"),
    (
        "themes",
        _REQUIRED,
        "培训主题，可从下拉列表选择；多个主题用分号、顿号或逗号分隔（；、，均可）。可填："
        + "、".join(THEME_LABELS.values())
        + "。",
        "安全教育；以宪法教育为核心的法治教育",
    ),
    ("organizer_level", _REQUIRED, "组织层级，从下拉列表选择：" + "、".join(ORGANIZER_LABELS.values()) + "。", "校级"),
    ("external_id", "选填", "外部编号：本单位系统中的记录编号。同一编号再次导入时不会重复计入。", "HR-2026-0001"),
]
_RULES = [
    "1. 第一行是表头，请勿修改；从第 3 行起每行填写一条培训记录（第 2 行灰色示例行可保留或删除，导入时不会计入）。",
    "2. 导入前系统先校验全部行：只要有一行有误，整批都不导入；错误会按 Excel 行号和列名列出，",
    "   并可“下载错误报告”：原表加一列“错误说明”，有误的单元格标红并附批注。",
    "3. 表头也可使用英文代码（employee_no, title, taken_on, hours, days, themes, organizer_level, external_id），"
    "供校内系统对接使用。",
    "4. 年度达标规则：年度累计学时或天数达到规定之一即为达标。",
]


@dataclass(frozen=True)
class ListColumn:
    """A drop-down list on one column of the template (``warning``: other text is kept, e.g. several themes)."""

    letter: str
    options: tuple[str, ...]
    title: str
    error: str
    warning: bool = False
    prompt: str = ""


@dataclass(frozen=True)
class Sheet:
    """What one import's template declares; everything else (styles, the example row, validations on the rows to
    fill, the 填写说明 sheet) is built the same way for every import by ``build_template``."""

    name: str
    name_en: str
    columns: tuple[str, ...]
    labels: dict[str, str]
    example: tuple[Any, ...]
    widths: tuple[int, ...]
    notes: list[tuple[str, str, str, str]]
    rules: list[str]
    lists: tuple[ListColumn, ...] = ()
    text_letters: tuple[str, ...] = ("A",)
    date_letters: tuple[str, ...] = ()
    extra: tuple[Callable[[str, int], Any], ...] = field(default=())
    #: rows filled in below the example (a course's enrolled people)
    rows: tuple[tuple[Any, ...], ...] = ()


def _letter(i: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]


def _cell(value: Any) -> Any:
    return None if value is None else safe_cell(value)


def build_template(sheet: Sheet) -> bytes:
    """The .xlsx template of an import: Chinese headers, a grey example row, drop-down lists, text and date cells
    on the rows to fill, and a 填写说明 sheet (the columns, what each takes, the rules of the import)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = sheet.name
    ws.append([sheet.labels[c] for c in sheet.columns])
    # the example and the pre-filled rows carry names users typed (departments, staff): without the control
    # characters a worksheet cannot hold (openpyxl would refuse them: a 500) and with formulas neutralised
    ws.append([_cell(v) for v in sheet.example])
    for filled in sheet.rows:
        ws.append([_cell(v) for v in filled])
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center")
    for cell in ws[2]:
        cell.font = Font(italic=True, color="808080")
    last = TEMPLATE_ROWS + 1 + len(sheet.rows)
    for row in range(2, last + 1):
        for letter in sheet.date_letters:
            ws[f"{letter}{row}"].number_format = "yyyy-mm-dd"
        for letter in sheet.text_letters:
            ws[f"{letter}{row}"].number_format = "@"  # 工号 as text: leading zeros stay
    for i, width in enumerate(sheet.widths):
        ws.column_dimensions[_letter(i)].width = width
    ws.freeze_panes = "A2"
    for lc in sheet.lists:
        # an inline list is comma-separated inside quotes: an option holding either cannot be offered
        options = [xml_safe(o) for o in lc.options if "," not in o and '"' not in o]
        if not options:
            continue
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=lc.title,
            error=lc.error,
            **({"errorStyle": "warning"} if lc.warning else {}),
            **({"promptTitle": lc.title, "prompt": lc.prompt, "showInputMessage": True} if lc.prompt else {}),
        )
        dv.add(f"{lc.letter}2:{lc.letter}{last}")
        ws.add_data_validation(dv)
    for make in sheet.extra:
        ws.add_data_validation(make(sheet.name, last))

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "英文代码", "是否必填", "填写要求", "示例"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
        cell.fill = head_fill
    for code, required, text, example in sheet.notes:
        notes.append([sheet.labels[code], code, required, text, example])
    notes.append([])
    for line in sheet.rules:
        notes.append([line])
    for letter, width in zip("ABCDE", (12, 18, 10, 80, 36), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2, max_row=len(sheet.notes) + 1):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _dates(_: str, last: int) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="date",
        operator="between",
        formula1="DATE(1900,1,1)",
        formula2="TODAY()",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="培训日期",
        error="请填写不晚于今天的日期，如 2026-03-15。",
    )
    dv.add(f"C2:C{last}")
    return dv


def _amounts(_: str, last: int) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="9999",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="学时 / 天数",
        error="请填写 0 到 9999 之间的数字，最多两位小数。",
    )
    dv.add(f"D2:E{last}")
    return dv


RECORDS = Sheet(
    name=SHEET,
    name_en="records",
    columns=importer.COLUMNS,
    labels=importer.COLUMN_HEADERS,
    example=EXAMPLE,
    widths=(12, 28, 14, 8, 8, 36, 12, 16),
    notes=_NOTES,
    rules=_RULES,
    lists=(
        ListColumn(
            "F",
            tuple(THEME_LABELS.values()),
            "培训主题",
            "可从下拉列表选择一个主题；多个主题请用“；”或“、”分隔。",
            warning=True,  # several themes typed with ；、， are kept
            prompt="从列表选择，或输入多个主题并用“；”“、”分隔",
        ),
        ListColumn(
            "G",
            tuple(ORGANIZER_LABELS.values()),
            "组织层级",
            "请从下拉列表选择：" + "、".join(ORGANIZER_LABELS.values()),
        ),
    ),
    text_letters=("A",),
    date_letters=("C",),
    extra=(_dates, _amounts),
)


def template() -> bytes:
    """The training records' template (``RECORDS``)."""
    return build_template(RECORDS)


def error_report(
    filename: str,
    content: bytes,
    outcome: importer.Outcome,
    max_rows: int,
    lang: str,
    sheet: Sheet | None = None,
) -> bytes:
    """The uploaded rows with an 错误说明 column and each refused cell filled and commented (``outcome``: the
    check of this same file, every error kept); ``sheet``: the import's (the records' by default)."""
    sheet = sheet or RECORDS
    zh = lang == "zh"
    marks: dict[tuple[int, int], str] = {}
    if len(outcome.errors) >= REPORT_MAX_ERRORS:
        marks[(outcome.header_row, 1 << 30)] = (
            f"仅标出前 {REPORT_MAX_ERRORS:,} 处错误"
            if zh
            else f"only the first {REPORT_MAX_ERRORS:,} errors are marked"
        )
    past = 1 << 20  # a missing column: marked on the header row's error cell only
    for e in outcome.errors:
        column = outcome.columns.get(e["column"])
        reason = e["message_zh"] if zh else e["message"]
        key = (e["sheet_row"], column if column is not None else past + len(marks))
        label = e["header"]
        text = f"{label}：{reason}" if zh else f"{label}: {reason}"
        marks[key] = f"{marks[key]}；{text}" if key in marks else text
    return spreadsheets.error_report(
        importer.read_table(filename, content, max_rows),
        marks,
        error_header="错误说明" if zh else "Errors",
        sheet=sheet.name if zh else sheet.name_en,
        author="三全育人平台" if zh else "import",
    )
