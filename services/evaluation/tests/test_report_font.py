"""The annual report's PDF font (#19): the smallest derived face that has every character of the document, the full
font collection beyond it, and the same words in the PDF whichever it is."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from evaluation.annual import report
from evaluation.annual.report import Block
from sanquan_kernel import pdf as pdf_kit


@pytest.fixture
def fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    if not any(Path(c).is_file() for c in report.FONT_CANDIDATES):
        pytest.skip("no Chinese font installed")
    monkeypatch.setenv("EVALUATION_FONT_CACHE", str(tmp_path))
    monkeypatch.delenv("EVALUATION_REPORT_FONT", raising=False)
    pdf_kit.derived_face.cache_clear()
    yield tmp_path
    pdf_kit.derived_face.cache_clear()


def _doc(extra: str) -> list[Block]:
    rows = (("高校", "培训达标率"), (f"第一大学{extra}", "85.0%"))
    story = Block("bullet", f"典型案例：{extra}的故事")
    return [Block("title", "全省三全育人年度报告"), Block("table", rows=rows), story]


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_smallest_face_that_has_every_character(fonts: Path) -> None:
    full = str(report.report_font())
    common = report.pdf_font(_doc("张伟"))
    rare = report.pdf_font(_doc("张堃"))  # U+5803: not in GB 2312, in the basic CJK block
    rarer = report.pdf_font(_doc("한국"))  # Hangul: only the collection has it
    assert Path(common).parent == fonts and Path(rare).parent == fonts
    assert common != rare and rarer == full
    assert Path(common).stat().st_size < Path(rare).stat().st_size < Path(full).stat().st_size
    for extra in ("张伟", "张堃", "한국"):
        text = _text(report.render_pdf(_doc(extra)))
        assert "全省三全育人年度报告" in text and f"第一大学{extra}" in text and "85.0%" in text


def test_a_derived_face_is_reused_by_the_next_process(fonts: Path) -> None:
    first = report.pdf_font(_doc("张伟"))
    stamp = Path(first).stat().st_mtime_ns
    pdf_kit.derived_face.cache_clear()  # as a new process
    assert report.pdf_font(_doc("张伟")) == first
    assert Path(first).stat().st_mtime_ns == stamp


def test_without_a_derived_face_the_full_font(fonts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALUATION_FONT_CACHE", str(fonts / "a-file"))
    (fonts / "a-file").write_text("not a directory")
    assert report.pdf_font(_doc("张伟")) == str(report.report_font())
    assert "第一大学张伟" in _text(report.render_pdf(_doc("张伟")))
