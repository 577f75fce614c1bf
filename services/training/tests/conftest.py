"""Fixtures: the training app on a fresh, migrated database — SQLite and PostgreSQL — with tokens from the
kernel's test key and the sample org tree (two universities, so every test can use another tenant's record).
``database_url``, ``shared_app``, ``app`` and ``client`` come from the kernel's test plugin
(``sanquan_kernel.testing_plugin``); this file says which service they are of."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt
from sanquan_kernel.testing_plugin import ServiceUnderTest
from training.config import Settings
from training.main import ALEMBIC_INI, create_app
from training.models import Base


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    """The training service for the kernel's test plugin (``database_url``, ``shared_app``, ``app``, ``client``)."""
    return ServiceUnderTest.standard("training", ALEMBIC_INI, Base.metadata, create_app, Settings, accounts=False)


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
