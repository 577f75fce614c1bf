"""Hostile import files (issue #13, "Edge security") are refused, or read, at a cost bounded by what the file
really holds, on every path that opens one (the import, the import job): a zip bomb in the shared-string table, a
sheet declaring 16,384 columns by a million rows, a file over the row limit, and the CSV variants (an endless
line, a quoted field spanning the file, UTF-16). Memory is measured with tracemalloc (peak of the whole process's
Python allocations, every thread) rather than time, so the tests hold on a loaded machine."""

from __future__ import annotations

import functools
import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from sanquan_kernel import testing as kt
from sanquan_kernel.testing import rewrite_zip_entry, xlsx_bytes
from training.config import Settings
from training.main import create_app
from training.records.models import ImportJob, TrainingRecord

IMPORT, JOBS = "/api/training/records/import", "/api/training/records/import-jobs"
HEADER = ["employee_no", "title", "taken_on", "hours", "days", "themes", "organizer_level", "external_id"]
MB = 1024 * 1024


def _rows(n: int, no: str = "E1", tag: str = "h") -> list[list[Any]]:
    return [[no, f"培训{i}", "2025-03-01", 2, 0, "safety", "university", f"{tag}-{i}"] for i in range(n)]


def _with_shared_strings(content: bytes) -> bytes:
    """The workbook with its content types naming a shared-string table (openpyxl writes inline strings)."""
    types = zipfile.ZipFile(io.BytesIO(content)).read("[Content_Types].xml")
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    return rewrite_zip_entry(content, "[Content_Types].xml", lambda f: f.write(types.replace(b"</Types>", override)))


