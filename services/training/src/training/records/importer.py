"""Bulk import of ledger records from ``.csv`` and ``.xlsx`` as office users produce them (CONTRACT.md).

Two phases: the whole file is read and validated first, streaming row by row and collecting every error with its
row, column and reason; only a file without errors is stored, in the caller's transaction, with one multi-row
insert (``COPY`` on PostgreSQL; ``repository.insert_imported``) and one bulk update of the yearly totals. All or
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from sanquan_kernel import spreadsheets
from training.records import repository
from training.vocabulary import (
    EARLIEST_TAKEN_ON,
    ORGANIZER_ALIASES,
    THEME_ALIASES,
    THEME_LABELS,
    THEMES,
    Source,
    q2,
)

COLUMNS = ("employee_no", "title", "taken_on", "hours", "days", "themes", "organizer_level", "external_id")
REQUIRED = ("employee_no", "title", "taken_on", "hours", "days", "themes", "organizer_level")
#: Header names office users write, mapped to the contract's columns (the template uses the contract's names).
HEADER_ALIASES: dict[str, str] = {
    **{c: c for c in COLUMNS},
    "工号": "employee_no",
    "职工号": "employee_no",
    "员工编号": "employee_no",
    "培训名称": "title",
    "培训内容": "title",
    "标题": "title",
    "名称": "title",
    "培训日期": "taken_on",
    "日期": "taken_on",
    "学时": "hours",
    "培训学时": "hours",
    "天数": "days",
    "培训天数": "days",
    "主题": "themes",
    "培训主题": "themes",
    "组织层级": "organizer_level",
    "主办层级": "organizer_level",
    "组织者": "organizer_level",
    "外部编号": "external_id",
    "记录编号": "external_id",
}
#: The template's headers (Chinese; the contract's codes above stay accepted for campus systems).
COLUMN_HEADERS: dict[str, str] = {
    "employee_no": "工号",
    "title": "培训名称",
    "taken_on": "培训日期",
    "hours": "学时",
    "days": "天数",
    "themes": "培训主题",
    "organizer_level": "组织层级",
    "external_id": "外部编号",
}
#: The template's example row: a row with this employee number is the example left in place, not a record.
EXAMPLE_EMPLOYEE_NO = "示例-0001"
_THEMES_ZH = "、".join(THEME_LABELS.values())
#: Every reason a row is refused: code → (English, Chinese), with ``{value}``-style parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    "missing_column": ("missing column", "缺少“{header}”列"),
    "required": ("required", "必填"),
    "unknown_staff": (
        "no staff member with employee number '{value}' in your scope",
        "没有工号为“{value}”的人员（或不在您的管理范围内）",
    ),
    "other_department": (
        "employee number '{value}' belongs to another department: a department manager imports for their own "
        "department only",
        "工号“{value}”不是本部门人员，部门负责人只能导入本部门人员的记录",
    ),
    "title_length": ("required, at most 200 characters", "必填，最多 200 个字"),
    "not_date": ("not a date (YYYY-MM-DD)", "不是有效日期，请按 2026-03-15 的格式填写"),
    "future_date": ("must not be in the future", "不能晚于今天"),
    "too_early": ("must not be before 1900-01-01", "不能早于 1900-01-01"),
    "not_number": ("not a number", "不是数字"),
    "amount_range": ("must be between 0 and 9999 with at most two decimals", "须在 0 到 9999 之间，最多两位小数"),
    "both_zero": ("hours and days cannot both be 0", "学时和天数不能同时为 0"),
    "unknown_theme": (
        "unknown theme '{value}' (use " + ", ".join(THEMES) + ")",
        "未知的培训主题“{value}”，可填：" + _THEMES_ZH + "；多个主题用“；”“、”或“，”分隔",
    ),
    "themes_required": ("at least one theme is required", "至少填写一个培训主题"),
    "unknown_level": ("one of province, university, department, external", "须为 省级、校级、部门级、校外 之一"),
    "external_id_length": ("at most 100 characters", "最多 100 个字符"),
    "external_id_repeat": ("repeats row {first}", "与第 {first} 行的外部编号重复"),
}
MAX_ERRORS = 1000
#: Rows besides the header one file may hold (the setting TRAINING_IMPORT_MAX_ROWS; see config.Settings).
DEFAULT_MAX_ROWS = 200_000
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999")


#: The file cannot be read at all (not a CSV/XLSX, no header row, a hostile file); ``ImportTooLarge``: more rows
#: than the limit.
ImportFileError = spreadsheets.SpreadsheetError
ImportTooLarge = spreadsheets.SpreadsheetTooLarge


def message(
    code: str, params: dict[str, Any], lang: str = "en", messages: dict[str, tuple[str, str]] | None = None
) -> str:
    en, zh = (messages or MESSAGES)[code]
    return (zh if lang == "zh" else en).format(**params)


@dataclass
class Outcome:
    """The check of one upload: every refused cell, the rows ready to store, where the header was. Shared by every
    import of the service (records here; the staff register and course attendance declare their own ``labels``
    and ``messages`` and reuse this, the header mapping and the workbooks)."""

    total: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_rows: set[int] = field(default_factory=set)
    #: Validated rows ready to store: (staff_id, department_id, title, taken_on, hours, days, themes, level, ext)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    #: The file's header row: its number in the sheet, the columns found (contract code → 0-based index) and the
    #: header text each was found under.
    header_row: int = 1
    columns: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    max_errors: int | None = MAX_ERRORS
    #: column code → the template's (Chinese) header; reason code → (English, Chinese)
    labels: dict[str, str] = field(default_factory=lambda: COLUMN_HEADERS)
    messages: dict[str, tuple[str, str]] = field(default_factory=lambda: MESSAGES)

    def error(self, row: int, column: str, code: str, sheet_row: int, **params: Any) -> None:
        """A refused cell: ``row`` the data row (CONTRACT.md: 1 is the first), ``sheet_row`` the row Excel shows."""
        self.error_rows.add(row)
        if self.max_errors is None or len(self.errors) < self.max_errors:
            self.errors.append(
                {
                    "row": row,
                    "column": column,
                    "message": message(code, params, "en", self.messages),
                    "sheet_row": sheet_row,
                    "header": self.headers.get(column) or self.labels[column],
                    "code": code,
                    "params": params,
                    "message_zh": message(code, params, "zh", self.messages),
                }
            )

    @property
    def rejected(self) -> int:
        return len(self.error_rows)

    @property
    def accepted(self) -> int:
        return 0 if self.errors else len(self.rows)


# -- reading -----------------------------------------------------------------------------------------------------
def read_table(filename: str, content: bytes, max_rows: int = DEFAULT_MAX_ROWS) -> Iterator[tuple[int, list[Any]]]:
    """The upload's rows with the number Excel shows for each, read under the kernel's bounds for hostile files
    (``sanquan_kernel.spreadsheets``)."""
    return spreadsheets.read_numbered_table(filename, content, max_rows=max_rows)


def estimate_rows(filename: str, content: bytes, max_rows: int = DEFAULT_MAX_ROWS) -> int:
    """A cheap row count for a progress bar; a zip bomb raises ``ImportFileError`` here, before the job exists."""
    return spreadsheets.estimate_rows(filename, content, max_rows=max_rows)


def read_header(
    out: Outcome, table: Iterator[tuple[int, list[Any]]], aliases: dict[str, str], required: tuple[str, ...]
) -> bool:
    """Read the header row into ``out`` (the columns found under any of their ``aliases``, Chinese or the codes);
    a missing required column is an error on the header row. Answers whether the rows can be read."""
    first = next(table, None)
    if first is None:
        raise ImportFileError("The file is empty: the first row must be the header")
    out.header_row, header = first
    for i, h in enumerate(header):
        key = aliases.get(_cell(h).lower()) or aliases.get(_cell(h))
        if key and key not in out.columns:
            out.columns[key] = i
            out.headers[key] = _cell(h)
    missing = [c for c in required if c not in out.columns]
    for c in missing:
        out.error(0, c, "missing_column", out.header_row, header=out.labels[c])
    return not missing


def padded(cells: list[Any], width: int) -> list[Any] | None:
    """A row as wide as the columns read, or ``None`` for a blank line (not a row)."""
    if len(cells) < width:
        if not any(c not in (None, "") for c in cells):
            return None
        return [*cells, *([None] * (width - len(cells)))]
    return cells


# -- validating --------------------------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = _cell(value)
    for sep in ("-", "/", "."):
        parts = s.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                return None
    if len(s) == 8 and s.isdigit():
        try:
            return date(int(s[:4]), int(s[4:6]), int(s[6:]))
        except ValueError:
            return None
    return None


def _amount(value: Any) -> Decimal | None:
    s = _cell(value) or "0"
    try:
        d = Decimal(s) if not isinstance(value, float) else Decimal(repr(value))
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    return d


def _themes(value: Any) -> tuple[str | None, tuple[str, dict[str, Any]]]:
    """'law;safety' (also with '；', ',', '，', '、', '|') → ('law,safety', _) or (None, (code, params))."""
    raw = _cell(value)
    for sep in ("；", "、", ",", "，", "|"):
        raw = raw.replace(sep, ";")
    codes = set()
    for part in raw.split(";"):
        p = part.strip()
        if not p:
            continue
        code = THEME_ALIASES.get(p) or THEME_ALIASES.get(p.lower())
        if code is None:
            return None, ("unknown_theme", {"value": p})
        codes.add(code)
    if not codes:
        return None, ("themes_required", {})
    return ",".join(t for t in THEMES if t in codes), ("", {})


class _Memo(dict[Any, Any]):
    """Office files repeat the same dates, amounts, themes and levels on many rows: parse each value once."""

    def __init__(self, parse: Callable[[Any], Any]) -> None:
        super().__init__()
        self.parse = parse

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.parse(key)
        return value


def _checked_amount(value: Any) -> tuple[Decimal | None, str]:
    d = _amount(value)
    if d is None:
        return None, "not_number"
    if d < 0 or d > MAX_AMOUNT or d != d.quantize(CENT):
        return None, "amount_range"
    return q2(d), ""


def _level(value: Any) -> str | None:
    raw = _cell(value)
    return ORGANIZER_ALIASES.get(raw) or ORGANIZER_ALIASES.get(raw.lower())


def validate(
    table: Iterator[tuple[int, list[Any]]],
    staff_by_no: dict[str, tuple[int, int]],
    today: date,
    progress: Callable[[int], None] | None = None,
    *,
    department_id: int | None = None,
    max_errors: int | None = MAX_ERRORS,
    stored: AbstractSet[str] | None = None,
    sink: Callable[[tuple[Any, ...]], None] | None = None,
) -> Outcome:
    """Read every row and check it; collect every error. ``staff_by_no`` holds the staff the caller may write for
    (a person of another university is simply unknown); with ``department_id`` (a department manager's import) a
    person of another department of the university is refused as such.

    ``stored``: the external ids stored by earlier imports, known before the file is read — their rows are skipped
    here (``skipped``) instead of by ``drop_stored`` afterwards. ``sink``: called with each good row as it is read,
    until the first refused one (``repository.import_copy``: the rows are stored while the file is read; a file
    with any error is rolled back by the caller)."""
    out = Outcome(max_errors=max_errors)
    skipped = 0
    if not read_header(out, table, HEADER_ALIASES, REQUIRED):
        return out
    index = out.columns
    i_no, i_title, i_on, i_h, i_d, i_th, i_lvl = (index[c] for c in REQUIRED)
    i_ext = index.get("external_id")
    width = max(index.values()) + 1
    seen_ext: dict[str, int] = {}
    dates, amounts, themes_of, levels = _Memo(_date), _Memo(_checked_amount), _Memo(_themes), _Memo(_level)
    error = out.error
    append = out.rows.append
    n = 0
    for line, cells in table:
        if len(cells) < width:
            if not any(c not in (None, "") for c in cells):
                continue  # blank lines are not rows
            cells = [*cells, *([None] * (width - len(cells)))]
        raw_no = cells[i_no]
        no = raw_no.strip() if type(raw_no) is str else _cell(raw_no)
        if no == EXAMPLE_EMPLOYEE_NO:
            continue  # the template's example row, left in place
        n += 1
        bad = False
        staff = staff_by_no.get(no)
        if staff is None:
            if not no and not any(c not in (None, "") for c in cells):
                n -= 1
                continue
            error(n, "employee_no", "unknown_staff" if no else "required", line, **({"value": no} if no else {}))
            bad = True
        elif department_id is not None and staff[1] != department_id:
            error(n, "employee_no", "other_department", line, value=no)
            bad = True
        raw_title = cells[i_title]
        title = raw_title.strip() if type(raw_title) is str else _cell(raw_title)
        if not title or len(title) > 200:
            error(n, "title", "title_length", line)
            bad = True
        taken_on = dates[cells[i_on]]
        if taken_on is None:
            error(n, "taken_on", "not_date", line)
            bad = True
        elif taken_on > today:
            error(n, "taken_on", "future_date", line)
            bad = True
        elif taken_on < EARLIEST_TAKEN_ON:
            error(n, "taken_on", "too_early", line)
            bad = True
        hours, h_reason = amounts[cells[i_h]]
        if hours is None:
            error(n, "hours", h_reason, line)
            bad = True
        days, d_reason = amounts[cells[i_d]]
        if days is None:
            error(n, "days", d_reason, line)
            bad = True
        if hours is not None and days is not None and not hours and not days:
            error(n, "hours", "both_zero", line)
            bad = True
        themes, (t_code, t_params) = themes_of[cells[i_th]]
        if themes is None:
            error(n, "themes", t_code, line, **t_params)
            bad = True
        level = levels[cells[i_lvl]]
        if level is None:
            error(n, "organizer_level", "unknown_level", line)
            bad = True
        ext = _cell(cells[i_ext]) if i_ext is not None else ""
        if ext:
            if len(ext) > 100:
                error(n, "external_id", "external_id_length", line)
                bad = True
            elif ext in seen_ext:
                error(n, "external_id", "external_id_repeat", line, first=seen_ext[ext])
                bad = True
            else:
                seen_ext[ext] = line
        if not bad:
            assert staff is not None
            if stored is not None and ext and ext in stored:
                skipped += 1
            else:
                row = (staff[0], staff[1], title, taken_on, hours, days, themes, level, ext or None)
                append(row)
                if sink is not None and not out.error_rows:
                    sink(row)
        if progress is not None and n % 5000 == 0:
            progress(n)
    out.total = n
    out.skipped = 0 if out.errors else skipped
    return out


def drop_stored(session: Session, university_id: int, out: Outcome) -> None:
    """Rows whose external id an earlier import stored are skipped, so uploading a file twice is harmless."""
    ext_ids = [r[8] for r in out.rows if r[8]]
    if not ext_ids:
        return
    stored = repository.existing_external_ids(session, university_id, Source.IMPORT.value, ext_ids)
    if stored:
        before = len(out.rows)
        out.rows = [r for r in out.rows if r[8] not in stored]
        out.skipped = before - len(out.rows)


# -- storing -----------------------------------------------------------------------------------------------------
def store(session: Session, university_id: int, out: Outcome, actor: str) -> int:
    """Store the validated rows and their totals in the caller's transaction; answers the number stored. The rows
    go in at the database's bound (``repository.insert_imported``: COPY on PostgreSQL), their columns and storage
    formats taken from the table."""
    if not out.rows:
        return 0
    repository.insert_imported(
        session,
        university_id,
        Source.IMPORT.value,
        actor,
        ((sid, dept, title, on, on.year, h, d, th, lvl, ext) for sid, dept, title, on, h, d, th, lvl, ext in out.rows),
    )
    return add_totals(session, out)


def add_totals(session: Session, out: Outcome) -> int:
    """Add the stored rows of an import to the yearly totals; answers their number."""
    # Sum per staff member, year and theme set first (few combinations), then spread over the theme columns.
    sums: dict[tuple[int, int, str], list[Any]] = {}
    for sid, _dept, _title, on, h, d, th, _lvl, _ext in out.rows:
        acc = sums.get((sid, on.year, th))
        if acc is None:
            sums[(sid, on.year, th)] = [h, d, 1]
        else:
            acc[0] += h
            acc[1] += d
            acc[2] += 1
    deltas: dict[tuple[int, int], repository.Delta] = {}
    for (sid, year, th), (h, d, count) in sums.items():
        repository.add_delta(deltas, sid, year, repository.record_delta(h, d, th, count))
    repository.apply_totals(session, deltas)
    return len(out.rows)
