"""Exports of tables (ledgers, reports, admin lists) as XLSX with Chinese column headers, or CSV.

Cells that a spreadsheet would run as a formula (starting with ``= + - @``, or a tab or carriage return) are
prefixed with a quote, so an exported name like ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from fastapi import Response

from sanquan_kernel.storage.names import content_disposition

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportFormat(enum.StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


#: Control characters that XML (so XLSX) cannot hold; tab, newline and carriage return are allowed.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_safe(value: Any) -> Any:
    """Strings (also inside dicts and lists) without the control characters that XML documents (XLSX, DOCX)
    cannot hold; anything else as it is."""
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value)
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    return value


def neutralise_formula(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe, and loses the control characters a
    worksheet cannot hold; anything else is returned as it is."""
    if isinstance(value, str):
        value = _NOT_IN_XML.sub("", value)  # openpyxl refuses them (the export would fail)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def safe_cell(value: Any) -> Any:
    """Numbers and dates stay typed; text that a spreadsheet would evaluate is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | date):
        return value
    return neutralise_formula(str(value))


def table_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: ExportFormat, filename: str, *, sheet: str = "Sheet1"
) -> Response:
    if fmt is ExportFormat.CSV:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(headers)
        for row in rows:
            w.writerow([safe_cell(v) for v in row])
        body = ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV with Chinese correctly
        media = "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet[:31])
        ws.append(list(headers))
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        body = out.getvalue()
        media = XLSX_MEDIA
    # the name can hold data (an employee number): made safe like every download's (no path, quotes, CR/LF)
    return Response(
        content=body,
        media_type=media,
        headers={"Content-Disposition": content_disposition(_no_path(f"{filename}.{fmt.value}"))},
    )


def workbook_response(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], filename: str) -> Response:
    """An XLSX of several sheets (name, Chinese headers, rows), cells made safe like ``table_response``'s."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, headers, rows in sheets:
        ws = wb.create_sheet(name[:31])
        ws.append(list(headers))
        for row in rows:
            ws.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return Response(
        content=out.getvalue(),
        media_type=XLSX_MEDIA,
        headers={"Content-Disposition": content_disposition(_no_path(f"{filename}.xlsx"))},
    )


def _no_path(name: str) -> str:
    """Slashes in data (an employee number) are not path parts of an export's name: the whole name is kept."""
    return name.replace("/", "_").replace("\\", "_")
