"""The ledger (T1, T3): records entered by people, pushed by campus systems, made by courses and approved
self-reports; every change updates the staff member's yearly totals in the same transaction and is audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from sanquan_kernel import clock
from sanquan_kernel.audit import audit_values
from sanquan_kernel.clock import today
from sanquan_kernel.db import utcnow
from sanquan_kernel.editing import lock
from sanquan_kernel.errors import Conflict, NotFound, PayloadTooLarge, PreconditionFailed, Unprocessable, problem_body
from sanquan_kernel.metrics import BUSINESS_EVENTS
from sanquan_kernel.outbox import _EMITTED as OUTBOX_EMITTED
from sanquan_kernel.outbox import emit, event_ids
from sanquan_kernel.principal import Principal, Role, Scope
from training.deps import audit, edit
from training.records import importer, repository
from training.records.models import TrainingRecord
from training.records.schemas import (
    MAX_BATCH,
    ImportResult,
    ImportRowError,
    RecordCorrection,
    RecordCreate,
    RecordOut,
    RecordVersion,
)
from training.staff import repository as staff_repository
from training.staff.models import Staff
from training.staff.service import target_university
from training.vocabulary import EARLIEST_TAKEN_ON, Source, q2, themes_from_db, themes_to_db


def to_out(record: TrainingRecord, names: dict[int, tuple[str, str]] | None = None) -> RecordOut:
    no, name = (names or {}).get(record.staff_id, (None, None))
    return RecordOut(
        id=record.id,
        staff_id=record.staff_id,
        employee_no=no,
        staff_name=name,
        university_id=record.university_id,
        department_id=record.department_id,
        title=record.title,
        taken_on=record.taken_on,
        year=record.year,
        hours=float(q2(record.hours)),
        days=float(q2(record.days)),
        themes=themes_from_db(record.themes),
        organizer_level=record.organizer_level,
        course_id=record.course_id,
        evidence=record.evidence,
        source=record.source,
        external_id=record.external_id,
        created_at=record.created_at,
        created_by=record.created_by,
        deleted_at=record.deleted_at,
        version=record.version,
    )


def outs(session: Session, records: Sequence[TrainingRecord]) -> list[RecordOut]:
    names = repository.staff_names(session, (r.staff_id for r in records))
    return [to_out(r, names) for r in records]


SNAPSHOT_FIELDS = (
    *("staff_id", "title", "taken_on", "hours", "days", "themes", "organizer_level", "evidence"),
    *("source", "external_id"),
)
RECORD_FIELDS = tuple(n for n in RecordOut.model_fields if n not in ("employee_no", "staff_name"))


def snapshot(record: TrainingRecord) -> dict[str, Any]:
    return snapshot_of({n: getattr(record, n) for n in SNAPSHOT_FIELDS})


def snapshot_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """A record's audited fields, from its column values."""
    out = {n: values[n] for n in SNAPSHOT_FIELDS}
    out.update(taken_on=values["taken_on"].isoformat(), hours=str(q2(values["hours"])), days=str(q2(values["days"])))
    return out


def record_data(row: Mapping[Any, Any], employee_no: str | None, staff_name: str | None) -> dict[str, Any]:
    """A record as the plain data of ``RecordOut`` (serialised directly by the hot endpoints), from its row."""
    out = {n: row[n] for n in RECORD_FIELDS}
    out.update(
        employee_no=employee_no,
        staff_name=staff_name,
        hours=float(q2(row["hours"])),
        days=float(q2(row["days"])),
        themes=themes_from_db(row["themes"]),
    )
    return out


def check_taken_on(taken_on: date, loc: list[str | int] | None = None) -> None:
    """T1: training counts for the calendar year it was taken in, and cannot be dated in the future (nor before
    1900, which no ledger year reaches)."""
    if taken_on > today():
        raise Unprocessable(
            "taken_on is in the future",
            errors=[{"loc": loc or ["body", "taken_on"], "msg": "must not be in the future"}],
        )
    if taken_on < EARLIEST_TAKEN_ON:
        raise Unprocessable(
            "taken_on is before 1900",
            errors=[{"loc": loc or ["body", "taken_on"], "msg": "must not be before 1900-01-01"}],
        )


