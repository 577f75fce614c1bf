"""What the hot requests of issue #8's load mix cost the database, in statements: at most the figures below, so
that a lazy load, an N+1 query or a re-read of a row just written fails here (docs/decisions.md, "Training
service", round trips). Reads on PostgreSQL send no BEGIN/COMMIT (autocommit); SQLite reads begin deferred."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from sanquan_kernel import testing as kt
from training.compliance.schemas import Ledger
from training.models import AuditEntry
from training.records.schemas import RecordOut

PUSH = {
    "title": "线上安全教育微课",
    "taken_on": "2025-03-01",
    "hours": 1.5,
    "days": 0,
    "themes": ["safety"],
    "organizer_level": "university",
}


@pytest.fixture
def world(client: TestClient, api) -> dict[str, Any]:
    """Two universities with staff and records, the year's rule set, and one person with a login and a ledger."""
    me = api.staff("E1", account_id=400)
    others = [api.staff(f"E{i}", dept=kt.DEPT_A2 if i % 2 else kt.DEPT_A1) for i in range(2, 9)]
    b = api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    for themes in (["safety", "law"], ["ideals"], ["ethics", "quality"], ["law"]):
        api.record(me["id"], themes=themes)
    for o in others:
        api.record(o["id"], hours=45)
    api.record(b["id"], uni=kt.UNI_B)
    r = client.put("/api/training/rules/2025", json={"min_hours": 80, "min_days": 10}, headers=kt.province_admin())
    assert r.status_code in (200, 201), r.text
    return {"me": me}


def _created_events() -> float:
    return REGISTRY.get_sample_value("business_events_total", {"service": "training", "event": "record.create"}) or 0


def _cost(app: FastAPI, client: TestClient, method: str, url: str, headers: dict, body: Any = None) -> tuple:
    with kt.count_statements(app.state.kernel.engine) as log:
        r: Response = client.request(method, url, headers=headers, json=body)
    assert r.status_code < 300, r.text
    return r, log


def _reads(app: FastAPI, log: kt.StatementLog, queries: int) -> None:
    """A read: ``queries`` statements at most, plus BEGIN and COMMIT on SQLite only."""
    sqlite = app.state.kernel.engine.dialect.name == "sqlite"
    assert len(log.queries) <= queries, str(log)
    assert len(log) <= queries + (2 if sqlite else 0), str(log)


def _writes(log: kt.StatementLog, queries: int) -> None:
    """A write: ``queries`` statements at most in one transaction (BEGIN and COMMIT on both databases)."""
    assert len(log.queries) <= queries, str(log)
    assert log.statements.count("BEGIN") == 1 and log.statements[-1] == "COMMIT", str(log)
    assert len(log) <= queries + 2, str(log)


def test_a_staff_members_ledger_costs_two_statements(app: FastAPI, client: TestClient, world) -> None:
    url = f"/api/training/staff/{world['me']['id']}/ledger?year=2025"
    r, log = _cost(app, client, "GET", url, kt.staff(400))
    _reads(app, log, 2)  # the person with their totals and the year's rule; the records
    body = r.json()
    assert len(body["records"]) == 4 and body["hours"] == 32.0 and body["rule"] == {"min_hours": 80.0, "min_days": 10.0}
    assert body["by_theme"]["law"]["count"] == 2 and body["staff"]["department_name"] == "饮食服务中心"
    assert {x["employee_no"] for x in body["records"]} == {"E1"}
    # built as plain data and serialised directly: exactly the documented shape, nothing more, nothing less
    assert Ledger.model_validate(body).model_dump(mode="json") == body


