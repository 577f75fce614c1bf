"""Fixtures: the evaluation app on a fresh, migrated database — SQLite and PostgreSQL — with tokens from the
kernel's test key and the sample org tree (two universities, so every test can use another tenant's record)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from evaluation.config import Settings
from evaluation.main import ALEMBIC_INI, create_app
from evaluation.models import Base
from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = kt.test_database_url(request.param, "test_evaluation", tmp_path_factory.mktemp("db"))
    if request.param == "postgresql":
        # Durability is not under test: without a flush to disk per commit the suite runs in half the time.
        url = (
            make_url(url)
            .update_query_dict({"options": "-c synchronous_commit=off"})
            .render_as_string(hide_password=False)
        )
    migrate(ALEMBIC_INI, url)
    yield url
    if request.param == "postgresql":
        kt.drop_postgres_database(str(make_url(url).database))


@pytest.fixture(scope="session")
def shared_app(database_url: str) -> Iterator[FastAPI]:
    """One application per database for the whole session (building one costs ~0.3 s); tests start clean."""
    application = create_app(
        Settings(database_url=database_url, environment="test"),
        authenticator=kt.make_authenticator(),
        orgdir=kt.sample_orgdir(),
        accounts=kt.sample_accounts(),
        start_sync=False,
    )
    yield application
    application.state.kernel.engine.dispose()


@pytest.fixture
def app(shared_app: FastAPI) -> Iterator[FastAPI]:
    yield shared_app
    kt.clear_tables(shared_app.state.kernel.engine, Base.metadata)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


sys.path.insert(0, str(Path(__file__).parent))

from evaluation_flow import Flow  # noqa: E402


@pytest.fixture
def flow(client: TestClient) -> Flow:
    return Flow(client)
