"""Reading an uploaded spreadsheet (``.xlsx`` or ``.csv``) safely: the one place every service opens one.

An upload is hostile until read. A workbook is a zip archive of XML, so a few kilobytes can claim gigabytes
(a zip bomb), declare a sheet of ``A1:XFD1048576`` (16,384 columns by a million rows), or hold one row of
millions of cells; a CSV can be one endless line or one quoted field spanning the file. ``read_table`` reads
either kind under fixed bounds and raises :class:`SpreadsheetError` (or :class:`SpreadsheetTooLarge`) as soon
as a bound is crossed, having spent time and memory in proportion to the bound, never to what the file claims:

* the archive's entries are checked for their expanded sizes before any is decompressed (``check_archive``),
  by every path: reading the rows, estimating them for a job's progress bar;
* a sheet's declared dimension is never read: rows are read as they come, a row's cells beyond the header's
  last column are not converted, and a missing, empty or styled-but-empty row costs no work per cell;
* at most ``max_rows`` rows with data are read; the next one raises :class:`SpreadsheetTooLarge`;
* the XML is read by libxml2 in chunks, each row let go once used; more than 4 MB of XML with no row ended
  (a giant cell, junk elements, a nest) is refused, so memory stays bounded whatever the XML holds; entities
  are never expanded, DTDs and the network never read;
* a CSV is read line by line, no line or record longer than 128 KB, and decoded as it is read.

Parsing is CPU work: callers run it off the event loop (``anyio.to_thread``, a worker thread), as every
caller does today.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

#: Real workbooks expand 15–25 times (100,000 rows of 8 columns: 2.8 MB → 45 MB); a zip bomb about 1,000 times.
#: 256 MB holds some 250,000 rows of 20 columns, and bounds the time a sheet's XML can take to read.
MAX_EXPANDED = 256 * 1024 * 1024
MAX_RATIO = 200
#: The shared-string table is kept in memory while the sheet is read: a real one for 100,000 rows is a few MB.
MAX_SHARED_STRINGS = 64 * 1024 * 1024
#: Entries in the text table (some ten per row of a 200,000-row ledger at most).
MAX_STRINGS = 2_000_000
#: The package's parts that are parsed whole (content types, workbook, its relations, styles): a few KB in a
#: real workbook.
MAX_PART = 16 * 1024 * 1024
#: Excel's own bounds: 16,384 columns (XFD) and 1,048,576 rows.
SHEET_COLUMNS = 16_384
SHEET_ROWS = 1_048_576
#: XML read with nothing let go (one row, or one text-table entry, and what lies between): a real row of 16,384
#: cells is under 1 MB. Bounds the memory a sheet can take, whatever its XML holds.
MAX_HELD = 4 * 1024 * 1024
#: A CSV line longer than this is not a ledger row (a real one is under 1 KB).
MAX_CSV_FIELD = 128 * 1024
MAX_CSV_COLUMNS = SHEET_COLUMNS

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _DATA, _V = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}sheetData", f"{_MAIN}v"
_IS, _SI, _T, _R, _SST = f"{_MAIN}is", f"{_MAIN}si", f"{_MAIN}t", f"{_MAIN}r", f"{_MAIN}sst"
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
def check_archive(content: bytes | IO[bytes], *, label: str = ".xlsx workbook") -> None:
    """Refuse a workbook that would expand far beyond any real spreadsheet (a zip bomb) before a single entry is
    decompressed: the sizes come from the archive's directory. (An entry that lies about its size is cut off by
    ``zipfile`` at the size it declared, so the check holds.) ``content``: the bytes, or a binary file (an upload
    spooled to disk: only the directory is read). ``label`` names the kind in the messages (other Office
    packages, by ``sanquan_kernel.storage``)."""
    noun = label.rsplit(" ", 1)[-1]
    try:
        entries = zipfile.ZipFile(io.BytesIO(content) if isinstance(content, bytes) else content).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SpreadsheetError(f"The file is not a readable {label}") from exc
    if sum(e.file_size for e in entries) > MAX_EXPANDED:
        raise SpreadsheetError(f"The {noun} expands to more than 256 MB, more than any real one")
    for e in entries:
        if e.file_size > 16 * 1024 * 1024 and e.file_size > MAX_RATIO * max(e.compress_size, 1):
            raise SpreadsheetError(f"The {noun} is compressed like a zip bomb, not like a real one")
        if e.filename.lower().endswith("sharedstrings.xml") and e.file_size > MAX_SHARED_STRINGS:
            raise SpreadsheetError(f"The {noun}'s text table is larger than 64 MB")


@dataclass
class Workbook:
    """What reading a workbook's first sheet needs, taken from the archive without reading any sheet."""

    archive: zipfile.ZipFile
    sheet: str  # the first worksheet's entry
    epoch: Any
    date_styles: frozenset[int]
    timedelta_styles: frozenset[int]
    strings_entry: str | None

    def close(self) -> None:
        self.archive.close()


