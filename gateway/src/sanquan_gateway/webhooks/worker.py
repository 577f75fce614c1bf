"""The delivery worker: a thread of its own with its own event loop, so that slow or dead receivers never hold
the API's event loop, its worker threads or its session slots. It claims due deliveries in batches (a lease,
``FOR UPDATE SKIP LOCKED`` on PostgreSQL: once across replicas), sends them with bounded concurrency and a timeout
per request, and records the outcomes in one transaction per batch: delivered, or the next attempt after an
exponential backoff with jitter until the retry window (≥ 24 h) is over. An endpoint that keeps failing is
disabled and a ``webhook.endpoint_disabled`` event is recorded (the notification centre tells the university's
administrators). Woken after a commit that wrote deliveries, else it polls."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.config import Settings
from sanquan_gateway.events import service as events_service
from sanquan_gateway.events.models import Event
from sanquan_gateway.webhooks import repository as repo
from sanquan_gateway.webhooks import signing, urls
from sanquan_gateway.webhooks.sender import Sender
from sanquan_gateway.webhooks.subscriber import WAKE
from sanquan_kernel import clock

log = logging.getLogger("gateway.webhooks")
USER_AGENT = b"sanquan-webhooks/1"


#: What a service-hall event may tell a campus system (docs/webhooks.md): the request's ids, category, department,
#: timers and escalation — an allow-list, so that the requester (``answered``/``closed`` carry ``requester`` for the
#: student's own side) or any personal field a later version of the hall adds never leaves the platform.
HALL_FIELDS = frozenset(
    (
        "request_id",
        "number",
        "category",
        "department_id",
        "anonymous",
        "transferred_from",
        "reopened",
        "level",
        "breach",
        "due_at",
        "audience",
    )
)


def payload(event: Event) -> bytes:
    """The delivery's body (docs/webhooks.md): the event without the internal recipients list; a service-hall
    event with the allow-listed fields only (no requester)."""
    data = {k: v for k, v in (event.data or {}).items() if k != "recipients"}
    if event.type.startswith("hall."):
        data = {k: v for k, v in data.items() if k in HALL_FIELDS}
    doc = {
        "id": event.id,
        "type": event.type,
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "subject": event.subject,
        "university_id": event.university_id,
        "department_id": event.department_id,
        "data": data,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Outcome:
    job: repo.Job
    ok: bool
    status: int | None
    error: str | None
    at: datetime


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds before the attempt after ``attempts`` failed ones: base·3^(n-1), capped, ±25 % jitter."""
    delay = min(
        settings.webhook_retry_base_seconds * 3 ** max(attempts - 1, 0), settings.webhook_retry_max_delay_seconds
    )
    return float(delay * random.uniform(0.75, 1.25))


