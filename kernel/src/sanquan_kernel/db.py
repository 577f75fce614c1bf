"""Database: declarative base with a constraint naming convention, engines for SQLite and PostgreSQL,
and the request session that commits when the endpoint returns (code never commits itself)."""

from __future__ import annotations

import asyncio
import functools
import re
import select
import time
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import ClauseElement, DateTime, Engine, MetaData, TextClause, bindparam, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.exc import DataError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from sanquan_kernel import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on SQLite too (which stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current instant, aware UTC: the kernel clock's (tests may freeze it, ``sanquan_kernel.clock``)."""
    return clock.now()


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine for SQLite (WAL, foreign keys, busy timeout) or PostgreSQL (pre-ping, a pool of up to
    ``2 × pool_size`` connections kept open)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself so that BEGIN IMMEDIATE can be used for writes.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers serialise at BEGIN IMMEDIATE instead of failing with "database is locked" when a read
            # transaction upgrades; reads (the read session factory) begin deferred and run concurrently in WAL.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("sqlite_read_only") else "BEGIN IMMEDIATE")

        @event.listens_for(engine, "before_cursor_execute")
        def _no_nul_in_text(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            # PostgreSQL refuses text with a NUL character (DataError, answered 422); refuse it here too, so that
            # both databases store the same things.
            if _holds_nul(parameters):
                raise DataError(statement, parameters, ValueError("text must not contain NUL characters"))

        return engine
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    # Up to twice ``pool_size`` connections, every one kept once opened: with ``pool_size`` kept and as many again
    # as overflow, each burst past ``pool_size`` sessions (the session slots allow 2 × pool_size - 2) closed the
    # overflow connections on return and opened new ones at the next burst — a PostgreSQL backend forked,
    # authenticated, its catalog caches and psycopg's prepared statements (``prepare_threshold``: from a
    # statement's 5th run on a connection) all built again (docs/benchmarks.md, "Plans, PostgreSQL and kernel
    # CPU per request"). The bound (``POSTGRES_MAX_CONNECTIONS`` planning, docs/scaling.md) is unchanged. Last in,
    # first out: the steady load runs on the few connections it needs, whose backends' caches and prepared
    # statements are warm, and the rest of the pool rests until the next burst.
    engine = create_engine(
        u,
        echo=echo,
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_use_lifo=True,
        pool_timeout=10,
        pool_recycle=1800,
    )
    _ping_when_idle(engine)
    return engine


#: A pooled connection that rested longer than this is checked with ``SELECT 1`` before use.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling without a round trip per checkout: SQLAlchemy's ``pool_pre_ping`` pings on
    every checkout, which under load was a tenth of a service's time; a connection in steady use cannot have gone
    stale unnoticed (a failure on it invalidates the pool), so only one that rested is pinged — and, after the
    database was seen failing (a lost connection, a failed connect), every one that rested since before that."""
    trouble = {"at": 0.0}

    @event.listens_for(engine, "handle_error")
    def _database_trouble(ctx: Any) -> None:
        # A failed connect does not invalidate the pool as a lost connection does: after a PostgreSQL restart
        # seen only that way, the pooled connections of before it would each fail one request.
        if ctx.is_disconnect or ctx.connection is None:
            trouble["at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _rested_from(dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("checked_in_at")
        if since is None:
            return
        if time.monotonic() - since < PING_AFTER_IDLE_SECONDS and since > trouble["at"] and not _has_word(dbapi_conn):
            return
        try:
            cur = dbapi_conn.cursor()
            try:
                cur.execute("SELECT 1")
            finally:
                cur.close()
            dbapi_conn.rollback()
        except Exception as exc:  # any failure means: use another connection
            raise DisconnectionError() from exc


def _has_word(dbapi_conn: Any) -> bool:
    """Whether the server said something to a connection that rests in the pool — a syscall, no round trip. An
    idle healthy connection has nothing to read; a PostgreSQL that shut down or restarted (or terminated the
    backend) sent "terminating connection due to administrator command" and closed it, which the pool would
    otherwise hand to the next request within ``PING_AFTER_IDLE_SECONDS`` of its last use (seen in
    ``make fault-test``: one sign-in answered 503 right after a restart). Anything unexpected: ping."""
    try:
        poller = select.poll()
        poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError, AttributeError):  # closed, no socket: let the ping decide
        return True


def _holds_nul(params: Any) -> bool:
    """Whether statement parameters (a value, a row of them as a tuple or dict, or a list of rows) hold text with
    a NUL character."""
    if isinstance(params, str):
        return "\x00" in params
    if isinstance(params, dict):
        return any(_holds_nul(v) for v in params.values())
    if isinstance(params, list | tuple):
        return any(_holds_nul(v) for v in params)
    return False


_FROZEN: dict[tuple[str, str], TextClause] = {}


def frozen(session: Session, name: str, build: Callable[[], ClauseElement], columns: Sequence[Any] = ()) -> TextClause:
    """``build()``'s statement as SQLAlchemy caches it: compiled once per dialect into a textual statement with the
    same SQL, parameter types and (``columns``, in the statement's order) result columns.

    For statements whose construct has no cache key — in SQLAlchemy 2.0 every dialect ``INSERT … ON CONFLICT`` —
    and which SQLAlchemy therefore compiles again on every execution, whatever the caller keeps: on the campus
    push that cost a fifth of the training service's CPU (docs/benchmarks.md). ``name`` identifies the statement;
    every bound parameter must be a named ``bindparam`` given at execution (no IN-list expansion).
    """
    dialect = session.get_bind().dialect
    key = (dialect.name, name)
    done = _FROZEN.get(key)
    if done is None:
        dialect_class: Any = type(dialect)
        named = dialect_class(paramstyle="named")  # binds as :name, which text() reads back
        named.bind_typing = BindTyping.NONE  # no ::casts in the text; compiling the text adds the dialect's own
        compiled: Any = build().compile(dialect=named)
        binds = []
        for bind_name, bind in compiled.binds.items():
            if bind.expanding or not bind.required:
                raise ValueError(f"{name}: {bind_name} must be a required bindparam (give column defaults as values)")
            binds.append(bindparam(bind_name, type_=bind.type))
        sql = compiled.string.replace("::", "\\:\\:")
        done = text(sql).bindparams(*binds)
        if columns:
            done = done.columns(*columns)  # type: ignore[assignment]
        _FROZEN[key] = done
    return done


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "sqlite"


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for work that may write."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reads (GET).

    On SQLite they begin deferred, so readers never queue behind writers. On PostgreSQL they run without a
    transaction (autocommit): under READ COMMITTED every statement takes its own snapshot in a transaction too, so
    a read sees exactly the same rows, without the BEGIN and COMMIT round trips (two of a one-query report's
    three). The first statement that could write or lock (anything but a plain SELECT), or that reads through a
    server-side cursor, begins a real transaction first, which the session's commit or rollback ends: a GET that
    writes stays all or nothing."""
    if engine.dialect.name == "sqlite":
        bind = engine.execution_options(sqlite_read_only=True)
    else:
        bind = engine.execution_options(isolation_level="AUTOCOMMIT")
        event.listen(bind, "before_cursor_execute", _begin_before_writing)
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)


_PLAIN_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_LOCKS_OR_WRITES = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|pg_advisory|nextval|setval", re.IGNORECASE
)


@functools.lru_cache(maxsize=2048)
def _is_plain_read(statement: str) -> bool:
    """A SELECT that neither locks rows nor takes a lock or a sequence value (compiled statements repeat: cached)."""
    return bool(_PLAIN_READ.match(statement)) and not _LOCKS_OR_WRITES.search(statement)


def _begin_before_writing(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
    """In a read session without a transaction, begin one before a statement that is not a plain read, or that
    reads through a server-side cursor (which lives in a transaction)."""
    from psycopg import ServerCursor
    from psycopg.pq import TransactionStatus

    if _is_plain_read(statement) and not isinstance(cursor, ServerCursor):
        return

    dbapi_conn = cursor.connection
    if dbapi_conn.autocommit and dbapi_conn.info.transaction_status == TransactionStatus.IDLE:
        dbapi_conn.execute("BEGIN")


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


_END_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def _end_limiter() -> anyio.CapacityLimiter:
    """Commits and rollbacks get threads of their own (one limiter per event loop): if they queued behind requests
    for the shared thread pool, a full pool of requests waiting for the database lock would wait forever for the
    commit that frees it."""
    loop = asyncio.get_running_loop()
    limiter = _END_LIMITERS.get(loop)
    if limiter is None:
        limiter = _END_LIMITERS[loop] = anyio.CapacityLimiter(16)
    return limiter


#: Connections of a pool kept for work outside requests (the import worker, start-up checks).
RESERVED_CONNECTIONS = 2
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = weakref.WeakKeyDictionary()


def session_capacity(engine: Engine) -> int | None:
    """How many request sessions may hold a connection at once: the pool's capacity less the reserve (None when
    the pool does not bound it)."""
    pool = engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", None)
    if not callable(size) or not isinstance(overflow, int) or overflow < 0:
        return None
    return max(1, int(size()) + overflow - RESERVED_CONNECTIONS)


def _session_slots(engine: Engine) -> asyncio.Semaphore | None:
    """Request sessions wait here, on the event loop, for a connection they are then sure to get.

    Without it a request's session took its connection in one worker thread (a dependency loading a record) and
    needed another thread for the endpoint; when every worker thread was blocked waiting for a connection and every
    connection waited for a thread, nothing moved until the pool timed out (the load mix's 10 s 503s). With at most
    as many sessions as connections, no thread ever waits for a connection."""
    capacity = session_capacity(engine)
    if capacity is None:
        return None
    per_loop = _SLOTS.setdefault(asyncio.get_running_loop(), {})
    slots = per_loop.get(id(engine))
    if slots is None:
        slots = per_loop[id(engine)] = asyncio.Semaphore(capacity)
    return slots


async def _request_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed when the endpoint returns, rolled back when it raises.

    The end of the session runs in a worker thread and is shielded from cancellation: a client that disconnects
    mid-request must never leave a connection (and on SQLite the write lock) behind. The endpoint's own thread
    has finished by then (anyio waits for a worker thread even when its caller is cancelled).
    """
    k = request.app.state.kernel
    slots = _session_slots(k.engine)
    if slots is not None:
        await slots.acquire()
    try:
        read_factory = getattr(k, "read_sessionmaker", None)
        factory = read_factory if read_factory is not None and request.method in ("GET", "HEAD") else k.sessionmaker
        session: Session = factory()
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_end, session, False, limiter=_end_limiter())
            raise
        if not session.in_transaction():
            # Already committed in the endpoint's thread (sanquan_kernel.routing): no connection is held, nothing
            # to wait for, so no thread is needed to end it.
            session.close()
            return
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_end, session, True, limiter=_end_limiter())
    finally:
        if slots is not None:
            slots.release()


#: The request's session. ``scope="function"`` ends it before the response is sent, so a 2xx means stored.
SessionDep = Annotated[Session, Depends(_request_session, scope="function")]


class Base(DeclarativeBase):
    """Not used directly: each service declares its own base with ``new_metadata()``."""

    metadata = new_metadata()
