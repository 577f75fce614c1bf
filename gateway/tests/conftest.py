"""Gateway fixtures: the real gateway app on a fresh, migrated database (SQLite and PostgreSQL), a small province
(two universities with departments, an account of every role, a disabled account, an integration client) and
tokens minted with the gateway's own key."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from sanquan_gateway.accounts.models import Client, User
from sanquan_gateway.auth import passwords
from sanquan_gateway.auth.passwords import hash_password
from sanquan_gateway.bootstrap import bootstrap
from sanquan_gateway.config import Settings
from sanquan_gateway.main import ALEMBIC_INI, create_app
from sanquan_gateway.models import Base
from sanquan_gateway.orgs.models import Organisation
from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate

# argon2id with a cheap profile: the tests check behaviour, not the cost of hashing.
passwords.configure_hasher(time_cost=1, memory_cost=1024)
PASSWORD = "Passw0rd-test"
_HASH = hash_password(PASSWORD)  # one argon2 hash for every test account: hashing per test would be slow
CLIENT_SECRET = "integration-secret-0123456789"
_CLIENT_HASH = hash_password(CLIENT_SECRET)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = kt.test_database_url(request.param, "test_gateway", tmp_path_factory.mktemp("db"))
    migrate(ALEMBIC_INI, url)
    yield url
    if request.param == "postgresql":
        kt.drop_postgres_database(str(make_url(url).database))


@dataclass
class World:
    client: TestClient
    app: Any
    ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    integration_client_id: str = ""

    def token(self, name: str) -> str:
        issuer = self.app.state.kernel.extras["issuer"]
        return str(issuer.access_for_user(self.users[name])[0])

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(name)}"}


def _settings(database_url: str, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "database_url": database_url,
        "environment": "test",
        "plans_url": "http://127.0.0.1:9",
        "training_url": "http://127.0.0.1:9",
        "evaluation_url": "http://127.0.0.1:9",
        "login_max_failures_per_account": 3,
        "login_max_failures_per_address": 50,
        "revocation_poll_seconds": 0.2,
        "spa_dir": "/nonexistent",
    }
    base.update(overrides)
    return Settings(**base)


def seed(factory: Any) -> tuple[dict[str, int], dict[str, User], str]:
    with factory.begin() as s:
        province = s.query(Organisation).filter_by(level="province").one()

        def org(
            name: str, level: str, parent: Organisation, code: str | None = None, type_: str | None = None
        ) -> Organisation:
            o = Organisation(name=name, level=level, parent_id=parent.id, code=code, type=type_)
            s.add(o)
            s.flush()
            o.path = f"{parent.path}{o.id}/"
            o.university_id = o.id if level == "university" else parent.university_id
            return o

        uni_a = org("甲大学", "university", province, "4141010001", "undergraduate")
        uni_b = org("乙学院", "university", province, "4141010002", "higher_vocational")
        a1, a2 = org("饮食服务中心", "department", uni_a), org("学生公寓管理中心", "department", uni_a)
        b1 = org("物业中心", "department", uni_b)
        ids = {"province": province.id, "uni_a": uni_a.id, "uni_b": uni_b.id, "a1": a1.id, "a2": a2.id, "b1": b1.id}

        def user(name: str, role: str, o: Organisation, active: bool = True) -> User:
            u = User(
                username=name,
                display_name=name,
                password_hash=_HASH,
                role=role,
                org_id=o.id,
                university_id=o.university_id,
                department_id=o.id if o.level == "department" else None,
                active=active,
            )
            s.add(u)
            return u

        users = {
            "province_admin": user("padmin", "province_admin", province),
            "expert": user("expert_a", "expert", uni_a),
            "uni_a_admin": user("ua_admin", "university_admin", uni_a),
            "uni_b_admin": user("ub_admin", "university_admin", uni_b),
            "mgr_a1": user("mgr_a1", "department_manager", a1),
            "mgr_a2": user("mgr_a2", "department_manager", a2),
            "staff_a1": user("staff_a1", "staff", a1),
            "staff_b1": user("staff_b1", "staff", b1),
            "victim_a1": user("victim_a1", "staff", a1),
            "disabled": user("gone_a1", "staff", a1, active=False),
        }
        s.add(
            Client(
                client_id="c-campus-a",
                name="Campus A HR",
                secret_hash=_CLIENT_HASH,
                role="integration",
                org_id=uni_a.id,
                university_id=uni_a.id,
                scopes="training:read training:write",
            )
        )
        s.flush()
        for u in users.values():
            s.expunge(u)
    return ids, users, "c-campus-a"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One DATA_DIR (signing key, service secrets) for the session: generating an RSA key per test is slow."""
    return tmp_path_factory.mktemp("data")


class _Apps:
    """The gateway apps this pytest process keeps: per database, the one with the default test settings and the
    one with the settings the last overriding test asked for (the tests of a module that overrides them share
    it); building one (routes, the combined OpenAPI, the signing key parsed for python-jose) cost ~0.15-0.25 CPU s
    a test over ~800 tests (docs/decisions.md "Test suite time (#15), stop 27")."""

    def __init__(self) -> None:
        self.default: dict[str, Any] = {}
        self.overridden: dict[str, tuple[str, Any]] = {}

    def get(self, database_url: str, overrides: dict[str, Any]) -> Any:
        if not overrides:
            if database_url not in self.default:
                self.default[database_url] = create_app(_settings(database_url))
            return self.default[database_url]
        key = json.dumps(overrides, sort_keys=True, default=repr)
        kept = self.overridden.get(database_url)
        if kept is not None and kept[0] == key:
            return kept[1]
        if kept is not None:
            kept[1].state.kernel.engine.dispose()
        app = create_app(_settings(database_url, **overrides))
        self.overridden[database_url] = (key, app)
        return app

    def close(self) -> None:
        for app in [*self.default.values(), *(a for _, a in self.overridden.values())]:
            app.state.kernel.engine.dispose()


@pytest.fixture(scope="session")
def _gateway_apps() -> Iterator[_Apps]:
    apps = _Apps()
    yield apps
    apps.close()


def _restartable(app: Any) -> None:
    """Let a kept app's lifespan start its background threads again: the revocation poller and the mail schedule
    end on a stop event that their ``start`` does not clear (a process starts them once)."""
    extras = app.state.kernel.extras
    for t in threading.enumerate():
        if t.name == "revocations":
            t.join(5)
    extras["revocation_poller"]._stop.clear()
    extras["schedule"]._stop.clear()


@pytest.fixture
def world(
    database_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings_overrides: dict[str, Any],
    _gateway_apps: _Apps,
) -> Iterator[World]:
    """A freshly seeded province on ``database_url``, on an app kept by the process (``_Apps``): its tables are
    emptied after each test and its in-memory deny list reloaded from the emptied database before the next; the
    password profile is set again as building the app set it."""
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    app = _gateway_apps.get(database_url, settings_overrides)
    passwords.use_profile(app.state.kernel.settings.password_hash_profile)
    factory = app.state.kernel.sessionmaker
    bootstrap(factory, None, None)
    ids, users, client_id = seed(factory)
    app.state.kernel.extras["revocation_poller"].refresh(force=True)  # nothing left of a previous test's list
    try:
        with TestClient(app) as client:
            yield World(client=client, app=app, ids=ids, users=users, integration_client_id=client_id)
    finally:
        kt.clear_tables(app.state.kernel.engine, Base.metadata)
        app.state.kernel.engine.dispose()
        _restartable(app)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
