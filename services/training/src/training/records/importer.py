"""Bulk import of ledger records from ``.csv`` and ``.xlsx`` as office users produce them (CONTRACT.md).

Two phases: the whole file is read and validated first, streaming row by row and collecting every error with its
row, column and reason; only a file without errors is stored, in the caller's transaction, with one multi-row
insert (``COPY`` on PostgreSQL; ``repository.insert_imported``) and one bulk update of the yearly totals. All or
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from sanquan_kernel import spreadsheets
from training.records import repository
from training.vocabulary import EARLIEST_TAKEN_ON, ORGANIZER_ALIASES, THEME_ALIASES, THEMES, Source, q2

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
MAX_ERRORS = 1000
#: Rows besides the header one file may hold (the setting TRAINING_IMPORT_MAX_ROWS; see config.Settings).
DEFAULT_MAX_ROWS = 200_000
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999")


#: The file cannot be read at all (not a CSV/XLSX, no header row, a hostile file); ``ImportTooLarge``: more rows
#: than the limit.
ImportFileError = spreadsheets.SpreadsheetError
ImportTooLarge = spreadsheets.SpreadsheetTooLarge


@dataclass
class Outcome:
    total: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_rows: set[int] = field(default_factory=set)
    #: Validated rows ready to store: (staff_id, department_id, title, taken_on, hours, days, themes, level, ext)
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def error(self, row: int, column: str, message: str) -> None:
        self.error_rows.add(row)
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})

    @property
    def rejected(self) -> int:
        return len(self.error_rows)

    @property
    def accepted(self) -> int:
        return 0 if self.errors else len(self.rows)


# -- reading -----------------------------------------------------------------------------------------------------
def read_table(filename: str, content: bytes, max_rows: int = DEFAULT_MAX_ROWS) -> Iterator[list[Any]]:
    """The upload's rows, read under the kernel's bounds for hostile files (``sanquan_kernel.spreadsheets``)."""
    return spreadsheets.read_table(filename, content, max_rows=max_rows)


def estimate_rows(filename: str, content: bytes, max_rows: int = DEFAULT_MAX_ROWS) -> int:
    """A cheap row count for a progress bar; a zip bomb raises ``ImportFileError`` here, before the job exists."""
    return spreadsheets.estimate_rows(filename, content, max_rows=max_rows)


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


def _themes(value: Any) -> tuple[str | None, str]:
    """'law;safety' (also with '；', ',', '、') → ('law,safety', '') or (None, reason)."""
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
            return None, f"unknown theme '{p}' (use {', '.join(THEMES)})"
        codes.add(code)
    if not codes:
        return None, "at least one theme is required"
    return ",".join(t for t in THEMES if t in codes), ""


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
        return None, "not a number"
    if d < 0 or d > MAX_AMOUNT or d != d.quantize(CENT):
        return None, "must be between 0 and 9999 with at most two decimals"
    return q2(d), ""


def _level(value: Any) -> str | None:
    raw = _cell(value)
    return ORGANIZER_ALIASES.get(raw) or ORGANIZER_ALIASES.get(raw.lower())


def validate(
    table: Iterator[list[Any]],
    staff_by_no: dict[str, tuple[int, int]],
    today: date,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Read every row and check it; collect every error. ``staff_by_no`` holds only the staff the caller may
    write for, so a person of another department or university is simply unknown."""
    out = Outcome()
    header = next(table, None)
    if header is None:
        raise ImportFileError("The file is empty: the first row must be the header")
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        key = HEADER_ALIASES.get(_cell(h).lower()) or HEADER_ALIASES.get(_cell(h))
        if key and key not in index:
            index[key] = i
    missing = [c for c in REQUIRED if c not in index]
    for c in missing:
        out.error(0, c, "missing column")
    if missing:
        return out
    i_no, i_title, i_on, i_h, i_d, i_th, i_lvl = (index[c] for c in REQUIRED)
    i_ext = index.get("external_id")
    width = max(index.values()) + 1
    seen_ext: dict[str, int] = {}
    dates, amounts, themes_of, levels = _Memo(_date), _Memo(_checked_amount), _Memo(_themes), _Memo(_level)
    error = out.error
    append = out.rows.append
    n = 0
    for cells in table:
        if len(cells) < width:
            if not any(c not in (None, "") for c in cells):
                continue  # blank lines are not rows
            cells = [*cells, *([None] * (width - len(cells)))]
        n += 1
        bad = False
        raw_no = cells[i_no]
        no = raw_no.strip() if type(raw_no) is str else _cell(raw_no)
        staff = staff_by_no.get(no)
        if staff is None:
            if not no and not any(c not in (None, "") for c in cells):
                n -= 1
                continue
            error(n, "employee_no", f"no staff member with employee number '{no}' in your scope" if no else "required")
            bad = True
        raw_title = cells[i_title]
        title = raw_title.strip() if type(raw_title) is str else _cell(raw_title)
        if not title or len(title) > 200:
            error(n, "title", "required, at most 200 characters")
            bad = True
        taken_on = dates[cells[i_on]]
        if taken_on is None:
            error(n, "taken_on", "not a date (YYYY-MM-DD)")
            bad = True
        elif taken_on > today:
            error(n, "taken_on", "must not be in the future")
            bad = True
        elif taken_on < EARLIEST_TAKEN_ON:
            error(n, "taken_on", "must not be before 1900-01-01")
            bad = True
        hours, h_reason = amounts[cells[i_h]]
        if hours is None:
            error(n, "hours", h_reason)
            bad = True
        days, d_reason = amounts[cells[i_d]]
        if days is None:
            error(n, "days", d_reason)
            bad = True
        if hours is not None and days is not None and not hours and not days:
            error(n, "hours", "hours and days cannot both be 0")
            bad = True
        themes, reason = themes_of[cells[i_th]]
        if themes is None:
            error(n, "themes", reason)
            bad = True
        level = levels[cells[i_lvl]]
        if level is None:
            error(n, "organizer_level", "one of province, university, department, external")
            bad = True
        ext = _cell(cells[i_ext]) if i_ext is not None else ""
        if ext:
            if len(ext) > 100:
                error(n, "external_id", "at most 100 characters")
                bad = True
            elif ext in seen_ext:
                error(n, "external_id", f"repeats row {seen_ext[ext]}")
                bad = True
            else:
                seen_ext[ext] = n
        if not bad:
            assert staff is not None
            append((staff[0], staff[1], title, taken_on, hours, days, themes, level, ext or None))
        if progress is not None and n % 5000 == 0:
            progress(n)
    out.total = n
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
