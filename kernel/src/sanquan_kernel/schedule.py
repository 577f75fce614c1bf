"""A durable schedule in the service's own database (issue #18): jobs that run every so often, once across
replicas, that survive restarts and catch up after downtime.

A service declares ``class ScheduledJob(ScheduledJobMixin, Base)`` (table ``scheduled_job``, created by a revision
calling ``create_scheduled_job_table``) and a list of ``Job``; the ``Scheduler`` thread of its lifespan (or the
CLI, or a test) calls ``run_due_jobs``. Each job's row holds ``next_run_at`` and a lease:

1. **claim** — one atomic ``UPDATE … SET lease_owner, lease_until WHERE name = … AND next_run_at <= now AND
   (lease_until IS NULL OR lease_until < now)``, committed: of two replicas asking at once, one changes the row
   and the other changes nothing (PostgreSQL re-evaluates the condition after the first commits; SQLite has one
   writer at a time). A process that died holding a lease loses it when ``lease_until`` passes.
2. **run** — the job's work and the move of ``next_run_at`` are ONE transaction, guarded by the lease owner: the
   work commits exactly when the schedule says it ran. A failure rolls everything back, records the error and
   frees the lease; the job is due again at once (next tick).
3. **catch-up** — after downtime ``next_run_at`` lies in the past: the job runs once (not once per missed slot;
   the jobs look at the state of the data as of ``clock.now()``, so one run covers the gap) and its next slot is
   the first one after now on its grid (``anchor + k·every``), so runs stay on the same times of day.

Time is ``sanquan_kernel.clock``'s: a test freezes it, moves it, and calls ``run_due_jobs``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, Text, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from sanquan_kernel import clock
from sanquan_kernel.db import UTCDateTime
from sanquan_kernel.lifespan import run_in_background

log = logging.getLogger("sanquan.schedule")

#: How long a claimed run may take before another replica may take the job over.
DEFAULT_LEASE = timedelta(minutes=10)


class ScheduledJobMixin:
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    every_seconds: Mapped[int] = mapped_column(Integer)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    runs: Mapped[int] = mapped_column(Integer, default=0)


def create_scheduled_job_table() -> None:
    """``upgrade()`` of a service's schedule revision: the table of ``ScheduledJobMixin`` as it is now (a later
    change to the mixin is a new revision in each tree)."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "scheduled_job",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("next_run_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_job")),
    )


def drop_scheduled_job_table() -> None:
    from alembic import op

    op.drop_table("scheduled_job")


