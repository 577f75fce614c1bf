"""The pytest plugin every service's tests start from, registered through the kernel's ``pytest11`` entry point
(``kernel/pyproject.toml``), so it is active wherever the kernel is installed.

A service's ``tests/conftest.py`` says what is its own, in one session fixture::

    @pytest.fixture(scope="session")
    def service_under_test() -> ServiceUnderTest:
        return ServiceUnderTest(
            name="plans", alembic_ini=ALEMBIC_INI, metadata=Base.metadata,
            create_app=lambda url: create_app(
                Settings(database_url=url, environment="test"),
                authenticator=kt.make_authenticator(), orgdir=kt.sample_orgdir(), start_sync=False,
            ),
        )

and its tests get:

- ``database_url`` (SQLite and PostgreSQL): a fresh database migrated to head, one per pytest process
  (the PostgreSQL database is named after the process, so ``pytest -n`` workers never share one), without a flush
  to disk per commit (durability is not under test); PostgreSQL unreachable: skipped, or failed in CI.
- ``shared_app``: the application on that database, built once (building one costs ~0.3 s); a test module may
  override it (other settings, other sources) and still get ``app`` and ``client``.
- ``app``: ``shared_app``, every table emptied after the test; ``client``: a ``TestClient`` on it.
- test tokens signed once per claims and re-used for a few minutes (signing one costs ~50 ms).

Fixtures of a service that does not declare ``service_under_test`` (the gateway, the cross-service tests) are
left alone: the plugin's fixtures are only looked up by tests that ask for them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url

from sanquan_kernel import testing as kt

# -- what a service's conftest declares --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceUnderTest:
    """A service as its tests see it: the name its test databases are named after, its migration tree, its tables
    (emptied after each test) and how to build its application on a database URL."""

    name: str
    alembic_ini: Path
    metadata: MetaData
    create_app: Callable[[str], Any]

    @classmethod
    def standard(
        cls,
        name: str,
        alembic_ini: Path,
        metadata: MetaData,
        create_app: Callable[..., Any],
        settings: Callable[..., Any],
        *,
        accounts: bool = True,
    ) -> ServiceUnderTest:
        """A service as every service's tests build it: its settings in the test environment on the database URL,
        the kernel's test key, the sample org tree (and the sample accounts when the service asks the gateway about
        accounts), no sync with a gateway."""

        def build(url: str) -> Any:
            extra = {"accounts": kt.sample_accounts()} if accounts else {}
            return create_app(
                settings(database_url=url, environment="test"),
                authenticator=kt.make_authenticator(),
                orgdir=kt.sample_orgdir(),
                start_sync=False,
                **extra,
            )

        return cls(name, alembic_ini, metadata, build)


# -- tokens ------------------------------------------------------------------------------------------------------------
#: How long a signed test token is re-used: well inside its 15 minutes, so a long session never sends an expired one.
TOKEN_REUSE_SECONDS = 300.0
_original_token = kt.token
_signed: dict[tuple[Any, ...], tuple[float, str]] = {}


def _reused_token(role: str, **kw: Any) -> str:
    key = (role, *sorted(kw.items()))
    now = time.monotonic()
    hit = _signed.get(key)
    if hit is not None and now - hit[0] < TOKEN_REUSE_SECONDS:
        return hit[1]
    tok = _original_token(role, **kw)
    _signed[key] = (now, tok)
    return tok


@pytest.fixture(autouse=True)
def _reuse_signed_tokens(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a service's tests on its application (those that reach ``service_under_test``), the same claims give the
    same token (the ready-made headers of ``sanquan_kernel.testing`` call ``token``)."""
    if "service_under_test" in request.fixturenames:
        monkeypatch.setattr(kt, "token", _reused_token)


