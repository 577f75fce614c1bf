"""Responsibility letters as PDF beside DOCX (#16): the time and size of one letter of 1, 30 and 100 tasks in each
format, measured side by side (alternating, median of the rounds), and the PDF's cost as a ratio of the DOCX's.
The PDF parses the 16 MB font collection and embeds a subset of it each time; the DOCX names a font.

    .venv/bin/python bench/letter_pdf.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from plans.letters.document import letter_font, render_letter


def letter(tasks: int) -> dict[str, Any]:
    return {
        "university_name": "中原理工大学",
        "plan_year": 2026,
        "plan_title": "后勤“三全育人”综合改革实施方案",
        "holder": "饮食服务中心",
        "version": 2,
        "content_hash": "ab" * 32,
        "content": {
            "tasks": [
                {
                    "category": "service",
                    "title": f"文明餐桌行动第{i}项",
                    "description": "食堂后厨开放日、光盘行动宣传、学生伙食委员会监督，每学期不少于两次。",
                    "expected_outputs": "活动记录、照片和总结报告",
                    "department_id": 1,
                    "responsible_name": "张三",
                    "start_on": "2026-03-01",
                    "due_on": "2026-12-31",
                    "milestones": [{"seq": 1, "title": "启动", "due_on": "2026-04-01"}],
                }
                for i in range(1, tasks + 1)
            ]
        },
        "department_names": {1: "饮食服务中心"},
        "signature": None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"font: {letter_font()}")
    render_letter(fmt="pdf", **letter(1))  # imports and first font parse out of the figures
    for tasks in (1, 30, 100):
        kw = letter(tasks)
        times: dict[str, list[float]] = {"docx": [], "pdf": []}
        sizes = {}
        for _ in range(args.rounds):
            for fmt in ("docx", "pdf"):
                started = time.perf_counter()
                data = render_letter(fmt=fmt, **kw)  # type: ignore[arg-type]
                times[fmt].append(time.perf_counter() - started)
                sizes[fmt] = len(data)
        d, p = statistics.median(times["docx"]), statistics.median(times["pdf"])
        print(
            f"{tasks:>3} tasks: DOCX {d * 1000:7.0f} ms {sizes['docx'] / 1024:6.0f} KiB   "
            f"PDF {p * 1000:7.0f} ms {sizes['pdf'] / 1024:6.0f} KiB   PDF/DOCX time {p / d:5.2f}x"
        )


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
