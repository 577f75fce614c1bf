"""The delivery worker in a process of its own, at a lower OS priority (issue #18):
``python -m sanquan_kernel.cli --service gateway webhooks [--nice 10]`` (``make run`` and compose's ``webhooks``
service run it, and the gateway with ``GATEWAY_WEBHOOK_WORKER=false``).

Why a process: inside the gateway the worker's thread shares the interpreter lock with the API, so every batch it
signs, sends and records holds the API's requests back (the load mix's p99 was 12× its own during a fan-out). In a
process of its own at ``nice`` 10 the kernel gives the API's processes the cores first and the worker what they
leave; a fan-out then takes the idle CPU, not the API's. The lease (``FOR UPDATE SKIP LOCKED``) keeps deliveries
once across several such processes, as across replicas.

It is not woken by the intake's commit (another process): on PostgreSQL the intake sends ``NOTIFY
sanquan_webhooks`` in the transaction that writes deliveries (``subscriber``) and this process ``LISTEN``s; on
SQLite, and as a fallback, it polls every ``GATEWAY_WEBHOOK_POLL_SECONDS``. ``--heartbeat PATH``: the file touched
every few seconds while the worker runs (compose's healthcheck reads its age); the process exits when the worker's
thread has died, so that the supervisor restarts it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any

from sanquan_gateway.config import Settings

log = logging.getLogger("gateway.webhooks")
CHANNEL = "sanquan_webhooks"
HEARTBEAT_SECONDS = 5.0


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nice",
        type=int,
        default=int(os.environ.get("GATEWAY_WEBHOOK_NICE", "10")),
        help="added to the process's niceness (default GATEWAY_WEBHOOK_NICE or 10; 0 keeps the API's priority)",
    )
    parser.add_argument("--heartbeat", default=None, help="a file touched every few seconds while the worker runs")


def listen(url: str, wake: Any, stop: threading.Event) -> None:
    """Wake the worker on each ``NOTIFY sanquan_webhooks`` (PostgreSQL); reconnects after an error."""
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                wake()  # what was written while no one listened
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0):
                        wake()
        except Exception:  # the database away: the worker polls meanwhile
            log.warning("listening for webhook deliveries failed; polling meanwhile", exc_info=True)
            stop.wait(5.0)


def _migrated(engine: Any) -> bool:
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return bool(inspect(engine).has_table("webhook_delivery"))
    except SQLAlchemyError:  # the database not up yet
        return False


def run(settings: Settings, args: argparse.Namespace) -> None:
    from sanquan_gateway.models import load_all_models
    from sanquan_gateway.webhooks.worker import DeliveryWorker
    from sanquan_kernel.db import make_engine, make_sessionmaker
    from sanquan_kernel.logging import configure_logging

    configure_logging("gateway-webhooks", settings.log_level)
    if args.nice:
        try:
            os.nice(args.nice)
        except OSError:
            log.warning("could not lower the webhook worker's priority by %s", args.nice)
    load_all_models()
    engine = make_engine(settings.database_url, pool_size=3)
    worker = DeliveryWorker(make_sessionmaker(engine), settings)
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    # Started beside the gateway (make run, compose): its tables once the gateway has migrated its database.
    while not stop.is_set() and not _migrated(engine):
        stop.wait(1.0)
    worker.start()
    if engine.dialect.name == "postgresql":
        threading.Thread(
            target=listen, args=(settings.database_url, worker.wake, stop), name="webhooks-listen", daemon=True
        ).start()
    heartbeat = Path(args.heartbeat) if args.heartbeat else None
    log.info("webhook worker started (nice %s)", os.nice(0))
    try:
        while not stop.is_set():
            if not worker.alive():
                raise SystemExit("the webhook worker stopped")
            if heartbeat is not None:
                with contextlib.suppress(OSError):
                    heartbeat.touch()
            stop.wait(HEARTBEAT_SECONDS)
    finally:
        stop.set()
        worker.stop()
        engine.dispose()
