"""Responsibility letters as PDF (#16): the same content as the DOCX (both read back and compared), the Chinese
font embedded as a subset, a Chinese file name (RFC 6266), PDF by ``format=pdf`` or ``Accept``, and the same scope
as every other path (another university's letter is 404)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import unquote

import docx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from plans.letters import document
from sanquan_kernel import testing as kt

PDF = "application/pdf"
HEADER = "".join(document.TABLE_HEADER)


@pytest.fixture(autouse=True)
def _chinese_font() -> None:
    """The font comes from Debian (fonts-wqy-zenhei; .ci/run installs it): required in CI, skipped elsewhere."""
    if os.environ.get("PLANS_LETTER_FONT") or any(Path(p).is_file() for p in document.FONT_CANDIDATES):
        return
    if os.environ.get("CI", "").lower() in ("1", "true"):
        pytest.fail("no Chinese font for the PDF letters: apt-get install fonts-wqy-zenhei")
    pytest.skip("no Chinese font for the PDF letters (apt-get install fonts-wqy-zenhei)")


def _letter(client: TestClient, plan_id: int, **body: object) -> dict:
    r = client.post(f"/api/plans/plans/{plan_id}/letters", json=body, headers=kt.university_admin())
    assert r.status_code in (200, 201), r.text
    return r.json()


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of the DOCX, in reading order."""
    parts: list[str] = []
    for item in docx.Document(io.BytesIO(data)).iter_inner_content():
        if isinstance(item, docx.table.Table):
            parts.extend(cell.text for row in item.rows for cell in row.cells)
        else:
            parts.append(item.text)
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """Without white space (line breaks fall elsewhere in a PDF; U+3000 included)."""
    return "".join(text.split())


