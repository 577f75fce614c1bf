"""A ledger row stored by the import's bulk writer (COPY on PostgreSQL, the driver's executemany on SQLite) is the
same row the API stores for the same entry: every column, as the database renders it, and as the API reads it
back. The columns a row is written with come from the table (kernel/HOT_PATHS.md, "Imports")."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Text, cast, select

from sanquan_kernel import testing as kt
from training.records import repository
from training.records.models import TrainingRecord

TABLE = repository.RECORD_TABLE
#: What differs between the two ways by design: the row's key, where it came from and when.
OWN = {"id", "source", "client_id", "external_id", "created_at", "created_by"}
TITLES = ["安全教育培训", 'tab\there, quote " and back\\slash \\N', "Ethics — 职业道德 ; law"]


def _stored_as_text(app: FastAPI, record_id: int) -> dict[str, Any]:
    columns = [c for c in TABLE.c if c.name not in OWN]
    with app.state.kernel.sessionmaker() as db:
        row = db.execute(select(*(cast(c, Text).label(c.name) for c in columns)).where(TABLE.c.id == record_id)).one()
        return dict(row._mapping)


def _created_at_text(app: FastAPI, record_id: int) -> str:
    with app.state.kernel.sessionmaker() as db:
        return str(db.scalar(select(cast(TABLE.c.created_at, Text)).where(TABLE.c.id == record_id)))


def _shape(instant: str) -> str:
    """An instant's text with its digits blanked and its fraction (PostgreSQL drops trailing zeros) left out."""
    return re.sub(r"\d", "0", re.sub(r"\.\d+", "", instant))


def test_an_imported_row_is_stored_and_read_back_exactly_as_one_posted_through_the_api(
    client: TestClient, app: FastAPI, api
) -> None:
    staff = api.staff("E1")
    posted = [
        api.record(staff["id"], hours=h, days=d, taken_on=on, themes=themes, title=title, evidence=None)
        for title, h, d, on, themes in zip(
            TITLES,
            [8, 2.5, 0.25],
            [1, 0, 1.75],
            ["2025-05-01", "2024-12-31", "2025-01-02"],
            [["safety"], ["law", "ethics"], ["ideals", "safety", "quality"]],
            strict=True,
        )
    ]
    csv = "employee_no,title,taken_on,hours,days,themes,organizer_level,external_id\n" + "".join(
        f'E1,"{p["title"].replace(chr(34), chr(34) * 2)}",{p["taken_on"]},{p["hours"]},{p["days"]},'
        f"{';'.join(p['themes'])},{p['organizer_level']},imp-{i}\n"
        for i, p in enumerate(posted)
    )
    r = client.post(
        "/api/training/records/import", files={"file": ("ledger.csv", csv.encode())}, headers=kt.university_admin()
    )
    assert r.status_code == 200 and r.json()["accepted"] == len(posted), r.text

    with app.state.kernel.sessionmaker() as db:
        imported = {
            ext: rid
            for rid, ext in db.execute(
                select(TrainingRecord.id, TrainingRecord.external_id).where(TrainingRecord.source == "import")
            )
        }
    for i, p in enumerate(posted):
        copied = imported[f"imp-{i}"]
        # Every column but the row's own, as the database renders it: storage format, scale, encoding.
        assert _stored_as_text(app, copied) == _stored_as_text(app, p["id"])
        # The instant is stored in the same format (UTC; naive ISO on SQLite, timestamptz on PostgreSQL).
        a, b = _created_at_text(app, copied), _created_at_text(app, p["id"])
        assert _shape(a) == _shape(b), (a, b)
        # And read back through the API, the same record but for where it came from.
        got = client.get(f"/api/training/records/{copied}", headers=kt.university_admin()).json()
        want = client.get(f"/api/training/records/{p['id']}", headers=kt.university_admin()).json()
        for key in ("id", "source", "external_id", "created_at", "created_by"):
            got.pop(key), want.pop(key)
        assert got == want