def source_of(principal: Principal) -> str:
    """T3: where a record came from — an integration client's own id, otherwise entered by hand."""
    if principal.role is Role.INTEGRATION and principal.client_id:
        return principal.client_id
    return Source.MANUAL.value


@dataclass
class NewRecord:
    staff: Staff | Person
    title: str
    taken_on: date
    hours: Decimal
    days: Decimal
    themes: str
    organizer_level: str
    source: str
    created_by: str
    external_id: str | None = None
    evidence: str | None = None
    course_id: int | None = None
    client_id: str | None = None

    def values(self) -> dict[str, Any]:
        return {
            "staff_id": self.staff.id,
            "university_id": self.staff.university_id,
            "department_id": self.staff.department_id,
            "title": self.title,
            "taken_on": self.taken_on,
            "year": self.taken_on.year,
            "hours": q2(self.hours),
            "days": q2(self.days),
            "themes": self.themes,
            "organizer_level": self.organizer_level,
            "course_id": self.course_id,
            "evidence": self.evidence,
            "source": self.source,
            "client_id": self.client_id,
            "external_id": self.external_id,
            "created_at": utcnow(),
            "created_by": self.created_by,
            "version": 1,
        }


@dataclass(frozen=True)
class Person:
    """The staff member a push names, as far as the push needs them."""

    id: int
    university_id: int
    department_id: int
    employee_no: str
    name: str


def store(session: Session, new: NewRecord, audit: dict[str, Any] | None = None) -> tuple[TrainingRecord, bool]:
    """Store one record and add it to the totals; an external id stored before answers the stored record.
    ``audit``: the new record's audit entry (``audit_values``; its entity id becomes the record's), written only
    when the record is (``repository.insert_counted``: one statement on PostgreSQL)."""
    values = new.values()
    delta = repository.record_delta(q2(new.hours), q2(new.days), new.themes)
    record: TrainingRecord | None
    if audit is not None:
        record = repository.insert_counted(session, values, delta, audit)
    else:
        record = repository.insert_idempotent(session, values)
        if record is not None:
            repository.apply_totals(session, {(new.staff.id, new.taken_on.year): delta})
    if record is None:
        return _stored_before(session, new), False
    return record, True


def _stored_before(session: Session, new: NewRecord) -> TrainingRecord:
    """The record stored earlier with the new one's external id (a repeated or a racing push)."""
    assert new.external_id is not None
    existing = repository.find_by_external_id(session, new.staff.university_id, new.source, new.external_id)
    assert existing is not None
    return existing


def _columns(record: TrainingRecord) -> dict[str, Any]:
    return {n: getattr(record, n) for n in RECORD_FIELDS}


def _person(session: Session, principal: Principal, scope: Scope, body: RecordCreate) -> Person:
    if body.staff_id is not None:
        row = staff_repository.person(session, scope, staff_id=body.staff_id)
        loc = "staff_id"
    else:
        assert body.employee_no is not None
        university_id = target_university(principal, body.university_id)
        row = staff_repository.person(session, scope, university_id=university_id, employee_no=body.employee_no.strip())
        loc = "employee_no"
    if row is None:
        raise Unprocessable(
            "No such staff member",
            errors=[{"loc": ["body", loc], "msg": "unknown staff member", "code": "unknown_staff"}],
        )
    return Person(*row)