class DeliveryWorker:
    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stop = threading.Event()
        self._db = ThreadPoolExecutor(max_workers=2, thread_name_prefix="webhooks-db")
        self.delivered = 0

    # -- wiring -----------------------------------------------------------------------------------------------
    def install(self, *factories: sessionmaker[Session]) -> None:
        """Wake the worker after a commit that wrote deliveries (a session of one of ``factories``)."""

        def after_commit(session: Session) -> None:
            if session.info.pop(WAKE, False):
                self.wake()

        for f in factories:
            sa_event.listen(f, "after_commit", after_commit)

    def wake(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception:  # pragma: no cover - logged, the thread ends
            log.exception("the webhook worker stopped")

    # -- the loop ---------------------------------------------------------------------------------------------
    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        s = self.settings
        sem = asyncio.Semaphore(s.webhook_concurrency)
        sender = Sender(timeout=s.webhook_timeout_seconds, public_only=not urls.private_ok(s))
        # A pipeline (issue #18: one batch after the other, the worker waited on the database half of the time):
        # while a batch is sent, the next is claimed and the one before is recorded, each in a thread of its own.
        # The claim never takes a delivery that is out (its lease) nor one whose earlier delivery of the same
        # endpoint and subject is still pending (out or not yet recorded), so the order per resource holds.
        claiming: asyncio.Future[list[repo.Job]] | None = None
        recording: asyncio.Future[None] | None = None
        try:
            while not self._stop.is_set():
                jobs = await self._claimed(claiming or self._loop.run_in_executor(self._db, self._claim))
                claiming = None
                if not jobs:
                    if recording is not None:  # its outcomes may let the next deliveries of its resources go
                        await self._recorded(recording)
                        recording = None
                        continue
                    sender.sweep()
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), s.webhook_poll_seconds)
                    continue
                claiming = self._loop.run_in_executor(self._db, self._claim)
                outcomes = await asyncio.gather(*(self._send(sender, sem, j) for j in jobs))
                await self._recorded(recording)
                recording = self._loop.run_in_executor(self._db, self._record, outcomes)
        finally:
            await self._recorded(recording)
            if claiming is not None:  # claimed and not sent: their leases run out and they go out again
                await self._claimed(claiming)
            sender.close()

    @staticmethod
    async def _claimed(claiming: asyncio.Future[list[repo.Job]]) -> list[repo.Job]:
        try:
            return await claiming
        except Exception:
            log.exception("claiming webhook deliveries failed")
            return []

    @staticmethod
    async def _recorded(recording: asyncio.Future[None] | None) -> None:
        if recording is not None:
            try:
                await recording
            except Exception:
                # the leases run out and the deliveries are sent again: at least once, never lost
                log.exception("recording webhook outcomes failed")

    def _claim(self) -> list[repo.Job]:
        now = clock.now()
        lease = timedelta(seconds=self.settings.webhook_timeout_seconds * 2 + 30)
        with self.factory.begin() as session:
            ids = repo.claim(session, now, self.settings.webhook_batch, lease)
            return repo.jobs(session, ids, now, payload) if ids else []

    async def _send(self, sender: Sender, sem: asyncio.Semaphore, job: repo.Job) -> Outcome:
        async with sem:
            headers = signing.header_list(job.secrets, job.msg_id, int(time.time()), job.body)
            headers.append((b"user-agent", USER_AGENT))
            status, error = await sender.post(job.url, headers, job.body)
            ok = status is not None and 200 <= status < 300
            if status is not None and not ok:
                error = f"HTTP {status}"
            return Outcome(job, ok, status, error, clock.now())

    def _record(self, outcomes: list[Outcome]) -> None:
        s = self.settings
        window = timedelta(seconds=s.webhook_retry_window_seconds)
        rows: list[dict[str, Any]] = []
        with self.factory.begin() as session:
            endpoints = repo.lock_endpoints(session, {o.job.endpoint_id for o in outcomes})
            for o in sorted(outcomes, key=lambda o: o.at):
                attempts = o.job.attempts + 1
                row: dict[str, Any] = {
                    "id": o.job.delivery_id,
                    "attempts": attempts,
                    "last_attempt_at": o.at,
                    "response_status": o.status,
                    "last_error": o.error,
                    "locked_until": None,
                }
                endpoint = endpoints.get(o.job.endpoint_id)
                if endpoint is None:
                    continue  # deleted while the batch was out, with its deliveries
                if o.ok:
                    row.update(status="delivered", delivered_at=o.at)
                    self.delivered += 1
                    if endpoint.consecutive_failures:
                        endpoint.consecutive_failures, endpoint.failing_since = 0, None
                else:
                    end = o.job.created_at + window
                    if o.at >= end:
                        row["status"] = "failed"
                    else:
                        nxt = o.at + timedelta(seconds=backoff(s, attempts))
                        row["next_attempt_at"] = min(nxt, end)
                    self._failed(session, endpoint, o.at)
                rows.append(row)
            repo.save_outcomes(session, rows)

    def _failed(self, session: Session, endpoint: Any, at: datetime) -> None:
        s = self.settings
        endpoint.consecutive_failures = (endpoint.consecutive_failures or 0) + 1
        endpoint.failing_since = endpoint.failing_since or at
        if (
            endpoint.active
            and endpoint.consecutive_failures >= s.webhook_disable_after_failures
            and (at - endpoint.failing_since).total_seconds() >= s.webhook_disable_after_seconds
        ):
            endpoint.active = False
            endpoint.disabled_reason = "failing"
            endpoint.disabled_at = at
            endpoint.version += 1
            endpoint.updated_at = at
            log.warning("webhook endpoint %s disabled after %s failures", endpoint.id, endpoint.consecutive_failures)
            events_service.record(
                session,
                "webhook.endpoint_disabled",
                subject=f"webhook_endpoint:{endpoint.id}",
                university_id=endpoint.university_id,
                data={
                    "endpoint_id": endpoint.id,
                    "url": endpoint.url,
                    "failures": endpoint.consecutive_failures,
                    "failing_since": endpoint.failing_since.isoformat(),
                },
            )
