"""Fixtures: the plans app on a fresh, migrated database — SQLite and PostgreSQL — with tokens from the
kernel's test key and the sample org tree (two universities, so every test can use another tenant's record)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from plans.config import Settings
from plans.main import ALEMBIC_INI, create_app
from plans.models import Base
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today as local_today
from sanquan_kernel.migrate import migrate


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = kt.test_database_url(request.param, "test_plans", tmp_path_factory.mktemp("db"))
    migrate(ALEMBIC_INI, url)
    yield url
    if request.param == "postgresql":
        kt.drop_postgres_database(str(make_url(url).database))


@pytest.fixture(scope="session")
def _app(database_url: str) -> Iterator[FastAPI]:
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
def app(_app: FastAPI) -> Iterator[FastAPI]:
    """One application per database (building it reads the migration tree); every test starts from empty tables."""
    yield _app
    kt.clear_tables(_app.state.kernel.engine, Base.metadata)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


# -- a small vocabulary for the business-rule tests -----------------------------------------------------------
class Api:
    """Thin helpers over the HTTP API so that tests read like the rule they check."""

    def __init__(self, client: TestClient) -> None:
        self.c = client

    def create_plan(self, uni: int = kt.UNI_A, year: int = 2026, **kw: object) -> dict:
        body = {"year": year, "title": f"实施方案 {uni}-{year}", "in_annual_work_plan": True, **kw}
        r = self.c.post("/api/plans/plans", json=body, headers=kt.university_admin(uni))
        assert r.status_code == 201, r.text
        return r.json()

    def add_task(
        self,
        plan_id: int,
        uni: int = kt.UNI_A,
        dept: int = kt.DEPT_A1,
        *,
        due_in: int = 60,
        milestones: list[tuple[str, int]] | None = None,
        **kw: object,
    ) -> dict:
        today = local_today()
        body = {
            "category": "service",
            "title": "食堂育人窗口",
            "department_id": dept,
            "responsible_name": "张三",
            "responsible_user_id": 300 + dept,
            "start_on": str(today - timedelta(days=30)),
            "due_on": str(today + timedelta(days=due_in)),
            "milestones": [{"title": t, "due_on": str(today + timedelta(days=d))} for t, d in (milestones or [])],
            **kw,
        }
        r = self.c.post(f"/api/plans/plans/{plan_id}/tasks", json=body, headers=kt.university_admin(uni))
        assert r.status_code == 201, r.text
        return r.json()

    def submit(self, plan_id: int, uni: int = kt.UNI_A) -> dict:
        r = self.c.post(f"/api/plans/plans/{plan_id}/submit", headers=kt.university_admin(uni))
        assert r.status_code == 200, r.text
        return r.json()

    def approve(self, plan_id: int) -> dict:
        r = self.c.post(f"/api/plans/plans/{plan_id}/approve", headers=kt.province_admin())
        assert r.status_code == 200, r.text
        return r.json()

    def approved_plan(
        self, uni: int = kt.UNI_A, depts: tuple[int, ...] = (kt.DEPT_A1, kt.DEPT_A2), year: int = 2026, **kw: object
    ) -> tuple[dict, list[dict]]:
        """An approved plan with one task (two milestones: one overdue, one due later) per department."""
        plan = self.create_plan(uni, year, **kw)
        tasks = [self.add_task(plan["id"], uni, d, milestones=[("调研", -5), ("总结", 30)]) for d in depts]
        self.submit(plan["id"], uni)
        self.approve(plan["id"])
        return plan, tasks


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


# Signing a test token costs ~50 ms (python-jose parses the PEM each time); the ready-made headers of the kernel
# are pure functions of their arguments, so during this service's tests each one is signed once.
_HEADER_FUNCS = (
    "province_admin",
    "university_admin",
    "department_manager",
    "staff",
    "expert",
    "integration",
    "service",
)
_CACHED = {name: functools.cache(getattr(kt, name)) for name in _HEADER_FUNCS}


@pytest.fixture(autouse=True)
def _cached_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, fn in _CACHED.items():
        monkeypatch.setattr(kt, name, fn)
