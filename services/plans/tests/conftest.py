"""Fixtures: the plans app on a fresh, migrated database — SQLite and PostgreSQL — with tokens from the
kernel's test key and the sample org tree (two universities, so every test can use another tenant's record).
``database_url``, ``shared_app``, ``app`` and ``client`` come from the kernel's test plugin
(``sanquan_kernel.testing_plugin``); this file says which service they are of."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from plans.config import Settings
from plans.main import ALEMBIC_INI, create_app
from plans.models import Base
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today as local_today
from sanquan_kernel.testing_plugin import ServiceUnderTest


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    """The plans service for the kernel's test plugin (``database_url``, ``shared_app``, ``app``, ``client``)."""
    return ServiceUnderTest.standard("plans", ALEMBIC_INI, Base.metadata, create_app, Settings)


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
