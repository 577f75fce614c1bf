"""The shared reader of uploaded spreadsheets (``sanquan_kernel.spreadsheets``), for any service that imports
one: what real files give, and the bounds (the hostile files themselves are tested through the training import,
services/training/tests/test_import_hostile.py)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest

from sanquan_kernel import spreadsheets as ss
from sanquan_kernel.testing import xlsx_bytes


def test_a_workbook_without_a_dimension_is_read_row_by_row() -> None:
    content = xlsx_bytes([["a", "b"], [1, datetime(2025, 3, 1)], [None, None], ["x", 2.5]], write_only=True)
    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<dimension" not in sheet
    rows = list(ss.read_table("t.xlsx", content, max_rows=10))
    assert rows == [["a", "b"], [1, datetime(2025, 3, 1)], ["x", 2.5]]  # the empty row is left out
    assert ss.estimate_rows("t.xlsx", content, max_rows=10) == 3


def test_the_estimate_counts_rows_not_the_claimed_dimension_and_stops_at_the_limit() -> None:
    content = xlsx_bytes([["h"], *[[i] for i in range(50)]])
    name = "xl/worksheets/sheet1.xml"
    real = zipfile.ZipFile(io.BytesIO(content))
    claimed = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', real.read(name))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            z.writestr(info.filename, claimed if info.filename == name else real.read(info.filename))
    assert ss.estimate_rows("t.xlsx", out.getvalue(), max_rows=1000) == 50
    assert ss.estimate_rows("t.xlsx", out.getvalue(), max_rows=20) == 20


def test_more_rows_than_the_limit_raise_too_large_with_the_limit() -> None:
    for name, content in (
        ("t.xlsx", xlsx_bytes([["h"], [1], [2], [3]])),
        ("t.csv", b"h\n1\n2\n\n3\n"),
    ):
        assert len(list(ss.read_table(name, content, max_rows=3))) == 4
        with pytest.raises(ss.SpreadsheetTooLarge) as raised:
            list(ss.read_table(name, content, max_rows=2))
        assert raised.value.limit == 2 and "more than 2 rows" in str(raised.value)


def test_csv_encodings_delimiters_and_quoted_newlines_are_read_as_before() -> None:
    text = '工号;培训名称\r\nE1;"两行\n标题"\r\n'
    for encoded in (text.encode("gb18030"), text.encode("utf-8-sig"), text.encode()):
        assert list(ss.read_table("t.csv", encoded, max_rows=5)) == [["工号", "培训名称"], ["E1", "两行\n标题"]]
    # a row wider than the header keeps the header's columns
    assert list(ss.read_table("t.csv", b"a,b\n1,2,3,4\n", max_rows=5)) == [["a", "b"], ["1", "2"]]


@pytest.mark.parametrize(
    "content",
    [
        b"a,b\n" + b"x" * (200 * 1024) + b"\n",  # a line over 128 KB
        b'a,b\n"' + b"x\n" * (100 * 1024),  # a quoted field spanning lines
        b"a,b\n1,\x002\n",  # NUL
        "a,b\n1,2\n".encode("utf-16"),
        b"\xff\xfe\xfd",  # neither UTF-8 nor GB18030
    ],
)
def test_hostile_csv_raises_a_spreadsheet_error(content: bytes) -> None:
    with pytest.raises(ss.SpreadsheetError):
        list(ss.read_table("t.csv", content, max_rows=5))


def test_other_files_are_refused() -> None:
    with pytest.raises(ss.SpreadsheetError):
        ss.read_table("t.pdf", b"%PDF-1.7", max_rows=5)
    for content in (b"PK\x03\x04 not a zip", b"PK" + bytes(100)):
        with pytest.raises(ss.SpreadsheetError):
            list(ss.read_table("t.xlsx", content, max_rows=5))
        with pytest.raises(ss.SpreadsheetError):
            ss.estimate_rows("t.xlsx", content, max_rows=5)


def test_rows_wrapped_in_junk_elements_are_read_and_let_go() -> None:
    """Rows nested in unknown elements (not what Excel writes): read as openpyxl read them, and what has ended is
    deleted level by level, so the wrappers do not pile up in memory (900,000 wrapped rows: +211 MB before)."""
    content = xlsx_bytes([["h"], [1]])
    name = "xl/worksheets/sheet1.xml"
    real = zipfile.ZipFile(io.BytesIO(content))
    head, tail = real.read(name).split(b"</sheetData>")
    rows = b"".join(b'<x><y><row r="%d"><c r="A%d"><v>%d</v></c></row></y></x>' % (i, i, i) for i in range(3, 1003))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            data = head + rows + b"</sheetData>" + tail if info.filename == name else real.read(info.filename)
            z.writestr(info.filename, data)
    got = list(ss.read_table("t.xlsx", out.getvalue(), max_rows=5000))
    assert got[:3] == [["h"], [1], [3]] and len(got) == 1002 and got[-1] == [1002]


def test_numbered_rows_are_the_rows_excel_shows() -> None:
    """#17: a user is told the row number Excel shows: empty rows (a workbook's, a CSV's blank lines) count."""
    content = xlsx_bytes([["a", "b"], [1, 2], [None, None], ["x", 2.5]], write_only=True)
    assert list(ss.read_numbered_table("t.xlsx", content, max_rows=10)) == [
        (1, ["a", "b"]),
        (2, [1, 2]),
        (4, ["x", 2.5]),
    ]
    csv = b'a,b\n1,2\n\n"x\ny",3\n4,5\n'
    assert list(ss.read_numbered_table("t.csv", csv, max_rows=10)) == [
        (1, ["a", "b"]),
        (2, ["1", "2"]),
        (4, ["x\ny", "3"]),  # one record over two lines is one row in Excel
        (5, ["4", "5"]),
    ]


