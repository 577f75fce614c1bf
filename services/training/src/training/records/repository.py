"""Every query on the ledger and on the per-staff yearly totals. Records are seen through their staff member's
current place in the register (so a move takes the whole ledger along) and the record's own university.

The ledger's hot writes and their database branches live here and nowhere else (kernel/HOT_PATHS.md): the push's
one-statement insert with totals and audit entry on PostgreSQL (three statements on SQLite), the import's COPY
(executemany on SQLite), the advisory lock that serialises imports of one university."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from pydantic_core import to_json
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    RowMapping,
    Select,
    String,
    Table,
    TextClause,
    TextualSelect,
    any_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from sanquan_kernel.bulk import insert_rows, row_shape
from sanquan_kernel.db import frozen, is_sqlite, utcnow
from sanquan_kernel.metrics import note_audited
from sanquan_kernel.pagination import PageParams, paginate
from sanquan_kernel.principal import Scope
from training.models import AuditEntry, OutboxEvent
from training.records.models import TOTAL_COLUMNS, ImportJob, StaffYearTotal, TrainingRecord
from training.staff.models import Staff
from training.vocabulary import themes_from_db

RECORD_TABLE: Table = TrainingRecord.__table__  # type: ignore[assignment]
#: A validated import row (``importer.Outcome.rows``): staff, department, title, taken_on, hours, days, themes,
#: organizer level, external id.
Row_ = tuple[Any, ...]


def _recordset_insert(table: str, columns: Sequence[str], tail: str = "") -> str:
    """PostgreSQL: INSERT INTO table (columns) SELECT columns FROM json_populate_recordset(NULL::table, %(rows)s) —
    a whole batch as one JSON text parameter, which the server parses in C: one statement, and none of the
    client-side work of binding a thousand rows' parameters (or arrays) one value at a time."""
    names = ", ".join(columns)
    return (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM json_populate_recordset(NULL::{table}, %(rows)s::json)"
        f"{tail}"
    )


TOTAL_TABLE: Table = StaffYearTotal.__table__  # type: ignore[assignment]
AUDIT_TABLE: Table = AuditEntry.__table__  # type: ignore[assignment]
OUTBOX_TABLE: Table = OutboxEvent.__table__  # type: ignore[assignment]


def visible(scope: Scope, *, bound: bool = False) -> ColumnElement[bool]:
    """For a statement joined to Staff on the record's staff member. ``bound``: with the scope's ids as parameters
    (``scope.params``), for a statement built once per scope kind."""
    if bound:
        staff = Staff.__table__.c
        return scope.bound(
            university=RECORD_TABLE.c.university_id, department=staff.department_id, owner=staff.account_id
        )
    return scope.where(university=TrainingRecord.university_id, department=Staff.department_id, owner=Staff.account_id)


def _scoped() -> Select[tuple[TrainingRecord]]:
    return select(TrainingRecord).join(Staff, Staff.id == TrainingRecord.staff_id)


def get(session: Session, scope: Scope, record_id: int, *, include_deleted: bool = False) -> TrainingRecord | None:
    stmt = _scoped().where(TrainingRecord.id == record_id, visible(scope))
    if not include_deleted:
        stmt = stmt.where(TrainingRecord.deleted_at.is_(None))
    return session.scalar(stmt)


def theme_filter(theme: str) -> ColumnElement[bool]:
    # Themes are stored as "a,b,c"; wrapping both sides in commas makes the match exact.
    return (literal(",") + TrainingRecord.themes + literal(",")).like(f"%,{theme},%")


def _filtered(
    scope: Scope,
    *,
    staff_id: int | None,
    year: int | None,
    theme: str | None,
    department_id: int | None = None,
    ids: Sequence[int] | None = None,
) -> Select[tuple[TrainingRecord]]:
    stmt = _scoped().where(visible(scope), TrainingRecord.deleted_at.is_(None))
    if ids is not None:
        stmt = stmt.where(TrainingRecord.id.in_(ids))
    if staff_id is not None:
        stmt = stmt.where(TrainingRecord.staff_id == staff_id)
    if year is not None:
        stmt = stmt.where(TrainingRecord.year == year)
    if theme is not None:
        stmt = stmt.where(theme_filter(theme))
    if department_id is not None:
        stmt = stmt.where(Staff.department_id == department_id)
    return stmt.order_by(TrainingRecord.taken_on.desc(), TrainingRecord.id.desc())


