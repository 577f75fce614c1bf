"""Prometheus metrics shared by every process, exposed at ``/metrics``."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

REQUEST_COUNT = Counter("http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
SHED = Counter("http_requests_shed_total", "Requests answered 503 at once because the process was at its limit")
REQUEST_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_POOL_CHECKED_OUT = Gauge("db_pool_connections_in_use", "Database connections checked out", ["service"])
DB_POOL_MAX = Gauge("db_pool_connections_max", "Database connections the pool may open (size + overflow)", ["service"])
BUSINESS_EVENTS = Counter(
    "business_events_total", "Business events (records imported, pushes, ...)", ["service", "event"]
)

_engines: list[tuple[str, weakref.ref[Engine]]] = []
_engines_lock = threading.Lock()


def track_engine(engine: Engine, service: str) -> None:
    """Report ``engine``'s pool use under ``service`` in the pool gauges (read when ``/metrics`` is scraped)."""
    with _engines_lock:
        _engines.append((service, weakref.ref(engine)))
    refresh_pool_gauges()


def _pool_figures(pool: Any) -> tuple[int, int]:
    checked_out = pool.checkedout() if callable(getattr(pool, "checkedout", None)) else 0
    size_attr = getattr(pool, "size", 0)
    size = size_attr() if callable(size_attr) else size_attr
    overflow = max(0, int(getattr(pool, "_max_overflow", 0)))
    return int(checked_out), int(size or 0) + overflow


def note_audited(session: Any, action: str) -> None:
    """Count an audit entry written without the ORM (in a service's own SQL) when the session commits, like the
    entries ``count_audited_changes`` collects after a flush."""
    session.info.setdefault("_audited_actions", []).append(action)


def count_audited_changes(factory: Any, service: str) -> None:
    """Count every committed audit entry as a business event named after its action (``plan.submit``, ...).

    Entries are collected after each flush and counted only when the transaction commits."""
    from sqlalchemy import event

    from sanquan_kernel.audit import AuditMixin

    def _collect(session: Any, _: Any) -> None:
        for o in session.new:
            if isinstance(o, AuditMixin):
                note_audited(session, o.action)

    def _count(session: Any) -> None:
        for action in session.info.pop("_audited_actions", []):
            BUSINESS_EVENTS.labels(service, str(action)).inc()

    def _forget(session: Any) -> None:
        session.info.pop("_audited_actions", None)

    event.listen(factory, "after_flush", _collect)
    event.listen(factory, "after_commit", _count)
    event.listen(factory, "after_rollback", _forget)


def refresh_pool_gauges() -> None:
    """Set the pool gauges from every live engine (several engines of one service are summed)."""
    in_use: dict[str, int] = {}
    capacity: dict[str, int] = {}
    with _engines_lock:
        live = [(s, r()) for s, r in _engines]
        _engines[:] = [(s, weakref.ref(e)) for s, e in live if e is not None]
    for service, engine in live:
        if engine is None:
            continue
        used, cap = _pool_figures(engine.pool)
        in_use[service] = in_use.get(service, 0) + used
        capacity[service] = capacity.get(service, 0) + cap
    for service in in_use:
        DB_POOL_CHECKED_OUT.labels(service).set(in_use[service])
        DB_POOL_MAX.labels(service).set(capacity[service])


async def metrics_endpoint(_: Request) -> Response:
    refresh_pool_gauges()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