def push(session: Session, principal: Principal, scope: Scope, body: RecordCreate) -> tuple[dict[str, Any], bool]:
    """CONTRACT.md records: 201 with the new record; the same external_id again from the same source answers
    200 with the stored record and stores nothing (also when the two posts race). Answers the record as the plain
    data of ``RecordOut`` and whether it is new. The hottest write of the platform: on PostgreSQL the person is
    one statement, the record with its totals, audit entry and ``record.accepted`` event another, and no ORM object
    is made (``repository.insert_pushed_row``; SQLite: ``insert_counted_row`` and ``emit``)."""
    person = _person(session, principal, scope, body)
    check_taken_on(body.taken_on)
    new = NewRecord(
        staff=person,
        title=body.title.strip(),
        taken_on=body.taken_on,
        hours=body.hours,
        days=body.days,
        themes=themes_to_db(body.themes),
        organizer_level=body.organizer_level.value,
        source=source_of(principal),
        created_by=principal.subject,
        external_id=body.external_id,
        evidence=body.evidence,
        client_id=principal.client_id,
    )
    values = new.values()
    audit = audit_values(
        principal,
        "record.create",
        "training_record",
        None,  # the new record's id
        university_id=person.university_id,
        after=snapshot_of(values),
    )
    delta = repository.record_delta(q2(new.hours), q2(new.days), new.themes)
    # Issue #18 (webhooks): the record.accepted event written by the same statement on PostgreSQL (a repeat tells
    # nothing); on SQLite by one more statement in the push's transaction.
    event = {"id": event_ids(1)[0], "type": "record.accepted", "occurred_at": clock.now()}
    row, event_written = repository.insert_pushed_row(session, values, delta, audit, event)
    if row is None:
        return record_data(_columns(_stored_before(session, new)), person.employee_no, person.name), False
    if event_written:
        session.info[OUTBOX_EMITTED] = True  # the relay is woken by the commit, as after an emit
        return record_data(row, person.employee_no, person.name), True
    data = record_data(row, person.employee_no, person.name)
    emit(
        session,
        "record.accepted",
        subject=f"training_record:{data['id']}",
        university_id=person.university_id,
        department_id=person.department_id,
        data={"record_id": data["id"], "external_id": body.external_id, "source": values["source"]},
    )
    return data, True


def get_or_404(session: Session, scope: Scope, record_id: int) -> TrainingRecord:
    record = repository.get(session, scope, record_id)
    if record is None:
        raise NotFound("Record not found")
    return record


def get_for_update(session: Session, scope: Scope, record_id: int) -> TrainingRecord:
    """The record re-read under ``SELECT … FOR UPDATE`` before its version is checked: two concurrent corrections
    with the same ``If-Match`` cannot both pass the check (and both move the yearly totals). SQLite writers are
    serialised by BEGIN IMMEDIATE already."""
    record = get_or_404(session, scope, record_id)
    lock(session, record)
    if record.deleted_at is not None:
        raise NotFound("Record not found")
    return record


def delete(session: Session, request: Request, principal: Principal, scope: Scope, record_id: int) -> None:
    """A deleted record stops counting at once (T1) and stays in the audit trail with what it said."""
    _delete_locked(session, request, principal, get_for_update(session, scope, record_id))


def delete_batch(session: Session, principal: Principal, scope: Scope, items: Sequence[RecordVersion]) -> int:
    """批量删除: all or nothing. Every record is read under ``FOR UPDATE`` in the caller's scope first; one that is
    not there (never existed, deleted already, or outside the scope — the same answer, A3) is a 404 naming its
    place in the batch, one whose version is not the one the caller saw is a 412; either way nothing is deleted.
    Then each goes the single delete's way (totals, attachments, its own audit entry)."""
    records: list[TrainingRecord] = []
    missing: list[dict[str, Any]] = []
    stale: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        record = repository.get(session, scope, item.id)
        if record is not None:
            lock(session, record)
        if record is None or record.deleted_at is not None:
            missing.append({"loc": ["body", "records", i, "id"], "msg": "not found", "type": "not_found"})
        elif record.version != item.version:
            stale.append({"loc": ["body", "records", i, "version"], "msg": "changed", "type": "stale_version"})
        else:
            records.append(record)
    if missing:
        raise NotFound("Some records were not found; none was deleted", errors=missing)
    if stale:
        raise PreconditionFailed(
            "Some records were changed by someone else; none was deleted", code="stale_version", errors=stale
        )
    for record in records:
        _delete_locked(session, None, principal, record)
    return len(records)