def list_page(session: Session, scope: Scope, page: PageParams, **filters: Any) -> tuple[list[TrainingRecord], int]:
    return paginate(session, _filtered(scope, **filters), page)


def list_all(session: Session, scope: Scope, *, limit: int, **filters: Any) -> list[TrainingRecord]:
    return list(session.scalars(_filtered(scope, **filters).limit(limit)))


def staff_names(session: Session, staff_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """staff id → (employee_no, name) for ids already known to be visible; people still loaded in this session
    cost no query."""
    out: dict[int, tuple[str, str]] = {}
    missing = []
    for sid in sorted(set(staff_ids)):
        loaded = session.identity_map.get(identity_key(Staff, sid))
        if isinstance(loaded, Staff):
            out[sid] = (loaded.employee_no, loaded.name)
        else:
            missing.append(sid)
    if missing:
        rows = session.execute(select(Staff.id, Staff.employee_no, Staff.name).where(Staff.id.in_(missing)))
        out.update({sid: (no, name) for sid, no, name in rows})
    return out


def _insert(session: Session, table: Table) -> Any:
    return sqlite_insert(table) if is_sqlite(session) else pg_insert(table)


def _record_insert(session: Session, keys: tuple[str, ...]) -> Any:
    """INSERT INTO training_record (keys) VALUES (:r_key, …) ON CONFLICT (university, source, external id) DO NOTHING
    RETURNING the row."""
    return (
        _insert(session, RECORD_TABLE)
        .values({k: bindparam(f"r_{k}", type_=RECORD_TABLE.c[k].type) for k in keys})
        .on_conflict_do_nothing(index_elements=["university_id", "source", "external_id"])
        .returning(*RECORD_TABLE.c)
    )


def _totals_upsert(session: Session) -> Any:
    """INSERT INTO staff_year_total … ON CONFLICT (staff, year) DO UPDATE: add to the columns."""
    names = ("staff_id", "year", *TOTAL_COLUMNS)
    ins = _insert(session, TOTAL_TABLE).values({n: bindparam(n, type_=TOTAL_TABLE.c[n].type) for n in names})
    return ins.on_conflict_do_update(
        index_elements=["staff_id", "year"], set_={c: TOTAL_TABLE.c[c] + ins.excluded[c] for c in TOTAL_COLUMNS}
    )


def insert_idempotent(session: Session, values: Mapping[str, Any]) -> TrainingRecord | None:
    """Insert one record; when its (university, source, external_id) is stored already, store nothing and answer
    None. The unique constraint decides, so two racing posts cannot both insert: the loser waits for the
    winner's commit and then does nothing."""
    keys = tuple(values)
    stmt = frozen(
        session, f"record.insert:{','.join(keys)}", lambda: _record_insert(session, keys), list(RECORD_TABLE.c)
    )
    params = {f"r_{k}": v for k, v in values.items()}
    record: TrainingRecord | None = session.scalars(select(TrainingRecord).from_statement(stmt), params).first()
    return record


def insert_counted(
    session: Session, values: Mapping[str, Any], delta: Delta, audit: Mapping[str, Any]
) -> TrainingRecord | None:
    """``insert_idempotent``, ``apply_totals`` of ``delta`` and the audit entry ``audit`` (its entity id the new
    record's); a record stored already (also by a racing post) adds to neither and answers None.

    PostgreSQL: one statement, data-modifying CTEs (the totals and the audit entry are made from the inserted
    row). SQLite has no data-modifying CTEs: the three statements, in the caller's transaction."""
    if is_sqlite(session):
        record = insert_idempotent(session, values)
        if record is not None:
            apply_totals(session, {(record.staff_id, record.year): delta})
            session.add(AuditEntry(**{**audit, "entity_id": str(record.id)}))
        return record
    stmt, params = _counted(session, values, delta, audit)
    stored: TrainingRecord | None = session.scalars(select(TrainingRecord).from_statement(stmt), params).first()
    if stored is not None:
        note_audited(session, audit["action"])  # an entry written in SQL: its business event counted here
    return stored


def insert_counted_row(
    session: Session, values: Mapping[str, Any], delta: Delta, audit: Mapping[str, Any]
) -> Mapping[Any, Any] | None:
    """``insert_counted`` answering the stored row as plain data (the campus push: on PostgreSQL no ORM object)."""
    if is_sqlite(session):
        record = insert_counted(session, values, delta, audit)
        return None if record is None else {c.key: getattr(record, c.key) for c in RECORD_TABLE.c}
    stmt, params = _counted(session, values, delta, audit)
    row: RowMapping | None = session.connection().execute(stmt, params).mappings().first()
    if row is not None:
        note_audited(session, audit["action"])
    return row


def insert_pushed_row(
    session: Session, values: Mapping[str, Any], delta: Delta, audit: Mapping[str, Any], event: Mapping[str, Any]
) -> tuple[Mapping[Any, Any] | None, bool]:
    """The stored row (None: stored before) and whether its outbox event was written too. SQLite:
    ``insert_counted_row``, the event left to the caller (False). PostgreSQL: the row and the new record's outbox
    event in the same one statement (a fourth
    data-modifying CTE): ``event`` gives its ``id``, ``type`` and ``occurred_at``; its place is the record's
    university and department, its subject ``training_record:<id>`` and its data ``{"record_id", "external_id",
    "source"}`` of the stored row. A record stored before writes no event. (Issue #21: the campus push in two
    statements, and one the database driver converts once — its text under psycopg's 4,096 characters and 50
    parameters of the statements it caches: the totals' 21 additions are one array parameter.)"""
    if is_sqlite(session):
        return insert_counted_row(session, values, delta, audit), False
    keys = tuple(values)
    stmt = _PUSHED.get(keys)
    if stmt is None:
        stmt = _PUSHED[keys] = _pushed_insert(keys)
    params = {f"r_{k}": v for k, v in values.items()}
    params["d"] = [delta[c] for c in TOTAL_COLUMNS]
    params.update({f"a_{k}": v for k, v in audit.items() if k != "entity_id"})
    params.update({f"e_{k}": event[k] for k in ("id", "type", "occurred_at")})
    row: RowMapping | None = session.connection().execute(stmt, params).mappings().first()
    if row is not None:
        note_audited(session, audit["action"])
    return row, True


_PUSHED: dict[tuple[str, ...], TextualSelect] = {}


def _pushed_insert(keys: tuple[str, ...]) -> TextualSelect:
    """WITH rec AS (INSERT … ON CONFLICT DO NOTHING RETURNING the row), tot AS (INSERT INTO staff_year_total … ON
    CONFLICT DO UPDATE: add), aud AS (INSERT INTO audit_entry …), evt AS (INSERT INTO outbox …) SELECT * FROM rec —
    written out once per set of columns, with short names (the text SQLAlchemy renders is over 4,096 characters)."""
    rec, tot, aud, evt = RECORD_TABLE, TOTAL_TABLE, AUDIT_TABLE, OUTBOX_TABLE
    returned = ", ".join(c.name for c in rec.c)
    audit_columns = [c.name for c in aud.c if c.name != "id"]
    audit_values = ", ".join("CAST(rec.id AS VARCHAR)" if c == "entity_id" else f":a_{c}" for c in audit_columns)
    sql = (
        f"WITH rec AS (INSERT INTO {rec.name} ({', '.join(keys)}) VALUES ({', '.join(f':r_{k}' for k in keys)}) "
        f"ON CONFLICT (university_id, source, external_id) DO NOTHING RETURNING {returned}), "
        f"tot AS (INSERT INTO {tot.name} AS t (staff_id, year, {', '.join(TOTAL_COLUMNS)}) "
        f"SELECT rec.staff_id, rec.year, {', '.join(f'x.d[{i}]' for i in range(1, len(TOTAL_COLUMNS) + 1))} "
        "FROM rec, (SELECT CAST(:d AS BIGINT[]) AS d) AS x ON CONFLICT (staff_id, year) DO UPDATE SET "
        f"{', '.join(f'{c} = t.{c} + excluded.{c}' for c in TOTAL_COLUMNS)}), "
        f"aud AS (INSERT INTO {aud.name} ({', '.join(audit_columns)}) SELECT {audit_values} FROM rec), "
        f"evt AS (INSERT INTO {evt.name} (id, type, university_id, department_id, subject, occurred_at, data) "
        "SELECT :e_id, :e_type, rec.university_id, rec.department_id, 'training_record:' || rec.id, :e_occurred_at, "
        "json_build_object('record_id', rec.id, 'external_id', rec.external_id, 'source', rec.source) FROM rec) "
        "SELECT * FROM rec"
    )
    binds = [bindparam(f"r_{k}", type_=rec.c[k].type) for k in keys]
    binds += [bindparam(f"a_{c}", type_=aud.c[c].type) for c in audit_columns if c != "entity_id"]
    binds += [bindparam("d", type_=ARRAY(BigInteger)), bindparam("e_id", type_=evt.c.id.type)]
    binds += [bindparam("e_type", type_=evt.c.type.type), bindparam("e_occurred_at", type_=evt.c.occurred_at.type)]
    return text(sql).bindparams(*binds).columns(*rec.c)


def _counted(
    session: Session, values: Mapping[str, Any], delta: Delta, audit: Mapping[str, Any]
) -> tuple[TextClause, dict[str, Any]]:
    keys = tuple(values)
    name = f"record.insert_counted:{','.join(keys)}"
    stmt = frozen(session, name, lambda: _counted_insert(keys), list(RECORD_TABLE.c))
    params = {f"r_{k}": v for k, v in values.items()}
    params.update({f"d_{c}": delta[c] for c in TOTAL_COLUMNS})
    params.update({f"a_{k}": v for k, v in audit.items() if k != "entity_id"})
    return stmt, params


def _counted_insert(keys: tuple[str, ...]) -> Any:
    """WITH rec AS (INSERT … ON CONFLICT DO NOTHING RETURNING *), tot AS (INSERT INTO staff_year_total SELECT … FROM
    rec ON CONFLICT DO UPDATE …), aud AS (INSERT INTO audit_entry SELECT … FROM rec) SELECT * FROM rec"""
    rec = (
        pg_insert(RECORD_TABLE)
        .values({k: bindparam(f"r_{k}", type_=RECORD_TABLE.c[k].type) for k in keys})
        .on_conflict_do_nothing(index_elements=["university_id", "source", "external_id"])
        .returning(*RECORD_TABLE.c)
        .cte("rec")
    )
    added = select(
        rec.c.staff_id, rec.c.year, *(bindparam(f"d_{c}", type_=TOTAL_TABLE.c[c].type) for c in TOTAL_COLUMNS)
    )
    totals = pg_insert(TOTAL_TABLE).from_select(["staff_id", "year", *TOTAL_COLUMNS], added)
    totals = totals.on_conflict_do_update(
        index_elements=["staff_id", "year"], set_={c: TOTAL_TABLE.c[c] + totals.excluded[c] for c in TOTAL_COLUMNS}
    )
    audit_columns = [c.name for c in AUDIT_TABLE.c if c.name != "id"]
    entry = select(
        *(
            cast(rec.c.id, String).label(c) if c == "entity_id" else bindparam(f"a_{c}", type_=AUDIT_TABLE.c[c].type)
            for c in audit_columns
        )
    ).select_from(rec)
    audited = insert(AUDIT_TABLE).from_select(audit_columns, entry)
    return select(*rec.c).add_cte(totals.cte("tot"), audited.cte("aud"))


# -- imports ---------------------------------------------------------------------------------------------------
#: The values of one validated import row (``importer.Outcome.rows``, with the year), in this order; every other
#: column of training_record comes from ``insert_imported``'s shared values, its model default, or NULL
#: (``sanquan_kernel.bulk``: a new NOT NULL column without a default fails the import tests by name).
IMPORTED_FIELDS = (
    "staff_id",
    "department_id",
    "title",
    "taken_on",
    "year",
    "hours",
    "days",
    "themes",
    "organizer_level",
    "external_id",
)


def lock_imports(session: Session, university_id: int) -> None:
    """Imports into one university run one at a time (PostgreSQL: a transaction-scoped advisory lock; SQLite
    writers are serialised by BEGIN IMMEDIATE already), so the check for stored external ids cannot race with
    another import of the same file."""
    if not is_sqlite(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('training-import'), :u)"), {"u": university_id})


def insert_imported(
    session: Session, university_id: int, source: str, actor: str, rows: Iterable[Sequence[Any]]
) -> int:
    """Store validated import rows (``IMPORTED_FIELDS`` each) at the database's bound: COPY on PostgreSQL, the
    driver's executemany on SQLite (``sanquan_kernel.bulk``); the unique constraint still guards external ids.
    The caller adds the totals."""
    shared = {"university_id": university_id, "source": source, "created_at": utcnow(), "created_by": actor}
    return insert_rows(session, RECORD_TABLE, rows, fields=IMPORTED_FIELDS, constant=shared)


def streams_imports(session: Session) -> bool:
    """Whether imports are stored while the file is read (``import_copy``): PostgreSQL."""
    return not is_sqlite(session)


#: NULL in COPY's text format.
NULL = "\\N"


def _copy_text(value: Any) -> str:
    """A value in COPY's text format (the shared values of an import: ids, names, the time)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return _escaped(str(value))


def _escaped(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


#: Rows an import writes to its COPY at a time (~100 KB of text).
COPY_CHUNK = 1000


@contextmanager
def import_copy(session: Session, university_id: int, source: str, actor: str) -> Iterator[Callable[[Row_], None]]:
    """PostgreSQL: ``COPY training_record (…) FROM STDIN`` held open while the caller reads and checks the file; the
    caller passes each validated import row (``importer.Outcome.rows``' shape) to the function this yields, and the
    rows go to the server in chunks as they come, so the server stores them while the file is still being read.
    Written as COPY's text directly (the columns' and shared values' formats are fixed: ints, ISO dates, decimals,
    escaped text). An exception inside aborts the COPY (CopyFail): the caller rolls back to its savepoint.

    The columns are the table's, checked by ``sanquan_kernel.bulk.row_shape`` as ``insert_imported`` checks them
    (a new NOT NULL column without a default fails here, by name)."""
    shape = row_shape(
        RECORD_TABLE,
        IMPORTED_FIELDS,
        {"university_id": university_id, "source": source, "created_at": utcnow(), "created_by": actor},
    )
    others = [c for c in shape.columns if c not in IMPORTED_FIELDS]
    suffix = "".join("\t" + _copy_text(v) for v in shape.shared) + "\n"
    columns = ", ".join([*IMPORTED_FIELDS, *others])
    dates: dict[Any, str] = {}
    lines: list[str] = []
    raw: Any = session.connection().connection.driver_connection
    with _imported_before(), raw.cursor() as cur, cur.copy(f"COPY training_record ({columns}) FROM STDIN") as copy:

        def write(row: Row_) -> None:
            staff_id, department_id, title, taken_on, hours, days, themes, level, ext = row
            on = dates.get(taken_on)
            if on is None:
                on = dates[taken_on] = taken_on.isoformat()
            lines.append(
                f"{staff_id}\t{department_id}\t{_escaped(title)}\t{on}\t{taken_on.year}\t{hours}\t{days}\t"
                f"{themes}\t{level}\t{NULL if ext is None else _escaped(ext)}{suffix}"
            )
            if len(lines) >= COPY_CHUNK:
                copy.write("".join(lines))
                lines.clear()

        yield write
        if lines:
            copy.write("".join(lines))


class ImportedBefore(Exception):
    """An import's COPY met an external id an earlier import stored (the unique index refused it)."""


@contextmanager
def _imported_before() -> Iterator[None]:
    try:
        yield
    except psycopg.errors.UniqueViolation as exc:
        raise ImportedBefore(str(exc)) from exc


def find_by_external_id(session: Session, university_id: int, source: str, external_id: str) -> TrainingRecord | None:
    return session.scalar(
        select(TrainingRecord).where(
            TrainingRecord.university_id == university_id,
            TrainingRecord.source == source,
            TrainingRecord.external_id == external_id,
        )
    )


def existing_external_ids(session: Session, university_id: int, source: str, external_ids: Sequence[str]) -> set[str]:
    """Which of ``external_ids`` this university already stored from ``source`` (one indexed probe each)."""
    base = select(TrainingRecord.external_id).where(
        TrainingRecord.university_id == university_id, TrainingRecord.source == source
    )
    if session.scalar(base.where(TrainingRecord.external_id.is_not(None)).limit(1)) is None:
        return set()  # the first import of a university: nothing to probe
    found: set[str] = set()
    if not is_sqlite(session):
        found.update(
            session.scalars(base.where(TrainingRecord.external_id == any_(cast(list(external_ids), ARRAY(String)))))
        )
        return found
    for i in range(0, len(external_ids), 5000):
        found.update(session.scalars(base.where(TrainingRecord.external_id.in_(external_ids[i : i + 5000]))))
    return found


def get_import_job(session: Session, scope: Scope, subject: str, job_id: int) -> ImportJob | None:
    """A job is seen by the account that started it, within its scope."""
    return session.scalar(
        select(ImportJob).where(
            ImportJob.id == job_id,
            ImportJob.created_by == subject,
            scope.where(university=ImportJob.university_id, department=ImportJob.department_id),
        )
    )


# -- per-staff yearly totals ----------------------------------------------------------------------------------
Delta = dict[str, Any]


def record_delta(hours: Decimal, days: Decimal, themes: str, count: int = 1) -> Delta:
    """What ``count`` records with these themes and these summed hours and days add to a staff member's year
    (a removal passes negative amounts and count -1)."""
    d: Delta = dict.fromkeys(TOTAL_COLUMNS, 0)
    h, dy = int(hours * 100), int(days * 100)
    d["hours_x100"], d["days_x100"], d["records"] = h, dy, count
    for t in themes_from_db(themes):
        d[f"{t}_hours_x100"], d[f"{t}_days_x100"], d[f"{t}_count"] = h, dy, count
    return d


def add_delta(acc: dict[tuple[int, int], Delta], staff_id: int, year: int, delta: Delta) -> None:
    cur = acc.get((staff_id, year))
    if cur is None:
        acc[(staff_id, year)] = dict(delta)
    else:
        for k, v in delta.items():
            cur[k] += v


def apply_totals(session: Session, deltas: Mapping[tuple[int, int], Delta]) -> None:
    """Add the deltas to staff_year_total in one multi-row upsert (inserting rows that do not exist yet)."""
    if not deltas:
        return
    if not is_sqlite(session) and len(deltas) > 1:
        # PostgreSQL: one statement with an array per column, however many rows (an executemany sends one
        # statement per row: a batch push of 1,000 people's records spent more on that than on the records).
        data = [{"staff_id": sid, "year": year, **d} for (sid, year), d in sorted(deltas.items())]
        raw: Any = session.connection().connection.driver_connection
        with raw.cursor() as cur:
            cur.execute(_TOTALS_UPSERT, {"rows": to_json(data).decode()})
        return
    rows = [{"staff_id": sid, "year": year, **d} for (sid, year), d in sorted(deltas.items())]
    stmt = frozen(session, "staff_year_total.add", lambda: _totals_upsert(session))
    for i in range(0, len(rows), 2000):
        session.execute(stmt, rows[i : i + 2000])


_TOTALS_UPSERT = _recordset_insert(
    "staff_year_total",
    ("staff_id", "year", *TOTAL_COLUMNS),
    " ON CONFLICT (staff_id, year) DO UPDATE SET "
    + ", ".join(f"{c} = staff_year_total.{c} + excluded.{c}" for c in TOTAL_COLUMNS),
)


def get_total(session: Session, staff_id: int, year: int) -> StaffYearTotal | None:
    return session.get(StaffYearTotal, (staff_id, year))


def recompute_totals(session: Session, staff_id: int, year: int) -> dict[str, Decimal | int]:
    """The same figures aggregated from the raw records (tests and checks compare the two)."""
    t = TrainingRecord
    row = session.execute(
        select(func.coalesce(func.sum(t.hours), 0), func.coalesce(func.sum(t.days), 0), func.count(t.id)).where(
            t.staff_id == staff_id, t.year == year, t.deleted_at.is_(None)
        )
    ).one()
    return {"hours": Decimal(str(row[0])), "days": Decimal(str(row[1])), "records": int(row[2])}


# -- batch pushes (issue #21) ---------------------------------------------------------------------------------
#: The columns every record of one batch gives itself (the rest — source, client, time, actor — are shared).
BATCH_FIELDS = (
    "id",
    "staff_id",
    "university_id",
    "department_id",
    "title",
    "taken_on",
    "year",
    "hours",
    "days",
    "themes",
    "organizer_level",
    "evidence",
    "external_id",
)
BATCH_SHARED = ("source", "client_id", "created_at", "created_by", "version")


_BATCH_INSERT = _recordset_insert(
    "training_record",
    (*BATCH_FIELDS, *BATCH_SHARED),
    " ON CONFLICT (university_id, source, external_id) DO NOTHING RETURNING id",
)


def insert_batch(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int | None]:
    """Insert the records of one batch push, each like ``insert_idempotent``: answers, in the rows' order, the
    stored record's id, or None where the (university, source, external_id) was stored already (also by a racing
    push, whose commit this waits for). The rows share ``BATCH_SHARED``'s values; the caller has every other column
    of the stored rows already (``created_at`` its own, ``version`` 1, no ``course_id``), so only the ids come back.

    PostgreSQL: one statement (``_BATCH_INSERT``). SQLite: the single push's statement once per row."""
    if not rows:
        return []
    if is_sqlite(session):
        keys = tuple(rows[0])
        stmt = frozen(
            session, f"record.insert:{','.join(keys)}", lambda: _record_insert(session, keys), list(RECORD_TABLE.c)
        )
        connection = session.connection()
        out: list[int | None] = []
        for r in rows:
            row = connection.execute(stmt, {f"r_{k}": v for k, v in r.items()}).mappings().first()
            out.append(None if row is None else row["id"])
        return out
    connection = session.connection()
    ids = list(
        connection.execute(
            text("SELECT nextval(pg_get_serial_sequence('training_record', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)},
        ).scalars()
    )
    shared = {n: rows[0][n] for n in BATCH_SHARED}
    data = [
        {**{n: r[n] for n in BATCH_FIELDS[1:]}, **shared, "id": record_id}
        for record_id, r in zip(ids, rows, strict=True)
    ]
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(_BATCH_INSERT, {"rows": to_json(data).decode()})
        stored = {record_id for (record_id,) in cur}
    return [record_id if record_id in stored else None for record_id in ids]


def find_by_external_ids(
    session: Session, source: str, keys: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], TrainingRecord]:
    """The records stored from ``source`` under these (university, external id) pairs."""
    by_university: dict[int, list[str]] = {}
    for university_id, external_id in keys:
        by_university.setdefault(university_id, []).append(external_id)
    out: dict[tuple[int, str], TrainingRecord] = {}
    for university_id, external_ids in by_university.items():
        found = session.scalars(
            select(TrainingRecord).where(
                TrainingRecord.university_id == university_id,
                TrainingRecord.source == source,
                TrainingRecord.external_id.in_(external_ids),
            )
        )
        out.update({(university_id, r.external_id): r for r in found if r.external_id is not None})
    return out


def people(
    session: Session, scope: Scope, staff_ids: Iterable[int], numbers: Mapping[int, Iterable[str]]
) -> tuple[dict[int, Row[Any]], dict[tuple[int, str], Row[Any]]]:
    """The staff members a batch push names, as the scope sees them: (id, university_id, department_id,
    employee_no, name) by id, and by (university, employee number). Two queries at most per university."""
    from training.staff.repository import STAFF_TABLE
    from training.staff.repository import visible as staff_visible

    c = STAFF_TABLE.c
    columns = (c.id, c.university_id, c.department_id, c.employee_no, c.name)
    by_id: dict[int, Row[Any]] = {}
    wanted = sorted(set(staff_ids))
    if wanted:
        rows = session.execute(select(*columns).where(_among(session, c.id, wanted, Integer), staff_visible(scope)))
        by_id = {r.id: r for r in rows}
    by_number: dict[tuple[int, str], Row[Any]] = {}
    for university_id, nos in numbers.items():
        rows = session.execute(
            select(*columns).where(
                c.university_id == university_id,
                _among(session, c.employee_no, sorted(set(nos)), String),
                staff_visible(scope),
            )
        )
        by_number.update({(university_id, r.employee_no): r for r in rows})
    return by_id, by_number


def _among(session: Session, column: ColumnElement[Any], values: Sequence[Any], type_: Any) -> ColumnElement[bool]:
    """``column IN (values)``. PostgreSQL: ``column = ANY(%s)`` with one array parameter — a thousand-value IN is a
    thousand bound parameters, and expanding them and splitting the statement text around them cost SQLAlchemy and
    psycopg more than the query (a batch push's 1,000 people: ~10 ms of Python; the array: ~1 ms). The planner
    sees the array as a constant (a hashed lookup), unlike ``IN (SELECT … json_array_elements_text(…))``, which,
    before the table had statistics, became a nested loop of 2,000 × 1,000 comparisons. SQLite: the plain IN."""
    if is_sqlite(session):
        return column.in_(values)
    return column == any_(cast(list(values), ARRAY(type_)))


AUDIT_FIELDS: tuple[str, ...] = (
    *("at", "actor", "actor_role", "action", "entity", "entity_id", "university_id", "before", "after"),
    "request_id",
)
EVENT_FIELDS = ("id", "type", "university_id", "department_id", "subject", "occurred_at", "data")


def insert_audit_entries(session: Session, entries: Sequence[Mapping[str, Any]]) -> None:
    """The audit entries of a batch (``audit_values``' columns) at the database's bound (COPY on PostgreSQL)."""
    if entries:
        _insert_plain(session, AUDIT_TABLE, AUDIT_FIELDS, entries)
        for entry in entries:
            note_audited(session, entry["action"])


def insert_events(session: Session, events: Sequence[Mapping[str, Any]]) -> None:
    """Outbox events (``sanquan_kernel.outbox`` columns) of a batch at the database's bound (COPY on PostgreSQL)."""
    if events:
        _insert_plain(session, OUTBOX_TABLE, EVENT_FIELDS, events)


def _insert_plain(session: Session, table: Table, fields: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows of plain values (ints, text, aware datetimes, JSON objects): one statement from a JSON text on
    PostgreSQL (``_recordset_insert``), an executemany on SQLite."""
    if is_sqlite(session):
        session.execute(insert(table), [{f: r[f] for f in fields} for r in rows])
        return
    raw: Any = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        data = [{f: r[f] for f in fields} for r in rows]
        cur.execute(_recordset_insert(table.name, fields), {"rows": to_json(data).decode()})
