"""Supervision (督导) and rectification (整改), issue #19: the inspector and the province record a visit and its
findings, each finding assigns the university a rectification, the university answers with measures and files,
the province (or the inspector) closes it or sends it back; a university sees only its own, on every path."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from plans.models import AuditEntry
from plans.supervision import events
from plans.supervision.models import Rectification
from plans.supervision.service import escalate_overdue
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today
from sanquan_kernel.storage import FilesystemStorage, Storage, samples

P = "/api/plans"
INSPECTOR, PROVINCE = kt.inspector(), kt.province_admin()
UNI_A, UNI_B = kt.university_admin(kt.UNI_A), kt.university_admin(kt.UNI_B)
MGR_A1, MGR_A2 = kt.department_manager(kt.DEPT_A1), kt.department_manager(kt.DEPT_A2)


@pytest.fixture
def files(app: FastAPI, tmp_path: Path) -> Iterator[Storage]:
    st = FilesystemStorage(tmp_path / "files", "plans")
    app.state.kernel.extras["storage"] = st
    yield st
    app.state.kernel.extras.pop("storage", None)


def _visit(client: TestClient, who: dict[str, str] = INSPECTOR, **kw: Any) -> dict[str, Any]:
    body = {
        "visited_on": str(today()),
        "title": "后勤三全育人专项督导",
        "team": "张督导、李督导",
        "university_ids": [kt.UNI_A, kt.UNI_B],
        **kw,
    }
    r = client.post(f"{P}/supervision-visits", json=body, headers=who)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _finding(client: TestClient, visit: dict[str, Any], uni: int = kt.UNI_A, **kw: Any) -> dict[str, Any]:
    body = {
        "university_id": uni,
        "category": "safety",
        "severity": "major",
        "description": "食堂后厨消防通道堆放杂物",
        "due_on": str(today() + timedelta(days=30)),
        **kw,
    }
    r = client.post(f"{P}/supervision-visits/{visit['id']}/findings", json=body, headers=INSPECTOR)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _upload(client: TestClient, name: str, headers: dict[str, str]) -> int:
    r = client.post(f"{P}/attachments?filename={quote(name)}", content=samples.png((40, 30)), headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_a_finding_is_rectified_answered_returned_answered_again_and_closed(client: TestClient) -> None:
    seen: list[events.RectificationEvent] = []
    unsubscribe = events.subscribe(lambda _s, e: seen.append(e))
    try:
        visit = _visit(client)
        finding = _finding(client, visit, department_id=kt.DEPT_A1)
    finally:
        unsubscribe()
    rect = finding["rectification"]
    assert rect["status"] == "assigned" and not rect["overdue"] and rect["university_id"] == kt.UNI_A
    assert [(e.kind, e.rectification_id, e.university_id) for e in seen] == [
        ("rectification.assigned", rect["id"], kt.UNI_A)
    ]
    url = f"{P}/rectifications/{rect['id']}"
    # closing before the university answered is not a transition the machine has
    r = client.post(f"{url}/close", json={}, headers=PROVINCE)
    assert r.status_code == 409 and r.json()["code"] == "rectification_state"
    # the inspector does not answer for the university; the university's answer needs its current version
    assert client.post(f"{url}/response", json={"measures": "x"}, headers=INSPECTOR).status_code == 403
    stale = {**UNI_A, "If-Match": 'W/"99"'}
    assert client.post(f"{url}/response", json={"measures": "已清理"}, headers=stale).status_code == 412
    r = client.post(f"{url}/response", json={"measures": "已清理通道，张贴警示标识"}, headers=UNI_A)
    assert r.status_code == 200 and r.json()["status"] == "responded", r.text
    assert client.post(f"{url}/response", json={"measures": "again"}, headers=UNI_A).status_code == 409
    r = client.post(f"{url}/return", json={"reason": "缺少整改后照片"}, headers=INSPECTOR)
    assert (
        r.status_code == 200 and r.json()["status"] == "returned" and r.json()["verification_note"] == "缺少整改后照片"
    )
    r = client.post(f"{url}/response", json={"measures": "补充整改后照片"}, headers=UNI_A)
    assert r.json()["status"] == "responded"
    r = client.post(f"{url}/close", json={"note": "整改到位"}, headers=PROVINCE)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "closed" and done["closed_on"] == str(today()) and done["closed_on_time"] is True
    assert client.post(f"{url}/return", json={"reason": "x"}, headers=PROVINCE).status_code == 409
    # the department it names reads it; the sibling department does not
    assert client.get(url, headers=MGR_A1).status_code == 200
    assert client.get(url, headers=MGR_A2).status_code == 404
    assert client.post(f"{url}/close", json={}, headers=MGR_A1).status_code == 403
    with client.app.state.kernel.sessionmaker() as s:  # type: ignore[attr-defined]
        actions = [a for (a,) in s.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
    steps = [a for a in actions if a.startswith(("rectification.", "supervision."))]
    assert steps == [
        "supervision.visit.create",
        "supervision.finding.create",
        "rectification.respond",
        "rectification.return",
        "rectification.respond",
        "rectification.close",
    ]


def test_another_university_sees_none_of_it_on_any_path(client: TestClient, files: Storage) -> None:
    visit = _visit(client)
    finding = _finding(client, visit)
    rect = finding["rectification"]
    evidence = _upload(client, "消防通道.png", INSPECTOR)
    r = client.post(f"{P}/findings/{finding['id']}/attachments", json={"attachment_ids": [evidence]}, headers=INSPECTOR)
    assert r.status_code == 200, r.text
    answer = _upload(client, "整改后.png", UNI_A)
    r = client.post(f"{P}/rectifications/{rect['id']}/attachments", json={"attachment_ids": [answer]}, headers=UNI_A)
    assert r.status_code == 200, r.text
    # university A reads its finding's evidence and its own answer
    assert client.get(f"{P}/attachments/{evidence}/content", headers=UNI_A).status_code == 200
    assert client.get(f"{P}/findings/{finding['id']}", headers=UNI_A).status_code == 200
    for path in (
        f"{P}/findings/{finding['id']}",
        f"{P}/findings/{finding['id']}/attachments",
        f"{P}/rectifications/{rect['id']}",
        f"{P}/rectifications/{rect['id']}/attachments",
        f"{P}/attachments/{evidence}",
        f"{P}/attachments/{evidence}/content",
        f"{P}/attachments/{answer}/content",
    ):
        assert client.get(path, headers=UNI_B).status_code == 404, path
    assert client.get(f"{P}/rectifications", headers=UNI_B).json()["total"] == 0
    assert client.get(f"{P}/rectifications", params={"university_id": kt.UNI_A}, headers=UNI_B).status_code == 404
    export = client.get(f"{P}/rectifications/export", headers=UNI_B)
    assert export.status_code == 200 and len(list(load_workbook(io.BytesIO(export.content)).active.iter_rows())) == 1
    for path, body in (
        (f"{P}/rectifications/{rect['id']}/response", {"measures": "x"}),
        (f"{P}/rectifications/{rect['id']}/attachments", {"attachment_ids": [answer]}),
    ):
        assert client.post(path, json=body, headers=UNI_B).status_code == 404, path
    # visits are the province's
    assert client.get(f"{P}/supervision-visits", headers=UNI_A).status_code == 403
    assert client.get(f"{P}/supervision-visits/{visit['id']}", headers=UNI_A).status_code == 403
    # the province and the inspector read everything
    for who in (PROVINCE, INSPECTOR):
        assert client.get(f"{P}/rectifications", headers=who).json()["total"] == 1
        detail = client.get(f"{P}/supervision-visits/{visit['id']}", headers=who).json()
        assert [f["id"] for f in detail["finding_items"]] == [finding["id"]] and detail["open_rectifications"] == 1


def test_lists_filter_by_university_status_and_overdue_and_export_in_chinese(client: TestClient) -> None:
    visit = _visit(client, visited_on=str(today() - timedelta(days=40)))
    late = _finding(client, visit, due_on=str(today() - timedelta(days=1)), severity="critical")
    _finding(client, visit, uni=kt.UNI_B, category="service", severity="minor")
    rows = client.get(f"{P}/rectifications", params={"overdue": True}, headers=INSPECTOR).json()["items"]
    assert [r["id"] for r in rows] == [late["rectification"]["id"]] and rows[0]["overdue"] is True
    assert client.get(f"{P}/rectifications", params={"university_id": kt.UNI_B}, headers=PROVINCE).json()["total"] == 1
    assert client.get(f"{P}/rectifications", params={"status": "closed"}, headers=PROVINCE).json()["total"] == 0
    assert client.get(f"{P}/rectifications", params={"status": "nonsense"}, headers=PROVINCE).status_code == 422
    wb = load_workbook(io.BytesIO(client.get(f"{P}/rectifications/export", headers=INSPECTOR).content))
    cells = [[c.value for c in row] for row in wb.active.iter_rows()]
    assert cells[0][:4] == ["编号", "年度", "督导日期", "督导名称"] and len(cells) == 3
    assert {"严重", "一般"} <= {row[7] for row in cells[1:]}
    # the overdue escalation is emitted once
    seen: list[events.RectificationEvent] = []
    unsubscribe = events.subscribe(lambda _s, e: seen.append(e))
    try:
        with client.app.state.kernel.sessionmaker() as s:  # type: ignore[attr-defined]
            assert escalate_overdue(s) == 1
            assert escalate_overdue(s) == 0
            s.commit()
    finally:
        unsubscribe()
    assert [e.kind for e in seen] == ["rectification.overdue"]


def test_bad_input_is_refused_with_field_errors_and_changes_nothing(client: TestClient) -> None:
    r = client.post(
        f"{P}/supervision-visits",
        json={"visited_on": str(today()), "title": "x", "team": "y", "university_ids": [kt.UNI_A, 999]},
        headers=INSPECTOR,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "university_ids", 1]
    visit = _visit(client, university_ids=[kt.UNI_A])
    for body, field in (
        ({"university_id": kt.UNI_B}, "university_id"),  # not visited
        ({"department_id": kt.DEPT_B1}, "department_id"),  # not a department of the university
        ({"due_on": str(today() - timedelta(days=1))}, "due_on"),  # before the visit
        ({"severity": "fatal"}, "severity"),
    ):
        base = {
            "university_id": kt.UNI_A,
            "category": "plan",
            "severity": "minor",
            "description": "方案未落实",
            "due_on": str(today() + timedelta(days=10)),
        }
        r = client.post(f"{P}/supervision-visits/{visit['id']}/findings", json={**base, **body}, headers=INSPECTOR)
        assert r.status_code == 422, (body, r.text)
        assert field in str(r.json()["errors"][0]["loc"]), r.json()
    assert client.get(f"{P}/rectifications", headers=PROVINCE).json()["total"] == 0
    # a university with findings stays on the visit
    _finding(client, visit)
    r = client.patch(f"{P}/supervision-visits/{visit['id']}", json={"university_ids": [kt.UNI_B]}, headers=INSPECTOR)
    assert r.status_code == 409 and r.json()["code"] == "visit_has_findings"
    r = client.patch(
        f"{P}/supervision-visits/{visit['id']}",
        json={"title": "改名"},
        headers={**PROVINCE, "If-Match": f'W/"{visit["version"]}"'},
    )
    assert r.status_code == 200 and r.json()["title"] == "改名" and r.json()["version"] == visit["version"] + 1


def test_the_inspector_reads_what_the_province_reads_and_writes_nothing_else(client: TestClient) -> None:
    plan = client.post(f"{P}/plans", json={"year": 2026, "title": "实施方案"}, headers=UNI_A).json()
    assert client.get(f"{P}/plans/{plan['id']}", headers=INSPECTOR).status_code == 200
    assert client.get(f"{P}/overview", params={"year": 2026}, headers=INSPECTOR).status_code == 200
    assert client.patch(f"{P}/plans/{plan['id']}", json={"title": "改"}, headers=INSPECTOR).status_code == 403
    assert client.post(f"{P}/plans/{plan['id']}/approve", headers=INSPECTOR).status_code == 403
    assert client.post(f"{P}/plans", json={"year": 2027, "title": "x"}, headers=INSPECTOR).status_code == 403


def test_indicators_count_findings_and_the_rate_is_null_without_a_due_rectification(client: TestClient) -> None:
    year = today().year
    visit = _visit(client, visited_on=str(today() - timedelta(days=20)))
    f1 = _finding(client, visit, due_on=str(today() - timedelta(days=5)), severity="critical")
    _finding(client, visit, due_on=str(today() - timedelta(days=1)))
    _finding(client, visit, uni=kt.UNI_B, due_on=str(today() + timedelta(days=30)), severity="minor")
    url = f"{P}/rectifications/{f1['rectification']['id']}"
    client.post(f"{url}/response", json={"measures": "done"}, headers=UNI_A)
    client.post(f"{url}/close", json={}, headers=PROVINCE)  # closed today: after its deadline, not on time
    r = client.get(f"{P}/supervision-indicators", params={"year": year}, headers=kt.service())
    assert r.status_code == 200, r.text
    items = {i["university_id"]: i for i in r.json()["items"]}
    a, b = items[kt.UNI_A], items[kt.UNI_B]
    assert (a["findings_total"], a["findings_critical"], a["findings_major"]) == (2, 1, 1)
    assert (a["rectifications_due"], a["rectifications_closed_on_time"], a["rectification_rate"]) == (2, 0, 0.0)
    assert (b["findings_total"], b["rectifications_due"], b["rectification_rate"]) == (1, 0, None)
    assert client.get(f"{P}/supervision-indicators", params={"year": year}, headers=UNI_A).status_code == 403
    assert client.get(f"{P}/supervision-indicators", params={"year": year}, headers=INSPECTOR).status_code == 200
    with client.app.state.kernel.sessionmaker() as s:  # type: ignore[attr-defined]
        assert s.scalar(select(Rectification.status).where(Rectification.id == f1["rectification"]["id"])) == "closed"


def test_a_rectification_is_told_through_the_outbox_and_the_reminder_job_escalates_it_once_when_overdue(
    client: TestClient,
) -> None:
    """#18 × #19: a finding's rectification reaches the gateway (its university's admins, its department's managers,
    its webhooks) as ``rectification.assigned`` in the finding's transaction; the reminder job that escalates
    overdue milestones escalates an overdue rectification once (``rectification.overdue``), and never a closed one."""
    from plans.reminders import service as reminders
    from sanquan_kernel import clock
    from sanquan_kernel.outbox import OUTBOX

    app = client.app
    state = app.state.kernel  # type: ignore[attr-defined]

    def outbox(type_: str) -> list[dict[str, Any]]:
        with state.sessionmaker() as s:
            return [dict(r._mapping) for r in s.execute(select(OUTBOX).where(OUTBOX.c.type == type_))]

    visit = _visit(client)
    late = _finding(client, visit, department_id=kt.DEPT_A1, due_on=str(today() + timedelta(days=3)))
    _finding(client, visit, uni=kt.UNI_B, due_on=str(today() + timedelta(days=60)))
    assigned = outbox("rectification.assigned")
    assert len(assigned) == 2
    mine = next(e for e in assigned if e["university_id"] == kt.UNI_A)
    assert mine["department_id"] == kt.DEPT_A1 and mine["subject"].startswith("rectification:")
    assert mine["data"]["due_on"] == str(today() + timedelta(days=3)) and mine["data"]["severity"] == "major"
    assert late["id"] in (mine["data"]["finding_id"], mine["data"]["rectification_id"])

    with clock.frozen(clock.now() + timedelta(days=5)):
        for _ in range(2):  # the second run finds nothing new
            with state.sessionmaker.begin() as s:
                reminders.run_reminders(s, clock.now(), state.orgdir, state.settings.escalate_after_days)
    overdue = outbox("rectification.overdue")
    assert [(e["university_id"], e["department_id"]) for e in overdue] == [(kt.UNI_A, kt.DEPT_A1)]