def _delete_locked(session: Session, request: Request | None, principal: Principal, record: TrainingRecord) -> None:
    from training.attachments.service import ATTACHMENTS

    # Locked already (a deleted record is 404 before any If-Match check); audited with what it said.
    with edit(session, request, record, principal, "record.delete", entity="training_record", lock=False) as e:
        e.before = snapshot(record)
        e.set(deleted_at=utcnow(), deleted_by=principal.subject)
        ATTACHMENTS.detach_owned(session, "record", [record.id])  # its certificates: kept for the retention period
        repository.apply_totals(
            session,
            {
                (record.staff_id, record.year): repository.record_delta(
                    -q2(record.hours), -q2(record.days), record.themes, -1
                )
            },
        )


def correct(
    session: Session, request: Request, principal: Principal, scope: Scope, record_id: int, body: RecordCorrection
) -> TrainingRecord:
    """A correction moves the record's figures out of the old year's totals and into the new ones."""
    record = get_for_update(session, scope, record_id)
    with edit(
        session, request, record, principal, "record.correct", entity="training_record", fields=snapshot, lock=False
    ) as e:
        changes = body.model_dump(exclude_unset=True)
        if not changes:
            return record
        new_hours = q2(changes.get("hours", record.hours))
        new_days = q2(changes.get("days", record.days))
        if new_hours == 0 and new_days == 0:
            raise Unprocessable("hours and days cannot both be 0", errors=[{"loc": ["body"], "msg": "both 0"}])
        if "taken_on" in changes:
            check_taken_on(changes["taken_on"])
        deltas: dict[tuple[int, int], repository.Delta] = {}
        repository.add_delta(
            deltas,
            record.staff_id,
            record.year,
            repository.record_delta(-q2(record.hours), -q2(record.days), record.themes, -1),
        )
        if "title" in changes:
            record.title = changes["title"].strip()
        if "taken_on" in changes:
            record.taken_on = changes["taken_on"]
            record.year = record.taken_on.year
        if "themes" in changes:
            record.themes = themes_to_db(changes["themes"])
        if "organizer_level" in changes:
            record.organizer_level = str(changes["organizer_level"])
        if "evidence" in changes:
            record.evidence = changes["evidence"]
        record.hours, record.days = new_hours, new_days
        e.touch()
        repository.add_delta(
            deltas, record.staff_id, record.year, repository.record_delta(new_hours, new_days, record.themes)
        )
        repository.apply_totals(session, deltas)
    return record


# -- imports -------------------------------------------------------------------------------------------------------
def check_file(
    session: Session,
    principal: Principal,
    scope: Scope,
    university_id: int,
    filename: str,
    content: bytes,
    max_rows: int,
    *,
    progress: Callable[[int], None] | None = None,
    max_errors: int | None = importer.MAX_ERRORS,
) -> importer.Outcome:
    """Read and check every row of an upload (nothing stored). A department manager imports for their own
    department: the university's staff are looked up so that a person of another department is refused as such
    (not as unknown); a person of another university stays unknown."""
    department_id, staff_by_no = _import_staff(session, principal, scope, university_id)
    try:
        table = importer.read_table(filename, content, max_rows)
        return importer.validate(
            table, staff_by_no, today(), progress, department_id=department_id, max_errors=max_errors
        )
    except importer.ImportTooLarge as exc:
        raise PayloadTooLarge(str(exc), max_rows=exc.limit) from None
    except importer.ImportFileError as exc:
        raise Unprocessable(str(exc), errors=[{"loc": ["body", "file"], "msg": str(exc)}]) from None


def _import_staff(
    session: Session, principal: Principal, scope: Scope, university_id: int
) -> tuple[int | None, dict[str, tuple[int, int]]]:
    department_id = principal.department_id if principal.role is Role.DEPARTMENT_MANAGER else None
    if department_id is not None:
        return department_id, staff_repository.lookup_employee_numbers(session, None, university_id)
    return department_id, staff_repository.lookup_employee_numbers(session, scope, university_id)


