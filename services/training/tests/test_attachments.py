"""Files attached to training records, self-reports and courses (issue #16) through the service's real endpoints,
on SQLite and PostgreSQL, with the filesystem backend and the S3 backend (moto's S3 server): streamed upload,
attach, list, download, thumbnail, delete; scope on every path (another university's attachment is 404 like an
unknown one); the hostile files the issue names; audited certificate downloads; retention and orphan cleanup."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from sanquan_kernel import testing as kt
from sanquan_kernel.db import utcnow
from sanquan_kernel.storage import FilesystemStorage, Storage, samples
from training.attachments.models import Attachment
from training.attachments.service import ATTACHMENTS
from training.models import AuditEntry

A = "/api/training/attachments"
SR = "/api/training/self-reports"
BODY = {
    "title": "外出参加食品安全培训",
    "taken_on": "2025-04-10",
    "hours": 6,
    "days": 1,
    "themes": ["safety"],
    "organizer_level": "province",
}


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with samples.s3_server() as url:
        yield url


@pytest.fixture(params=["filesystem", "s3"])
def files(request: pytest.FixtureRequest, app: FastAPI, tmp_path: Path) -> Iterator[Storage]:
    st: Storage
    if request.param == "filesystem":
        st = FilesystemStorage(tmp_path / "files", "training")
    else:
        st = samples.s3_storage(request.getfixturevalue("s3_url"), tmp_path / "spool", "training")
    app.state.kernel.extras["storage"] = st
    yield st
    app.state.kernel.extras.pop("storage", None)


def upload(client: TestClient, data: bytes, name: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
    return client.post(f"{A}?filename={quote(name)}", content=data, headers=headers, **kw)


def streamed(data: bytes, piece: int = 7000) -> Iterator[bytes]:
    for i in range(0, len(data), piece):
        yield data[i : i + piece]


def fetch(client: TestClient, url: str, headers: dict[str, str], **params: str) -> httpx.Response:
    """GET a download; a 307 to a presigned S3 URL is followed (outside the app, like a browser)."""
    r = client.get(url, headers=headers, params=params or None, follow_redirects=False)
    if r.status_code == 307:
        got = httpx.get(r.headers["location"])
        assert got.status_code == 200, got.text
        return got
    return r


def rows(app: FastAPI) -> list[Attachment]:
    with app.state.kernel.sessionmaker() as s:
        return list(s.scalars(select(Attachment).order_by(Attachment.id)))


def pending_report(client: TestClient, api: Any) -> dict[str, Any]:
    api.staff("A1", dept=kt.DEPT_A1, account_id=400)
    r = client.post(SR, json=BODY, headers=kt.staff(400))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_a_staff_member_attaches_a_certificate_to_their_self_report(
    client: TestClient, api: Any, app: FastAPI, files: Storage
) -> None:
    report = pending_report(client, api)
    data = samples.pdf()
    # streamed (chunked, no Content-Length), a Chinese name
    up = client.post(f"{A}?filename={quote('食品安全证书.pdf')}", content=streamed(data), headers=kt.staff(400))
    assert up.status_code == 201, up.text
    item = up.json()
    assert item["name"] == "食品安全证书.pdf" and item["kind"] == "pdf" and item["owner"] is None
    assert item["size"] == len(data) and item["sha256"] == hashlib.sha256(data).hexdigest()
    assert item["content_url"] == f"{A}/{item['id']}/content" and item["thumbnail_url"] is None
    # before it is attached, only the uploader sees it
    for other in (kt.staff(401, kt.DEPT_A2), kt.department_manager(), kt.university_admin(), kt.province_admin()):
        assert client.get(f"{A}/{item['id']}", headers=other).status_code == 404
    assert client.get(f"{A}/{item['id']}", headers=kt.staff(400)).status_code == 200

    attach = client.post(
        f"{SR}/{report['id']}/attachments", json={"attachment_ids": [item["id"]]}, headers=kt.staff(400)
    )
    assert attach.status_code == 200, attach.text
    [listed] = attach.json()["items"]
    assert listed["owner"] == {"kind": "self_report", "id": report["id"]}
    assert "uploaded_by" not in listed and "university_id" not in listed
    # the deciders and the province read it now; another university, another department, an expert do not
    for reader in (kt.staff(400), kt.department_manager(), kt.university_admin(), kt.province_admin()):
        assert client.get(f"{SR}/{report['id']}/attachments", headers=reader).json()["items"][0]["id"] == item["id"]
        got = fetch(client, f"{A}/{item['id']}/content", reader)
        assert got.status_code == 200 and got.content == data
    cd = fetch(client, f"{A}/{item['id']}/content", kt.staff(400)).headers["content-disposition"]
    assert cd.startswith("attachment;") and "filename*=UTF-8''%E9%A3%9F" in cd
    inline = fetch(client, f"{A}/{item['id']}/content", kt.staff(400), disposition="inline")
    assert inline.headers["content-disposition"].startswith("inline;")
    for outsider in (kt.university_admin(kt.UNI_B), kt.department_manager(kt.DEPT_A2), kt.expert(), kt.staff(401)):
        for path in (f"{A}/{item['id']}", f"{A}/{item['id']}/content", f"{A}/{item['id']}/thumbnail"):
            assert client.get(path, headers=outsider).status_code == 404, (path, outsider)
        assert client.get(f"{SR}/{report['id']}/attachments", headers=outsider).status_code == 404
    # personal certificates: every download is audited, with who and which file
    with app.state.kernel.sessionmaker() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.download")).all()
    assert len(audited) >= 6 and {a.entity_id for a in audited} == {str(item["id"])}
    assert any(a.actor == "400" for a in audited) and any(a.actor_role == "department_manager" for a in audited)


def test_attach_rules_own_uploads_own_report_while_pending(
    client: TestClient, api: Any, app: FastAPI, files: Storage
) -> None:
    report = pending_report(client, api)
    api.staff("A2", dept=kt.DEPT_A2, account_id=401)
    mine = upload(client, samples.pdf(), "a.pdf", kt.staff(400)).json()
    theirs = upload(client, samples.docx(), "b.docx", kt.staff(401, kt.DEPT_A2)).json()
    url = f"{SR}/{report['id']}/attachments"
    # someone else's upload (or an unknown id) cannot be attached: 422 naming them, nothing attached
    bad = client.post(url, json={"attachment_ids": [mine["id"], theirs["id"], 987654]}, headers=kt.staff(400))
    assert bad.status_code == 422 and str(theirs["id"]) in bad.text and "987654" in bad.text
    assert client.get(url, headers=kt.staff(400)).json()["items"] == []
    # another staff member's report is not theirs to change (not visible: 404); a manager may not attach (403)
    assert (
        client.post(url, json={"attachment_ids": [theirs["id"]]}, headers=kt.staff(401, kt.DEPT_A2)).status_code == 404
    )
    assert client.post(url, json={"attachment_ids": [mine["id"]]}, headers=kt.department_manager()).status_code == 403
    assert client.post(url, json={"attachment_ids": []}, headers=kt.staff(400)).status_code == 422
    assert (
        client.post(url, json={"attachment_ids": [mine["id"]], "purpose": "x"}, headers=kt.staff(400)).status_code
        == 422
    )
    assert client.post(url, json={"attachment_ids": [mine["id"]]}, headers=kt.staff(400)).status_code == 200
    # attaching it again is harmless; once decided, the report's files no longer change
    assert client.post(url, json={"attachment_ids": [mine["id"]]}, headers=kt.staff(400)).status_code == 200
    approve = client.post(f"{SR}/{report['id']}/approve", headers=kt.department_manager())
    assert approve.status_code == 200, approve.text
    late = upload(client, samples.pdf(author="x"), "late.pdf", kt.staff(400)).json()
    assert client.post(url, json={"attachment_ids": [late["id"]]}, headers=kt.staff(400)).status_code == 409
    assert client.delete(f"{A}/{mine['id']}", headers=kt.staff(400)).status_code == 409
    assert [r.owner_id for r in rows(app)] == [report["id"], None, None]


def test_record_certificates_follow_the_record(client: TestClient, api: Any, app: FastAPI, files: Storage) -> None:
    """Record writers attach; deleting the record soft-deletes its files (404 after), the object stays."""
    staff = api.staff("A1", account_id=400)
    record = api.record(staff["id"])
    other = api.record(api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)["id"], uni=kt.UNI_B)
    photo = upload(client, samples.jpeg_with_gps(), "现场.jpg", kt.department_manager()).json()
    assert photo["kind"] == "jpeg" and photo["thumbnail_url"] == f"{A}/{photo['id']}/thumbnail"
    url = f"/api/training/records/{record['id']}/attachments"
    # the staff member may read their record but not change its files; another university's record is 404
    assert client.post(url, json={"attachment_ids": [photo["id"]]}, headers=kt.staff(400)).status_code == 403
    other_url = f"/api/training/records/{other['id']}/attachments"
    assert (
        client.post(other_url, json={"attachment_ids": [photo["id"]]}, headers=kt.department_manager()).status_code
        == 404
    )
    assert client.post(url, json={"attachment_ids": [photo["id"]]}, headers=kt.department_manager()).status_code == 200
    assert client.get(url, headers=kt.staff(400)).json()["items"][0]["id"] == photo["id"]
    # the photo was cleaned: no GPS, no author left in what is served
    body = fetch(client, f"{A}/{photo['id']}/content", kt.staff(400)).content
    assert b"GPS" not in body and "张三".encode() not in body and body[:3] == b"\xff\xd8\xff"
    thumb = client.get(f"{A}/{photo['id']}/thumbnail", headers=kt.staff(400))
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    # another university's admin: 404 on every path, and no delete
    for method, path in (
        ("GET", f"{A}/{photo['id']}"),
        ("GET", f"{A}/{photo['id']}/content"),
        ("DELETE", f"{A}/{photo['id']}"),
    ):
        assert client.request(method, path, headers=kt.university_admin(kt.UNI_B)).status_code == 404
    etag = client.get(f"/api/training/records/{record['id']}", headers=kt.university_admin()).headers["etag"]
    gone = client.delete(f"/api/training/records/{record['id']}", headers={**kt.university_admin(), "If-Match": etag})
    assert gone.status_code == 204
    assert client.get(f"{A}/{photo['id']}", headers=kt.university_admin()).status_code == 404
    [row] = rows(app)
    assert row.deleted_at is not None and row.owner_id == record["id"]
    assert files.exists(row.sha256)  # kept for the retention period


def test_delete_detaches_and_keeps_the_object_until_retention_ends(
    client: TestClient, api: Any, app: FastAPI, files: Storage
) -> None:
    report = pending_report(client, api)
    item = upload(client, samples.pdf(), "a.pdf", kt.staff(400)).json()
    client.post(f"{SR}/{report['id']}/attachments", json={"attachment_ids": [item["id"]]}, headers=kt.staff(400))
    assert client.delete(f"{A}/{item['id']}", headers=kt.department_manager()).status_code == 403
    assert client.delete(f"{A}/{item['id']}", headers=kt.staff(401, kt.DEPT_A2)).status_code == 404
    assert client.get(f"{A}/{item['id']}", headers=kt.staff(400)).headers["etag"] == 'W/"1"'
    stale = client.delete(f"{A}/{item['id']}", headers={**kt.staff(400), "If-Match": 'W/"9"'})
    assert stale.status_code == 412
    assert client.delete(f"{A}/{item['id']}", headers={**kt.staff(400), "If-Match": 'W/"1"'}).status_code == 204
    assert client.get(f"{A}/{item['id']}", headers=kt.staff(400)).status_code == 404
    assert client.get(f"{SR}/{report['id']}/attachments", headers=kt.staff(400)).json()["items"] == []
    orphan = upload(client, samples.png(), "p.png", kt.staff(400)).json()
    with app.state.kernel.sessionmaker() as s:
        ATTACHMENTS.sweep(s, files, retention=timedelta(days=30))  # nothing is old enough yet
    assert len(rows(app)) == 2 and files.exists(item["sha256"]) and files.exists(orphan["sha256"])
    with app.state.kernel.sessionmaker() as s:  # a day later the orphan goes; the deleted one stays 30 days
        ATTACHMENTS.sweep(s, files, retention=timedelta(days=30), now=utcnow() + timedelta(days=2))
    assert [r.id for r in rows(app)] == [item["id"]] and files.exists(item["sha256"])
    assert not files.exists(orphan["sha256"])
    with app.state.kernel.sessionmaker() as s:
        ATTACHMENTS.sweep(s, files, retention=timedelta(days=30), now=utcnow() + timedelta(days=31))
    assert rows(app) == [] and not files.exists(item["sha256"])


def test_course_attendance_sheets_by_the_organiser(client: TestClient, app: FastAPI, files: Storage) -> None:
    body = {
        "title": "消防培训",
        "themes": ["safety"],
        "starts_on": "2025-09-01",
        "ends_on": "2025-09-02",
        "hours": 8,
        "days": 1,
    }
    course = client.post("/api/training/courses", json=body, headers=kt.university_admin()).json()
    sheet = upload(client, samples.pdf(), "签到表.pdf", kt.department_manager()).json()
    url = f"/api/training/courses/{course['id']}/attachments"
    # a department manager sees the university's course but does not organise it
    assert client.post(url, json={"attachment_ids": [sheet["id"]]}, headers=kt.department_manager()).status_code == 403
    mine = upload(client, samples.pdf(), "签到表.pdf", kt.university_admin()).json()
    assert client.post(url, json={"attachment_ids": [mine["id"]]}, headers=kt.university_admin()).status_code == 200
    assert client.get(url, headers=kt.department_manager()).json()["items"][0]["name"] == "签到表.pdf"
    assert client.get(url, headers=kt.university_admin(kt.UNI_B)).status_code == 404
    # a course's sheets are not personal certificates: not audited
    fetch(client, f"{A}/{mine['id']}/content", kt.department_manager())
    with app.state.kernel.sessionmaker() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.download")).all() == []


HOSTILE = [
    ("renamed program", samples.exe(), "证书.pdf", 415, "file_type_not_accepted"),
    ("polyglot", samples.polyglot(), "a.pdf", 415, "polyglot"),
    ("zero bytes", b"", "empty.pdf", 422, "file_empty"),
    ("PNG bomb", samples.png_bomb(), "bomb.png", 413, None),
    ("PDF with JavaScript", samples.pdf(js=True), "js.pdf", 422, None),
    ("HTML", b"<html><script>alert(1)</script></html>", "a.pdf", 415, "file_type_not_accepted"),
]


@pytest.mark.parametrize(("what", "data", "name", "status", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_and_leave_nothing(
    client: TestClient, app: FastAPI, files: Storage, what: str, data: bytes, name: str, status: int, code: str | None
) -> None:
    r = upload(client, data, name, kt.staff(400))
    assert r.status_code == status, (what, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    if code:
        assert r.json()["code"] == code
    assert rows(app) == []
    assert not any(files.spool_dir.glob("*")) if files.spool_dir.exists() else True
    if isinstance(files, FilesystemStorage):
        assert not [p for p in files.root.rglob("*") if p.is_file()]


def test_declared_sizes_are_held_to(client: TestClient, app: FastAPI, files: Storage) -> None:
    """2 GB declared with 10 bytes sent: refused at once, naming the limit; fewer bytes than declared: 422."""
    big = upload(client, b"%PDF-1.4\n%", "big.pdf", {**kt.staff(400), "Content-Length": str(2 * 1024**3)})
    assert big.status_code == 413 and "67108864" in big.json()["detail"]  # the request body limit, at once
    over = upload(client, b"%PDF-1.4\n%", "big.pdf", {**kt.staff(400), "Content-Length": str(60 * 1024**2)})
    assert over.status_code == 413 and over.json()["limit"] == 50 * 1024**2 and "50 MB" in over.json()["detail"]
    short = upload(client, samples.pdf(), "short.pdf", {**kt.staff(400), "Content-Length": "999999"})
    assert short.status_code in (413, 422), short.text
    assert rows(app) == []


def test_names_are_made_safe(client: TestClient, files: Storage) -> None:
    r = upload(client, samples.pdf(), "../../etc/pa\"ss\r\nX-Evil: 1'.exe", kt.staff(400))
    assert r.status_code == 201, r.text
    name = r.json()["name"]
    assert "/" not in name and "\r" not in name and "\n" not in name and '"' not in name and name.endswith(".pdf")
    cd = fetch(client, r.json()["content_url"], kt.staff(400)).headers["content-disposition"]
    assert "\r" not in cd and "\n" not in cd and cd.count('"') == 2


def test_who_may_upload(client: TestClient, files: Storage) -> None:
    assert upload(client, samples.pdf(), "a.pdf", {}).status_code == 401
    assert upload(client, samples.pdf(), "a.pdf", kt.expert()).status_code == 403
    assert upload(client, samples.pdf(), "a.pdf", kt.integration()).status_code == 403  # no account to own it


def test_downloads_on_s3_are_presigned_redirects(
    client: TestClient, api: Any, s3_url: str, app: FastAPI, tmp_path: Path
) -> None:
    app.state.kernel.extras["storage"] = samples.s3_storage(s3_url, tmp_path / "spool", "training")
    try:
        item = upload(client, samples.pdf(), "a.pdf", kt.staff(400)).json()
        r = client.get(item["content_url"], headers=kt.staff(400), follow_redirects=False)
        assert r.status_code == 307 and r.headers["location"].startswith(s3_url)
        assert "X-Amz-Signature" in r.headers["location"]
    finally:
        app.state.kernel.extras.pop("storage", None)


def test_accel_redirect_hands_filesystem_downloads_to_nginx(client: TestClient, app: FastAPI, tmp_path: Path) -> None:
    app.state.kernel.extras["storage"] = FilesystemStorage(tmp_path / "files", "training", accel_prefix="/_files/")
    try:
        item = upload(client, samples.pdf(), "a.pdf", kt.staff(400)).json()
        r = client.get(item["content_url"], headers=kt.staff(400))
        sha = item["sha256"]
        assert r.headers["x-accel-redirect"] == f"/_files/training/{sha[:2]}/{sha[2:4]}/{sha}"
        assert r.content == b""
    finally:
        app.state.kernel.extras.pop("storage", None)


def test_the_service_sweeps_orphans_on_its_own_schedule(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cleanup runs in the service's lifespan every STORAGE_CLEANUP_INTERVAL seconds: an upload never
    attached, older than a day, goes (row and object) without anyone calling it; an attached one stays."""
    import os
    import time
    from datetime import UTC, datetime

    from training.config import Settings
    from training.main import create_app

    monkeypatch.setenv("STORAGE_CLEANUP_INTERVAL", "0.3")
    app = create_app(
        Settings(database_url=database_url, environment="test"),
        authenticator=kt.make_authenticator(),
        orgdir=kt.sample_orgdir(),
        start_sync=False,
    )
    st = FilesystemStorage(tmp_path / "files", "training")
    app.state.kernel.extras["storage"] = st
    old = utcnow() - timedelta(days=2)
    try:
        orphan, kept = (st.put(iter([data]), limit=100) for data in (b"never attached", b"attached"))
        for blob in (orphan, kept):
            then = (datetime.now(UTC) - timedelta(days=2)).timestamp()
            os.utime(st.path(blob.sha256), (then, then))
        with app.state.kernel.sessionmaker() as s:
            for blob, owner in ((orphan, None), (kept, 7)):
                s.add(
                    Attachment(
                        sha256=blob.sha256,
                        size=blob.size,
                        media_type="application/pdf",
                        original_name="x.pdf",
                        owner_kind="record" if owner else None,
                        owner_id=owner,
                        uploaded_by=400,
                        created_at=old,
                    )
                )
            s.commit()
        with TestClient(app):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(rows(app)) > 1:
                time.sleep(0.1)
        assert [r.sha256 for r in rows(app)] == [kept.sha256]
        assert not st.exists(orphan.sha256) and st.exists(kept.sha256)
    finally:
        kt.clear_tables(app.state.kernel.engine, Attachment.metadata)
        app.state.kernel.engine.dispose()
