"""The province's annual report (#19, Y3) over the benchmark province: 160 universities × 40 tasks × 4 milestones
(~25,600 milestones) in plans on PostgreSQL, served over real HTTP; training's indicators and theme coverage for the
160 universities from a stand-in server (their cost is training's, measured on 1M records by
bench/training_compliance.py); 40 published typical cases in evaluation.

Times ``GET /api/evaluation/annual-report?format=docx`` and ``format=pdf`` at the evaluation service, full stack
(auth, the four source calls over HTTP with the service's token, the tables, the two charts, the document), against
the baseline measured in the same run (the report's cache of rendered documents cleared before each): the source
calls alone (``figures.fetch``, what any report of the province
must read). Target: ≤ 10 s per document.

The PDF is timed twice per run, side by side: with the smaller font derived once
(``sanquan_kernel.pdf.derived_face``, what the service does) and with the full 16 MB font collection (the smaller
font switched off: what it did before); the one-time derivation of the smaller font is timed once, into a fresh
directory.

    .venv/bin/python bench/annual_report.py [--universities 160] [--runs 5]

Needs PostgreSQL at TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); creates and
drops the database ``plans_annual_bench``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "evaluation" / "tests"))
from evaluation_sources import SourceServer
from plans_overview import build_orgdir, generate

from evaluation.annual import figures as fig
from evaluation.annual import report
from evaluation.cases.models import TypicalCase
from evaluation.config import Settings as EvaluationSettings
from evaluation.main import create_app as evaluation_app
from plans.config import Settings as PlansSettings
from plans.main import ALEMBIC_INI as PLANS_ALEMBIC
from plans.main import create_app as plans_app
from sanquan_kernel import pdf as pdf_kit
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today
from sanquan_kernel.migrate import migrate
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.service_client import ServiceClient

TYPES = ("undergraduate", "higher_vocational", "secondary_vocational", "school")
THEMES = ("ideals", "ideology", "ethics", "quality", "law", "safety")
SECRET = "bench-secret"


def typed(orgdir: OrgDirectory) -> OrgDirectory:
    """The benchmark province with its universities of the four school types."""
    orgs, n = [], 0
    for o in sorted(orgdir.all(), key=lambda o: o.id):
        if o.level == "university":
            o = replace(o, type=TYPES[0] if n % 2 == 0 else TYPES[n % 4])
            n += 1
        orgs.append(o)
    return OrgDirectory(orgs)


def gateway() -> FastAPI:
    app = FastAPI()

    @app.post("/api/auth/token")
    def token(grant_type: Annotated[str, Form()], client_id: Annotated[str, Form()]) -> dict[str, Any]:
        scope = "internal:read plans:indicators training:indicators training:read"
        tok = kt.token("service", sub=f"client:{client_id}", scope=scope)
        return {"access_token": tok, "token_type": "bearer", "expires_in": 900, "scope": scope}

    return app


def training(unis: list[int], year: int) -> FastAPI:
    """Training's two answers for the province, as training would send them."""
    app = FastAPI()
    items = [
        {
            "university_id": u,
            "staff_total": 300 + u % 97,
            "compliant": 200 + u % 89,
            "compliance_rate": round((200 + u % 89) / (300 + u % 97), 4),
            "law_coverage": 0.8,
            "hours": 90.0 * 250,
            "days": 12.0 * 250,
        }
        for u in unis
    ]
    themes = [
        {
            "theme": t,
            "label": t,
            "covered": 40000 - 900 * n,
            "coverage": round(0.95 - 0.03 * n, 4),
            "hours": 1.0,
            "days": 1.0,
        }
        for n, t in enumerate(THEMES)
    ]

    @app.get("/api/training/indicators")
    def indicators() -> dict[str, Any]:
        return {"year": year, "rule": {"min_hours": 90, "min_days": 12}, "items": items}

    @app.get("/api/training/reports/themes")
    def report() -> dict[str, Any]:
        return {"year": year, "org_id": None, "staff_total": 50000, "items": themes}

    return app