class _Refused(Exception):
    """A file with refused rows, read while its good rows were being stored: roll them back."""

    def __init__(self, outcome: importer.Outcome) -> None:
        super().__init__("refused rows")
        self.outcome = outcome


def _check_and_store(
    session: Session,
    principal: Principal,
    scope: Scope,
    university_id: int,
    filename: str,
    content: bytes,
    max_rows: int,
    progress: Callable[[int], None] | None,
) -> importer.Outcome | None:
    """Issue #21: the import stored while the file is read, not after (PostgreSQL). The rows go into one COPY as
    they pass their checks, so the database stores them while Python reads the rest (the two run on two cores),
    inside a savepoint: at the first refused row the writing stops, the reading goes on to list every error, and
    the savepoint is rolled back — all or nothing as before. Optimistic about the external ids: the unique index
    answers whether an earlier import stored one (the import lock held, only imports write this source); when it
    did, the COPY fails, the savepoint is rolled back and the import goes the two-phase way (None: the file checked,
    the stored ids probed and skipped, the rest stored). Reading a university's stored ids first cost an import
    after earlier ones 1–2 s (100,000–200,000 ids, their rows' visibility checked one by one before a vacuum)."""
    department_id, staff_by_no = _import_staff(session, principal, scope, university_id)
    repository.lock_imports(session, university_id)
    try:
        with (
            session.begin_nested(),
            repository.import_copy(session, university_id, Source.IMPORT.value, principal.subject) as write,
        ):
            outcome = importer.validate(
                importer.read_table(filename, content, max_rows),
                staff_by_no,
                today(),
                progress,
                department_id=department_id,
                sink=write,
            )
            if outcome.errors:
                raise _Refused(outcome)
    except _Refused as refused:
        return refused.outcome
    except repository.ImportedBefore:
        return None
    except importer.ImportTooLarge as exc:
        raise PayloadTooLarge(str(exc), max_rows=exc.limit) from None
    except importer.ImportFileError as exc:
        raise Unprocessable(str(exc), errors=[{"loc": ["body", "file"], "msg": str(exc)}]) from None
    importer.add_totals(session, outcome)
    return outcome


def import_file(
    session: Session,
    principal: Principal,
    scope: Scope,
    university_id: int,
    filename: str,
    content: bytes,
    *,
    dry_run: bool,
    max_rows: int = importer.DEFAULT_MAX_ROWS,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """CONTRACT.md import: validate every row first; when any is wrong store nothing and list them all. A file of
    more than ``max_rows`` rows is refused with 413 (nothing stored), a hostile or unreadable one with 422."""
    streamed = None
    if not dry_run and repository.streams_imports(session):
        streamed = _check_and_store(session, principal, scope, university_id, filename, content, max_rows, progress)
    if streamed is not None:
        outcome = streamed
    else:
        outcome = check_file(session, principal, scope, university_id, filename, content, max_rows, progress=progress)
        if not outcome.errors:
            repository.lock_imports(session, university_id)
            importer.drop_stored(session, university_id, outcome)
    if not outcome.errors and not dry_run:
        stored = (
            len(outcome.rows)
            if streamed is not None
            else importer.store(session, university_id, outcome, principal.subject)
        )
        if stored:
            audit(
                session,
                principal,
                "record.import",
                "training_record",
                f"import:{filename}"[:64],
                university_id=university_id,
                after={"filename": filename, "stored": stored, "skipped": outcome.skipped},
            )
        BUSINESS_EVENTS.labels("training", "records_imported").inc(stored)
    if not dry_run:
        emit(
            session,
            "import.finished",
            subject=f"import:{filename}"[:100],
            university_id=university_id,
            data={
                "filename": filename,
                "total": outcome.total,
                "accepted": 0 if outcome.errors else outcome.accepted,
                "rejected": outcome.rejected,
            },
            recipients=[principal.user_id] if principal.user_id else None,
        )
    return ImportResult(
        total=outcome.total,
        accepted=outcome.accepted,
        rejected=outcome.rejected,
        skipped=outcome.skipped,
        dry_run=dry_run,
        errors=[ImportRowError(**e) for e in outcome.errors],
    )


# -- batch pushes (issue #21) --------------------------------------------------------------------------------------
def _item_loc(index: int, loc: Sequence[Any]) -> list[Any]:
    """A location inside the batch: ``["body", "hours"]`` of item 3 → ``["body", "records", 3, "hours"]``."""
    rest = list(loc[1:]) if loc and loc[0] == "body" else list(loc)
    return ["body", "records", index, *rest]


def _rejected(index: int, detail: str, errors: list[dict[str, Any]], code: str | None = None) -> dict[str, Any]:
    extra = {"code": code} if code else {}
    return {"index": index, "status": 422, "problem": problem_body(422, detail, errors=errors, **extra)}


def _invalid(index: int, exc: ValidationError) -> dict[str, Any]:
    errors = []
    for err in exc.errors(include_url=False):
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if k != "error"}
        if err.get("type") == "value_error" and (err.get("ctx") or {}).get("error") is not None:
            ctx["reason"] = str(err["ctx"]["error"])
        loc = _item_loc(index, ["body", *err["loc"]])
        errors.append({"loc": loc, "msg": err["msg"], "type": err["type"], "params": ctx})
    return _rejected(index, "The record is malformed", errors)


