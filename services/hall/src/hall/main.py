"""create_app(): the service hall's FastAPI application (S1, issue #20)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from hall.config import Settings
from hall.models import load_all_models
from sanquan_kernel import outbox, schedule
from sanquan_kernel.app import create_service_app

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: Settings | None = None, **overrides: Any) -> FastAPI:
    settings = settings or Settings()
    load_all_models()
    from hall.places.router import router as places
    from hall.requests.router import router as requests
    from hall.rules.router import router as rules
    from hall.stats.router import router as stats
    from hall.vocabulary_router import router as vocabulary

    app = create_service_app(
        settings=settings,
        title="Service hall",
        routers=[vocabulary, places, rules, requests, stats],
        alembic_ini=ALEMBIC_INI,
        api_prefix="/api/hall",
        **overrides,
    )
    from hall.attachments.service import ATTACHMENTS

    ATTACHMENTS.install(app)  # photos of requests and answers (F1): /attachments, /requests/{id}/attachments
    outbox.install(app, source="hall")  # events to the gateway: created, answered, closed, escalated
    _install_schedule(app, settings)
    return app


def _install_schedule(app: FastAPI, settings: Settings) -> None:
    """The promise-timer job's schedule thread, started with the app when it syncs with the gateway (not in tests
    that build the app alone: they call ``timers.run_due_jobs`` with a frozen clock)."""
    from hall.models import ScheduledJob
    from hall.requests import timers

    every = timedelta(seconds=settings.escalation_interval_seconds)
    schedule.install(app, ScheduledJob, lambda state: timers.jobs(every=every), poll=settings.schedule_poll_seconds)
