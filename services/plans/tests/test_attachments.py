"""Files of plans, milestones, progress reports and responsibility letters (issue #16) through the real endpoints,
on SQLite and PostgreSQL with the filesystem backend (and once with the S3 backend): who attaches (a department
manager to their department's milestones, the university to its plan), who reads (404 for a sibling department or
another university on every path), a plan document's purpose, and files going with a deleted draft."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from plans.attachments.models import Attachment
from sanquan_kernel import testing as kt
from sanquan_kernel.storage import FilesystemStorage, Storage, samples

A = "/api/plans/attachments"
MGR_A1, MGR_A2 = kt.department_manager(kt.DEPT_A1), kt.department_manager(kt.DEPT_A2)
UNI_B_ADMIN = kt.university_admin(kt.UNI_B)


@pytest.fixture
def files(app: FastAPI, tmp_path: Path) -> Iterator[Storage]:
    st = FilesystemStorage(tmp_path / "files", "plans")
    app.state.kernel.extras["storage"] = st
    yield st
    app.state.kernel.extras.pop("storage", None)


def upload(client: TestClient, data: bytes, name: str, headers: dict[str, str]) -> dict[str, Any]:
    r = client.post(f"{A}?filename={quote(name)}", content=data, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def attach(client: TestClient, url: str, ids: list[int], headers: dict[str, str], **extra: Any) -> httpx.Response:
    return client.post(url, json={"attachment_ids": ids, **extra}, headers=headers)


def every_path_404(client: TestClient, item: dict[str, Any], owner_url: str, headers: dict[str, str]) -> None:
    for path in (f"{A}/{item['id']}", f"{A}/{item['id']}/content", f"{A}/{item['id']}/thumbnail", owner_url):
        assert client.get(path, headers=headers).status_code == 404, path
    assert client.delete(f"{A}/{item['id']}", headers=headers).status_code in (403, 404)


def test_a_department_manager_reports_progress_with_two_photos(
    client: TestClient, api: Any, app: FastAPI, files: Storage
) -> None:
    _, (task_a1, task_a2) = api.approved_plan()
    milestone = task_a1["milestones"][0]
    photos = [upload(client, samples.png((80 + i, 60)), f"食堂改造{i}.png", MGR_A1) for i in (1, 2)]
    url = f"/api/plans/milestones/{milestone['id']}/attachments"
    r = attach(client, url, [p["id"] for p in photos], MGR_A1)
    assert r.status_code == 200, r.text
    assert [i["name"] for i in r.json()["items"]] == ["食堂改造1.png", "食堂改造2.png"]
    assert all(i["thumbnail_url"] for i in r.json()["items"])
    # the progress report itself (of the task or of a milestone) takes files too
    report = client.post(
        f"/api/plans/tasks/{task_a1['id']}/progress", json={"status": "in_progress", "percent": 40}, headers=MGR_A1
    ).json()
    doc = upload(client, samples.docx(), "进展说明.docx", MGR_A1)
    progress_url = f"/api/plans/progress/{report['id']}/attachments"
    assert attach(client, progress_url, [doc["id"]], MGR_A1).status_code == 200
    # the university reads both; the sibling department and another university get 404 everywhere
    assert len(client.get(url, headers=kt.university_admin()).json()["items"]) == 2
    assert client.get(progress_url, headers=kt.province_admin()).json()["items"][0]["kind"] == "docx"
    thumb = client.get(f"{A}/{photos[0]['id']}/thumbnail", headers=kt.university_admin())
    assert thumb.status_code == 200 and thumb.content[:3] == b"\xff\xd8\xff"
    for outsider in (MGR_A2, UNI_B_ADMIN, kt.department_manager(kt.DEPT_B1, kt.UNI_B)):
        every_path_404(client, photos[0], url, outsider)
        every_path_404(client, doc, progress_url, outsider)
    # staff and experts do not read plans at all
    assert client.get(url, headers=kt.staff()).status_code == 403
    # a manager cannot attach to another department's milestone, nor to a plan
    other = upload(client, samples.pdf(), "x.pdf", MGR_A2)
    a1_milestone = f"/api/plans/milestones/{task_a1['milestones'][1]['id']}/attachments"
    assert attach(client, a1_milestone, [other["id"]], MGR_A2).status_code == 404
    a2_milestone = f"/api/plans/milestones/{task_a2['milestones'][0]['id']}/attachments"
    assert attach(client, a2_milestone, [other["id"]], MGR_A2).status_code == 200
    # deleting a photo (the manager edits their milestone) keeps the row for the retention period
    assert client.delete(f"{A}/{photos[1]['id']}", headers=MGR_A1).status_code == 204
    assert [i["id"] for i in client.get(url, headers=MGR_A1).json()["items"]] == [photos[0]["id"]]


def test_plan_documents_with_their_purpose(client: TestClient, api: Any, app: FastAPI, files: Storage) -> None:
    plan = api.create_plan()
    rules = upload(client, samples.pdf(), "后勤育人实施细则.pdf", kt.university_admin())
    url = f"/api/plans/plans/{plan['id']}/attachments"
    bad = attach(client, url, [rules["id"]], kt.university_admin(), purpose="secret")
    assert bad.status_code == 422 and "rules" in bad.text
    r = attach(client, url, [rules["id"]], kt.university_admin(), purpose="rules")
    assert r.status_code == 200 and r.json()["items"][0]["purpose"] == "rules"
    # a department manager reads the plan's documents but does not change them; another university: 404
    assert client.get(url, headers=MGR_A1).json()["items"][0]["id"] == rules["id"]
    got = client.get(f"{A}/{rules['id']}/content", headers=MGR_A1, params={"disposition": "inline"})
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("inline;")
    assert attach(client, url, [rules["id"]], MGR_A1).status_code == 403
    assert client.delete(f"{A}/{rules['id']}", headers=MGR_A1).status_code == 403
    every_path_404(client, rules, url, UNI_B_ADMIN)
    # another university's own upload cannot be attached to this plan, nor this one to theirs
    theirs = upload(client, samples.pdf(), "b.pdf", UNI_B_ADMIN)
    assert attach(client, url, [theirs["id"]], UNI_B_ADMIN).status_code == 404
    plan_b = api.create_plan(kt.UNI_B)
    b_url = f"/api/plans/plans/{plan_b['id']}/attachments"
    assert attach(client, b_url, [rules["id"]], UNI_B_ADMIN).status_code == 422
    # campus systems: plans:write attaches (but uploads belong to people), plans:read alone only reads
    assert client.get(url, headers=kt.integration(scope="plans:read")).status_code == 200
    assert attach(client, url, [rules["id"]], kt.integration(scope="plans:read")).status_code == 403
    # deleting the draft soft-deletes its files: 404 from then on, the stored object stays
    etag = client.get(f"/api/plans/plans/{plan['id']}", headers=kt.university_admin()).headers["etag"]
    gone = client.delete(f"/api/plans/plans/{plan['id']}", headers={**kt.university_admin(), "If-Match": etag})
    assert gone.status_code == 204, gone.text
    assert client.get(f"{A}/{rules['id']}", headers=kt.university_admin()).status_code == 404
    with app.state.kernel.sessionmaker() as s:
        row = s.scalars(select(Attachment).where(Attachment.id == rules["id"])).one()
    assert row.deleted_at is not None and files.exists(row.sha256)


def test_a_deleted_milestone_takes_its_files_along(client: TestClient, api: Any, app: FastAPI, files: Storage) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], milestones=[("调研", 10)])
    m = task["milestones"][0]
    doc = upload(client, samples.pdf(), "方案.pdf", kt.university_admin())
    assert (
        attach(client, f"/api/plans/milestones/{m['id']}/attachments", [doc["id"]], kt.university_admin()).status_code
        == 200
    )
    etag = client.get(f"/api/plans/milestones/{m['id']}", headers=kt.university_admin()).headers["etag"]
    r = client.delete(f"/api/plans/milestones/{m['id']}", headers={**kt.university_admin(), "If-Match": etag})
    assert r.status_code == 204, r.text
    assert client.get(f"{A}/{doc['id']}", headers=kt.university_admin()).status_code == 404
    with app.state.kernel.sessionmaker() as s:
        row = s.scalars(select(Attachment).where(Attachment.id == doc["id"])).one()
    assert row.deleted_at is not None and row.owner_kind == "milestone" and files.exists(row.sha256)


def test_a_signed_letter_scan(client: TestClient, api: Any, files: Storage) -> None:
    plan, _ = api.approved_plan()
    letter = client.post(
        f"/api/plans/plans/{plan['id']}/letters",
        json={"target": "department", "department_id": kt.DEPT_A1},
        headers=kt.university_admin(),
    )
    assert letter.status_code == 201, letter.text
    lid = letter.json()["id"]
    scan = upload(client, samples.jpeg_with_gps(), "责任书签字页.jpg", kt.university_admin())
    url = f"/api/plans/letters/{lid}/attachments"
    assert attach(client, url, [scan["id"]], MGR_A1).status_code == 403
    assert attach(client, url, [scan["id"]], kt.university_admin()).status_code == 200
    assert client.get(url, headers=MGR_A1).json()["items"][0]["name"] == "责任书签字页.jpg"
    every_path_404(client, scan, url, MGR_A2)
    every_path_404(client, scan, url, UNI_B_ADMIN)


def test_the_s3_backend_through_the_plans_service(client: TestClient, api: Any, app: FastAPI, tmp_path: Path) -> None:
    with samples.s3_server() as url:
        app.state.kernel.extras["storage"] = samples.s3_storage(url, tmp_path / "spool", "plans")
        try:
            plan = api.create_plan()
            data = samples.pdf()
            doc = upload(client, data, "制度.pdf", kt.university_admin())
            attach(
                client,
                f"/api/plans/plans/{plan['id']}/attachments",
                [doc["id"]],
                kt.university_admin(),
                purpose="system",
            )
            r = client.get(f"{A}/{doc['id']}/content", headers=MGR_A1, follow_redirects=False)
            assert r.status_code == 307 and r.headers["location"].startswith(url)
            assert httpx.get(r.headers["location"]).content == data
            assert (
                client.get(f"{A}/{doc['id']}/content", headers=UNI_B_ADMIN, follow_redirects=False).status_code == 404
            )
        finally:
            app.state.kernel.extras.pop("storage", None)
