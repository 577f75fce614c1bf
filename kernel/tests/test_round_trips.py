"""What a request costs the database: PostgreSQL reads without BEGIN/COMMIT (and a read that writes still all or
nothing), lists without a COUNT when the page tells the total, and the statement counter the services' tests use."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Integer, String, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine, make_read_sessionmaker, make_sessionmaker
from sanquan_kernel.pagination import PageParams, paginate


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/r.db"
    else:
        url = kt.test_database_url("postgresql", f"kernel_rt_{time.time_ns()}", tmp_path)
    eng = make_engine(url, pool_size=1)  # one pooled connection: reads and writes take turns on it
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()
    if request.param == "postgresql":
        kt.drop_postgres_database(str(eng.url.database))


def _stored(engine: Engine) -> list[str]:
    with make_sessionmaker(engine)() as s:
        return list(s.scalars(select(Item.name).order_by(Item.name)))


def _in_transaction(session: object) -> bool:
    """Whether the server has a transaction open on the session's connection (PostgreSQL)."""
    dbapi = session.connection().connection.dbapi_connection  # type: ignore[attr-defined]
    return int(dbapi.info.transaction_status) != 0  # psycopg: 0 is IDLE


def test_a_read_sends_no_begin_or_commit_on_postgresql_and_a_write_does(engine: Engine) -> None:
    pg = engine.dialect.name == "postgresql"
    with kt.count_statements(engine) as log, make_read_sessionmaker(engine)() as reader:
        assert reader.scalar(select(func.count()).select_from(Item)) == 0
        if pg:
            assert not _in_transaction(reader)
        reader.commit()
    assert len(log.queries) == 1
    assert len(log) == (1 if pg else 3), str(log)  # SQLite: BEGIN (deferred), SELECT, COMMIT
    with kt.count_statements(engine) as log, make_sessionmaker(engine)() as writer:
        writer.add(Item(name="w"))
        writer.commit()
    assert log.statements[0] == "BEGIN" and log.statements[-1] == "COMMIT" and len(log) == 3, str(log)
    assert _stored(engine) == ["w"]


def test_a_read_session_that_writes_is_still_all_or_nothing(engine: Engine) -> None:
    reads = make_read_sessionmaker(engine)
    with reads() as s:
        s.execute(insert(Item).values(name="a"))
        with pytest.raises(IntegrityError):
            s.execute(insert(Item).values(name="a"))
        s.rollback()
    assert _stored(engine) == []
    with reads() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 0
        s.add(Item(name="b"))
        s.flush()
        s.add(Item(name="c"))
        s.rollback()
    assert _stored(engine) == []
    with kt.count_statements(engine) as log, reads() as s:
        s.add_all([Item(name="d"), Item(name="e")])
        s.commit()
    assert _stored(engine) == ["d", "e"]
    assert log.statements[0] == "BEGIN" or engine.dialect.name == "postgresql"
    assert "BEGIN" in log.statements and log.statements[-1] == "COMMIT", str(log)
    # The pooled connection went back to transactions: a writer's rollback still undoes its work.
    with make_sessionmaker(engine)() as w:
        w.add(Item(name="f"))
        w.flush()
        w.rollback()
    assert _stored(engine) == ["d", "e"]


def test_a_read_that_locks_rows_or_streams_them_runs_in_a_transaction(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks (BEGIN IMMEDIATE serialises writers) nor server-side cursors")
    with make_sessionmaker(engine)() as w:
        w.add_all([Item(name="x"), Item(name="y")])
        w.commit()
    with make_read_sessionmaker(engine)() as reader:
        reader.scalars(select(Item).with_for_update()).all()
        assert _in_transaction(reader)
        reader.rollback()
        reader.scalars(select(Item)).all()
        assert not _in_transaction(reader)
        streamed = reader.scalars(select(Item.name).order_by(Item.name).execution_options(yield_per=1))
        assert list(streamed) == ["x", "y"]  # a server-side cursor exists only within a transaction
        reader.commit()


def test_a_short_page_tells_its_total_without_a_count(engine: Engine) -> None:
    with make_sessionmaker(engine)() as w:
        w.add_all([Item(name=f"n{i:02}") for i in range(12)])
        w.commit()
    stmt = select(Item).order_by(Item.name)
    cases = [  # (limit, offset) → (names on the page, total, statements)
        ((50, 0), (12, 12, 1)),
        ((5, 10), (2, 12, 1)),
        ((5, 0), (5, 12, 2)),  # a full page: the rest is counted
        ((6, 6), (6, 12, 2)),
        ((5, 40), (0, 12, 2)),  # past the end: counted
    ]
    for (limit, offset), (n, total, statements) in cases:
        with kt.count_statements(engine) as log, make_read_sessionmaker(engine)() as s:
            items, counted = paginate(s, stmt, PageParams(limit=limit, offset=offset))
        assert (len(items), counted, len(log.queries)) == (n, total, statements), (limit, offset, str(log))
        assert [i.name for i in items] == [f"n{k:02}" for k in range(offset, min(offset + limit, 12))]
    with make_read_sessionmaker(engine)() as s:
        assert paginate(s, select(Item).where(Item.name == "none"), PageParams(limit=5, offset=0)) == ([], 0)


class Tally(Base):
    __tablename__ = "tally"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(20), default="d")


