"""create_app(): the plans service's FastAPI application."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from plans.config import Settings
from plans.models import load_all_models
from sanquan_kernel import outbox, schedule
from sanquan_kernel.app import create_service_app

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"

DESCRIPTION = """Implementation plans (P1–P6): one plan per university per year, its tasks with milestones and
responsible people, responsibility letters, review by the province, progress, funding and work-study posts.

Campus systems use an integration client with `plans:read` (and `plans:write` to edit their university's plan).
Every mutable resource answers an `ETag`; send it back in `If-Match` (a stale one answers 412)."""


def create_app(settings: Settings | None = None, **overrides: Any) -> FastAPI:
    settings = settings or Settings()
    load_all_models()
    from plans.annual.router import router as annual_router
    from plans.letters.router import router as letters_router
    from plans.notices.router import router as notices_router
    from plans.plan.router import router as plan_router
    from plans.reminders.router import router as reminders_router
    from plans.reports.router import router as reports_router
    from plans.resources.router import router as resources_router
    from plans.supervision.router import router as supervision_router
    from plans.tasks.router import router as tasks_router

    # The reports router first: its fixed paths (/overview, /indicators) must not be shadowed.
    routers = [
        reports_router,
        plan_router,
        tasks_router,
        letters_router,
        resources_router,
        notices_router,
        reminders_router,
        supervision_router,
        annual_router,
    ]
    app = create_service_app(
        settings=settings,
        title="Plans service",
        description=DESCRIPTION,
        routers=routers,
        alembic_ini=ALEMBIC_INI,
        api_prefix="/api/plans",
        **overrides,
    )
    from plans.attachments.service import ATTACHMENTS

    _install_schedule(app, settings)
    ATTACHMENTS.install(app)  # files (#16): /attachments and /<owner>/{id}/attachments, and their cleanup
    outbox.install(app, source="plans")  # events to the gateway (#18): the relay thread
    return app


def _install_schedule(app: FastAPI, settings: Settings) -> None:
    """The reminder jobs' schedule thread (issue #18), started with the app when it syncs with the gateway (not in
    tests that build the app alone: they call ``reminders.service.run_due_jobs`` with a frozen clock)."""
    from plans.reminders import service as reminders
    from plans.reminders.models import ScheduledJob

    every = timedelta(seconds=settings.reminder_interval_seconds)
    schedule.install(
        app,
        ScheduledJob,
        lambda state: reminders.jobs(state.orgdir, escalate_after_days=settings.escalate_after_days, every=every),
        poll=settings.schedule_poll_seconds,
    )