# -- databases and applications --------------------------------------------------------------------------------------
class _Databases:
    """The test databases of one backend, one per service (created and migrated when its tests first ask), and the
    application on each; all dropped at the end of the session. One fixture value holds every service's, because a
    session fixture of a plugin is cached once per parameter, whichever conftest's ``service_under_test`` it saw."""

    def __init__(self, backend: str, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.backend = backend
        self.tmp_path_factory = tmp_path_factory
        self.urls: dict[str, str] = {}
        self.apps: dict[str, Any] = {}

    def url(self, service: ServiceUnderTest) -> str:
        if service.name not in self.urls:
            from sanquan_kernel.migrate import migrate

            tmp = self.tmp_path_factory.mktemp("db")
            url = kt.test_database_url(self.backend, f"test_{service.name}", tmp)
            self.urls[service.name] = url
            migrate(service.alembic_ini, url)
        return self.urls[service.name]

    def app(self, service: ServiceUnderTest) -> Any:
        if service.name not in self.apps:
            self.apps[service.name] = service.create_app(self.url(service))
        return self.apps[service.name]

    def close(self) -> None:
        for application in self.apps.values():
            application.state.kernel.engine.dispose()
        if self.backend == "postgresql":
            for url in self.urls.values():
                kt.drop_postgres_database(str(make_url(url).database))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def _service_databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Databases]:
    dbs = _Databases(request.param, tmp_path_factory)
    yield dbs
    dbs.close()


@pytest.fixture(scope="module")
def database_url(_service_databases: _Databases, service_under_test: ServiceUnderTest) -> str:
    """The service's database on each backend, migrated to head (once per session and pytest process)."""
    return _service_databases.url(service_under_test)


@pytest.fixture(scope="module")
def shared_app(_service_databases: _Databases, service_under_test: ServiceUnderTest) -> Any:
    """The service's application on ``database_url`` (built once per session and backend)."""
    return _service_databases.app(service_under_test)


@pytest.fixture
def app(shared_app: Any, service_under_test: ServiceUnderTest) -> Iterator[Any]:
    """``shared_app``; every table emptied after the test."""
    yield shared_app
    kt.clear_tables(shared_app.state.kernel.engine, service_under_test.metadata)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


# -- pytest-xdist: tests marked ``xdist_group`` share a worker -----------------------------------------------------
# pytest-xdist's ``--dist loadgroup`` names a test's group in its id (``item._nodeid``), which pytest 9 no longer
# reads (ids are ``item._id`` objects): every test was scheduled alone, and a platform that a dozen tests share was
# started on every worker. Here the workers write each grouped test's group to a file that the controller's
# scheduler reads (the same marks, the same scheduling, without touching the ids).
_GROUPS_ENV = "SANQUAN_XDIST_GROUPS"


def pytest_configure(config: pytest.Config) -> None:
    import os
    import tempfile

    if not hasattr(config, "workerinput") and config.getoption("dist", "no") == "loadgroup":
        fd, path = tempfile.mkstemp(prefix="sanquan-xdist-groups-", suffix=".json")
        os.close(fd)
        os.environ[_GROUPS_ENV] = path  # the workers are started after this, with this environment


def pytest_unconfigure(config: pytest.Config) -> None:
    import os

    path = os.environ.get(_GROUPS_ENV)
    if path and not hasattr(config, "workerinput"):
        Path(path).unlink(missing_ok=True)


@pytest.hookimpl(trylast=True)  # after every conftest has marked its tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import json
    import os

    path = os.environ.get(_GROUPS_ENV)
    if not path or not hasattr(config, "workerinput"):
        return
    groups = {}
    for item in items:
        names = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
        )
        if names:
            groups[item.nodeid] = "_".join(names)
    tmp = f"{path}.{os.getpid()}"
    Path(tmp).write_text(json.dumps(groups), encoding="utf-8")
    Path(tmp).replace(path)  # every worker writes the same map: the last one in wins, whole


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own (the first answer is taken)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    import json
    import os

    groups_file = os.environ.get(_GROUPS_ENV)
    if not groups_file or config.getoption("dist", "no") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    source = Path(groups_file)

    class GroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """``loadgroup``: a marked test's scope is its group, every other test is a scope of its own; the largest
        scopes are handed out first (LoadScopeScheduling's order)."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                self.groups = json.loads(source.read_text(encoding="utf-8") or "{}")
            return self.groups.get(nodeid, nodeid)

    return GroupScheduling(config, log)
