"""The staff register from Excel (issue #17 section 2): 工号, 姓名, 部门 (name or id), 用工类型 (Chinese or the codes),
岗位, 在岗, 入职日期, 离职日期. It reuses the records import's machinery (``records.importer``: the header mapping,
the row numbers Excel shows, the errors with codes in English and Chinese; ``records.workbooks``: the template and
the error report) and declares only its columns and its row rule.

Same policy as the records import: every row is checked first; one wrong row and nothing is stored. Rows create or
update by employee number through the register's own upsert (``staff.service.upsert``: audit, versions, moves), so
the same file twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from sanquan_kernel.errors import PayloadTooLarge, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role
from training.records import importer as base
from training.records import workbooks
from training.records.schemas import ImportRowError
from training.staff import repository, service
from training.staff.schemas import StaffImportResult, StaffUpsert
from training.vocabulary import EmploymentType

COLUMNS = ("employee_no", "name", "department", "employment_type", "position", "active", "joined_on", "left_on")
REQUIRED = ("employee_no", "name", "department", "employment_type")
COLUMN_HEADERS: dict[str, str] = {
    "employee_no": "工号",
    "name": "姓名",
    "department": "部门",
    "employment_type": "用工类型",
    "position": "岗位",
    "active": "在岗",
    "joined_on": "入职日期",
    "left_on": "离职日期",
}
HEADER_ALIASES: dict[str, str] = {
    **{c: c for c in COLUMNS},
    **{h: c for c, h in COLUMN_HEADERS.items()},
    "department_id": "department",
    "职工号": "employee_no",
    "员工编号": "employee_no",
    "部门名称": "department",
    "所在部门": "department",
    "用工形式": "employment_type",
    "职务": "position",
    "岗位/职务": "position",
    "是否在岗": "active",
    "在岗状态": "active",
}
EMPLOYMENT_LABELS: dict[str, str] = {
    EmploymentType.PERMANENT.value: "在编",
    EmploymentType.CONTRACT.value: "合同制",
    EmploymentType.DISPATCHED.value: "劳务派遣",
    EmploymentType.OUTSOURCED.value: "外包",
}
EMPLOYMENT_ALIASES: dict[str, str] = {
    **{c.value: c.value for c in EmploymentType},
    **{label: code for code, label in EMPLOYMENT_LABELS.items()},
    "合同": "contract",
    "派遣": "dispatched",
    "外包人员": "outsourced",
    "正式": "permanent",
}
YES = {"是", "在岗", "y", "yes", "true", "1", "active"}
NO = {"否", "离岗", "n", "no", "false", "0", "inactive"}
EXAMPLE_EMPLOYEE_NO = base.EXAMPLE_EMPLOYEE_NO
_TYPES_ZH = "、".join(EMPLOYMENT_LABELS.values())
MESSAGES: dict[str, tuple[str, str]] = {
    "missing_column": base.MESSAGES["missing_column"],
    "required": base.MESSAGES["required"],
    "employee_no_length": ("at most 64 characters", "最多 64 个字符"),
    "employee_no_repeat": ("repeats row {first}", "与第 {first} 行的工号重复"),
    "name_length": ("required, at most 100 characters", "必填，最多 100 个字"),
    "position_length": ("at most 100 characters", "最多 100 个字"),
    "unknown_department": (
        "no department '{value}' in the university",
        "本校没有名为“{value}”的部门（可填部门名称或编号）",
    ),
    "other_department": (
        "'{value}' is not your department: a department manager imports their own department's staff only",
        "“{value}”不是本部门，部门负责人只能导入本部门人员",
    ),
    "other_department_staff": (
        "employee number '{value}' belongs to another department",
        "工号“{value}”是其他部门的人员，部门负责人不能修改",
    ),
    "unknown_employment_type": (
        "one of permanent, contract, dispatched, outsourced",
        "须为 " + _TYPES_ZH + " 之一",
    ),
    "not_yes_no": ("yes or no", "须填“是”或“否”"),
    "not_date": base.MESSAGES["not_date"],
    "left_before_joined": ("before the date joined", "不能早于入职日期"),
}


def new_outcome(max_errors: int | None = base.MAX_ERRORS) -> base.Outcome:
    return base.Outcome(max_errors=max_errors, labels=COLUMN_HEADERS, messages=MESSAGES)


def _department(raw: str, departments: dict[str, int], by_id: set[int]) -> int | None:
    if raw in departments:
        return departments[raw]
    if raw.isdigit() and int(raw) in by_id:
        return int(raw)
    return None


def validate(
    table: Iterator[tuple[int, list[Any]]],
    orgdir: OrgDirectory,
    university_id: int,
    existing: dict[str, tuple[int, int]],
    *,
    department_id: int | None = None,
    max_errors: int | None = base.MAX_ERRORS,
) -> base.Outcome:
    """Check every row. Departments are the university's (by name or id: another university's is unknown here);
    with ``department_id`` (a department manager) only that department, and no person of another department
    (``existing``: employee_no → (staff id, department id) in the university). ``out.rows``: (employee_no, body)
    with the upsert's fields."""
    out = new_outcome(max_errors)
    if not base.read_header(out, table, HEADER_ALIASES, REQUIRED):
        return out
    depts = orgdir.departments_of(university_id)
    by_name = {d.name: d.id for d in depts}
    by_id = {d.id for d in depts}
    index = out.columns
    width = max(index.values()) + 1
    seen: dict[str, int] = {}
    error = out.error
    n = 0
    for line, raw in table:
        cells = base.padded(raw, width)
        if cells is None:
            continue

        def get(column: str, cells: list[Any] = cells) -> str:
            i = index.get(column)
            return base._cell(cells[i]) if i is not None else ""

        no = get("employee_no")
        if no == EXAMPLE_EMPLOYEE_NO:
            continue
        if not any(base._cell(c) for c in cells):
            continue
        n += 1
        bad = False
        if not no:
            error(n, "employee_no", "required", line)
            bad = True
        elif len(no) > 64:
            error(n, "employee_no", "employee_no_length", line)
            bad = True
        elif no in seen:
            error(n, "employee_no", "employee_no_repeat", line, first=seen[no])
            bad = True
        else:
            seen[no] = line
            known = existing.get(no)
            if department_id is not None and known is not None and known[1] != department_id:
                error(n, "employee_no", "other_department_staff", line, value=no)
                bad = True
        name = get("name")
        if not name or len(name) > 100:
            error(n, "name", "name_length", line)
            bad = True
        dept_raw = get("department")
        dept = _department(dept_raw, by_name, by_id) if dept_raw else None
        if not dept_raw:
            error(n, "department", "required", line)
            bad = True
        elif dept is None:
            error(n, "department", "unknown_department", line, value=dept_raw)
            bad = True
        elif department_id is not None and dept != department_id:
            error(n, "department", "other_department", line, value=dept_raw)
            bad = True
        et_raw = get("employment_type")
        et = EMPLOYMENT_ALIASES.get(et_raw) or EMPLOYMENT_ALIASES.get(et_raw.lower())
        if et is None:
            error(n, "employment_type", "unknown_employment_type" if et_raw else "required", line)
            bad = True
        position = get("position")
        if len(position) > 100:
            error(n, "position", "position_length", line)
            bad = True
        active_raw = get("active").lower()
        active = True
        if active_raw:
            if active_raw in YES:
                active = True
            elif active_raw in NO:
                active = False
            else:
                error(n, "active", "not_yes_no", line)
                bad = True
        dates: dict[str, date | None] = {}
        for column in ("joined_on", "left_on"):
            i = index.get(column)
            value = cells[i] if i is not None else None
            if base._cell(value):
                parsed = base._date(value)
                if parsed is None:
                    error(n, column, "not_date", line)
                    bad = True
                dates[column] = parsed
        joined, left = dates.get("joined_on"), dates.get("left_on")
        if joined and left and left < joined:
            error(n, "left_on", "left_before_joined", line)
            bad = True
        if not bad:
            body: dict[str, Any] = {
                "name": name,
                "department_id": dept,
                "position": position or None,
                "employment_type": et,
                "active": active,
                "university_id": university_id,
            }
            body.update({k: v for k, v in dates.items()})
            out.rows.append((no, body))
    out.total = n
    return out


