"""create_app(): the training service's FastAPI application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sanquan_kernel.app import create_service_app
from training.config import Settings
from training.models import load_all_models

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(settings: Settings | None = None, **overrides: Any) -> FastAPI:
    settings = settings or Settings()
    load_all_models()
    return create_service_app(settings=settings, title="Training service", routers=[], alembic_ini=ALEMBIC_INI,
                              api_prefix="/api/training", **overrides)
