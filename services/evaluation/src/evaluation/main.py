"""create_app(): the evaluation service's FastAPI application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from evaluation.config import Settings
from evaluation.models import load_all_models
from sanquan_kernel import outbox
from sanquan_kernel.app import create_service_app

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: Settings | None = None, **overrides: Any) -> FastAPI:
    settings = settings or Settings()
    load_all_models()
    from evaluation.annual.router import router as annual
    from evaluation.assessment.router import router as assessment
    from evaluation.audit.router import router as audit
    from evaluation.campaigns.router import router as campaigns
    from evaluation.cases.router import router as cases
    from evaluation.events.router import router as events
    from evaluation.nominations.router import router as nominations
    from evaluation.public.router import router as public
    from evaluation.public.router import settings as public_settings
    from evaluation.results.router import router as results
    from evaluation.review.router import router as review

    routers = [campaigns, nominations, review, results, assessment, cases, public_settings, audit, annual, events]
    app = create_service_app(
        settings=settings,
        title="Evaluation service",
        routers=routers,
        alembic_ini=ALEMBIC_INI,
        api_prefix="/api/evaluation",
        **overrides,
    )
    # the public pages (#19): /api/public, reached through the gateway without a token
    app.include_router(public)
    from evaluation.attachments.service import ATTACHMENTS
    from evaluation.cases.service import register_photos
    from evaluation.events.service import register_materials

    register_photos(ATTACHMENTS)  # a typical case's photos: the province uploads and attaches them
    register_materials(ATTACHMENTS)  # an event's materials (#19): its organiser uploads them, its readers read
    ATTACHMENTS.install(app)  # files (#16): /attachments and /nominations/{id}/attachments, and their cleanup
    outbox.install(app, source="evaluation")  # events to the gateway (#18): the relay thread
    return app