def _parsed_whole(archive: zipfile.ZipFile, name: str) -> None:
    """openpyxl parses the package's small parts (content types, workbook, its relations, styles) whole."""
    try:
        size = archive.getinfo(name).file_size
    except KeyError:
        return
    if size > MAX_PART:
        raise SpreadsheetError(f"The workbook's part {name[:100]} is larger than any spreadsheet's")


def open_workbook(content: bytes) -> Workbook:
    """The workbook's first sheet and how to read it, after ``check_archive``. openpyxl reads the package's small
    parts; it is not asked to open the sheet (its read-only sheet scans the whole sheet for its size when the
    dimension is missing) nor the text table (read here under a bound). Close it after use."""
    from openpyxl.packaging.relationship import get_rels_path
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader, _find_workbook_part
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE

    check_archive(content)
    try:
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise SpreadsheetError("The file is not a readable .xlsx workbook") from exc
    archive = reader.archive
    try:
        _parsed_whole(archive, ARC_CONTENT_TYPES)
        reader.read_manifest()
        part = _find_workbook_part(reader.package).PartName[1:]
        _parsed_whole(archive, part)
        _parsed_whole(archive, get_rels_path(part))
        _parsed_whole(archive, ARC_STYLE)
        reader.read_workbook()
        apply_stylesheet(archive, reader.wb)
        sheets = [rel.target for _sheet, rel in reader.parser.find_sheets() if "chartsheet" not in rel.Type]
        strings = reader.package.find(SHARED_STRINGS)
        wb = reader.wb
    except SpreadsheetError:
        archive.close()
        raise
    except Exception as exc:
        archive.close()
        raise SpreadsheetError("The file is not a readable .xlsx workbook") from exc
    sheets = [s for s in sheets if s in reader.valid_files]
    if not sheets:
        archive.close()
        raise SpreadsheetError("The workbook has no worksheet")
    return Workbook(
        archive=archive,
        sheet=sheets[0],
        epoch=wb.epoch,
        date_styles=frozenset(wb._date_formats),
        timedelta_styles=frozenset(wb._timedelta_formats),
        strings_entry=strings.PartName[1:] if strings is not None else None,
    )