_NOTES: list[tuple[str, str, str, str]] = [
    (
        "employee_no",
        "必填",
        "工号，最多 64 个字符；已有的工号会更新该人员，新的工号会新建。同一文件内不能重复。",
        "T0001",
    ),
    ("name", "必填", "姓名，最多 100 个字。", "张三"),
    (
        "department",
        "必填",
        "部门名称（从下拉列表选择）或部门编号，须是本校部门；部门负责人只能填本部门。",
        "饮食服务中心",
    ),
    ("employment_type", "必填", "用工类型，从下拉列表选择：" + _TYPES_ZH + "（也可填英文代码）。", "合同制"),
    ("position", "选填", "岗位或职务，最多 100 个字。", "厨师"),
    ("active", "选填", "是否在岗：是 / 否，不填为“是”。", "是"),
    ("joined_on", "选填", "入职日期，如 2020-09-01。", "2020-09-01"),
    ("left_on", "选填", "离职日期，不能早于入职日期。", ""),
]
_RULES = [
    "1. 第一行是表头，请勿修改；从第 3 行起每行填写一名人员（第 2 行灰色示例行可保留或删除，导入时不会计入）。",
    "2. 导入前系统先校验全部行：只要有一行有误，整批都不导入；错误会按 Excel 行号和列名列出，",
    "   并可“下载错误报告”：原表加一列“错误说明”，有误的单元格标红并附批注。",
    "3. 按工号新建或更新人员：同一文件重复导入不会产生任何变化。",
    "4. 表头也可使用英文代码（" + ", ".join(COLUMNS) + "），供校内系统对接使用。",
]


