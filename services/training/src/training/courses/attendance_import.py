"""Course attendance from Excel (issue #17 section 2): 工号 and 出勤 (是/否) for one course. It reuses the records
import's machinery (``records.importer``: header reading, Excel row numbers, errors with codes in English and
Chinese; ``records.workbooks``: the template and the error report) and declares only its columns and its row rule.

Same policy as the records import: every row is checked first; one wrong row and nothing is marked. The people
marked go through the course's own path (``courses.service.attend``): one ledger record each, made once (marking
the same person again changes nothing), so the same file twice changes nothing. The hours and days are the
course's, as when attendance is ticked on the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sanquan_kernel.errors import PayloadTooLarge, Unprocessable
from sanquan_kernel.principal import Principal, Scope
from training.courses import service
from training.courses.models import Enrolment
from training.courses.schemas import AttendanceImportResult
from training.records import importer as base
from training.records import workbooks
from training.records.schemas import ImportRowError
from training.staff import repository as staff_repository
from training.staff.models import Staff

COLUMNS = ("employee_no", "name", "attended")
REQUIRED = ("employee_no",)
COLUMN_HEADERS: dict[str, str] = {"employee_no": "工号", "name": "姓名", "attended": "出勤"}
HEADER_ALIASES: dict[str, str] = {
    **{c: c for c in COLUMNS},
    **{h: c for c, h in COLUMN_HEADERS.items()},
    "职工号": "employee_no",
    "员工编号": "employee_no",
    "是否出勤": "attended",
    "出勤情况": "attended",
    "签到": "attended",
}
YES = {"是", "出勤", "已出勤", "到", "√", "y", "yes", "true", "1"}
NO = {"否", "缺勤", "未出勤", "未到", "×", "n", "no", "false", "0"}
MESSAGES: dict[str, tuple[str, str]] = {
    "missing_column": base.MESSAGES["missing_column"],
    "required": base.MESSAGES["required"],
    "not_enrolled": (
        "employee number '{value}' is not enrolled in this course (or not in your scope)",
        "工号“{value}”不是本课程的报名人员（或不在您的管理范围内）",
    ),
    "ambiguous_staff": (
        "employee number '{value}' is enrolled from several universities: mark them on the page",
        "工号“{value}”在多所高校的报名人员中重复，请在页面上勾选",
    ),
    "employee_no_repeat": ("repeats row {first}", "与第 {first} 行的工号重复"),
    "not_yes_no": ("yes or no", "须填“是”或“否”"),
}


def validate(
    table: Iterator[tuple[int, list[Any]]], enrolled: dict[str, list[int]], *, max_errors: int | None = base.MAX_ERRORS
) -> base.Outcome:
    """Check every row; ``enrolled``: employee_no → the staff ids enrolled under it that the caller sees.
    ``out.rows``: (staff id,) of each person to mark attended."""
    out = base.Outcome(max_errors=max_errors, labels=COLUMN_HEADERS, messages=MESSAGES)
    if not base.read_header(out, table, HEADER_ALIASES, REQUIRED):
        return out
    i_no, i_att = out.columns["employee_no"], out.columns.get("attended")
    width = max(out.columns.values()) + 1
    seen: dict[str, int] = {}
    n = 0
    for line, raw in table:
        cells = base.padded(raw, width)
        if cells is None or not any(base._cell(c) for c in cells):
            continue
        no = base._cell(cells[i_no])
        if no == base.EXAMPLE_EMPLOYEE_NO:
            continue
        n += 1
        bad = False
        ids = enrolled.get(no, [])
        if not no:
            out.error(n, "employee_no", "required", line)
            bad = True
        elif no in seen:
            out.error(n, "employee_no", "employee_no_repeat", line, first=seen[no])
            bad = True
        elif not ids:
            out.error(n, "employee_no", "not_enrolled", line, value=no)
            bad = True
        elif len(ids) > 1:
            out.error(n, "employee_no", "ambiguous_staff", line, value=no)
            bad = True
        if no:
            seen.setdefault(no, line)
        attended = True
        raw_att = base._cell(cells[i_att]).lower() if i_att is not None else ""
        if raw_att:
            if raw_att in NO:
                attended = False
            elif raw_att not in YES:
                out.error(n, "attended", "not_yes_no", line)
                bad = True
        if not bad and attended:
            out.rows.append((ids[0],))
    out.total = n
    return out


def _enrolled(session: Session, scope: Scope, course_id: int) -> dict[str, list[int]]:
    rows = session.execute(
        select(Staff.employee_no, Staff.id)
        .join(Enrolment, Enrolment.staff_id == Staff.id)
        .where(Enrolment.course_id == course_id, staff_repository.visible(scope))
    )
    found: dict[str, list[int]] = {}
    for no, sid in rows:
        found.setdefault(no, []).append(sid)
    return found


def check_file(
    session: Session,
    scope: Scope,
    course_id: int,
    filename: str,
    content: bytes,
    max_rows: int,
    *,
    max_errors: int | None = base.MAX_ERRORS,
) -> base.Outcome:
    service.get_or_404(session, scope, course_id)
    enrolled = _enrolled(session, scope, course_id)
    try:
        return validate(base.read_table(filename, content, max_rows), enrolled, max_errors=max_errors)
    except base.ImportTooLarge as exc:
        raise PayloadTooLarge(str(exc), max_rows=exc.limit) from None
    except base.ImportFileError as exc:
        raise Unprocessable(str(exc), errors=[{"loc": ["body", "file"], "msg": str(exc)}]) from None


def import_file(
    session: Session,
    principal: Principal,
    scope: Scope,
    course_id: int,
    filename: str,
    content: bytes,
    *,
    dry_run: bool,
    max_rows: int = base.DEFAULT_MAX_ROWS,
) -> AttendanceImportResult:
    """All or nothing: with any wrong row nothing is marked; otherwise the course's own attendance path marks them
    (409 before the course has ended, as on the page)."""
    out = check_file(session, scope, course_id, filename, content, max_rows)
    attended = records = 0
    if not out.errors and not dry_run and out.rows:
        result = service.attend(session, principal, scope, course_id, [r[0] for r in out.rows])
        attended, records = result.attended, result.records_created
    return AttendanceImportResult(
        total=out.total,
        accepted=out.accepted,
        rejected=out.rejected,
        attended=attended,
        records_created=records,
        dry_run=dry_run,
        errors=[ImportRowError(**e) for e in out.errors],
    )


_NOTES: list[tuple[str, str, str, str]] = [
    ("employee_no", "必填", "报名人员的工号；须是本课程的报名人员。同一文件内不能重复。", "T0001"),
    ("name", "选填", "姓名，仅便于核对，导入时不读取。", "张三"),
    ("attended", "选填", "是否出勤：是 / 否，不填为“是”。填“否”的行不计出勤（已记录的出勤不会撤销）。", "是"),
]
_RULES = [
    "1. 第一行是表头，请勿修改；从第 3 行起每行填写一名报名人员（第 2 行灰色示例行导入时不会计入）。",
    "2. 导入前系统先校验全部行：只要有一行有误，整批都不导入；错误按 Excel 行号和列名列出，可“下载错误报告”。",
    "3. 出勤的人员按课程的学时和天数各生成一条培训台账记录；同一文件重复导入不会重复计入。课程结束后才能记录出勤。",
    "4. 表头也可使用英文代码（employee_no, name, attended）。",
]


def sheet(enrolled: list[tuple[str, str]]) -> workbooks.Sheet:
    """The template of one course, its visible enrolled people filled in (工号, 姓名, 出勤 是)."""
    return workbooks.Sheet(
        name="课程出勤",
        name_en="attendance",
        columns=COLUMNS,
        labels=COLUMN_HEADERS,
        example=(base.EXAMPLE_EMPLOYEE_NO, "（示例）张三", "是"),
        widths=(14, 14, 8),
        notes=_NOTES,
        rules=_RULES,
        lists=(workbooks.ListColumn("C", ("是", "否"), "出勤", "请填写“是”或“否”"),),
        text_letters=("A",),
        rows=tuple((no, name, "是") for no, name in enrolled),
    )


def template(session: Session, scope: Scope, course_id: int) -> bytes:
    service.get_or_404(session, scope, course_id)
    rows = session.execute(
        select(Staff.employee_no, Staff.name)
        .join(Enrolment, Enrolment.staff_id == Staff.id)
        .where(Enrolment.course_id == course_id, staff_repository.visible(scope))
        .order_by(Staff.employee_no)
    )
    return workbooks.build_template(sheet([(no, name) for no, name in rows]))
