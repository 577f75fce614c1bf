"""Bulk inserts at the database's physical bound, with the columns and the storage formats taken from the table.

``insert_rows(session, table, rows, fields=…, constant=…)`` stores many rows in the caller's transaction. Every
value first goes through its column type's bind processor, as SQLAlchemy would send it (a ``TypeDecorator`` such
as ``UTCDateTime`` on both databases; on SQLite ISO dates, naive UTC datetimes, NUMERIC as REAL); then

* PostgreSQL: ``COPY table (columns) FROM STDIN``, psycopg writing each value in COPY's format as it adapts any
  parameter, so nothing here knows COPY's text format;
* SQLite: the driver's ``executemany`` of one ``INSERT`` with the rows streamed to it — several times faster than
  a Core ``executemany`` of dicts.

The columns are the table's own, in its order: ``fields`` name the values each row gives, ``constant`` the values
every row shares; any other column takes its scalar (or no-argument callable) default, else the database's
(server default or NULL). A column that is NOT NULL and gets none of these is refused when the statement is built
(``ValueError`` naming it), so adding a required column to a table fails loudly in the tests of its bulk writer
instead of silently in production.

No ORM events, no Python-side ``onupdate``, no RETURNING: for append-only rows whose side effects (totals, audit)
the caller writes itself. The database's constraints and server defaults still apply.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class RowShape:
    """The columns a bulk insert writes, and how a row of ``fields`` values becomes a row of those columns."""

    table: Table
    columns: tuple[str, ...]
    #: The shared values, in the order of ``columns`` they fill (then the row's own ``fields`` values).
    shared: tuple[Any, ...]
    #: Picks the column values, in ``columns`` order, from ``shared + row``.
    pick: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    #: Positions in ``columns`` of the row's own values (their types' processors run per row on SQLite).
    field_positions: tuple[int, ...]


def _default(column: Column[Any]) -> tuple[bool, Any]:
    default = column.default
    if default is None:
        return False, None
    if getattr(default, "is_scalar", False):
        return True, default.arg  # type: ignore[attr-defined]
    if getattr(default, "is_callable", False):
        return True, default.arg(None)  # type: ignore[attr-defined]  # SQLAlchemy wraps it to take a context
    return False, None


def row_shape(table: Table, fields: Sequence[str], constant: Mapping[str, Any]) -> RowShape:
    """The table's columns (all but a server-generated integer key) with a value for each, or ``ValueError``."""
    names = [c.name for c in table.columns]
    unknown = [n for n in (*fields, *constant) if n not in names]
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
    overlap = set(fields) & set(constant)
    if overlap:
        raise ValueError(f"{', '.join(sorted(overlap))} given both per row and for every row")
    columns: list[str] = []
    shared: list[Any] = []
    sources: list[int | str] = []  # index into shared, or the field's name
    for column in table.columns:
        name = column.name
        if name in fields:
            columns.append(name)
            sources.append(name)
            continue
        if name in constant:
            value: Any = constant[name]
        else:
            if (
                column.primary_key
                and column.autoincrement in (True, "auto")
                and column.server_default is None
                and len(table.primary_key.columns) == 1
            ):
                continue  # the database numbers the rows
            has_default, value = _default(column)
            if not has_default:
                if column.server_default is not None:
                    continue  # the database's default
                if not column.nullable:
                    raise ValueError(
                        f"{table.name}.{name} is NOT NULL and has no default: give it per row or for every row"
                    )
                continue  # NULL, left to the database (fewer values to send)
        columns.append(name)
        sources.append(len(shared))
        shared.append(value)
    n_shared = len(shared)
    positions = [s if isinstance(s, int) else n_shared + list(fields).index(s) for s in sources]
    getter = operator.itemgetter(*positions)
    pick: Callable[[tuple[Any, ...]], tuple[Any, ...]] = (
        getter if len(positions) > 1 else (lambda values: (getter(values),))
    )
    field_positions = tuple(i for i, s in enumerate(sources) if isinstance(s, str))
    return RowShape(table, tuple(columns), tuple(shared), pick, field_positions)


def insert_rows(
    session: Session,
    table: Table,
    rows: Iterable[Sequence[Any]],
    *,
    fields: Sequence[str],
    constant: Mapping[str, Any] | None = None,
) -> int:
    """Insert ``rows`` (each a sequence of the ``fields`` values, in that order) into ``table`` on the session's
    connection; answers the number inserted."""
    shape = row_shape(table, fields, constant or {})
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy(connection, shape, rows)
    if connection.dialect.name == "sqlite":
        return _executemany(connection, shape, rows)
    raise NotImplementedError(f"bulk inserts on {connection.dialect.name}")


def _encoded(dialect: Any, shape: RowShape, rows: Iterable[Sequence[Any]], counted: list[int]) -> Iterator[Any]:
    """The rows as the columns' values, each passed through its column type's bind processor for ``dialect`` as
    SQLAlchemy would (SQLite: ISO dates, naive UTC datetimes, NUMERIC as REAL; PostgreSQL: the type decorators,
    e.g. ``UTCDateTime``). ``counted[0]`` counts the rows."""
    processors = [shape.table.c[c].type._cached_bind_processor(dialect) for c in shape.columns]
    # The shared values are encoded once (they fill the columns that are not the row's own, in order); the row's
    # own values per row, only where their column type has a processor.
    own = set(shape.field_positions)
    shared_processors = [p for i, p in enumerate(processors) if i not in own]
    shared = tuple(p(v) if p is not None else v for p, v in zip(shared_processors, shape.shared, strict=True))
    # Office files repeat their dates and amounts on many rows: each distinct value is encoded once.
    per_row: list[tuple[int, _Encoded]] = [
        (i, _Encoded(p)) for i in shape.field_positions if (p := processors[i]) is not None
    ]
    pick = shape.pick
    for row in rows:
        values: Any = pick(shared + tuple(row))
        if per_row:
            values = list(values)
            for i, encoded in per_row:
                values[i] = encoded[values[i]]
        counted[0] += 1
        yield values


def _columns_sql(dialect: Any, shape: RowShape) -> str:
    quote = dialect.identifier_preparer.quote
    return f"{dialect.identifier_preparer.format_table(shape.table)} ({', '.join(quote(c) for c in shape.columns)})"


def _copy(connection: Any, shape: RowShape, rows: Iterable[Sequence[Any]]) -> int:
    """COPY … FROM STDIN; psycopg writes each value in COPY's format as it would send it as a parameter."""
    counted = [0]
    raw = connection.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {_columns_sql(connection.dialect, shape)} FROM STDIN") as copy:
        write = copy.write_row
        for values in _encoded(connection.dialect, shape, rows, counted):
            write(values)
    return counted[0]


def _executemany(connection: Any, shape: RowShape, rows: Iterable[Sequence[Any]]) -> int:
    """One INSERT, the driver's executemany with the rows streamed to it."""
    counted = [0]
    placeholders = ", ".join("?" * len(shape.columns))
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO {_columns_sql(connection.dialect, shape)} VALUES ({placeholders})",
            _encoded(connection.dialect, shape, rows, counted),
        )
    finally:
        cursor.close()
    return counted[0]


class _Encoded(dict[Any, Any]):
    """value → its column type's encoding, computed once per distinct value (values of bulk rows are hashable:
    numbers, dates, strings, None)."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        super().__init__()
        self.process = process

    def __missing__(self, value: Any) -> Any:
        encoded = self[value] = self.process(value)
        return encoded
