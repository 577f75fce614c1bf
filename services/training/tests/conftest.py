"""Fixtures: the training app on a fresh, migrated database — SQLite and PostgreSQL — with tokens from the
kernel's test key and the sample org tree (two universities, so every test can use another tenant's record)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate
from training.config import Settings
from training.main import ALEMBIC_INI, create_app
from training.models import Base

_signed = functools.lru_cache(maxsize=None)(kt.token)


@pytest.fixture(autouse=True)
def _reuse_signed_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing a test token costs ~50 ms; the same claims give the same token within this suite."""
    monkeypatch.setattr(kt, "token", _signed)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = kt.test_database_url(request.param, "test_training", tmp_path_factory.mktemp("db"))
    migrate(ALEMBIC_INI, url)
    yield url
    if request.param == "postgresql":
        kt.drop_postgres_database(str(make_url(url).database))


@pytest.fixture(scope="session")
def _shared_app(database_url: str) -> Iterator[FastAPI]:
    """One app per database for the whole suite (building one costs ~0.3 s); tables are emptied after each test."""
    application = create_app(
        Settings(database_url=database_url, environment="test"),
        authenticator=kt.make_authenticator(),
        orgdir=kt.sample_orgdir(),
        start_sync=False,
    )
    yield application
    application.state.kernel.engine.dispose()


@pytest.fixture
def app(_shared_app: FastAPI) -> Iterator[FastAPI]:
    yield _shared_app
    kt.clear_tables(_shared_app.state.kernel.engine, Base.metadata)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


class Api:
    """Small helpers that act through the HTTP API, as the SPA and campus systems do."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def staff(
        self,
        employee_no: str,
        *,
        dept: int = kt.DEPT_A1,
        uni: int = kt.UNI_A,
        name: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: object,
    ) -> dict:
        body = {
            "name": name or f"职工{employee_no}",
            "department_id": dept,
            "position": "厨师",
            "employment_type": "contract",
            "active": True,
            **extra,
        }
        r = self.client.put(
            f"/api/training/staff/by-employee-no/{employee_no}", json=body, headers=headers or kt.university_admin(uni)
        )
        assert r.status_code in (200, 201), r.text
        return r.json()

    def record(
        self,
        staff_id: int,
        hours: float = 8,
        days: float = 1,
        *,
        taken_on: str = "2025-05-01",
        themes: list[str] | None = None,
        headers: dict[str, str] | None = None,
        uni: int = kt.UNI_A,
        expect: int | None = 201,
        **extra: object,
    ) -> dict:
        body = {
            "staff_id": staff_id,
            "title": "安全教育培训",
            "taken_on": taken_on,
            "hours": hours,
            "days": days,
            "themes": ["safety"] if themes is None else themes,
            "organizer_level": "university",
            **extra,
        }
        r = self.client.post("/api/training/records", json=body, headers=headers or kt.university_admin(uni))
        if expect is not None:
            assert r.status_code == expect, r.text
        return r.json()

    def ledger(self, staff_id: int, year: int = 2025, headers: dict[str, str] | None = None) -> dict:
        r = self.client.get(
            f"/api/training/staff/{staff_id}/ledger", params={"year": year}, headers=headers or kt.province_admin()
        )
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)
