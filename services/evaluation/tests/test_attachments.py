"""A nomination's files (issue #16) through the real endpoints on SQLite and PostgreSQL: the university attaches
them before submission; the experts it is assigned to read them, in a blind campaign without the documents'
author and organisation properties and under a neutral name; another university (and an expert not assigned)
gets 404 on every path; every download is audited."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from evaluation_flow import API, EXPERT_P, PROVINCE, UNI_A_ADMIN, UNI_B_ADMIN, Flow, department_manager
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy import select

from evaluation.models import AuditEntry
from sanquan_kernel import testing as kt
from sanquan_kernel.storage import FilesystemStorage, Storage, samples

A = f"{API}/attachments"
EXPERT_Q = kt.expert(504, None)


@pytest.fixture
def files(app: FastAPI, tmp_path: Path) -> Iterator[Storage]:
    st = FilesystemStorage(tmp_path / "files", "evaluation")
    app.state.kernel.extras["storage"] = st
    yield st
    app.state.kernel.extras.pop("storage", None)


def upload(flow: Flow, data: bytes, name: str, headers: dict[str, str]) -> dict[str, Any]:
    r = flow.c.post(f"{A}?filename={quote(name)}", content=data, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def nominated(flow: Flow, *, blind: bool) -> tuple[int, int]:
    cid = flow.campaign("excellent_case", blind=blind, experts_per_nomination=1)["id"]
    flow.advance_to(cid, "nomination")
    r = flow.nominate(cid, UNI_A_ADMIN, title="食堂育人案例")
    assert r.status_code == 201, r.text
    return cid, int(r.json()["id"])


def to_review(flow: Flow, cid: int, nid: int) -> None:
    r = flow.c.post(f"{API}/nominations/{nid}/submit", headers=UNI_A_ADMIN)
    assert r.status_code == 200, r.text
    flow.panel(cid, [(503, None)])
    flow.advance_to(cid, "review")
    assert flow.assign(cid, nid, 503).status_code in (200, 201)


def test_blind_experts_receive_materials_without_who_wrote_them(flow: Flow, app: FastAPI, files: Storage) -> None:
    cid, nid = nominated(flow, blind=True)
    form = upload(flow, samples.pdf(author="王老师"), "中原理工大学申报书.pdf", UNI_A_ADMIN)
    extra = upload(flow, samples.docx(author="王老师"), "佐证材料.docx", UNI_A_ADMIN)
    url = f"{API}/nominations/{nid}/attachments"
    r = flow.c.post(url, json={"attachment_ids": [form["id"], extra["id"]]}, headers=UNI_A_ADMIN)
    assert r.status_code == 200, r.text
    to_review(flow, cid, nid)
    # the university still reads its own files as uploaded
    own = flow.c.get(f"{A}/{form['id']}/content", headers=UNI_A_ADMIN)
    assert own.status_code == 200 and "王老师" in str(PdfReader(io.BytesIO(own.content)).metadata)
    # the assigned expert: neutral names, no author, no university, in the list, the metadata and the download
    listed = flow.c.get(url, headers=EXPERT_P)
    assert listed.status_code == 200, listed.text
    names = [i["name"] for i in listed.json()["items"]]
    assert names == [f"material-{form['id']}.pdf", f"material-{extra['id']}.docx"]
    assert "中原" not in listed.text and "uploaded_by" not in listed.text and "university" not in listed.text
    assert flow.c.get(f"{A}/{form['id']}", headers=EXPERT_P).json()["name"] == f"material-{form['id']}.pdf"
    pdf = flow.c.get(f"{A}/{form['id']}/content", headers=EXPERT_P, params={"disposition": "inline"})
    assert pdf.status_code == 200 and pdf.headers["content-disposition"].startswith("inline;")
    assert "%E4%B8%AD%E5%8E%9F" not in pdf.headers["content-disposition"]  # 中原
    meta = PdfReader(io.BytesIO(pdf.content)).metadata
    assert not meta or ("王老师" not in str(meta) and "中原" not in str(meta))
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1
    docx = flow.c.get(f"{A}/{extra['id']}/content", headers=EXPERT_P)
    assert docx.status_code == 200 and "王老师".encode() not in docx.content and docx.content[:2] == b"PK"
    # an expert not assigned, and another university, get 404 on every path
    for outsider in (EXPERT_Q, UNI_B_ADMIN):
        for path in (f"{A}/{form['id']}", f"{A}/{form['id']}/content", f"{A}/{form['id']}/thumbnail", url):
            assert flow.c.get(path, headers=outsider).status_code == 404, (path, outsider)
    # every download of nomination materials is in the audit trail
    with app.state.kernel.sessionmaker() as s:
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "attachment.download")).all()
    assert sorted(a.actor_role for a in audited) == ["expert", "expert", "university_admin"]


def test_not_blind_experts_receive_the_file_as_uploaded(flow: Flow, files: Storage) -> None:
    cid, nid = nominated(flow, blind=False)
    form = upload(flow, samples.pdf(author="王老师"), "申报书.pdf", UNI_A_ADMIN)
    flow.c.post(f"{API}/nominations/{nid}/attachments", json={"attachment_ids": [form["id"]]}, headers=UNI_A_ADMIN)
    to_review(flow, cid, nid)
    got = flow.c.get(f"{A}/{form['id']}/content", headers=EXPERT_P)
    assert got.status_code == 200 and "王老师" in str(PdfReader(io.BytesIO(got.content)).metadata)
    assert flow.c.get(f"{A}/{form['id']}", headers=EXPERT_P).json()["name"] == "申报书.pdf"


def test_files_change_only_before_submission_by_the_university(flow: Flow, files: Storage) -> None:
    _, nid = nominated(flow, blind=False)
    url = f"{API}/nominations/{nid}/attachments"
    mine = upload(flow, samples.pdf(), "a.pdf", UNI_A_ADMIN)
    theirs = upload(flow, samples.pdf(), "b.pdf", UNI_B_ADMIN)
    # another university: 404 (cannot see it); the province and experts may not attach (403)
    assert flow.c.post(url, json={"attachment_ids": [theirs["id"]]}, headers=UNI_B_ADMIN).status_code == 404
    assert flow.c.post(url, json={"attachment_ids": [mine["id"]]}, headers=PROVINCE).status_code == 403
    assert flow.c.post(url, json={"attachment_ids": [mine["id"]]}, headers=EXPERT_P).status_code == 403
    assert flow.c.post(url, json={"attachment_ids": [mine["id"]]}, headers=UNI_A_ADMIN).status_code == 200
    assert flow.c.get(url, headers=PROVINCE).json()["items"][0]["id"] == mine["id"]
    assert flow.c.delete(f"{A}/{mine['id']}", headers=UNI_B_ADMIN).status_code == 404
    # a department manager's university-wide nomination is not theirs: 404 (scope); staff may not upload
    assert flow.c.get(url, headers=department_manager(kt.DEPT_A1)).status_code in (403, 404)
    assert flow.c.post(f"{A}?filename=x.pdf", content=samples.pdf(), headers=kt.staff()).status_code == 403
    r = flow.c.post(f"{API}/nominations/{nid}/submit", headers=UNI_A_ADMIN)
    assert r.status_code == 200, r.text
    late = upload(flow, samples.pdf(author="late"), "late.pdf", UNI_A_ADMIN)
    assert flow.c.post(url, json={"attachment_ids": [late["id"]]}, headers=UNI_A_ADMIN).status_code == 409
    assert flow.c.delete(f"{A}/{mine['id']}", headers=UNI_A_ADMIN).status_code == 409