def sheet(department_names: list[str]) -> workbooks.Sheet:
    """The template of the caller's university: the departments' drop-down list holds its departments."""
    return workbooks.Sheet(
        name="人员名册",
        name_en="staff",
        columns=COLUMNS,
        labels=COLUMN_HEADERS,
        example=(
            EXAMPLE_EMPLOYEE_NO,
            "（示例）张三",
            department_names[0] if department_names else "",
            "合同制",
            "厨师",
            "是",
            date(2020, 9, 1),
            None,
        ),
        widths=(12, 14, 22, 12, 16, 8, 14, 14),
        notes=_NOTES,
        rules=_RULES,
        lists=(
            *(
                (
                    workbooks.ListColumn(
                        "C", tuple(department_names), "部门", "请从下拉列表选择本校部门，或填写部门编号", warning=True
                    ),
                )
                if department_names and sum(len(d) + 1 for d in department_names) < 250
                else ()
            ),
            workbooks.ListColumn("D", tuple(EMPLOYMENT_LABELS.values()), "用工类型", "请从下拉列表选择：" + _TYPES_ZH),
            workbooks.ListColumn("F", ("是", "否"), "在岗", "请填写“是”或“否”"),
        ),
        text_letters=("A",),
        date_letters=("G", "H"),
    )


# -- the service -------------------------------------------------------------------------------------------------
def check_file(
    session: Session,
    principal: Principal,
    orgdir: OrgDirectory,
    university_id: int,
    filename: str,
    content: bytes,
    max_rows: int,
    *,
    max_errors: int | None = base.MAX_ERRORS,
) -> base.Outcome:
    """Read and check every row of an upload (nothing stored): the records import's policy and errors."""
    department_id = principal.department_id if principal.role is Role.DEPARTMENT_MANAGER else None
    existing = repository.lookup_employee_numbers(session, None, university_id)
    try:
        table = base.read_table(filename, content, max_rows)
        return validate(table, orgdir, university_id, existing, department_id=department_id, max_errors=max_errors)
    except base.ImportTooLarge as exc:
        raise PayloadTooLarge(str(exc), max_rows=exc.limit) from None
    except base.ImportFileError as exc:
        raise Unprocessable(str(exc), errors=[{"loc": ["body", "file"], "msg": str(exc)}]) from None


def import_file(
    session: Session,
    request: Request,
    principal: Principal,
    orgdir: OrgDirectory,
    university_id: int,
    filename: str,
    content: bytes,
    *,
    dry_run: bool,
    max_rows: int = base.DEFAULT_MAX_ROWS,
) -> StaffImportResult:
    """All or nothing: when any row is wrong nothing is stored and every wrong row is listed; otherwise each row
    creates or updates its person (``service.upsert``), and a row that changes nothing is counted unchanged."""
    out = check_file(session, principal, orgdir, university_id, filename, content, max_rows)
    created = updated = unchanged = 0
    if not out.errors and not dry_run:
        for no, body in out.rows:
            before = repository.find_in_university(session, university_id, no)
            version = before.version if before is not None else None
            staff, is_new = service.upsert(session, request, principal, orgdir, no, StaffUpsert(**body))
            if is_new:
                created += 1
            elif staff.version != version:
                updated += 1
            else:
                unchanged += 1
    return StaffImportResult(
        total=out.total,
        accepted=out.accepted,
        rejected=out.rejected,
        created=created,
        updated=updated,
        unchanged=unchanged,
        dry_run=dry_run,
        errors=[ImportRowError(**e) for e in out.errors],
    )
