"""The shared kernel: scope, token hardening, the request session, problem details and middleware."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated, Any

import anyio
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Integer, String, create_engine, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from sanquan_kernel import testing as kt
from sanquan_kernel.app import KernelState
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep, _request_session, make_engine, make_read_sessionmaker, make_sessionmaker
from sanquan_kernel.errors import Conflict, install_problem_handlers
from sanquan_kernel.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.principal import Principal, Role, Scope, ScopeKind, scope_for
from sanquan_kernel.revocation import RevocationList
from sanquan_kernel.tokens import SigningKey, TokenError, issue_access_token, verify_access_token


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "thing"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    university_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(Integer)


class ThingIn(BaseModel):
    name: str


class ThingOut(BaseModel):
    id: int
    name: str


def _principal(role: str, **kw: Any) -> Principal:
    return Principal(
        subject=str(kw.pop("sub", 7)),
        role=Role(role),
        org_id=kw.get("org_id"),
        university_id=kw.get("university_id"),
        department_id=kw.get("department_id"),
    )


# -- scope ----------------------------------------------------------------------------------------------------
def test_scope_for_each_role() -> None:
    assert scope_for(_principal("province_admin")).kind is ScopeKind.ALL
    assert scope_for(_principal("university_admin", university_id=10)) == scope_for(
        _principal("integration", university_id=10)
    )
    s = scope_for(_principal("department_manager", university_id=10, department_id=11))
    assert (s.kind, s.university_id, s.department_id) == (ScopeKind.DEPARTMENT, 10, 11)
    assert scope_for(_principal("staff", sub=42, university_id=10, department_id=11)).user_id == 42
    assert scope_for(_principal("expert", sub=5)).kind is ScopeKind.ASSIGNED


def test_a_principal_missing_its_organisation_sees_nothing() -> None:
    assert scope_for(_principal("university_admin")).kind is ScopeKind.NONE
    assert scope_for(_principal("department_manager", university_id=10)).kind is ScopeKind.NONE


def test_scope_cannot_be_built_outside_scope_for() -> None:
    with pytest.raises(TypeError):
        Scope(ScopeKind.ALL)


def test_scope_where_filters_rows_and_denies_what_a_table_cannot_express(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/s.db")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all(
            [
                Thing(name="a1", university_id=10, department_id=11, owner_id=1),
                Thing(name="a2", university_id=10, department_id=12, owner_id=2),
                Thing(name="b1", university_id=20, department_id=21, owner_id=3),
                # another university's row naming account 1 (its admin wrote the account id) is not account 1's
                Thing(name="b2", university_id=20, department_id=21, owner_id=1),
            ]
        )
        s.commit()

        def names(scope: Scope, **cols: Any) -> set[str]:
            return set(s.scalars(select(Thing.name).where(scope.where(**cols))))

        cols = {"university": Thing.university_id, "department": Thing.department_id, "owner": Thing.owner_id}
        assert names(scope_for(_principal("province_admin")), **cols) == {"a1", "a2", "b1", "b2"}
        assert names(scope_for(_principal("university_admin", university_id=10)), **cols) == {"a1", "a2"}
        assert names(scope_for(_principal("department_manager", university_id=10, department_id=12)), **cols) == {"a2"}
        assert names(scope_for(_principal("staff", sub=1, university_id=10, department_id=11)), **cols) == {"a1"}
        # a table without an owner column shows a staff member nothing; an unknown role nothing at all
        assert (
            names(
                scope_for(_principal("staff", sub=1, university_id=10, department_id=11)),
                university=Thing.university_id,
            )
            == set()
        )
        assert names(scope_for(_principal("expert", sub=1)), **cols) == set()
        # a service-hall student (subject hall:<id>) sees only rows whose requester is them, in their university,
        # and nothing in a table without a requester column (every staff table), even one with an owner column
        student = scope_for(_principal("student", sub="hall:1", university_id=10))
        assert (student.kind, student.user_id) == (ScopeKind.REQUESTER, 1)
        assert names(student, university=Thing.university_id, requester=Thing.owner_id) == {"a1"}
        assert names(student, **cols) == set()
        assert (
            names(
                scope_for(_principal("staff", sub=1, university_id=10, department_id=11)),
                requester=Thing.owner_id,
                university=Thing.university_id,
            )
            == set()
        )


def test_a_hall_user_without_a_hall_subject_sees_nothing() -> None:
    # a staff account id as a student's subject (a token minted wrongly) is not a hall identity
    assert scope_for(_principal("student", sub=1, university_id=10)).kind is ScopeKind.NONE
    assert scope_for(_principal("teacher", sub="hall:3")).kind is ScopeKind.NONE
    assert _principal("teacher", sub="hall:3").requester_id == 3
    assert _principal("staff", sub="hall:3").requester_id is None


# -- tokens ---------------------------------------------------------------------------------------------------
def _lookup(key: SigningKey) -> Any:
    return lambda kid: key.public_jwk if kid == key.kid else None


def test_tokens_verify_and_refuse_tampering() -> None:
    key = SigningKey.generate()
    tok, _claims = issue_access_token(
        key, issuer="i", audience="a", subject="1", ttl_seconds=60, claims={"role": "staff"}
    )
    assert verify_access_token(tok, _lookup(key), issuer="i", audience="a")["sub"] == "1"
    for bad in (tok + "x", tok.replace(".", "..", 1), "a.b.c", ""):
        with pytest.raises(TokenError):
            verify_access_token(bad, _lookup(key), issuer="i", audience="a")
    with pytest.raises(TokenError):
        verify_access_token(tok, _lookup(key), issuer="i", audience="other")
    expired, _ = issue_access_token(
        key, issuer="i", audience="a", subject="1", ttl_seconds=1, claims={"role": "staff"}, now=time.time() - 100
    )
    with pytest.raises(TokenError):
        verify_access_token(expired, _lookup(key), issuer="i", audience="a")


def test_a_private_key_in_the_key_set_is_never_used_to_verify() -> None:
    key = SigningKey.generate()
    tok, _ = issue_access_token(key, issuer="i", audience="a", subject="1", ttl_seconds=60, claims={})
    with pytest.raises(TokenError):
        verify_access_token(tok, lambda kid: {**key.public_jwk, "d": "secret"}, issuer="i", audience="a")
    with pytest.raises(TokenError):
        verify_access_token(tok, lambda kid: {"kty": "oct", "k": "c2VjcmV0"}, issuer="i", audience="a")


def test_revoked_subjects_and_token_ids() -> None:
    rl = RevocationList()
    rl.replace([{"subject": "5", "revoked_before": 1000}, {"jti": "abc"}])
    assert rl.is_revoked("5", "x", 999) and rl.is_revoked("5", "x", 1000)
    assert not rl.is_revoked("5", "x", 1001)
    assert rl.is_revoked("6", "abc", 5000) and not rl.is_revoked("6", "abd", 5000)


# -- the request session ----------------------------------------------------------------------------------------
def _state(engine: Any) -> KernelState:
    return KernelState(
        settings=None,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        read_sessionmaker=make_read_sessionmaker(engine),
        authenticator=kt.make_authenticator(),
        orgdir=OrgDirectory(),
        revocations=RevocationList(),
    )


def _app(tmp_path: Path, max_body: int = 1024) -> tuple[FastAPI, Any]:
    engine = make_engine(f"sqlite:///{tmp_path}/k.db")
    Base.metadata.create_all(engine)
    app = FastAPI()
    app.state.kernel = _state(engine)
    install_problem_handlers(app)

    @app.post("/things/{name}", status_code=201, response_model=ThingOut)
    def create(name: str, session: SessionDep) -> ThingOut:
        if session.scalar(select(Thing).where(Thing.name == name)):
            raise Conflict("exists")
        t = Thing(name=name)
        session.add(t)
        session.flush()
        if name.startswith("boom"):
            raise RuntimeError("after the insert")
        return ThingOut(id=t.id, name=t.name)

    @app.post("/things", status_code=201, response_model=ThingOut)
    def create_from_body(data: ThingIn, session: SessionDep) -> ThingOut:
        t = Thing(name=data.name)
        session.add(t)
        session.flush()
        return ThingOut(id=t.id, name=t.name)

    @app.get("/things", response_model=Page[ThingOut])
    def things(session: SessionDep, page: PageDep, scope: CurrentScope) -> Page[ThingOut]:
        items, total = paginate(session, select(Thing).order_by(Thing.id), page)
        return Page[ThingOut](
            items=[ThingOut(id=t.id, name=t.name) for t in items], total=total, limit=page.limit, offset=page.offset
        )

    wrapped = RequestContextMiddleware(BodySizeLimitMiddleware(app, max_bytes=max_body), service="k")
    return app, wrapped


def test_a_2xx_means_stored_and_an_error_stores_nothing(tmp_path: Path) -> None:
    app, wrapped = _app(tmp_path)
    with TestClient(wrapped, raise_server_exceptions=False) as c:
        assert c.post("/things/one").status_code == 201
        r = c.post("/things/boom")
        assert r.status_code == 500 and "after the insert" not in r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert c.post("/things/one").status_code == 409
    with Session(app.state.kernel.engine) as s:
        assert list(s.scalars(select(Thing.name))) == ["one"]


def test_lists_are_paginated_within_limits(tmp_path: Path) -> None:
    _, wrapped = _app(tmp_path)
    with TestClient(wrapped) as c:
        for i in range(3):
            c.post(f"/things/t{i}")
        h = kt.university_admin()
        body = c.get("/things?limit=2&offset=1", headers=h).json()
        assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (3, 2, 1, 2)
        r = c.get("/things?limit=501", headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "limit"]
        assert c.get("/things").status_code == 401


def test_a_cancelled_request_releases_its_session_and_the_sqlite_write_lock(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)

    class FakeRequest:
        method = "POST"

        def __init__(self) -> None:
            self.app = app

    async def scenario() -> None:
        gen = _request_session(FakeRequest())  # type: ignore[arg-type]
        session = await gen.__anext__()
        await anyio.to_thread.run_sync(lambda: session.execute(text("INSERT INTO thing (name) VALUES ('x')")))
        # the client went away: the dependency is unwound with CancelledError
        with pytest.raises(asyncio.CancelledError):
            await gen.athrow(asyncio.CancelledError())

    asyncio.run(scenario())
    # another writer gets the lock at once, and the cancelled insert is not there
    engine = make_engine(f"sqlite:///{tmp_path}/k.db")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=100")
        conn.execute(text("INSERT INTO thing (name) VALUES ('y')"))
        conn.commit()
        assert [r[0] for r in conn.execute(text("SELECT name FROM thing"))] == ["y"]


def test_request_ids_are_kept_when_well_formed_and_made_otherwise(tmp_path: Path) -> None:
    _, wrapped = _app(tmp_path)
    with TestClient(wrapped) as c:
        assert c.get("/things", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
        rid = c.get("/things", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
        assert rid != "bad id with spaces" and len(rid) == 32


def test_bodies_over_the_limit_get_413_and_change_nothing(tmp_path: Path) -> None:
    app, wrapped = _app(tmp_path, max_body=10)
    with TestClient(wrapped) as c:
        r = c.post("/things/big", content=b"x" * 100)
        assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")

        def chunks() -> Any:  # no Content-Length: the limit is enforced while the body streams in
            yield b'{"name": '
            yield b'"big"}'

        r = c.post("/things", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text
    with Session(app.state.kernel.engine) as s:
        assert s.scalar(select(Thing).where(Thing.name == "big")) is None


def test_reads_do_not_queue_behind_a_writer_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/r.db")
    Base.metadata.create_all(engine)
    writer = make_sessionmaker(engine)()
    writer.execute(text("INSERT INTO thing (name) VALUES ('w')"))  # holds the write lock (BEGIN IMMEDIATE)
    reader = make_read_sessionmaker(engine)()
    start = time.monotonic()
    assert reader.scalar(text("SELECT count(*) FROM thing")) == 0
    assert time.monotonic() - start < 1
    reader.close()
    writer.rollback()
    writer.close()


def test_production_refuses_placeholder_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    from sanquan_gateway.config import Settings as GatewaySettings
    from sanquan_kernel.settings import ServiceSettings

    with pytest.raises(ValueError, match="SERVICE_CLIENT_SECRET"):
        ServiceSettings(environment="production", service_name="training", service_client_secret="changeme")
    ok = ServiceSettings(environment="production", service_name="training", service_client_secret="x" * 32)
    assert ok.resolved_client_secret() == "x" * 32
    for name in ("PLANS", "TRAINING", "EVALUATION"):
        monkeypatch.setenv(f"{name}_SERVICE_CLIENT_SECRET", "s" * 32)
    with pytest.raises(ValueError, match="ADMIN_PASSWORD"):
        GatewaySettings(environment="production", admin_password="admin")
    monkeypatch.setenv("TRAINING_SERVICE_CLIENT_SECRET", "secret")
    with pytest.raises(ValueError, match="TRAINING_SERVICE_CLIENT_SECRET"):
        GatewaySettings(environment="production")
    assert GatewaySettings(environment="development", admin_password="admin").admin_password == "admin"


def test_an_exhausted_database_pool_answers_503_with_retry_after() -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/busy")
    def busy() -> None:
        raise PoolTimeoutError("QueuePool limit reached")

    r = TestClient(app).get("/busy")
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.headers["content-type"].startswith("application/problem+json") and "QueuePool" not in r.text


# -- routes that commit in the endpoint's thread ------------------------------------------------------------------
def test_a_service_route_commits_in_the_endpoints_thread_and_a_failing_commit_is_the_requests_error(
    tmp_path: Path,
) -> None:
    from contextvars import ContextVar

    from sqlalchemy import event

    from sanquan_kernel.routing import ServiceRouter, check_transactional

    app, wrapped = _app(tmp_path)
    router = ServiceRouter()
    seen: dict[str, str | None] = {}
    # Set inside the endpoint's call: visible where the endpoint's thread commits, not in a later thread.
    inside: ContextVar[str | None] = ContextVar("inside", default=None)

    @router.post("/fast/{name}", status_code=201)
    def fast(name: str, session: SessionDep) -> dict[str, str]:
        inside.set(name)
        event.listen(session, "after_commit", lambda _: seen.setdefault("commit", inside.get()), once=True)
        session.add(Thing(name=name))
        return {"name": name}

    check_transactional([router])
    app.include_router(router)
    with TestClient(wrapped, raise_server_exceptions=False) as c:
        assert c.post("/fast/one").status_code == 201
        assert seen["commit"] == "one", "committed in the endpoint's own call"
        # The unique name is checked at commit (no flush in the endpoint): the request fails and stores nothing.
        r = c.post("/fast/one")
        assert r.status_code >= 400 and r.headers["content-type"].startswith("application/problem+json"), r.text
    with Session(app.state.kernel.engine) as s:
        assert list(s.scalars(select(Thing.name))) == ["one"]


def test_a_service_refuses_a_router_whose_routes_would_commit_late() -> None:
    from fastapi import APIRouter

    from sanquan_kernel.routing import check_transactional

    plain = APIRouter()

    @plain.get("/x")
    def x() -> None:
        return None

    with pytest.raises(TypeError, match="ServiceRouter"):
        check_transactional([plain])


@pytest.mark.parametrize(
    "rested",
    [
        # rested long enough to be pinged anyway
        "longer",
        # rested less than PING_AFTER_IDLE_SECONDS and no failure seen yet (a restart between two requests): the pool
        # notices the server's goodbye on the socket and pings instead of handing the dead connection to a request
        "moments",
    ],
)
def test_a_pooled_postgresql_connection_that_died_while_resting_is_replaced_unnoticed(
    monkeypatch: pytest.MonkeyPatch, rested: str
) -> None:
    import sanquan_kernel.db as kdb

    if not kt.postgres_available():
        if kt.postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    name = f"kernel_ping_{time.time_ns()}"
    url = kt.create_postgres_database(name)
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as c:
            pid = c.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        admin = create_engine(kt.postgres_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as a:
            a.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        admin.dispose()
        if rested == "longer":
            monkeypatch.setattr(kdb, "PING_AFTER_IDLE_SECONDS", 0.0)
        else:
            time.sleep(0.2)  # the goodbye reaches the socket
        with engine.connect() as c:  # the rested connection is pinged, found dead, and replaced
            assert c.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    finally:
        engine.dispose()
        kt.drop_postgres_database(name)


def test_a_process_at_its_limit_sheds_requests_with_503_at_once_and_serves_again_after() -> None:
    from sanquan_kernel.middleware import LoadShedMiddleware

    app = FastAPI()
    install_problem_handlers(app)
    release = anyio.Event()
    entered: list[int] = []

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        entered.append(1)
        await release.wait()
        return {"ok": True}

    @app.get("/healthz")
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    shed = LoadShedMiddleware(app, max_in_flight=2)

    async def scenario() -> None:
        import httpx

        transport = httpx.ASGITransport(app=shed)
        async with httpx.AsyncClient(transport=transport, base_url="http://k") as c:
            async with anyio.create_task_group() as tg:
                results: list[int] = []

                async def call() -> None:
                    results.append((await c.get("/slow")).status_code)

                tg.start_soon(call)
                tg.start_soon(call)
                while len(entered) < 2:
                    await anyio.sleep(0.01)
                busy = await c.get("/slow")
                assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
                assert busy.headers["content-type"] == "application/problem+json"
                assert (await c.get("/healthz")).status_code == 200, "health is never shed"
                release.set()
            assert results == [200, 200]
            assert (await c.get("/slow")).status_code == 200
        assert shed.shed == 1 and shed.in_flight == 0

    anyio.run(scenario)


def _loaded(session: SessionDep) -> int:
    return int(session.execute(text("SELECT 1")).scalar_one())  # the request's connection is taken here


def test_sessions_wait_for_a_connection_on_the_event_loop_so_threads_and_connections_never_deadlock(
    tmp_path: Path,
) -> None:
    """A dependency takes the request's connection in one worker thread and the endpoint needs another thread:
    with more requests than connections and few threads, requests must queue for a session on the event loop,
    never hold every thread waiting for a connection (which only the pool timeout would break)."""
    import httpx

    from sanquan_kernel.routing import ServiceRouter

    engine = create_engine(f"sqlite:///{tmp_path}/d.db", pool_size=1, max_overflow=2, pool_timeout=2)
    Base.metadata.create_all(engine)
    app = FastAPI()
    app.state.kernel = _state(engine)
    install_problem_handlers(app)
    router = ServiceRouter()

    @router.get("/work")
    def work(one: Annotated[int, Depends(_loaded)], session: SessionDep) -> dict[str, int]:
        time.sleep(0.02)
        return {"one": one}

    app.include_router(router)
    statuses: list[int] = []

    async def scenario() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://k") as c, anyio.create_task_group() as tg:
            for _ in range(12):

                async def one() -> None:
                    statuses.append((await c.get("/work")).status_code)

                tg.start_soon(one)

    started = time.monotonic()
    anyio.run(scenario)
    assert statuses == [200] * 12
    assert time.monotonic() - started < 2, "no request waited for the pool timeout"
    engine.dispose()