def embedded_fonts(data: bytes) -> list[tuple[str, str]]:
    """(BaseFont, the descriptor's font file key) of every font the pages use."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                desc = descendant.get_object()["/FontDescriptor"].get_object()
                keys = [k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in desc]
                found.append((str(font["/BaseFont"]), keys[0] if keys else ""))
    return found


def test_the_pdf_says_what_the_docx_says_with_the_chinese_font_embedded(client: TestClient, api) -> None:
    plan = api.create_plan()
    for i in range(14):  # more than a page: the table goes on, its header repeated
        api.add_task(
            plan["id"],
            kt.UNI_A,
            kt.DEPT_A1,
            title=f"文明餐桌行动 第{i + 1}项 Clean Plate",
            description="食堂后厨开放日、光盘行动宣传、学生伙食委员会监督，每学期不少于两次。" * 2,
            expected_outputs="活动记录、照片和总结报告（PDF）",
            milestones=[("启动", 10), ("中期检查", 20)] if i % 3 == 0 else None,
        )
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    url = f"/api/plans/letters/{letter['id']}/document"
    as_docx = client.get(url, headers=kt.university_admin())
    as_pdf = client.get(url, params={"format": "pdf"}, headers=kt.university_admin())
    assert as_docx.status_code == 200 and as_pdf.status_code == 200, as_pdf.text
    assert as_pdf.headers["content-type"] == PDF and as_pdf.content.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(as_pdf.content)).pages) >= 2

    expected, got = squeezed(docx_text(as_docx.content)), squeezed(pdf_text(as_pdf.content))
    assert "文明餐桌行动第14项CleanPlate" in expected and "第2步：中期检查" in expected
    assert expected.count(HEADER) == 1 and got.count(HEADER) >= 2  # repeated on every page of the table
    first, *rest = got.split(HEADER)
    assert first + HEADER + "".join(rest) == expected

    # The font is in the file (a subset: six-letter tag), not left to the reader's machine.
    fonts = embedded_fonts(as_pdf.content)
    assert fonts and all(key in ("/FontFile2", "/FontFile3") for _, key in fonts), fonts
    assert all(re.match(r"/[A-Z]{6}\+", name) for name, _ in fonts), fonts
    assert len(as_pdf.content) < 400_000  # a subset, not the 16 MB font

    # The name in Chinese (RFC 6266 filename*), an ASCII fallback, and the same name as the DOCX but .pdf.
    disposition = as_pdf.headers["content-disposition"]
    star = unquote(disposition.split("filename*=UTF-8''")[1])
    assert star == f"任务责任书-2026-{letter['id']}-v1.pdf"
    assert 'filename="' in disposition and disposition.isascii()
    assert unquote(as_docx.headers["content-disposition"].split("filename*=UTF-8''")[1]) == star[:-3] + "docx"


def test_a_signed_version_reads_the_same_and_accept_asks_for_the_pdf(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1, responsible_user_id=400, responsible_name="赵六")
    letter = _letter(client, plan["id"], target="person", responsible_user_id=400)
    me = kt.staff(400)
    assert client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 1}, headers=me).status_code == 200
    url = f"/api/plans/letters/{letter['id']}/document"
    as_pdf = client.get(url, headers={**me, "Accept": "application/pdf"})
    assert as_pdf.status_code == 200 and as_pdf.headers["content-type"] == PDF
    as_docx = client.get(url, headers={**me, "Accept": "*/*"})
    assert as_docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = squeezed(pdf_text(as_pdf.content))
    assert "签署：" in text and "已在平台确认第1版" in text and "赵六" in text
    assert text == squeezed(docx_text(as_docx.content))


def test_another_universitys_letter_is_404_as_pdf_too(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1)
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    url = f"/api/plans/letters/{letter['id']}/document?format=pdf"
    assert client.get(url, headers=kt.university_admin()).status_code == 200
    for outsider in (kt.university_admin(kt.UNI_B), kt.department_manager(kt.DEPT_A2), kt.staff(402), kt.expert()):
        r = client.get(url, headers=outsider)
        assert r.status_code == 404, r.text
        assert r.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_format_is_a_problem_and_a_missing_font_a_clear_503(
    client: TestClient, api, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1)
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    url = f"/api/plans/letters/{letter['id']}/document"
    r = client.get(url, params={"format": "exe"}, headers=kt.university_admin())
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    monkeypatch.setenv("PLANS_LETTER_FONT", "/nonexistent/font.ttf")
    r = client.get(url, params={"format": "pdf"}, headers=kt.university_admin())
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
    assert "fonts-wqy-zenhei" in r.json()["detail"]
    assert client.get(url, headers=kt.university_admin()).status_code == 200  # the DOCX needs no font


def test_text_users_typed_with_control_characters_and_rare_characters_still_renders() -> None:
    blocks = document.letter_blocks(
        university_name="甲大学\x00\x1b",
        plan_year=2026,
        plan_title="方案\x07 “引号” <tag> & 😀 𠀀",
        holder="张三",
        version=3,
        content_hash="ab" * 32,
        content={
            "tasks": [
                {
                    "category": "culture",
                    "title": "x" * 300,
                    "department_id": 1,
                    "responsible_name": "李四",
                    "due_on": "2026-12-31",
                }
            ]
        },
        department_names={1: "饮食中心"},
        signature=None,
    )
    text = squeezed(pdf_text(document.render_pdf(blocks)))
    assert "甲大学后勤" in text and "\x00" not in text and "x" * 100 in text and "文化育人" in text


def test_a_task_too_long_for_one_page_is_not_cut_and_reads_the_same(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1, title="短任务")
    long_text = "".join(f"第{i}条：食堂后厨开放日与光盘行动宣传。" for i in range(1, 1200))[:20_000]
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1, title="长任务", description=long_text, expected_outputs="总结" * 500)
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1, title="其后的任务")
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    url = f"/api/plans/letters/{letter['id']}/document"
    as_pdf = client.get(url, params={"format": "pdf"}, headers=kt.university_admin())
    assert as_pdf.status_code == 200, as_pdf.text
    as_docx = client.get(url, headers=kt.university_admin())
    expected, got = squeezed(docx_text(as_docx.content)), squeezed(pdf_text(as_pdf.content))
    assert squeezed(long_text[-60:]) in expected and "其后的任务" in expected
    first, *rest = got.split(HEADER)
    assert first + HEADER + "".join(rest) == expected


def test_a_configured_font_without_chinese_is_a_clear_503_not_a_page_of_boxes(
    client: TestClient, api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1)
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    monkeypatch.setenv("PLANS_LETTER_FONT", str(kt.latin_only_font(tmp_path / "latin.ttf")))
    r = client.get(f"/api/plans/letters/{letter['id']}/document?format=pdf", headers=kt.university_admin())
    assert r.status_code == 503 and "has no Chinese characters" in r.json()["detail"], r.text


def test_the_same_letter_is_rendered_once_and_again_when_its_content_changes(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1, responsible_user_id=400, responsible_name="赵六")
    letter = _letter(client, plan["id"], target="person", responsible_user_id=400)
    url = f"/api/plans/letters/{letter['id']}/document?format=pdf"
    me = kt.staff(400)
    first = client.get(url, headers=me)
    hits = document._cached_pdf.cache_info().hits
    again = client.get(url, headers=me)
    assert again.content == first.content and document._cached_pdf.cache_info().hits == hits + 1
    assert client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 1}, headers=me).status_code == 200
    signed = client.get(url, headers=me)
    assert signed.status_code == 200 and "签署：" in squeezed(pdf_text(signed.content))
    assert "签署：" not in squeezed(pdf_text(first.content))