def test_a_campus_push_costs_two_statements_and_a_repeated_one_three(app: FastAPI, client: TestClient, world) -> None:
    before = _created_events()
    h = kt.integration(client="campus-a")
    body = {**PUSH, "employee_no": "E1", "external_id": "hr-77"}
    r, log = _cost(app, client, "POST", "/api/training/records", h, body)
    assert r.status_code == 201
    # The staff member; then on PostgreSQL one statement stores the record (RETURNING), adds it to the year's
    # totals, writes its audit entry and its record.accepted event for webhooks (issue #18). SQLite has no
    # data-modifying CTEs: three statements, and the event's INSERT into the outbox, in the same transaction.
    sqlite = app.state.kernel.engine.dialect.name == "sqlite"
    _writes(log, 5 if sqlite else 2)
    outbox = [q for q in log.statements if "INSERT INTO outbox" in q]
    assert len(outbox) == 1 and outbox[0].startswith("INSERT INTO outbox" if sqlite else "WITH rec AS"), str(log)
    first = r.json()
    assert (first["employee_no"], first["staff_name"], first["source"]) == ("E1", "职工E1", "campus-a")
    # built as plain data and serialised directly: exactly the documented shape, with its version's ETag
    assert RecordOut.model_validate(first).model_dump(mode="json") == first and first["themes"] == ["safety"]
    assert r.headers["etag"] == 'W/"1"' and first["hours"] == 1.5 and first["version"] == 1
    r, log = _cost(app, client, "POST", "/api/training/records", h, {**body, "hours": 9})
    assert r.status_code == 200 and r.json() == first
    _writes(log, 3)  # the staff member; the insert that does nothing; the stored record
    ledger = client.get(f"/api/training/staff/{world['me']['id']}/ledger?year=2025", headers=kt.staff(400)).json()
    assert ledger["hours"] == 33.5 and len(ledger["records"]) == 5
    with app.state.kernel.sessionmaker() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "record.create").order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None and entry.entity_id == str(first["id"]) and entry.actor == "client:campus-a"
        assert entry.after is not None and entry.after["external_id"] == "hr-77" and entry.after["hours"] == "1.50"
        same = (AuditEntry.entity == "training_record", AuditEntry.entity_id == str(first["id"]))
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(*same)) == 1
    assert _created_events() == before + 1  # the business event of the new record, once


@pytest.mark.parametrize(
    ("group_by", "headers"), [("university", kt.province_admin()), ("department", kt.university_admin())]
)
def test_a_compliance_report_costs_one_statement(
    app: FastAPI, client: TestClient, world, group_by: str, headers: dict
) -> None:
    r, log = _cost(app, client, "GET", f"/api/training/compliance?year=2025&group_by={group_by}", headers)
    _reads(app, log, 1)  # the grouped totals, which read the year's rule too
    rep = r.json()
    assert rep["totals"]["staff_total"] == (9 if group_by == "university" else 8)
    assert rep["rule"] == {"min_hours": 80.0, "min_days": 10.0}


def test_the_rule_read_with_a_report_applies_to_the_hundredth(app: FastAPI, client: TestClient, api) -> None:
    """The report reads the year's rule in its own statement: exact to the hundredth (0.29 is not 0.28 on SQLite
    either, where NUMERIC is a float), and T1's default without a rule; nobody counted still shows the rule."""
    url = "/api/training/compliance?year=2025&group_by=university"
    assert client.get(url, headers=kt.province_admin()).json()["rule"] == {"min_hours": 90.0, "min_days": 12.0}
    for no, hours in (("A", 0.28), ("B", 0.29), ("C", 0.3)):
        api.record(api.staff(no)["id"], hours=hours, days=0)
    h = kt.province_admin()
    for rule, compliant in (((0.29, 0.5), 2), ((0.3, 0.5), 1), ((0.28, 0.5), 3), ((0.31, 0.01), 0)):
        r = client.put("/api/training/rules/2025", json={"min_hours": rule[0], "min_days": rule[1]}, headers=h)
        assert r.status_code in (200, 201), r.text
        rep = client.get(url, headers=h).json()
        assert rep["rule"] == {"min_hours": rule[0], "min_days": rule[1]} and rep["totals"]["compliant"] == compliant
    empty = client.get("/api/training/compliance?year=2025&group_by=university", headers=kt.university_admin(kt.UNI_B))
    assert empty.json()["rule"] == {"min_hours": 0.31, "min_days": 0.01} and empty.json()["totals"]["staff_total"] == 0


