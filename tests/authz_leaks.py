"""Finding another tenant's items in an answer: JSON lists and documents, CSV and XLSX exports.

A JSON item belongs to a tenant through its ``university_id``, ``department_id``, ``staff_id`` or ``employee_no``;
a spreadsheet row through the demo's employee numbers (``U<university>D<department>…``, unique to the demo) and
the names of the other universities.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.authz_world import USERS, World

EMPLOYEE_NO = re.compile(r"\bU(\d+)D(\d+)[AW]\d+\b")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_cells(r: httpx.Response) -> list[list[str]] | None:
    """The rows of a CSV or XLSX answer as text, or None when the answer is neither."""
    ctype = r.headers.get("content-type", "")
    if ctype.startswith("text/csv"):
        return [list(row) for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))]
    if ctype.startswith(XLSX) or (ctype.startswith("application/octet-stream") and r.content[:2] == b"PK"):
        book = load_workbook(io.BytesIO(r.content), read_only=True)
        return [
            ["" if v is None else str(v) for v in row]
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        ]
    return None


def _items(body: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a document."""
    if isinstance(body, dict):
        yield body
        for v in body.values():
            yield from _items(v)
    elif isinstance(body, list):
        for v in body:
            yield from _items(v)


class Tenancy:
    """What a university-1 role may see, and how to recognise anything else."""

    def __init__(self, w: World, role: str) -> None:
        self.role = role
        self.uni = w.orgs["uni_a"]
        self.dept = w.orgs["a1"] if role in ("department_manager", "staff") else None
        self.staff = w.id("staff", "own") if role == "staff" else None
        self.employee_no = w.id("employee_no", "own") if role == "staff" else None
        self.foreign_names = set(w.university_names.values()) - {w.university_names[self.uni]}
        # a department-level caller's roll-ups have a row for their department and one for their university
        self.orgs = {self.dept, self.uni} if self.dept else w.university_orgs[self.uni]
        self.uni_no = 1  # university 1's employee numbers are U1D…
        self.dept_no = 1 if self.dept else None

    def json_leaks(self, body: Any, *, department_level: bool = True) -> list[str]:
        leaks = []
        for item in _items(body):
            uni = item.get("university_id")
            if isinstance(uni, int) and uni != self.uni:
                leaks.append(f"university_id={uni} in {_short(item)}")
            dept = item.get("department_id")
            if self.dept and department_level and isinstance(dept, int) and dept != self.dept:
                leaks.append(f"department_id={dept} in {_short(item)}")
            org = item.get("org_id")
            if isinstance(org, int) and org not in self.orgs:
                leaks.append(f"org_id={org} in {_short(item)}")
            if self.staff is not None and isinstance(item.get("staff_id"), int) and item["staff_id"] != self.staff:
                leaks.append(f"staff_id={item['staff_id']} in {_short(item)}")
            no = item.get("employee_no")
            if isinstance(no, str):
                leaks += self._employee_no(no)
        return leaks

    def cell_leaks(self, rows: list[list[str]]) -> list[str]:
        leaks = []
        for row in rows:
            for cell in row:
                for m in EMPLOYEE_NO.finditer(cell):
                    leaks += self._employee_no(m.group(0))
                if cell in self.foreign_names:
                    leaks.append(f"another university's name {cell!r} in row {row[:6]}")
        return leaks

    def _employee_no(self, no: str) -> list[str]:
        m = EMPLOYEE_NO.fullmatch(no)
        if not m:
            return []
        uni, dept = int(m.group(1)), int(m.group(2))
        if uni != self.uni_no:
            return [f"employee {no} of university {uni}"]
        if self.dept_no is not None and dept != self.dept_no:
            return [f"employee {no} of department {dept}"]
        if self.employee_no is not None and no != self.employee_no:
            return [f"employee {no} is not the caller"]
        return []


def _short(item: dict[str, Any]) -> str:
    keys = ("id", "university_id", "department_id", "org_id", "staff_id", "employee_no", "title", "name")
    return str({k: item[k] for k in keys if k in item})


__all__ = ["USERS", "Tenancy", "table_cells"]
