"""The kernel's one way for the plumbing every service shares: the clock, ``require`` and the bound auditor."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Session

from sanquan_kernel import clock
from sanquan_kernel import testing as kt
from sanquan_kernel.app import KernelState
from sanquan_kernel.audit import AuditMixin, Auditor, jsonable, snapshot
from sanquan_kernel.db import make_engine, make_read_sessionmaker, make_sessionmaker, utcnow
from sanquan_kernel.deps import Accounts, Orgs, only, require
from sanquan_kernel.errors import install_problem_handlers
from sanquan_kernel.principal import Principal, Role
from sanquan_kernel.revocation import RevocationList

# -- the clock -----------------------------------------------------------------------------------------


def test_today_is_the_provinces_day_not_the_servers() -> None:
    # 16:30 UTC on 31 December is 00:30 on 1 January in the province (UTC+8, no daylight saving).
    with clock.frozen(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)):
        assert clock.today() == date(2027, 1, 1)
        assert clock.now() == datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
        assert utcnow() == clock.now()  # every timestamp the services store reads the same clock
    with clock.frozen(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)):
        assert clock.today() == date(2026, 12, 31)


def test_a_frozen_clock_runs_again_after_the_block_even_when_it_raises() -> None:
    with pytest.raises(RuntimeError), clock.frozen(date(2020, 2, 29)):
        assert clock.today() == date(2020, 2, 29)
        raise RuntimeError
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_frozen_clock_moves_only_when_told() -> None:
    with clock.frozen(datetime(2026, 3, 1, 0, 0, tzinfo=UTC)):
        clock.advance(timedelta(days=1, hours=16))
        assert clock.today() == date(2026, 3, 3)
        with clock.frozen(date(2030, 1, 1)):
            assert clock.today() == date(2030, 1, 1)
        assert clock.today() == date(2026, 3, 3)  # the outer freeze is back
    with pytest.raises(RuntimeError):
        clock.advance(timedelta(days=1))
    with pytest.raises(ValueError):
        clock.set_now(datetime(2026, 1, 1))  # naive: which zone?


def test_local_date_is_the_provinces_day_of_an_instant() -> None:
    assert clock.local_date(datetime(2026, 6, 30, 16, 0, tzinfo=UTC)) == date(2026, 7, 1)
    assert clock.local_date(datetime(2026, 6, 30, 15, 59)) == date(2026, 6, 30)  # naive means UTC
    assert clock.local_date(None) is None


def test_requests_see_the_frozen_clock(tmp_path: Path) -> None:
    app = _app(tmp_path)
    with TestClient(app) as c, clock.frozen(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)):
        assert c.get("/today").json() == "2027-01-01"  # the request runs in another thread


# -- require -------------------------------------------------------------------------------------------

Editor = Annotated[Principal, require(Role.UNIVERSITY_ADMIN, Role.INTEGRATION, client_scope="plans:write")]
ProvinceOnly = Annotated[Principal, require(Role.PROVINCE_ADMIN)]


def _app(tmp_path: Path) -> FastAPI:
    engine = make_engine(f"sqlite:///{tmp_path}/k.db")
    app = FastAPI()
    app.state.kernel = KernelState(
        settings=None,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        read_sessionmaker=make_read_sessionmaker(engine),
        authenticator=kt.make_authenticator(),
        orgdir=kt.sample_orgdir(),
        revocations=RevocationList(),
        accounts=kt.sample_accounts(),
    )
    install_problem_handlers(app)

    @app.post("/edit")
    async def edit(principal: Editor) -> str:
        return principal.subject

    @app.post("/approve", dependencies=[only(ProvinceOnly)])
    async def approve() -> str:
        return "ok"

    @app.get("/orgs/{org_id}")
    async def org_name(org_id: int, orgs: Orgs) -> str:
        return orgs.name(org_id)

    @app.get("/accounts/{account_id}")
    async def account(account_id: int, accounts: Accounts) -> str | None:
        found = accounts.lookup([account_id]).get(account_id)
        return found.role if found else None

    @app.get("/today")
    def today() -> str:
        return clock.today().isoformat()

    return app


def test_require_judges_people_by_role_and_clients_also_by_scope(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path)) as c:
        assert c.post("/edit", headers=kt.university_admin()).status_code == 200
        assert c.post("/edit", headers=kt.integration(scope="plans:read plans:write")).status_code == 200
        r = c.post("/edit", headers=kt.integration(scope="plans:read"))
        assert r.status_code == 403 and r.json()["detail"] == "The client lacks the scope plans:write"
        assert r.headers["content-type"].startswith("application/problem+json")
        for headers in (kt.province_admin(), kt.department_manager(), kt.staff(), kt.expert(), kt.service()):
            r = c.post("/edit", headers=headers)
            assert r.status_code == 403 and r.json()["detail"] == "Your role may not do this", r.json()
        # the role is judged first: a service client is refused for its role, whatever scopes it holds
        r = c.post("/edit", headers=kt.service(scope="plans:read"))
        assert r.json()["detail"] == "Your role may not do this"
        assert c.post("/edit").status_code == 401


def test_only_checks_a_requirement_on_a_route_that_needs_no_principal(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path)) as c:
        assert c.post("/approve", headers=kt.province_admin()).status_code == 200
        assert c.post("/approve", headers=kt.university_admin()).status_code == 403
    with pytest.raises(TypeError):
        only(Principal)
    with pytest.raises(ValueError):
        require()


def test_orgs_and_accounts_are_the_services_directories(tmp_path: Path) -> None:
    with TestClient(_app(tmp_path)) as c:
        org = kt.sample_orgdir().all()[-1]
        assert c.get(f"/orgs/{org.id}").json() == org.name
        assert c.get("/accounts/502").json() == "expert"
        assert c.get("/accounts/999").json() is None


# -- audit ---------------------------------------------------------------------------------------------


class _Base(DeclarativeBase):
    pass


class _Entry(AuditMixin, _Base):
    __tablename__ = "audit_entry"


class _Colour(enum.StrEnum):
    RED = "red"


class _Row:
    on = date(2026, 5, 1)
    at = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    amount = Decimal("12.50")
    colour = _Colour.RED
    plain: Any = enum.Enum("Plain", "ONE").ONE
    name = "甲"


def test_jsonable_and_snapshot_make_rows_json_ready() -> None:
    assert jsonable(Decimal("1.25")) == 1.25 and jsonable(date(2026, 1, 2)) == "2026-01-02"
    assert snapshot(_Row(), "on", "at", "amount", "colour", "plain", "name") == {
        "on": "2026-05-01",
        "at": "2026-05-01T08:00:00+00:00",
        "amount": 12.5,
        "colour": "red",
        "plain": 1,
        "name": "甲",
    }


@pytest.mark.parametrize("now", [False, True])
def test_a_bound_auditor_writes_the_services_entry_json_ready(now: bool) -> None:
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    audit = Auditor(_Entry)
    principal = Principal("9", Role.UNIVERSITY_ADMIN, org_id=kt.UNI_A, university_id=kt.UNI_A, department_id=None)
    with Session(engine) as session, clock.frozen(datetime(2026, 5, 1, 8, 0, tzinfo=UTC)):
        audit(
            session,
            principal,
            "update",
            "plan",
            7,
            university_id=kt.UNI_A,
            before={"budget": Decimal("1.50"), "due_on": date(2026, 6, 1)},
            after={"status": _Colour.RED},
            now=now,
        )
        session.commit()
        entry = session.scalars(select(_Entry)).one()
    assert (entry.actor, entry.actor_role, entry.action, entry.entity, entry.entity_id) == (
        "9",
        "university_admin",
        "update",
        "plan",
        "7",
    )
    assert entry.before == {"budget": 1.5, "due_on": "2026-06-01"} and entry.after == {"status": "red"}
    assert entry.at == datetime(2026, 5, 1, 8, 0, tzinfo=UTC) and entry.university_id == kt.UNI_A