def test_a_short_staff_list_costs_one_statement(app: FastAPI, client: TestClient, world) -> None:
    r, log = _cost(app, client, "GET", "/api/training/staff?limit=50", kt.university_admin())
    _reads(app, log, 1)  # the page; it is shorter than the limit, so it tells the total
    assert r.json()["total"] == 8 and len(r.json()["items"]) == 8
    r, log = _cost(app, client, "GET", "/api/training/staff?limit=5", kt.university_admin())
    _reads(app, log, 2)  # a full page: the rest is counted
    assert r.json()["total"] == 8 and len(r.json()["items"]) == 5


def test_the_hot_requests_reuse_their_compiled_statements(app: FastAPI, client: TestClient, world) -> None:
    """After its first execution, no statement of the load mix's training requests is compiled again: an
    uncacheable construct (one without a cache key) would be compiled on every request, which once cost a fifth of
    the service's CPU under load (docs/benchmarks.md, "Load (#8)")."""
    me = world["me"]["id"]
    push = kt.integration(client="campus-a")
    requests = [
        ("GET", f"/api/training/staff/{me}/ledger?year=2025", kt.staff(400), None),
        ("GET", "/api/training/compliance?year=2025&group_by=university", kt.province_admin(), None),
        ("GET", "/api/training/compliance?year=2025&group_by=department", kt.university_admin(), None),
        ("GET", "/api/training/staff?limit=5", kt.university_admin(), None),
        ("GET", "/api/training/staff?limit=50", kt.university_admin(), None),
    ]
    for method, url, headers, body in requests:
        for _ in range(2):
            _, log = _cost(app, client, method, url, headers, body)
        assert log.compiled == [], f"{url}: {log.compiled}"
    for n, external_id in enumerate(("c0", "c1", "c2", "c2", "c2")):  # new records, then repeats of the last one
        body = {**PUSH, "employee_no": "E1", "external_id": external_id}
        _, log = _cost(app, client, "POST", "/api/training/records", push, body)
        if n not in (0, 3):  # the first new record and the first repeat compile their statements once
            assert log.compiled == [], (external_id, log.compiled)


def test_the_push_statement_is_one_the_driver_converts_once() -> None:
    """psycopg converts a statement's text and parameters for the server on every execution unless the text is at
    most ``MAX_CACHED_STATEMENT_LENGTH`` characters with at most ``MAX_CACHED_STATEMENT_PARAMS`` parameters (then
    once, cached): the campus push's statement must stay within both (issue #21: a tenth of the push's CPU)."""
    from psycopg import _queries
    from sqlalchemy.dialects import postgresql

    from training.records import repository

    keys = tuple(c.name for c in repository.RECORD_TABLE.c if c.name not in ("id", "deleted_at", "deleted_by"))
    compiled = repository._pushed_insert(keys).compile(dialect=postgresql.psycopg.dialect())
    assert "INSERT INTO outbox" in compiled.string and "INSERT INTO audit_entry" in compiled.string
    assert len(compiled.string) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    assert len(compiled.binds) <= _queries.MAX_CACHED_STATEMENT_PARAMS


def test_a_pushed_records_answer_is_its_stored_records_byte_for_byte(client: TestClient, world) -> None:
    """The push answers from the row its one statement returned (PostgreSQL) and a repeat from the stored record
    (an ORM object): the same bytes, and what the record's own GET answers (through ``RecordOut``: its fields in
    the model's order, so compared as data)."""
    h = kt.integration(client="campus-a")
    body = {**PUSH, "employee_no": "E1", "external_id": "hr-bytes", "themes": ["law", "safety"], "hours": 2.25}
    first = client.post("/api/training/records", json=body, headers=h)
    again = client.post("/api/training/records", json=body, headers=h)
    assert (first.status_code, again.status_code) == (201, 200)
    stored = client.get(f"/api/training/records/{first.json()['id']}", headers=h)
    assert stored.status_code == 200
    assert first.content == again.content and first.json() == stored.json()
    assert first.headers["etag"] == stored.headers["etag"] == again.headers["etag"]