def _refused(index: int, exc: Unprocessable) -> dict[str, Any]:
    errors = [{**e, "loc": _item_loc(index, e.get("loc", ["body"]))} for e in exc.extra.get("errors", [])]
    return _rejected(index, exc.detail or "The record is refused", errors, exc.extra.get("code"))


def push_batch(session: Session, principal: Principal, scope: Scope, items: Sequence[Any]) -> dict[str, Any]:
    """Issue #21: up to ``MAX_BATCH`` records in one request and one transaction, each answered as the single push
    answers it (``push``): 201 stored, 200 stored before under the same external_id from the same source (also
    earlier in this batch, or by a racing push), 422 refused — a refused item stores nothing and stops no other.
    The stored ones take the single push's totals, audit entry and ``record.accepted`` event, written in bulk."""
    if len(items) > MAX_BATCH:
        raise PayloadTooLarge(f"At most {MAX_BATCH} records per batch", max_records=MAX_BATCH, records=len(items))
    results: list[dict[str, Any] | None] = [None] * len(items)
    bodies: list[tuple[int, RecordCreate, int | None]] = []
    for i, raw in enumerate(items):
        try:
            body = RecordCreate.model_validate(raw)
            check_taken_on(body.taken_on)
            university_id = target_university(principal, body.university_id) if body.staff_id is None else None
        except ValidationError as exc:
            results[i] = _invalid(i, exc)
            continue
        except Unprocessable as exc:
            results[i] = _refused(i, exc)
            continue
        bodies.append((i, body, university_id))

    numbers: dict[int, list[str]] = {}
    for _, body, university_id in bodies:
        if university_id is not None and body.employee_no is not None:
            numbers.setdefault(university_id, []).append(body.employee_no.strip())
    # An id no row can have (beyond the column's integer range) is simply unknown, not a failure of the batch.
    ids = (b.staff_id for _, b, _ in bodies if b.staff_id is not None and 0 < b.staff_id < 2**31)
    by_id, by_number = repository.people(session, scope, ids, numbers)

    source = source_of(principal)
    now = utcnow()
    pending: list[tuple[int, Person, dict[str, Any]]] = []  # the items to insert
    first_of: dict[tuple[int, str], int] = {}  # (university, external id) → the item that stores it
    repeats: list[tuple[int, int, str]] = []  # items naming an external id an earlier item of the batch names
    for i, body, university_id in bodies:
        if body.staff_id is not None:
            row, field = by_id.get(body.staff_id), "staff_id"
        else:
            assert university_id is not None and body.employee_no is not None
            row, field = by_number.get((university_id, body.employee_no.strip())), "employee_no"
        if row is None:
            results[i] = _rejected(
                i,
                "No such staff member",
                [{"loc": ["body", "records", i, field], "msg": "unknown staff member", "code": "unknown_staff"}],
            )
            continue
        person = Person(*row)
        if body.external_id is not None:
            key = (person.university_id, body.external_id)
            if key in first_of:
                repeats.append((i, person.university_id, body.external_id))
                continue
            first_of[key] = i
        values = NewRecord(
            staff=person,
            title=body.title.strip(),
            taken_on=body.taken_on,
            hours=body.hours,
            days=body.days,
            themes=themes_to_db(body.themes),
            organizer_level=body.organizer_level.value,
            source=source,
            created_by=principal.subject,
            external_id=body.external_id,
            evidence=body.evidence,
            client_id=principal.client_id,
        ).values()
        values["created_at"] = now
        pending.append((i, person, values))

    # Inserted in the order of their external ids: two batches racing on the same ids wait for each other in the
    # same order (no deadlock); the totals are upserted in (staff, year) order by apply_totals.
    pending.sort(key=lambda p: (p[2]["university_id"], p[2]["external_id"] is None, p[2]["external_id"] or ""))
    stored = repository.insert_batch(session, [v for _, _, v in pending])

    # Issue #21: an answer, audit entry and event per stored record, made from the values inserted (the same the
    # stored row would give: RETURNING id only), the shared parts of the entries and events made once per batch.
    deltas: dict[tuple[int, int], repository.Delta] = {}
    entries: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    before: list[tuple[int, tuple[int, str]]] = []
    created = 0
    entry_of = audit_values(principal, "record.create", "training_record", None)
    new_event_ids = event_ids(len(pending))
    occurred_at = clock.now()
    for (i, person, values), record_id, new_event_id in zip(pending, stored, new_event_ids, strict=True):
        if record_id is None:
            assert values["external_id"] is not None
            before.append((i, (person.university_id, values["external_id"])))
            continue
        created += 1
        values.update(id=record_id, deleted_at=None)
        results[i] = {"index": i, "status": 201, "record": record_data(values, person.employee_no, person.name)}
        delta = repository.record_delta(values["hours"], values["days"], values["themes"])
        repository.add_delta(deltas, person.id, values["year"], delta)
        entries.append(
            {
                **entry_of,
                "entity_id": str(record_id),
                "university_id": person.university_id,
                "after": snapshot_of(values),
            }
        )
        events.append(
            {
                "id": new_event_id,
                "type": "record.accepted",
                "university_id": person.university_id,
                "department_id": person.department_id,
                "subject": f"training_record:{record_id}",
                "occurred_at": occurred_at,
                "data": {"record_id": record_id, "external_id": values["external_id"], "source": source},
            }
        )
    repository.apply_totals(session, deltas)
    repository.insert_audit_entries(session, entries)
    if events:
        repository.insert_events(session, events)
        session.info[OUTBOX_EMITTED] = True  # wakes the relays when the transaction commits (sanquan_kernel.outbox)

    # The items whose external id was stored before: the stored record, 200 (A3: it is the caller's own source).
    wanted = [k for _, k in before] + [(u, e) for _, u, e in repeats]
    found = repository.find_by_external_ids(session, source, wanted) if wanted else {}
    names = repository.staff_names(session, (r.staff_id for r in found.values()))
    for i, key in [*before, *((i, (u, e)) for i, u, e in repeats)]:
        existing = found.get(key)
        if existing is None:  # stored by another transaction that has not committed, then rolled back: retry
            raise Conflict("A record of this batch is being stored by another request; send the batch again")
        no, name = names.get(existing.staff_id, (None, None))
        results[i] = {"index": i, "status": 200, "record": record_data(_columns(existing), no, name)}
    answered = [r for r in results if r is not None]
    assert len(answered) == len(items)
    rejected = sum(1 for r in answered if r["status"] == 422)
    return {"created": created, "existing": len(answered) - created - rejected, "rejected": rejected, "items": answered}