def summary(s: list[float]) -> str:
    return f"median {statistics.median(s):7.0f} ms  min {min(s):7.0f}  max {max(s):7.0f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--universities", type=int, default=160)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--milestones", type=int, default=4)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    year = today().year
    url = kt.create_postgres_database("plans_annual_bench")
    servers: list[SourceServer] = []
    try:
        migrate(PLANS_ALEMBIC, url)
        orgdir = typed(build_orgdir(args.universities))
        unis = [u.id for u in orgdir.universities(active_only=True)]
        papp = plans_app(
            PlansSettings(database_url=url, environment="test", log_level="WARNING"),
            authenticator=kt.make_authenticator(),
            orgdir=orgdir,
            start_sync=False,
        )
        t = time.perf_counter()
        counts = generate(papp.state.kernel.engine, orgdir, year, args.tasks, args.milestones)
        print(f"plans generated in {time.perf_counter() - t:.1f} s: {counts}")
        servers = [
            SourceServer(papp).start(),
            SourceServer(training(unis, year)).start(),
            SourceServer(gateway()).start(),
        ]
        plans_srv, training_srv, gateway_srv = servers
        with tempfile.TemporaryDirectory() as tmp:
            db = f"sqlite:///{os.path.join(tmp, 'evaluation.db')}"
            from evaluation.main import ALEMBIC_INI as EV_ALEMBIC

            migrate(EV_ALEMBIC, db)
            client = ServiceClient(gateway_srv.url, "svc-evaluation", SECRET, timeout=30)
            settings = EvaluationSettings(
                database_url=db,
                environment="test",
                log_level="WARNING",
                plans_url=plans_srv.url,
                training_url=training_srv.url,
                source_timeout=30,
            )
            eapp = evaluation_app(
                settings, authenticator=kt.make_authenticator(), orgdir=orgdir, service_client=client, start_sync=False
            )
            with eapp.state.kernel.sessionmaker() as s, s.begin():
                for n in range(40):
                    s.add(
                        TypicalCase(
                            title=f"典型案例{n:02d}：食堂里的育人课堂",
                            category="excellent_case" if n % 2 else "outstanding_person",
                            story="后勤员工坚持在服务中育人，" * 60,
                            university_id=unis[n % len(unis)],
                            year=year,
                            published=True,
                        )
                    )
            src = fig.Sources(client, plans_srv.url, training_srv.url, 30)
            h = kt.province_admin()
            with TestClient(eapp) as c:
                r = c.get("/api/evaluation/annual-report", params={"year": year, "format": "docx"}, headers=h)
                assert r.status_code == 200, r.text[:300]
                docx_kb = len(r.content) / 1024
                r = c.get("/api/evaluation/annual-report", params={"year": year, "format": "pdf"}, headers=h)
                assert r.status_code == 200, r.text[:300]
                pdf_kb = len(r.content) / 1024
                from pypdf import PdfReader

                pages = len(PdfReader(io.BytesIO(r.content)).pages)
                font = str(report.report_font(os.environ.get("EVALUATION_REPORT_FONT", "")))
                with tempfile.TemporaryDirectory() as fonts:
                    before = os.environ.get("EVALUATION_FONT_CACHE")
                    os.environ["EVALUATION_FONT_CACHE"] = fonts
                    t = time.perf_counter()
                    assert pdf_kit.derived_face.__wrapped__(font, False, fonts) is not None
                    derive = time.perf_counter() - t
                    if before is None:
                        del os.environ["EVALUATION_FONT_CACHE"]
                    else:
                        os.environ["EVALUATION_FONT_CACHE"] = before
                small_font = pdf_kit.derived_face
                base: list[float] = []
                docx: list[float] = []
                pdf: list[float] = []
                full: list[float] = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    fetched = fig.fetch(src, year, None)
                    base.append((time.perf_counter() - t) * 1000)
                    assert not fetched.errors, fetched.errors
                    for out, fmt in ((docx, "docx"), (pdf, "pdf")):
                        report._cached.cache_clear()  # each run renders (the report caches its documents)
                        t = time.perf_counter()
                        r = c.get("/api/evaluation/annual-report", params={"year": year, "format": fmt}, headers=h)
                        out.append((time.perf_counter() - t) * 1000)
                        assert r.status_code == 200
                    report._cached.cache_clear()
                    setattr(pdf_kit, "derived_face", lambda *a: None)  # noqa: B010 - the full font: before
                    try:
                        t = time.perf_counter()
                        r = c.get("/api/evaluation/annual-report", params={"year": year, "format": "pdf"}, headers=h)
                        full.append((time.perf_counter() - t) * 1000)
                        assert r.status_code == 200
                    finally:
                        setattr(pdf_kit, "derived_face", small_font)  # noqa: B010
            eapp.state.kernel.engine.dispose()
            client.close()
        b = statistics.median(base)
        print(f"{args.universities} universities, {args.runs} runs;", end=" ")
        print(f"DOCX {docx_kb:.0f} kB, PDF {pdf_kb:.0f} kB ({pages} pages)")
        print(f"baseline: the source calls alone   {summary(base)}")
        print(f"annual report DOCX                {summary(docx)}  ratio {statistics.median(docx) / b:5.1f}x")
        print(f"annual report PDF                 {summary(pdf)}  ratio {statistics.median(pdf) / b:5.1f}x")
        print(f"annual report PDF, full font      {summary(full)}  ratio {statistics.median(full) / b:5.1f}x (before)")
        print(f"PDF smaller font / full font: {statistics.median(pdf) / statistics.median(full):.2f}x;", end=" ")
        print(f"deriving the smaller font (once per machine): {derive:.1f} s")
        worst = max(max(docx), max(pdf)) / 1000
        print(f"target ≤ 10 s per document: {'met' if worst <= 10 else 'NOT met'} (worst {worst:.1f} s)")
    finally:
        for srv in servers:
            srv.stop()
        kt.drop_postgres_database("plans_annual_bench")


if __name__ == "__main__":
    main()