def _pull(src: Any, tags: tuple[str, ...]) -> Iterator[Any]:
    """The elements named ``tags`` of an XML entry as each ends, read in 64 KB chunks by libxml2 (lxml) without
    entities, DTDs or the network. The caller lets each go (``_release``) once used; more than MAX_HELD bytes
    fed with no element let go means a tree growing in memory (junk, a giant cell, a nest of elements): refused.
    So the memory is bounded whatever the XML holds, and the Python work is per row, not per element."""
    from lxml import etree

    parser = etree.XMLPullParser(
        events=("end",), tag=tags, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    held = 0
    while chunk := src.read(1 << 16):
        parser.feed(chunk)
        held += len(chunk)
        for _event, el in parser.read_events():
            held = 0
            yield el
        if held > MAX_HELD:
            raise SpreadsheetError("The workbook holds more XML around or within one row than a spreadsheet has")
    parser.close()
    for _event, el in parser.read_events():
        yield el


def _release(el: Any, container: str) -> None:
    """Let go of an element used and of everything before it (its siblings, ended and used or junk). Usually its
    parent is the ``container`` (``<sheetData>``, ``<sst>``) and is emptied. Nested deeper (junk wrappers), only
    what has ended is deleted, level by level (the parser still appends to the open ancestors)."""
    parent = el.getparent()
    if parent is None:
        el.clear()
    elif parent.tag == container:
        del parent[:]
    else:
        node = el
        while (parent := node.getparent()) is not None:
            while node.getprevious() is not None:
                del parent[0]
            node = parent
        el.clear()


def _shared_strings(wb: Workbook) -> list[str]:
    """The text table, each entry's text without formatting (as openpyxl reads it), at most MAX_STRINGS."""
    strings: list[str] = []
    if wb.strings_entry is None or wb.strings_entry not in wb.archive.namelist():
        return strings
    with wb.archive.open(wb.strings_entry) as src:
        for si in _pull(src, (_SI,)):
            strings.append(_text(si).replace("x005F_", ""))
            _release(si, _SST)
            if len(strings) > MAX_STRINGS:
                raise SpreadsheetError(f"The workbook's text table has more than {MAX_STRINGS:,} entries")
    return strings


def _text(el: Any) -> str:
    """The text of an ``<is>`` or ``<si>`` element: its ``<t>`` and its runs' ``<t>`` (not phonetic hints)."""
    parts = []
    for child in el:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            t = child.find(_T)
            if t is not None:
                parts.append(t.text or "")
    return "".join(parts)


def _column(ref: str, columns: dict[str, int]) -> int:
    letters = ref.rstrip("0123456789")
    column = columns.get(letters)
    if column is None:
        from openpyxl.utils.cell import column_index_from_string

        column = columns[letters] = column_index_from_string(letters)
    return column


def _sheet_rows(wb: Workbook) -> Iterator[tuple[int, list[Any]]]:
    """The first sheet's rows with data and their numbers (the row number Excel shows), as they are in the file:
    the first (the header) with up to 16,384 values, the others with no more values than the header has. The
    declared dimension is never read; an empty or styled-but-empty row costs no work per cell. Cached values of
    formulas are read, not the formulas."""
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    shared = _shared_strings(wb)
    dates, timedeltas, epoch = wb.date_styles, wb.timedelta_styles, wb.epoch
    columns: dict[str, int] = {}
    width = SHEET_COLUMNS  # until the header is read
    header_read = False
    number = rows = 0
    with wb.archive.open(wb.sheet) as src:
        for el in _pull(src, (_ROW, _DATA)):
            if el.tag == _DATA:
                return  # what follows the data (merged cells, formatting, ...) is not read
            r = el.get("r")
            try:
                number = int(r) if r is not None else number + 1
            except ValueError:
                raise SpreadsheetError(f"The sheet has a row numbered '{r[:20]}'") from None
            rows += 1
            if not 1 <= number <= SHEET_ROWS or rows > SHEET_ROWS:
                raise SpreadsheetError(f"The sheet has more rows than a spreadsheet can ({SHEET_ROWS:,})")
            if len(el) > SHEET_COLUMNS:
                raise SpreadsheetError(f"A row of the sheet has more than {SHEET_COLUMNS:,} cells")
            values: list[Any] = []
            column = 0
            for c in el:
                ref = c.get("r")
                column = _column(ref, columns) if ref else column + 1
                if column > width or c.tag != _CELL:
                    continue
                kind = c.get("t", "n")
                if kind == "inlineStr":
                    inline = c.find(_IS)
                    value: Any = _text(inline) if inline is not None else None
                else:
                    value = c.findtext(_V)
                    if not value:
                        continue
                    if kind == "s":
                        value = shared[int(value)]
                    elif kind == "n":
                        value = float(value) if "." in value or "E" in value or "e" in value else int(value)
                        style = c.get("s")
                        if style and int(style) in dates:
                            try:
                                value = from_excel(value, epoch, timedelta=int(style) in timedeltas)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"
                    elif kind == "b":
                        value = bool(int(value))
                    elif kind == "d":
                        value = from_ISO8601(value)
                if value is None or value == "":
                    continue
                if column > len(values):
                    values.extend([None] * (column - len(values)))
                values[column - 1] = value
            _release(el, _DATA)  # the row and anything between rows
            if values:
                if not header_read:  # the header's width bounds the rows below; a short row does not
                    width, header_read = len(values), True
                yield number, values


def _xlsx_rows(content: bytes, max_rows: int) -> Iterator[tuple[int, list[Any]]]:
    wb = open_workbook(content)
    try:
        data = -1  # the header is not a data row
        try:
            for numbered in _sheet_rows(wb):
                data += 1
                if data > max_rows:
                    raise _too_many(max_rows)
                yield numbered
        except SpreadsheetError:
            raise
        except Exception as exc:  # a damaged sheet (truncated entry, broken XML, a bad reference) found reading it
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


def _csv_rows(content: bytes, max_rows: int) -> Iterator[tuple[int, list[Any]]]:
    text = io.TextIOWrapper(io.BytesIO(content), encoding=_encoding(content), newline="")
    sample = text.read(4096)
    text.seek(0)
    delimiter = ";" if sample.count(";") > sample.count(",") and "," not in sample.split("\n", 1)[0] else ","
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    width = MAX_CSV_COLUMNS
    data = -1
    number = 0  # the record's row in Excel (which shows a blank line as a row)
    try:
        for row in reader:
            lines.record = 0
            number += 1
            if not any(row):
                continue
            data += 1
            if data == 0:
                width = len(row)
            elif data > max_rows:
                raise _too_many(max_rows)
            yield number, (row if len(row) <= width else row[:width])
    except csv.Error as exc:
        raise SpreadsheetError(f"The CSV file cannot be read past line {reader.line_num}: {exc}") from None


# -- either ------------------------------------------------------------------------------------------------------
def read_table(filename: str, content: bytes, *, max_rows: int) -> Iterator[list[Any]]:
    """The rows of an uploaded ``.xlsx`` (first sheet) or ``.csv`` with data: the header first, then at most
    ``max_rows`` rows, none wider than the header. Empty rows are left out. Raises ``SpreadsheetError`` while
    iterating (``SpreadsheetTooLarge`` past ``max_rows``)."""
    return (values for _number, values in read_numbered_table(filename, content, max_rows=max_rows))


def read_numbered_table(filename: str, content: bytes, *, max_rows: int) -> Iterator[tuple[int, list[Any]]]:
    """``read_table``'s rows with the number Excel shows for each (1 is the sheet's first row; a CSV's blank
    lines count, as Excel shows them as rows): what a user is told about a row names this number."""
    if is_workbook(filename, content):
        return _xlsx_rows(content, max_rows)
    check_table_name(filename)
    return _csv_rows(content, max_rows)


def check_table_name(filename: str) -> None:
    """A file that is not a workbook is read as CSV only under a CSV (or text) name, or none: anything else raises
    ``SpreadsheetError``. One rule for reading a table and for estimating it (an import job is refused when it is
    made, not when the worker reads it)."""
    if not (filename.lower().endswith((".csv", ".txt")) or not filename):
        raise SpreadsheetError("Upload a .csv or .xlsx file")


def estimate_rows(filename: str, content: bytes, *, max_rows: int) -> int:
    """A cheap row count for a progress bar, at most ``max_rows``: a CSV's lines; a workbook's ``<row>`` elements
    counted in its first sheet as it is decompressed, not its declared dimension (a claim). The archive is
    checked first, so a zip bomb raises ``SpreadsheetError`` here, as does a file that is not a table by its name."""
    if is_workbook(filename, content):
        wb = open_workbook(content)
        rows = 0
        try:
            with wb.archive.open(wb.sheet) as src:
                while rows <= max_rows and (chunk := src.read(1 << 20)):
                    rows += len(_ROW_TAG.findall(chunk))  # a tag split between chunks is missed: an estimate
        except Exception:  # noqa: BLE001 - an estimate only; the import itself reports the real problem
            return 0
        finally:
            wb.close()
        return min(max(rows - 1, 0), max_rows)
    check_table_name(filename)
    lines = content.count(b"\n") - 1 + (0 if content.endswith(b"\n") else 1)
    return min(max(lines, 0), max_rows)


# -- error reports -----------------------------------------------------------------------------------------------
#: The fill of a refused cell in an error report (light red, as Excel's "bad" style).
ERROR_FILL = "FFC7CE"


def error_report(
    rows: Iterator[tuple[int, list[Any]]],
    marks: dict[tuple[int, int], str],
    *,
    error_header: str,
    sheet: str = "Sheet1",
    author: str = "import",
) -> bytes:
    """The uploaded sheet returned with its errors: every row at the row number it had (as Excel showed it), one
    more column (``error_header``) holding each bad row's reasons, and every refused cell filled light red with
    its reason as a comment. ``rows``: ``read_numbered_table``'s rows (the header first); ``marks``: (sheet row,
    0-based column) → reason; a column past the data (a missing column) marks the row's error cell only. Text a
    spreadsheet would evaluate is written as text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    from sanquan_kernel.exports import neutralise_formula, xml_safe

    by_row: dict[int, list[tuple[int, str]]] = {}
    for (row, column), reason in marks.items():
        by_row.setdefault(row, []).append((column, reason))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    fill = PatternFill("solid", fgColor=ERROR_FILL)
    bold = Font(bold=True, color="9C0006")
    written = 0
    width = 0
    header = True
    for number, values in rows:
        while written < number - 1:
            ws.append([])
            written += 1
        if not width:
            width = len(values)  # the header's
        cells = []
        # a reason may quote the cell (a CSV may hold control characters a worksheet cannot)
        bad = {column: xml_safe(reason) for column, reason in sorted(by_row.get(number, []))}
        for column in range(width):
            value = values[column] if column < len(values) else None
            cell = WriteOnlyCell(ws, value=neutralise_formula(value))
            if hasattr(value, "year"):
                cell.number_format = "yyyy-mm-dd"
            if column in bad:
                cell.fill = fill
                cell.comment = Comment(bad[column], author)
            cells.append(cell)
        if header:
            header = False
            note = WriteOnlyCell(ws, value=error_header)
            note.font = bold
            if bad:
                note.value = f"{error_header}：" + "；".join(bad.values())
                note.fill = fill
        else:
            note = WriteOnlyCell(ws, value="；".join(bad.values()) if bad else None)
            if bad:
                note.font = bold
        cells.append(note)
        ws.append(cells)
        written += 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
