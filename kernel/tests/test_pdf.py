"""The kernel's Chinese PDFs (sanquan_kernel.pdf), shared by the responsibility letters (plans) and the annual
report (evaluation): the font found and checked, the smallest derived face, the estimated line breaking and the grid
table with its header on every page and a row taller than a page written whole, in reading order."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from sanquan_kernel import pdf as pdf_kit
from sanquan_kernel import testing as kt
from sanquan_kernel.errors import ServiceUnavailable


@pytest.fixture
def font(tmp_path: Path) -> Iterator[Path]:
    installed = [Path(c) for c in pdf_kit.CJK_FONTS if Path(c).is_file()]
    if not installed:
        pytest.skip("no Chinese font installed (apt-get install fonts-wqy-zenhei)")
    pdf_kit.derived_face.cache_clear()
    yield installed[0]
    pdf_kit.derived_face.cache_clear()


def squeezed(data: bytes) -> str:
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_a_missing_font_or_one_without_chinese_is_a_503_naming_the_setting(tmp_path: Path) -> None:
    kw = {"setting": "X_FONT", "code": "x_font_missing", "needed_by": "Tests"}
    with pytest.raises(ServiceUnavailable) as missing:
        pdf_kit.find_font(str(tmp_path / "none.ttf"), **kw, note="; the DOCX is available")
    assert "fonts-wqy-zenhei" in missing.value.detail and missing.value.detail.endswith("the DOCX is available")
    with pytest.raises(ServiceUnavailable) as latin:
        pdf_kit.find_font(str(kt.latin_only_font(tmp_path / "latin.ttf")), **kw)
    assert "has no Chinese characters (X_FONT)" in latin.value.detail


def test_the_smallest_face_with_every_character(font: Path, tmp_path: Path) -> None:
    common = pdf_kit.document_font(font, ["张伟"], str(tmp_path))
    rare = pdf_kit.document_font(font, ["张堃"], str(tmp_path))  # U+5803: not in GB 2312
    assert Path(common).parent == tmp_path and Path(rare).parent == tmp_path and common != rare
    assert pdf_kit.document_font(font, ["한국"], str(tmp_path)) == str(font)  # only the collection has Hangul
    assert pdf_kit.document_font(font, ["张伟"], str(tmp_path / "x" / "\0")) == str(font)  # cannot derive: full


def test_wrap_keeps_a_latin_word_whole_and_breaks_chinese_anywhere() -> None:
    lines = pdf_kit.wrap("起止时间 2026-03-01 至 2026-06-30", 30, 9)  # 30 mm: ~9 CJK characters
    assert "".join(lines) == "起止时间 2026-03-01 至 2026-06-30"
    assert all(("2026-03-01" in ln) == ("03-01" in ln) and ("2026-06-30" in ln) == ("06-30" in ln) for ln in lines)
    assert pdf_kit.wrap("x" * 100, 30, 9)[0] == "x" * 15  # a word longer than the line is cut
    assert len(pdf_kit.wrap("食堂" * 50, 30, 9)) == 12 and pdf_kit.wrap("a\nb", 30, 9) == ["a", "b"]


def test_the_grid_repeats_its_header_and_writes_a_row_taller_than_a_page_in_order(font: Path) -> None:
    header = ("序号", "任务", "责任人")
    long_text = "".join(f"第{i}条：食堂后厨开放日。" for i in range(1, 900))
    short = tuple((str(i), f"任务{i}", "张三") for i in range(40))
    rows = (header, *short, ("40", long_text, "李四"), ("41", "其后", "王五"))
    pdf = pdf_kit.new_document(orientation="portrait", margin=20, creator="test", family="t", font=str(font))
    pdf_kit.grid(pdf, rows, pdf.epw, (10, 60, 20), family="t", size=9, line=5.0, pad=1.0)
    text = squeezed(bytes(pdf.output()))
    head = "".join(header)
    assert text.count(head) >= 2  # on top of the table and of its second page
    body = "".join(text.split(head))
    assert body == "".join("".join(r) for r in rows[1:])