@functools.cache
def shared_strings_bomb(mb: int = 320) -> bytes:
    """A workbook of a few hundred KB whose shared-string table expands to ``mb`` MB (the finding: 680 kB → 314 MB,
    which the old import job opened to estimate its rows: 7 s and +360 MB)."""
    base = _with_shared_strings(xlsx_bytes([HEADER, _rows(1)[0]]))

    def write(f: Any) -> None:
        f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        strings = b"".join(b"<si><t>%d</t></si>" % i for i in range(20))
        chunk = b"<si><t>" + b"x" * 4000 + b"</t></si>"
        f.write(strings)
        for _ in range(mb * MB // len(chunk)):
            f.write(chunk)
        f.write(b"</sst>")

    return rewrite_zip_entry(base, "xl/sharedStrings.xml", write)


@functools.cache
def large_text_table() -> bytes:
    """A workbook whose shared-string table is 65 MB of varied text: compresses about 4:1, far from a bomb."""
    base = _with_shared_strings(xlsx_bytes([HEADER, _rows(1)[0]]))

    def write(f: Any) -> None:
        f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        f.write(b"".join(b"<si><t>%040x</t></si>" % (i * 2654435761) for i in range(66 * MB // 56)))
        f.write(b"</sst>")

    return rewrite_zip_entry(base, "xl/sharedStrings.xml", write)


def declared_xfd(rows: list[list[Any]], ref: str = "A1:XFD1048576") -> bytes:
    """A small workbook whose sheet claims the whole of Excel's grid (16,384 columns by 1,048,576 rows)."""
    base = xlsx_bytes(rows)
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml")
    claimed = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref.encode() + b'"', sheet)
    assert claimed != sheet
    return rewrite_zip_entry(base, "xl/worksheets/sheet1.xml", lambda f: f.write(claimed))


def styled_empty_rows(rows: list[list[Any]], empty: int) -> bytes:
    """Real rows followed by ``empty`` styled-but-empty rows spanning every column, as a formatted template has,
    with the dimension Excel declares for them (A1:XFD<last row>)."""
    base = xlsx_bytes(rows)
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml")
    head, tail = sheet.split(b"</sheetData>")
    first = len(rows) + 1
    row = b'<row r="%d" spans="1:16384" s="1" customFormat="1" ht="20"/>'
    padding = b"".join(row % r for r in range(first, first + empty))
    head = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD%d"' % (first + empty - 1), head)
    return rewrite_zip_entry(
        base, "xl/worksheets/sheet1.xml", lambda f: f.write(head + padding + b"</sheetData>" + tail)
    )


def _peak_mb(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    """The answer and the peak of Python allocations while it was made (MB above the start)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        r = call()
        return r, (tracemalloc.get_traced_memory()[1] - start) / MB
    finally:
        tracemalloc.stop()


def _count(app: FastAPI, model: Any) -> int:
    with app.state.kernel.sessionmaker() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body: dict[str, Any] = r.json()
    return body


def _post(client: TestClient, url: str, name: str, content: bytes, **params: Any) -> httpx.Response:
    return client.post(url, params=params, files={"file": (name, content)}, headers=kt.university_admin())


def _job(client: TestClient, url: str) -> dict[str, Any]:
    for _ in range(600):
        job: dict[str, Any] = client.get(url, headers=kt.university_admin()).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"the import job did not end: {job}")


# -- zip bombs -------------------------------------------------------------------------------------------------
def test_a_shared_strings_bomb_is_refused_on_every_path_before_it_is_expanded(
    client: TestClient, app: FastAPI, api
) -> None:
    api.staff("E1")
    bomb = shared_strings_bomb()
    assert len(bomb) < 2 * MB
    for url in (JOBS, IMPORT):
        r, peak = _peak_mb(lambda url=url: _post(client, url, "ledger.xlsx", bomb))  # type: ignore[misc]
        body = _problem(r, 422)
        assert "zip bomb" in body["detail"] or "MB" in body["detail"], body
        assert peak < 100, f"{url}: {peak:.0f} MB allocated for a refused file"
    assert _count(app, ImportJob) == 0 and _count(app, TrainingRecord) == 0


def test_a_text_table_larger_than_any_ledger_is_refused_even_when_it_compresses_like_text(
    client: TestClient, app: FastAPI, api
) -> None:
    """Below the zip-bomb ratio, a 64 MB+ shared-string table would still be read whole into memory."""
    api.staff("E1")
    r = _post(client, JOBS, "ledger.xlsx", large_text_table())
    assert "64 MB" in _problem(r, 422)["detail"]
    assert _count(app, ImportJob) == 0


def test_a_file_that_is_not_a_table_is_refused_when_the_job_is_made_as_by_the_import(
    client: TestClient, app: FastAPI, api
) -> None:
    """make fuzz: an import job of ``notes.pdf`` was 202, then failed in the worker, logged as a crash."""
    api.staff("E1")
    text = b"employee_no,title\nE1,x\n"
    for url in (JOBS, IMPORT):
        assert "Upload a .csv or .xlsx file" in _problem(_post(client, url, "notes.pdf", text), 422)["detail"]
    assert _count(app, ImportJob) == 0
    r = _post(client, JOBS, "ledger.csv", text)
    assert r.status_code == 202 and r.json()["total"] == 1, r.text


# -- the declared dimension --------------------------------------------------------------------------------------
def test_a_sheet_declaring_the_whole_grid_imports_its_real_rows_without_reading_the_grid(
    client: TestClient, app: FastAPI, api
) -> None:
    """Before: every row was padded to the 16,384 declared columns and 1,048,575 empty rows were made up (hours
    of CPU); the job's progress bar took the claim for its total."""
    api.staff("E1")
    content = declared_xfd([HEADER, *_rows(3)])
    assert len(content) < 10_000
    r = _post(client, JOBS, "ledger.xlsx", content)
    assert r.status_code == 202, r.text
    assert r.json()["total"] == 3  # the rows in the file, not the claim
    job = _job(client, r.headers["location"])
    assert job["status"] == "done" and job["result"]["accepted"] == 3, job
    r = _post(client, IMPORT, "ledger.xlsx", declared_xfd([HEADER, *_rows(2, tag="again")]), dry_run="true")
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text
    assert _count(app, TrainingRecord) == 3


def test_styled_empty_rows_and_cells_beyond_the_header_cost_nothing_per_cell(
    client: TestClient, app: FastAPI, api
) -> None:
    """Before: each of the 50,000 empty rows was padded to 16,384 cells (some 40 s of CPU); now well under a
    second. The bound below is a generous safety margin (over 20 times what it takes), not a benchmark."""
    api.staff("E1")
    content = styled_empty_rows([HEADER, *_rows(2)], empty=50_000)
    started = time.monotonic()
    r = _post(client, IMPORT, "ledger.xlsx", content, dry_run="true")
    assert r.status_code == 200 and r.json()["accepted"] == 2, r.text
    assert time.monotonic() - started < 15
    # a row's cells beyond the header's columns are not kept (a cell far out: XFD)
    wide = xlsx_bytes([HEADER, _rows(1)[0]])
    sheet = zipfile.ZipFile(io.BytesIO(wide)).read("xl/worksheets/sheet1.xml")
    sheet = sheet.replace(b"</row></sheetData>", b'<c r="XFD2" t="inlineStr"><is><t>far</t></is></c></row></sheetData>')
    r = _post(
        client, IMPORT, "ledger.xlsx", rewrite_zip_entry(wide, "xl/worksheets/sheet1.xml", lambda f: f.write(sheet))
    )
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text


def test_a_row_of_more_cells_than_a_sheet_has_is_refused(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    base = xlsx_bytes([HEADER, _rows(1)[0]])
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml")
    cells = b"<c><v>1</v></c>" * 40_000
    sheet = sheet.replace(b"</row></sheetData>", cells + b"</row></sheetData>")
    r = _post(
        client, IMPORT, "ledger.xlsx", rewrite_zip_entry(base, "xl/worksheets/sheet1.xml", lambda f: f.write(sheet))
    )
    assert "16,384 cells" in _problem(r, 422)["detail"]
    assert _count(app, TrainingRecord) == 0


# -- the row limit -----------------------------------------------------------------------------------------------
@pytest.fixture
def capped(database_url: str, app: FastAPI) -> Iterator[TestClient]:
    """The service with TRAINING_IMPORT_MAX_ROWS=3, on the same database."""
    capped_app = create_app(
        Settings(database_url=database_url, environment="test", import_max_rows=3),
        authenticator=kt.make_authenticator(),
        orgdir=kt.sample_orgdir(),
        start_sync=False,
    )
    with TestClient(capped_app) as c:
        yield c
    capped_app.state.kernel.engine.dispose()


def test_a_file_over_the_row_limit_is_refused_with_413_naming_the_limit(capped: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    csv_rows = [",".join(map(str, r)) for r in [HEADER, *_rows(4)]]
    files = {
        "ledger.csv": ("\n".join(csv_rows) + "\n").encode(),
        "ledger.xlsx": xlsx_bytes([HEADER, *_rows(4)]),
        "empty-rows-do-not-count.xlsx": styled_empty_rows([HEADER, *_rows(4)], empty=10),
    }
    for name, content in files.items():
        for params in ({"dry_run": "true"}, {}):
            body = _problem(_post(capped, IMPORT, name, content, **params), 413)
            assert body["max_rows"] == 3 and "more than 3 rows" in body["detail"], (name, body)
    assert _count(app, TrainingRecord) == 0
    # the job: refused when it runs, with the same message
    r = _post(capped, JOBS, "ledger.xlsx", files["ledger.xlsx"])
    assert r.status_code == 202 and r.json()["total"] == 3, r.text
    job = _job(capped, r.headers["location"])
    assert job["status"] == "failed" and "more than 3 rows" in job["error"], job
    assert _count(app, TrainingRecord) == 0
    # at the limit, and with blank lines besides, the file is stored
    r = _post(capped, IMPORT, "ledger.csv", ("\n\n".join(csv_rows[:4]) + "\n\n\n").encode())
    assert r.status_code == 200 and r.json()["accepted"] == 3, r.text


# -- CSV ---------------------------------------------------------------------------------------------------------
def test_hostile_csv_files_are_refused_or_bounded_without_holding_them_whole(
    client: TestClient, app: FastAPI, api
) -> None:
    api.staff("E1")
    header = ",".join(HEADER)
    good = ",".join(map(str, _rows(1)[0]))
    refused = {
        # one endless line of short fields: millions of columns
        "an endless line": (header + "\n" + "ab," * (4 * MB)).encode(),
        # a quoted field that never closes: the rest of the file is one field
        "a quoted field spanning the file": (header + '\n"' + "x" * (8 * MB) + "\n" * 1000).encode(),
        # UTF-16 with its BOM: NUL bytes in every other place
        "UTF-16 text": (header + "\n" + good + "\n").encode("utf-16"),
        # a UTF-8 BOM in front of a UTF-16 one
        "two BOMs": b"\xef\xbb\xbf" + (header + "\n" + good + "\n").encode("utf-16"),
    }
    for what, content in refused.items():
        r, peak = _peak_mb(lambda content=content: _post(client, IMPORT, "ledger.csv", content))  # type: ignore[misc]
        _problem(r, 422)
        assert peak < 100, f"{what}: {peak:.0f} MB allocated for a refused file"
    assert _count(app, TrainingRecord) == 0
    # many columns beyond the header on a line of reasonable length are left out; a BOM is fine
    wide = "\ufeff" + header + "\n" + good + "," * 60_000 + "\n"
    r = _post(client, IMPORT, "ledger.csv", wide.encode())
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text


# -- the XML itself ----------------------------------------------------------------------------------------------
def _sheet_with(cells: bytes, doctype: bytes = b"") -> bytes:
    """A workbook whose second row is ``cells`` (raw XML), the sheet led by ``doctype``."""
    base = xlsx_bytes([HEADER, _rows(1)[0]])
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml")
    head, rest = sheet.split(b'<row r="2">')
    sheet = doctype + head + b'<row r="2">' + cells + b"</row></sheetData>" + rest.split(b"</sheetData>")[1]
    return rewrite_zip_entry(base, "xl/worksheets/sheet1.xml", lambda f: f.write(sheet))


def test_a_giant_cell_or_a_nest_of_junk_elements_is_refused_before_it_fills_memory(
    client: TestClient, app: FastAPI, api
) -> None:
    """Under the zip-bomb thresholds, one cell of 12 MB of text, or a row of two million empty elements that are not
    cells, would be held whole in memory (the XML parser builds a row before it is used)."""
    api.staff("E1")
    giant = b'<c r="A2" t="inlineStr"><is><t>' + b"E1" * (6 * MB) + b"</t></is></c>"
    junk = b"<x/>" * 2_000_000 + b'<c r="A2" t="inlineStr"><is><t>E1</t></is></c>'
    for what, cells in (("a giant cell", giant), ("junk elements", junk)):
        r = _post(client, IMPORT, "ledger.xlsx", _sheet_with(cells))
        assert "more XML" in _problem(r, 422)["detail"], what
    assert _count(app, TrainingRecord) == 0


def test_entities_are_never_expanded_nor_files_read(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    cell = b'<c r="A2" t="inlineStr"><is><t>&x;</t></is></c><c r="B2" t="inlineStr"><is><t>t</t></is></c>'
    laughs = [b'<!ENTITY l0 "aaaaaaaaaa">'] + [
        b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10)
    ]
    doctypes = {
        "a file": b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        "a billion laughs": b"<!DOCTYPE worksheet [" + b"".join(laughs) + b'<!ENTITY x "&l9;">]>',
    }
    for what, doctype in doctypes.items():
        r = _post(client, IMPORT, "ledger.xlsx", _sheet_with(cell, doctype), dry_run="true")
        assert r.status_code in (200, 422), (what, r.text[:300])
        assert "root:" not in r.text and "aaaaaaaaaa" not in r.text, (what, r.text[:300])


def test_a_workbook_as_excel_writes_it_is_read_whatever_its_dimension_says(
    client: TestClient, app: FastAPI, api
) -> None:
    """Shared strings (one of them rich text with a phonetic hint), a date-formatted serial number, a formula's
    cached value, a formula's string: the reader of the sheet is ours now, so what Excel writes is checked here,
    not only what openpyxl writes (inline strings)."""
    from datetime import datetime

    s = api.staff("1001")
    wb = Workbook()
    wb.active.append(["x"])
    wb.active.append([datetime(2025, 3, 1)])  # gives the sheet a date style (s="1")
    buf = io.BytesIO()
    wb.save(buf)
    base = _with_shared_strings(buf.getvalue())
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml")
    date_style = re.search(rb'<c r="A2" s="(\d+)"', sheet)
    assert date_style is not None
    strings = [*HEADER, "1001", "宪法学习", "law", "省级"]
    header = b"".join(b'<c r="%s1" t="s"><v>%d</v></c>' % (bytes([65 + i]), i) for i in range(8))
    row = (
        b'<c r="A2" t="s"><v>8</v></c><c r="B2" t="s"><v>9</v></c>'
        b'<c r="C2" s="%s"><v>45717</v></c>'
        % date_style.group(1)
        + b'<c r="D2"><f>1+1</f><v>2.5</v></c><c r="E2" t="n"><v>0</v></c>'
        b'<c r="F2" t="s"><v>10</v></c><c r="G2" t="s"><v>11</v></c><c r="H2" t="str"><v>xl-1</v></c>'
    )
    sheet = re.sub(
        rb"<sheetData>.*</sheetData>",
        b'<sheetData><row r="1">' + header + b'</row><row r="2">' + row + b"</row></sheetData>",
        sheet,
    )
    sst = b"".join(b"<si><t>%s</t></si>" % v.encode() for v in strings[:9])
    sst += '<si><r><rPr><b/></rPr><t>宪法</t></r><r><t>学习</t></r><rPh sb="0" eb="2"><t>xianfa</t></rPh></si>'.encode()
    sst += b"".join(b"<si><t>%s</t></si>" % v.encode() for v in strings[10:])
    sst_xml = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + sst + b"</sst>"
    content = rewrite_zip_entry(
        rewrite_zip_entry(base, "xl/worksheets/sheet1.xml", lambda f: f.write(sheet)),
        "xl/sharedStrings.xml",
        lambda f: f.write(sst_xml),
    )
    r = _post(client, IMPORT, "ledger.xlsx", content)
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    # the sheet above still declares the dimension of the workbook it was made from (A1:A2): a dimension
    # smaller than the data used to cut the columns off ("missing column"); it is not read at all now
    assert b'<dimension ref="A1:A2"/>' in sheet
    led = api.ledger(s["id"], 2025)
    assert [(x["title"], x["taken_on"], x["hours"], x["days"]) for x in led["records"]] == [
        ("宪法学习", "2025-03-01", 2.5, 0.0)
    ]
