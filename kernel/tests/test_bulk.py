"""Bulk inserts (``sanquan_kernel.bulk``): a row written by COPY (PostgreSQL) or the driver's executemany
(SQLite) is stored exactly as SQLAlchemy's own INSERT stores it — compared as the database's text of every
column — and the columns come from the table, so a required column nobody gives is refused by name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Date, Engine, Integer, MetaData, Numeric, String, Table, Text, cast, insert, select, text
from sqlalchemy.orm import Session

from sanquan_kernel import testing as kt
from sanquan_kernel.bulk import insert_rows, row_shape
from sanquan_kernel.db import UTCDateTime, make_engine

metadata = MetaData()
ITEM = Table(
    "bulk_item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("taken_on", Date, nullable=False),
    Column("hours", Numeric(8, 2), nullable=False),
    Column("note", Text),
    Column("source", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
)
FIELDS = ("owner_id", "title", "taken_on", "hours", "note")
AWKWARD = [
    "plain",
    "tab\there",
    "new\nline and carriage\rreturn",
    "back\\slash \\N and \\.",
    "培训课程 — 安全",
    "quote ' and \" and , and ;",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = kt.test_database_url(request.param, "kernel_bulk", tmp_path)
    eng = make_engine(url, pool_size=2)
    metadata.create_all(eng)
    yield eng
    eng.dispose()
    if request.param == "postgresql":
        kt.drop_postgres_database(str(eng.url.database))


def as_text(session: Session, ids: list[int]) -> list[tuple[Any, ...]]:
    """Every column but the key, as the database renders it (storage formats, scale, time zone)."""
    columns = [cast(c, Text) for c in ITEM.c if c.name != "id"]
    return [tuple(r) for r in session.execute(select(*columns).where(ITEM.c.id.in_(ids)).order_by(ITEM.c.id))]


def test_a_bulk_row_reads_back_identical_to_one_stored_by_sqlalchemy(engine: Engine) -> None:
    now = datetime(2026, 12, 3, 9, 30, 15, 123456, tzinfo=UTC)
    values = [
        (7, title, date(2026, 3, i + 1), Decimal(f"{i}.5") if i % 2 else Decimal("2.25"), None if i % 3 else title)
        for i, title in enumerate(AWKWARD)
    ]
    with Session(engine) as s, s.begin():
        for row in values:
            s.execute(
                insert(ITEM).values({**dict(zip(FIELDS, row, strict=True)), "source": "import", "created_at": now})
            )
    with Session(engine) as s, s.begin():
        stored = insert_rows(s, ITEM, values, fields=FIELDS, constant={"source": "import", "created_at": now})
    assert stored == len(AWKWARD)
    with Session(engine) as s:
        ids = list(s.scalars(select(ITEM.c.id).order_by(ITEM.c.id)))
        assert len(ids) == 2 * len(AWKWARD)
        by_orm, by_bulk = as_text(s, ids[: len(AWKWARD)]), as_text(s, ids[len(AWKWARD) :])
        assert by_bulk == by_orm
        # And as Python values: the same types and the same instants.
        orm_rows = s.execute(select(ITEM).where(ITEM.c.id.in_(ids[: len(AWKWARD)])).order_by(ITEM.c.id)).all()
        bulk_rows = s.execute(select(ITEM).where(ITEM.c.id.in_(ids[len(AWKWARD) :])).order_by(ITEM.c.id)).all()
        assert [r[1:] for r in bulk_rows] == [r[1:] for r in orm_rows]
        assert all(r.version == 1 and r.created_at == now for r in bulk_rows)


def test_the_columns_are_the_tables_and_a_required_column_nobody_gives_is_named() -> None:
    shape = row_shape(ITEM, FIELDS, {"source": "x", "created_at": datetime.now(UTC)})
    assert shape.columns == tuple(c.name for c in ITEM.c if c.name != "id")  # the default fills version
    without_note = row_shape(ITEM, FIELDS[:-1], {"source": "x", "created_at": datetime.now(UTC)})
    assert "note" not in without_note.columns  # nullable and not given: the database's NULL
    with pytest.raises(ValueError, match=r"bulk_item\.source is NOT NULL"):
        row_shape(ITEM, FIELDS, {"created_at": datetime.now(UTC)})
    with pytest.raises(ValueError, match="has no column colour"):
        row_shape(ITEM, (*FIELDS, "colour"), {"source": "x", "created_at": datetime.now(UTC)})
    with pytest.raises(ValueError, match="both per row and for every row"):
        row_shape(ITEM, FIELDS, {"title": "x", "source": "x", "created_at": datetime.now(UTC)})


def test_a_constraint_still_refuses_a_bad_row_and_nothing_of_the_batch_is_stored(engine: Engine) -> None:
    now = datetime.now(UTC)
    rows = [(1, "fine", date(2026, 1, 1), Decimal("1"), None), (2, None, date(2026, 1, 1), Decimal("1"), None)]
    with pytest.raises(Exception), Session(engine) as s, s.begin():  # the driver's own error
        insert_rows(s, ITEM, rows, fields=FIELDS, constant={"source": "import", "created_at": now})
    with Session(engine) as s:
        assert s.scalar(select(ITEM.c.id).limit(1)) is None


def test_a_columns_type_decorator_applies_to_bulk_rows_too(engine: Engine) -> None:
    """``UTCDateTime`` reads a naive datetime as UTC; COPY alone would read it in the session's time zone."""
    naive = datetime(2026, 12, 3, 9, 30, 15)
    row = [(7, "t", date(2026, 1, 1), Decimal("1"), None)]
    with Session(engine) as s, s.begin():
        if engine.dialect.name == "postgresql":
            s.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
        s.execute(insert(ITEM).values({**dict(zip(FIELDS, row[0], strict=True)), "source": "x", "created_at": naive}))
        insert_rows(s, ITEM, row, fields=FIELDS, constant={"source": "x", "created_at": naive})
    with Session(engine) as s:
        stored = list(s.scalars(select(ITEM.c.created_at).order_by(ITEM.c.id)))
    assert stored == [naive.replace(tzinfo=UTC)] * 2
