"""create_app(): the training service's FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sanquan_kernel import outbox
from sanquan_kernel.app import create_service_app
from training.config import Settings
from training.models import load_all_models
from training.records.jobs import ImportWorker

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
log = logging.getLogger("training.main")


def create_app(settings: Settings | None = None, **overrides: Any) -> FastAPI:
    settings = settings or Settings()
    load_all_models()
    from training.compliance.router import router as compliance_router
    from training.courses.router import router as courses_router
    from training.records.router import router as records_router
    from training.self_reports.router import router as self_reports_router
    from training.staff.router import router as staff_router

    app = create_service_app(
        settings=settings,
        title="Training service",
        description="Staff-training ledgers (T1–T4): staff register, records, imports, courses, self-reports, "
        "compliance roll-ups and exports.",
        routers=[staff_router, records_router, compliance_router, self_reports_router, courses_router],
        alembic_ini=ALEMBIC_INI,
        api_prefix="/api/training",
        **overrides,
    )
    from training.attachments.service import ATTACHMENTS

    ATTACHMENTS.install(app)  # files (#16): /attachments and /<owner>/{id}/attachments, and their cleanup
    # The import-job worker lives with the app: it resumes queued jobs at start and stops with the app.
    worker = ImportWorker(app.state.kernel.sessionmaker, max_rows=settings.import_max_rows)
    app.state.kernel.extras["import_worker"] = worker
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        async with kernel_lifespan(a) as state:
            try:
                worker.resume()
            except Exception:  # noqa: BLE001 - a database not migrated yet must not stop the start
                log.warning("could not look for queued import jobs at start")
            yield state
            worker.stop()

    app.router.lifespan_context = lifespan
    outbox.install(app, source="training")  # events to the gateway (#18): the relay thread
    return app
