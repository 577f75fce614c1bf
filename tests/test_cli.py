"""The one command line (``python -m sanquan_kernel.cli``): each service found by its name, from ``--service`` or
``SANQUAN_SERVICE`` (the image's), and its commands run against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from sanquan_kernel.cli import Service, load, parser_for
from sanquan_kernel.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
SERVICES = {
    "gateway": "user_account",
    "plans": "plan",
    "training": "training_record",
    "evaluation": "campaign",
    "hall": "hall_request",
}


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sanquan_kernel.cli", *args],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "SANQUAN_SERVICE"} | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_is_found_by_its_name_and_has_migrate_and_serve(name: str) -> None:
    service = load(name)
    assert isinstance(service, Service) and service.name == name
    assert service.app.endswith(".main:create_app") and service.alembic_ini.is_file()
    parser = parser_for(service)
    assert parser.parse_args(["serve", "--port", "9"]).port == 9
    assert parser.parse_args(["migrate"]).cmd == "migrate"


def test_only_the_gateway_bootstraps_and_creates_administrators() -> None:
    # the gateway's commands: its administrator, and its webhook delivery worker as a process of its own (#18)
    assert load("gateway").bootstrap is not None and set(load("gateway").commands) == {"create-admin", "webhooks"}
    # a service's own commands are its jobs (plans: the reminder jobs of #18; the hall: its promise timers, #20),
    # never an administrator
    own = {"plans": {"run-due-jobs"}, "training": set(), "evaluation": set(), "hall": {"run-due-jobs"}}
    for name, commands in own.items():
        assert load(name).bootstrap is None and set(load(name).commands) == commands


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_migrate_upgrades_the_named_services_database(how: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'training.db'}"
    env = {"TRAINING_DATABASE_URL": url, "DATA_DIR": str(tmp_path)}
    if how == "flag":
        done = cli("--service", "training", "migrate", env=env)
    else:
        done = cli("migrate", env=env | {"SANQUAN_SERVICE": "training"})
    assert done.returncode == 0, done.stderr
    engine = make_engine(url, pool_size=1)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "audit_entry", SERVICES["training"]} <= tables


def test_an_unknown_or_missing_service_is_refused_with_its_reason(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path)}
    unknown = cli("--service", "payroll", "migrate", env=env)
    assert unknown.returncode != 0 and "no service named 'payroll'" in unknown.stderr
    missing = cli("migrate", env=env)
    assert missing.returncode != 0 and "SANQUAN_SERVICE" in missing.stderr
    assert cli("--service", "../plans", "migrate", env=env).returncode != 0
    with pytest.raises(SystemExit):
        load("os.path")


def test_the_gateways_own_commands_run_through_the_one_entrypoint(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    env = {"GATEWAY_DATABASE_URL": url, "DATA_DIR": str(tmp_path), "ADMIN_PASSWORD": "Strong-Pass-2026x"}
    for args in (["migrate"], ["create-admin", "second_admin"]):
        done = cli(*args, env=env | {"SANQUAN_SERVICE": "gateway"})
        assert done.returncode == 0, done.stderr
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT username, role FROM user_account")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("second_admin", "province_admin")]


def test_the_halls_promise_timers_run_through_the_one_entrypoint_as_of_a_given_instant(tmp_path: Path) -> None:
    # #20: the journeys' controlled clock (`run-due-jobs --at`) runs in a process that built no app — escalating a
    # request must still know every table it refers to (its place), not only the ones the timers import
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from hall.models import load_all_models
    from hall.requests.models import HallRequest

    url = f"sqlite:///{tmp_path / 'hall.db'}"
    env = {"HALL_DATABASE_URL": url, "DATA_DIR": str(tmp_path), "SANQUAN_SERVICE": "hall"}
    assert (done := cli("migrate", env=env)).returncode == 0, done.stderr
    load_all_models()
    engine = make_engine(url, pool_size=1)
    due = datetime(2026, 12, 7, 3, tzinfo=UTC)
    try:
        with Session(engine) as s:
            s.add(
                HallRequest(
                    number="BX2026-000001",
                    university_id=1,
                    department_id=2,
                    requester_id=1,
                    requester_kind="student",
                    category="repair_dorm",
                    description="the tap leaks",
                    accept_due_at=due,
                    resolve_due_at=due.replace(day=9),
                    escalate_again_at=due.replace(day=11),
                )
            )
            s.commit()
    finally:
        engine.dispose()
    done = cli("run-due-jobs", "--at", "2026-12-07T03:01:00+00:00", env=env)
    assert done.returncode == 0, done.stderr
    (line,) = [json.loads(x) for x in done.stdout.splitlines() if x.strip()]
    assert line == {
        "job": "hall.promise_timers",
        "ran": True,
        "result": {"accept": 1, "resolve": 0, "university": 0},
        "error": None,
    }
