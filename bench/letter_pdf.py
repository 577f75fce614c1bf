"""Responsibility letters as PDF beside DOCX (#16): the time and size of one letter of 1, 30 and 100 tasks in each
format, measured side by side (alternating, median of the rounds), and the PDF's cost as a ratio of the DOCX's.
The PDF embeds a subset of the smallest face derived from the font that has every character of the letter
(``sanquan_kernel.pdf``); "PDF full" embeds it from the 16 MB font collection, as letters did before, in the same
rounds. Each PDF is rendered (``render_pdf``), not taken from the service's cache of rendered letters.

    .venv/bin/python bench/letter_pdf.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from plans.letters.document import letter_blocks, letter_font, render_docx, render_pdf


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
    full = letter_font()
    print(f"font: {full}")
    render_pdf(letter_blocks(**letter(1)))  # imports, the derived face and the first font parse out of the figures
    for tasks in (1, 30, 100):
        blocks = letter_blocks(**letter(tasks))
        renderers = {"docx": render_docx, "pdf": render_pdf, "full": lambda b: render_pdf(b, full)}
        times: dict[str, list[float]] = {name: [] for name in renderers}
        sizes = {}
        for _ in range(args.rounds):
            for name, render in renderers.items():
                started = time.perf_counter()
                data = render(blocks)
                times[name].append(time.perf_counter() - started)
                sizes[name] = len(data)
        d, p, f = (statistics.median(times[name]) for name in ("docx", "pdf", "full"))
        print(
            f"{tasks:>3} tasks: DOCX {d * 1000:6.0f} ms {sizes['docx'] / 1024:4.0f} KiB   "
            f"PDF {p * 1000:6.0f} ms {sizes['pdf'] / 1024:4.0f} KiB   PDF full {f * 1000:6.0f} ms "
            f"{sizes['full'] / 1024:4.0f} KiB   PDF/DOCX {p / d:5.2f}x   PDF/PDF full {p / f:4.2f}x"
        )


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