def _upsert(dialect: str) -> Any:
    from sqlalchemy import bindparam
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    table = Tally.__table__
    ins = (sqlite_insert if dialect == "sqlite" else pg_insert)(table).values(
        name=bindparam("k", type_=String), n=bindparam("add", type_=Integer), note=bindparam("note", type_=String)
    )
    return ins.on_conflict_do_update(index_elements=["name"], set_={"n": table.c.n + ins.excluded.n}).returning(
        table.c.name, table.c.n
    )


def test_a_frozen_statement_is_compiled_once_and_answers_as_the_original(engine: Engine) -> None:
    """``frozen``: an ON CONFLICT upsert, which SQLAlchemy 2.0 compiles on every execution (no cache key), runs as
    a textual statement it caches; same SQL effect, typed parameters, typed result columns, executemany too."""
    from sanquan_kernel.db import frozen

    original = _upsert(engine.dialect.name)
    assert original._generate_cache_key() is None  # why frozen exists: if this fails, SQLAlchemy caches it now
    table = Tally.__table__
    with make_sessionmaker(engine)() as s:
        stmt = frozen(s, "tally.add", lambda: _upsert(engine.dialect.name), [table.c.name, table.c.n])
        assert frozen(s, "tally.add", lambda: pytest.fail("built twice")) is stmt
        with kt.count_statements(engine) as log:
            rows = [s.execute(stmt, {"k": "a", "add": n, "note": None}).one() for n in (1, 2, 3)]
        assert [tuple(r) for r in rows] == [("a", 1), ("a", 3), ("a", 6)]
        assert len(log.compiled) == 1 and "CACHE_MISS" in log.compiled[0]  # the first time only
        s.execute(stmt, [{"k": "b", "add": 5, "note": "x"}, {"k": "b", "add": 2, "note": "y"}])  # executemany
        s.commit()
    with make_sessionmaker(engine)() as s:
        assert s.execute(select(Tally.name, Tally.n, Tally.note).order_by(Tally.name)).all() == [
            ("a", 6, None),
            ("b", 7, "x"),
        ]


def test_a_frozen_statement_refuses_parameters_it_could_not_bind(engine: Engine) -> None:
    """A column default (SQLAlchemy computes it at execution) or a literal value would be lost in the text: refused."""
    from sqlalchemy import bindparam
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from sanquan_kernel.db import frozen

    ins = (sqlite_insert if engine.dialect.name == "sqlite" else pg_insert)(Tally.__table__)
    named = {"name": bindparam("k", type_=String), "n": bindparam("add", type_=Integer)}
    with make_sessionmaker(engine)() as s:
        with pytest.raises(ValueError, match="note must be a required bindparam"):
            frozen(s, f"tally.default.{time.time_ns()}", lambda: ins.values(named).on_conflict_do_nothing())
        with pytest.raises(ValueError, match="must be a required bindparam"):
            frozen(s, f"tally.literal.{time.time_ns()}", lambda: ins.values({**named, "note": "x"}))


class Owned(Base):
    __tablename__ = "owned"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(Integer)
    owner: Mapped[int] = mapped_column(Integer)


def test_a_bound_scope_clause_selects_what_the_plain_one_does(engine: Engine) -> None:
    """``Scope.bound`` (parameters, for statements built once per kind) and ``Scope.where`` (values) are one rule:
    for every role, both select the same rows of a table with rows of two universities, two departments each (the
    hall's students and teachers: the rows whose requester column is theirs, in their university)."""
    from sanquan_kernel.principal import Principal, Role, scope_for

    rows = [
        {"id": i, "university_id": u, "department_id": 10 * u + d, "owner": o}
        for i, (u, d, o) in enumerate(((u, d, o) for u in (1, 2) for d in (1, 2) for o in (7, 8)), start=1)
    ]
    with make_sessionmaker(engine)() as s:
        s.execute(insert(Owned), rows)
        s.commit()
    callers = [
        (Role.PROVINCE_ADMIN, None, None, "1"),
        (Role.UNIVERSITY_ADMIN, 1, None, "2"),
        (Role.INTEGRATION, 2, None, "client:x"),
        (Role.DEPARTMENT_MANAGER, 1, 12, "3"),
        (Role.STAFF, 2, 21, "8"),
        (Role.EXPERT, 1, None, "9"),
        (Role.STUDENT, 1, None, "hall:7"),
        (Role.TEACHER, 2, None, "hall:8"),
        (Role.STUDENT, 2, None, "hall:9"),
    ]
    seen = set()
    cols = {
        "university": Owned.university_id,
        "department": Owned.department_id,
        "owner": Owned.owner,
        "requester": Owned.owner,
    }
    with make_sessionmaker(engine)() as s:
        for role, uni, dept, subject in callers:
            p = Principal(subject=subject, role=role, org_id=None, university_id=uni, department_id=dept)
            scope = scope_for(p)
            plain = s.scalars(select(Owned.id).where(scope.where(**cols)).order_by(Owned.id)).all()
            bound = s.scalars(select(Owned.id).where(scope.bound(**cols)).order_by(Owned.id), scope.params).all()
            assert plain == bound, (role, subject)
            seen.add(len(plain))
            if role in (Role.STUDENT, Role.TEACHER):
                assert len(plain) == (0 if subject == "hall:9" else 2), subject  # their own, in their university
    assert seen == {8, 4, 2, 0}  # all, a university, a department or one's own, nothing (an expert here)
