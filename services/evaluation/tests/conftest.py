"""Fixtures: the evaluation app on a fresh, migrated database — SQLite and PostgreSQL — with tokens from the
kernel's test key and the sample org tree (two universities, so every test can use another tenant's record).
``database_url``, ``shared_app``, ``app`` and ``client`` come from the kernel's test plugin
(``sanquan_kernel.testing_plugin``); this file says which service they are of."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evaluation.config import Settings
from evaluation.main import ALEMBIC_INI, create_app
from evaluation.models import Base
from sanquan_kernel.testing_plugin import ServiceUnderTest


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    """The evaluation service for the kernel's test plugin (``database_url``, ``shared_app``, ``app``,
    ``client``); a module may override ``shared_app`` (tests/test_assessment.py: the service wired to sources)."""
    return ServiceUnderTest.standard("evaluation", ALEMBIC_INI, Base.metadata, create_app, Settings)


sys.path.insert(0, str(Path(__file__).parent))

from evaluation_flow import Flow  # noqa: E402


@pytest.fixture
def flow(client: TestClient) -> Flow:
    return Flow(client)