@dataclass(frozen=True)
class Job:
    """A job: ``run(session, now)`` does its work inside the run's transaction (it never commits)."""

    name: str
    every: timedelta
    run: Callable[[Session, datetime], Any]
    #: The grid's origin: runs fall on ``anchor + k·every`` (e.g. 01:00 in the province, every day).
    anchor: datetime = datetime(2026, 1, 1, 17, 0, tzinfo=clock.PROVINCE_TZ)  # 01:00 Beijing time
    lease: timedelta = DEFAULT_LEASE
    #: A new job (no row yet) runs on the first tick; False: at its first slot on the grid (a daily digest).
    at_once: bool = True

    def next_after(self, at: datetime) -> datetime:
        """The first slot of the grid strictly after ``at``."""
        anchor = self.anchor.astimezone(at.tzinfo)
        steps = int((at - anchor) // self.every) + 1
        return anchor + steps * self.every


@dataclass
class Outcome:
    name: str
    ran: bool
    result: Any = None
    error: str | None = None


def ensure_jobs(maker: sessionmaker[Session], model: type[ScheduledJobMixin], jobs: Sequence[Job]) -> None:
    """Add the rows of jobs not yet in the table, due at once (a new job runs on the first tick); a changed
    ``every`` is written over. Replicas racing to add the same row: the primary key keeps one."""
    table: Any = model.__table__  # type: ignore[attr-defined]
    for job in jobs:
        try:
            with maker.begin() as s:
                row = s.execute(select(table.c.every_seconds).where(table.c.name == job.name)).first()
                every = int(job.every.total_seconds())
                if row is None:
                    first = clock.now() if job.at_once else job.next_after(clock.now())
                    s.execute(insert(table).values(name=job.name, every_seconds=every, next_run_at=first, runs=0))
                elif row.every_seconds != every:
                    s.execute(update(table).where(table.c.name == job.name).values(every_seconds=every))
        except IntegrityError:
            pass  # another replica added it


def run_due_jobs(
    maker: sessionmaker[Session],
    model: type[ScheduledJobMixin],
    jobs: Sequence[Job],
    *,
    owner: str | None = None,
) -> list[Outcome]:
    """Run every job that is due now and not leased by someone else; one outcome per job (``ran=False``: not due
    or taken by another replica)."""
    ensure_jobs(maker, model, jobs)
    owner = owner or uuid.uuid4().hex
    return [_run_one(maker, model.__table__, job, owner) for job in jobs]  # type: ignore[attr-defined]


def _run_one(maker: sessionmaker[Session], table: Any, job: Job, owner: str) -> Outcome:
    now = clock.now()
    with maker.begin() as s:
        claimed: Any = s.execute(
            update(table)
            .where(
                table.c.name == job.name,
                table.c.next_run_at <= now,
                (table.c.lease_until.is_(None)) | (table.c.lease_until < now),
            )
            .values(lease_owner=owner, lease_until=now + job.lease, last_started_at=now)
        )
    if claimed.rowcount != 1:
        return Outcome(job.name, ran=False)
    mine = (table.c.name == job.name) & (table.c.lease_owner == owner)
    try:
        with maker.begin() as s:
            result = job.run(s, now)
            done: Any = s.execute(
                update(table)
                .where(mine)
                .values(
                    next_run_at=job.next_after(clock.now()),
                    lease_owner=None,
                    lease_until=None,
                    last_finished_at=clock.now(),
                    last_error=None,
                    runs=table.c.runs + 1,
                )
            )
            if done.rowcount != 1:  # the lease ran out and another replica took the job: this run's work is undone
                raise LeaseLost(job.name)
        return Outcome(job.name, ran=True, result=result)
    except Exception as exc:
        log.exception("scheduled job %s failed", job.name)
        with maker.begin() as s:
            s.execute(update(table).where(mine).values(lease_owner=None, lease_until=None, last_error=repr(exc)[:2000]))
        return Outcome(job.name, ran=False, error=repr(exc))


class LeaseLost(RuntimeError):
    pass


class Scheduler:
    """The background thread of a service's lifespan: ``run_due_jobs`` every ``poll`` seconds (wall time: a
    frozen clock in a test does not move by itself, the test calls ``run_due_jobs``)."""

    def __init__(
        self,
        maker: sessionmaker[Session],
        model: type[ScheduledJobMixin],
        jobs: Sequence[Job],
        *,
        poll: float = 30.0,
    ) -> None:
        self.maker, self.model, self.jobs, self.poll = maker, model, list(jobs), poll
        self.owner = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="schedule", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                run_due_jobs(self.maker, self.model, self.jobs, owner=self.owner)
            except Exception as exc:  # noqa: BLE001 - the database away: try again next time
                log.warning("the schedule could not run: %s", exc)
            self._stop.wait(self.poll)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def install(app: Any, model: type[ScheduledJobMixin], jobs: Callable[[Any], Sequence[Job]], *, poll: float) -> None:
    """Run a service's scheduled ``jobs(state)`` with the app (its ``create_app``): the ``Scheduler`` thread starts
    in the app's lifespan when the service syncs with the gateway (tests that build the app alone call
    ``run_due_jobs`` with a frozen clock instead) and stops with it; ``state.extras['schedule']`` holds it."""

    def start(state: Any) -> Scheduler:
        scheduler = Scheduler(state.sessionmaker, model, jobs(state), poll=poll)
        state.extras["schedule"] = scheduler
        scheduler.start()
        return scheduler

    run_in_background(app, start)