def test_a_short_row_does_not_cut_the_rows_below_it() -> None:
    """A row that leaves its last optional cells empty must not narrow the rows after it: their last cells (an
    external id, a date left) were dropped without a word (found by the staff import, #17)."""
    content = xlsx_bytes([["a", "b", "c", "d"], ["1", "2"], ["3", "4", "5", "6"], ["7", "8", "9", "10", "past"]])
    assert list(ss.read_numbered_table("t.xlsx", content, max_rows=10)) == [
        (1, ["a", "b", "c", "d"]),
        (2, ["1", "2"]),
        (3, ["3", "4", "5", "6"]),
        (4, ["7", "8", "9", "10"]),  # cells past the header are still not read
    ]


def test_the_error_report_keeps_the_rows_where_they_were_and_marks_only_the_refused_cells() -> None:
    from openpyxl import load_workbook

    rows = iter([(1, ["h1", "h2"]), (2, ["=1+1", datetime(2025, 3, 1)]), (5, ["y", None])])
    body = ss.error_report(rows, {(5, 1): "required", (1, 99): "missing column h3"}, error_header="错误说明")
    ws = load_workbook(io.BytesIO(body)).active
    assert [c.value for c in ws[1]] == ["h1", "h2", "错误说明：missing column h3"]
    assert ws["A2"].value == "'=1+1" and ws["B2"].is_date and ws["C2"].value is None  # a formula stays text
    assert ws["A3"].value is None and ws["A4"].value is None and ws["A5"].value == "y"
    assert ws["C5"].value == "required"
    marked = {c.coordinate for row in ws.iter_rows() for c in row if c.fill.fgColor.rgb.endswith(ss.ERROR_FILL)}
    assert marked == {"B5", "C1"}
    assert {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment} == {"B5": "required"}


def test_the_error_report_holds_reasons_quoting_cells_a_worksheet_cannot_hold() -> None:
    # a CSV cell with a control character, quoted back by its reason: openpyxl would refuse both (a 500)
    from openpyxl import load_workbook

    rows = iter([(1, ["工号"]), (2, ["U1\x0b"])])
    body = ss.error_report(rows, {(2, 0): "工号“U1\x0b”不存在"}, error_header="错误说明")
    ws = load_workbook(io.BytesIO(body)).active
    assert ws["A2"].value == "U1" and ws["B2"].value == "工号“U1”不存在" and ws["A2"].comment.text == "工号“U1”不存在"
