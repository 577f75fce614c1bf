"""Reading an uploaded spreadsheet (``.xlsx`` or ``.csv``) safely: the one place every service opens one.

An upload is hostile until read. A workbook is a zip archive of XML, so a few kilobytes can claim gigabytes
(a zip bomb), declare a sheet of ``A1:XFD1048576`` (16,384 columns by a million rows), or hold one row of
millions of cells; a CSV can be one endless line or one quoted field spanning the file. ``read_table`` reads
either kind under fixed bounds and raises :class:`SpreadsheetError` (or :class:`SpreadsheetTooLarge`) as soon
as a bound is crossed, having spent time and memory in proportion to the bound, never to what the file claims:

* the archive's entries are checked for their expanded sizes before any is decompressed (``check_archive``);
* a sheet's declared dimension is never used: rows are read as they come, only the first ``max_columns``
  cells of each are kept (the header's width, when the caller knows it), and a missing or empty row costs
  nothing per cell;
* at most ``max_rows`` rows with data are read; the next one raises :class:`SpreadsheetTooLarge`;
* a row may hold at most 16,384 cells (Excel's own limit) and the XML around the data is bounded too.

Parsing is CPU work: callers run it off the event loop (``anyio.to_thread``), as every caller does today.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

#: Real workbooks expand 15–25 times (100,000 rows of 8 columns: 2.8 MB → 45 MB); a zip bomb about 1,000 times.
#: 256 MB holds some 250,000 rows of 20 columns; XML text is held in memory a cell at a time, so this also
#: bounds what one hostile cell can cost.
MAX_EXPANDED = 256 * 1024 * 1024
MAX_RATIO = 200
#: The shared-string table is read into memory whole by openpyxl: a real one for 100,000 rows is a few MB.
MAX_SHARED_STRINGS = 64 * 1024 * 1024
#: Excel's own bounds: 16,384 columns (XFD) and 1,048,576 rows.
SHEET_COLUMNS = 16_384
SHEET_ROWS = 1_048_576
#: XML elements held at once while a row is read (a cell is 2–4 elements; rich text a few more).
MAX_ELEMENTS_PER_ROW = 16 * SHEET_COLUMNS
#: A CSV line longer than this is not a ledger row (a real one is under 1 KB).
MAX_CSV_FIELD = 128 * 1024
MAX_CSV_COLUMNS = SHEET_COLUMNS

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _DATA = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}sheetData"
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


class SpreadsheetError(Exception):
    """The file cannot be read as a spreadsheet (what is wrong is in the message, for the user)."""


class SpreadsheetTooLarge(SpreadsheetError):
    """The file is readable but larger than the caller's limit (``limit``: the number of rows allowed)."""

    def __init__(self, message: str, *, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


def is_workbook(filename: str, content: bytes) -> bool:
    return filename.lower().endswith(".xlsx") or content[:2] == b"PK"


# -- workbooks ---------------------------------------------------------------------------------------------------
def check_archive(content: bytes) -> None:
    """Refuse a workbook that would expand far beyond any real spreadsheet (a zip bomb) before a single entry is
    decompressed: the sizes come from the archive's directory. (An entry that lies about its size is cut off by
    ``zipfile`` at the size it declared, so the check holds.)"""
    try:
        entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SpreadsheetError("The file is not a readable .xlsx workbook") from exc
    if sum(e.file_size for e in entries) > MAX_EXPANDED:
        raise SpreadsheetError("The workbook expands to more than 256 MB, more than any ledger")
    for e in entries:
        if e.file_size > 16 * 1024 * 1024 and e.file_size > MAX_RATIO * max(e.compress_size, 1):
            raise SpreadsheetError("The workbook is compressed like a zip bomb, not like a spreadsheet")
        if e.filename.lower().endswith("sharedstrings.xml") and e.file_size > MAX_SHARED_STRINGS:
            raise SpreadsheetError("The workbook's text table is larger than 64 MB")


def open_workbook(content: bytes) -> Any:
    """The workbook, read-only with cached values, after ``check_archive``. Close it after use."""
    from openpyxl import load_workbook

    check_archive(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise SpreadsheetError("The file is not a readable .xlsx workbook") from exc
    if not wb.worksheets:
        wb.close()
        raise SpreadsheetError("The workbook has no worksheet")
    return wb


def _sheet_rows(wb: Any) -> Iterator[list[Any]]:
    """The first sheet's rows with data, as they are in the file: the first (the header) with up to 16,384
    values, the others with no more values than the header has. Never pads to the declared dimension; an empty
    or styled-but-empty row costs no work per cell."""
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.functions import iterparse  # openpyxl's own: defusedxml when installed, else expat

    ws = wb.worksheets[0]
    parser = WorkSheetParser(
        None,
        ws._shared_strings,
        data_only=True,
        epoch=wb.epoch,
        date_formats=wb._date_formats,
        timedelta_formats=wb._timedelta_formats,
    )
    width = SHEET_COLUMNS  # until the header is read
    with ws._get_source() as src:
        sheet_data = None
        held = 0  # elements ended since the last row was let go: bounds the memory of one row, or of junk
        cells = 0
        for event, el in iterparse(src, events=("start", "end")):
            if event == "start":
                if el.tag == _DATA:
                    sheet_data = el
                continue
            held += 1
            tag = el.tag
            if tag == _CELL:
                cells += 1
                if cells > SHEET_COLUMNS:
                    raise SpreadsheetError(f"A row of the sheet has more than {SHEET_COLUMNS:,} cells")
            elif tag == _ROW:
                r = el.get("r")
                try:
                    number = int(r) if r is not None else parser.row_counter + 1
                except ValueError:
                    raise SpreadsheetError(f"The sheet has a row numbered '{r[:20]}'") from None
                if not 1 <= number <= SHEET_ROWS:
                    raise SpreadsheetError(f"The sheet has a row numbered {number}, beyond {SHEET_ROWS:,}")
                parser.row_counter, parser.col_counter = number, 0
                values: list[Any] = []
                for c in el:
                    cell = parser.parse_cell(c)
                    column, value = cell["column"], cell["value"]
                    if column <= width and value is not None and value != "":
                        if column > len(values):
                            values.extend([None] * (column - len(values)))
                        values[column - 1] = value
                if sheet_data is not None:
                    sheet_data.clear()  # the row and anything between rows
                else:
                    el.clear()
                held = cells = 0
                if values:
                    width = min(width, len(values))
                    yield values
                continue
            elif tag == _DATA:
                return  # what follows the data (merged cells, formatting, ...) is not read
            if held > MAX_ELEMENTS_PER_ROW:
                raise SpreadsheetError("The sheet holds more XML around or within one row than a spreadsheet has")


def _xlsx_rows(content: bytes, max_rows: int) -> Iterator[list[Any]]:
    wb = open_workbook(content)
    try:
        data = -1  # the header is not a data row
        try:
            for values in _sheet_rows(wb):
                data += 1
                if data > max_rows:
                    raise _too_many(max_rows)
                yield values
        except SpreadsheetError:
            raise
        except Exception as exc:  # a damaged sheet (truncated entry, broken XML) found while reading it
            raise SpreadsheetError("The workbook is damaged and cannot be read to the end") from exc
    finally:
        wb.close()


def _too_many(max_rows: int) -> SpreadsheetTooLarge:
    return SpreadsheetTooLarge(
        f"The file has more than {max_rows:,} rows besides the header; split it into files of at most "
        f"{max_rows:,} rows",
        limit=max_rows,
    )


# -- CSV ---------------------------------------------------------------------------------------------------------
def _encoding(content: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030 (what Excel writes on a Chinese Windows), checked in chunks so
    that no second copy of the file is made."""
    for encoding, name in (("utf-8", "utf-8-sig"), ("gb18030", "gb18030")):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for i in range(0, len(content), 1 << 20):
                decoder.decode(content[i : i + (1 << 20)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return name
    raise SpreadsheetError("The CSV file is neither UTF-8 nor GB18030 text")


class _Lines:
    """The file's lines for ``csv.reader``, refusing a line, or a record (quoted fields can span lines), longer
    than any ledger has, before it is held whole."""

    def __init__(self, text: io.TextIOBase) -> None:
        self.text = text
        self.record = 0  # characters since the last record the reader answered

    def __iter__(self) -> Iterator[str]:
        readline = self.text.readline
        while True:
            line = readline(MAX_CSV_FIELD + 1)
            if not line:
                return
            self.record += len(line)
            if len(line) > MAX_CSV_FIELD or self.record > MAX_CSV_FIELD:
                raise SpreadsheetError(f"A line of the CSV file is longer than {MAX_CSV_FIELD // 1024} KB")
            if "\x00" in line:
                raise SpreadsheetError("The file contains NUL bytes: it is not a CSV text file")
            yield line


def _csv_rows(content: bytes, max_rows: int) -> Iterator[list[Any]]:
    text = io.TextIOWrapper(io.BytesIO(content), encoding=_encoding(content), newline="")
    sample = text.read(4096)
    text.seek(0)
    delimiter = ";" if sample.count(";") > sample.count(",") and "," not in sample.split("\n", 1)[0] else ","
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    width = MAX_CSV_COLUMNS
    data = -1
    try:
        for row in reader:
            lines.record = 0
            if not any(row):
                continue
            data += 1
            if data == 0:
                width = len(row)
            elif data > max_rows:
                raise _too_many(max_rows)
            yield row if len(row) <= width else row[:width]
    except csv.Error as exc:
        raise SpreadsheetError(f"The CSV file cannot be read past line {reader.line_num}: {exc}") from None


# -- either ------------------------------------------------------------------------------------------------------
def read_table(filename: str, content: bytes, *, max_rows: int) -> Iterator[list[Any]]:
    """The rows of an uploaded ``.xlsx`` (first sheet) or ``.csv`` with data: the header first, then at most
    ``max_rows`` rows, none wider than the header. Empty rows are left out. Raises ``SpreadsheetError`` while
    iterating (``SpreadsheetTooLarge`` past ``max_rows``)."""
    if is_workbook(filename, content):
        return _xlsx_rows(content, max_rows)
    if filename.lower().endswith((".csv", ".txt")) or not filename:
        return _csv_rows(content, max_rows)
    raise SpreadsheetError("Upload a .csv or .xlsx file")


def estimate_rows(filename: str, content: bytes, *, max_rows: int) -> int:
    """A cheap row count for a progress bar, at most ``max_rows``: a CSV's lines; a workbook's ``<row>`` elements
    counted in its first sheet as it is decompressed, not its declared dimension (a claim). The archive is
    checked first, so a zip bomb raises ``SpreadsheetError`` here."""
    if is_workbook(filename, content):
        wb = open_workbook(content)
        rows = 0
        try:
            ws = wb.worksheets[0]
            with ws._get_source() as src:
                while rows <= max_rows and (chunk := src.read(1 << 20)):
                    rows += len(_ROW_TAG.findall(chunk))  # a tag split between chunks is missed: an estimate
        except Exception:  # noqa: BLE001 - an estimate only; the import itself reports the real problem
            return 0
        finally:
            wb.close()
        return min(max(rows - 1, 0), max_rows)
    lines = content.count(b"\n") - 1 + (0 if content.endswith(b"\n") else 1)
    return min(max(lines, 0), max_rows)
