"""The import stored while the file is read (issue #21; PostgreSQL streams the good rows into a COPY inside a
savepoint, SQLite stores after the check): the same answers on both — a refused row after thousands of good ones
stores nothing, rows an earlier import stored are skipped, any text survives COPY's format, the totals agree."""

from __future__ import annotations

from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sanquan_kernel import testing as kt
from training.records.models import StaffYearTotal, TrainingRecord

URL = "/api/training/records/import"
HEADER = "employee_no,title,taken_on,hours,days,themes,organizer_level,external_id\n"


def _csv(rows: list[str]) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def _good(n: int, tag: str, no: str = "E1") -> list[str]:
    return [f"{no},安全培训{i},2025-03-{1 + i % 28:02d},1.5,0,safety,university,{tag}-{i}" for i in range(n)]


def _post(client: TestClient, content: bytes) -> dict:
    r = client.post(URL, files={"file": ("ledger.csv", content)}, headers=kt.university_admin())
    assert r.status_code == 200, r.text
    return r.json()


def _count(app: FastAPI) -> int:
    with app.state.kernel.sessionmaker() as db:
        return db.scalar(select(func.count()).select_from(TrainingRecord)) or 0


def test_a_refused_row_after_thousands_of_good_ones_stores_nothing(client: TestClient, app: FastAPI, api) -> None:
    s = api.staff("E1")
    rows = _good(2500, "a")  # more than one COPY chunk went to the server before the refused row
    rows.append("E1,坏行,2025-13-40,1,0,safety,university,a-bad")
    rows += _good(10, "b")
    res = _post(client, _csv(rows))
    assert (res["total"], res["accepted"], res["rejected"]) == (2511, 0, 1)
    assert res["errors"][0]["row"] == 2501 and res["errors"][0]["column"] == "taken_on"
    assert _count(app) == 0 and api.ledger(s["id"])["records"] == []
    # the service goes on: the same file without the bad row is stored whole
    res = _post(client, _csv([r for r in rows if "a-bad" not in r]))
    assert res["accepted"] == 2510 and _count(app) == 2510
    assert api.ledger(s["id"])["hours"] == 2510 * 1.5


def test_rows_an_earlier_import_stored_are_skipped(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    assert _post(client, _csv(_good(30, "x")))["accepted"] == 30
    res = _post(client, _csv(_good(50, "x")))  # 30 stored before, 20 new
    assert (res["accepted"], res["skipped"]) == (20, 30)
    assert _count(app) == 50
    with app.state.kernel.sessionmaker() as db:
        total = db.scalars(select(StaffYearTotal)).one()
        assert total.records == 50 and total.hours_x100 == 50 * 150


def test_any_text_survives_the_copy(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    titles = ["反斜杠 \\N 与 \\\\ 与 \\t", "制表符\t在中间", '引号"与,逗号']
    lines = [
        f'E1,"{t.replace(chr(34), chr(34) * 2)}",2025-04-0{i + 1},2,0.5,law,province,' for i, t in enumerate(titles)
    ]
    res = _post(client, _csv(lines))
    assert res["accepted"] == 3, res
    with app.state.kernel.sessionmaker() as db:
        stored = db.execute(select(TrainingRecord.title, TrainingRecord.external_id, TrainingRecord.hours)).all()
    assert sorted(t for t, _, _ in stored) == sorted(titles)
    assert {e for _, e, _ in stored} == {None} and {h for _, _, h in stored} == {Decimal("2.00")}


def test_an_id_stored_before_met_after_thousands_of_new_rows_is_skipped_and_nothing_is_stored_twice(
    client: TestClient, app: FastAPI, api
) -> None:
    """PostgreSQL streams optimistically (the unique index tells whether an earlier import stored an id): a stored
    id met after more than one COPY chunk stops the COPY, the savepoint is rolled back and the file goes the
    two-phase way — the same answer as SQLite's, each row once, the totals once."""
    api.staff("E1")
    assert _post(client, _csv(_good(5, "y")))["accepted"] == 5
    rows = [f"E1,新课{i},2025-05-{1 + i % 28:02d},1,0,law,university,n-{i}" for i in range(2500)]
    rows += _good(8, "y")  # y-0..y-4 stored before, y-5..y-7 new
    res = _post(client, _csv(rows))
    assert (res["total"], res["accepted"], res["skipped"], res["rejected"]) == (2508, 2503, 5, 0)
    assert _count(app) == 2508
    with app.state.kernel.sessionmaker() as db:
        total = db.scalars(select(StaffYearTotal)).one()
        assert total.records == 2508 and total.hours_x100 == 2500 * 100 + 8 * 150
    again = _post(client, _csv(rows))  # the same file again: everything skipped, nothing stored
    assert (again["accepted"], again["skipped"]) == (0, 2508) and _count(app) == 2508
