"""Imports as background jobs for the SPA's progress bar: ``202`` with the job's URL, which the SPA polls.

The ``import_job`` table is the queue; a worker thread in the service claims queued jobs one at a time (a claim
is an UPDATE guarded by the status, so two workers never run the same job) and runs the same import as the
synchronous endpoint. Progress while a job runs is kept in memory (the import's own transaction holds the write
lock on SQLite, so it cannot also write progress rows); the stored row has the final figures.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import ProblemError
from sanquan_kernel.principal import Principal, Role, scope_for
from training.records import importer, service
from training.records.models import ImportJob

log = logging.getLogger("training.import_jobs")


class ImportWorker:
    def __init__(
        self, factory: sessionmaker[Session], *, idle_seconds: float = 5.0, max_rows: int = importer.DEFAULT_MAX_ROWS
    ) -> None:
        self.factory = factory
        self.max_rows = max_rows
        self.idle_seconds = idle_seconds
        self.progress: dict[int, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def wake(self) -> None:
        """Start the worker thread unless it is running; it stops by itself when the queue stays empty."""
        with self._lock:
            if not self._stop.is_set() and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="import-worker", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < self.idle_seconds and not self._stop.is_set():
            job_id = self._claim()
            if job_id is None:
                self._stop.wait(0.1)
                continue
            self._process(job_id)
            idle_since = time.monotonic()

    def resume(self) -> None:
        """At start: run jobs that were queued before a restart, and again those whose worker died mid-import.

        Such a job is still "running" but no live import holds its row lock (PostgreSQL: ``SKIP LOCKED`` passes
        over the jobs other replicas are importing; a SQLite file has one writer, this process). Its import was
        rolled back with the process, since a job's outcome commits with its records: it stored nothing."""
        self._stop.clear()
        with self.factory() as s, s.begin():
            # FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite renders no lock clause (its one writer is this process).
            orphans = select(ImportJob).where(ImportJob.status == "running").with_for_update(skip_locked=True)
            for job in s.scalars(orphans):
                log.warning("import job %s was interrupted by a restart; running it again", job.id)
                job.status, job.processed, job.updated_at = "queued", 0, utcnow()
            pending = s.scalar(select(ImportJob.id).where(ImportJob.status == "queued").limit(1))
        if pending is not None:
            self.wake()

    def _claim(self) -> int | None:
        with self.factory() as s, s.begin():
            job_id = s.scalar(select(ImportJob.id).where(ImportJob.status == "queued").order_by(ImportJob.id).limit(1))
            if job_id is None:
                return None
            claimed = s.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id, ImportJob.status == "queued")
                .values(status="running", updated_at=utcnow())
            )
            return job_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]

    def _process(self, job_id: int) -> None:
        def progress(n: int) -> None:
            self.progress[job_id] = n

        try:
            with self.factory() as s, s.begin():
                # Locked until the import commits: a job being imported is never taken for an orphan (resume).
                job = s.get(ImportJob, job_id, with_for_update=True)
                if job is None or job.status != "running":
                    return  # another worker took it over and finished it
                principal = Principal(
                    subject=job.created_by,
                    role=Role(job.actor_role),
                    org_id=None,
                    university_id=job.university_id,
                    department_id=job.department_id,
                )
                result = service.import_file(
                    s,
                    principal,
                    scope_for(principal),
                    job.university_id,
                    job.filename,
                    job.content or b"",
                    dry_run=job.dry_run,
                    max_rows=self.max_rows,
                    progress=progress,
                )
                # The outcome commits with the records: a job left "running" by a crash stored nothing.
                job.status, job.result, job.error = "done", result.model_dump(), None
                job.total, job.processed, job.content, job.updated_at = result.total, result.total, None, utcnow()
            self.progress.pop(job_id, None)
            return
        except Exception as exc:
            if isinstance(exc, ProblemError) and exc.status < 500:  # the file refused (as the import would answer)
                log.info("import job %s refused: %s", job_id, exc.detail)
            else:
                log.exception("import job %s failed", job_id)
            detail = getattr(exc, "detail", None) or "The import failed unexpectedly"
            outcome = {"status": "failed", "error": str(detail)[:500], "content": None}
        with self.factory() as s, s.begin():
            s.execute(update(ImportJob).where(ImportJob.id == job_id).values(updated_at=utcnow(), **outcome))
        self.progress.pop(job_id, None)
