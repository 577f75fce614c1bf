"""The delivery worker's statements: claiming due deliveries (once across replicas) and recording the outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from sanquan_gateway.events.models import Event
from sanquan_gateway.webhooks.models import WebhookDelivery, WebhookEndpoint


@dataclass
class Job:
    delivery_id: int
    endpoint_id: int
    university_id: int
    url: str
    secrets: list[str]
    msg_id: str
    body: bytes
    attempts: int
    created_at: datetime


def claim(session: Session, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Ids of up to ``limit`` due deliveries of active endpoints, each the oldest pending one of its endpoint and
    subject (deliveries of one resource go out in order), leased to this worker until ``now + lease``.
    ``FOR UPDATE … SKIP LOCKED`` on PostgreSQL: two replicas never claim the same row (SQLite has one writer)."""
    d = WebhookDelivery
    p = aliased(WebhookDelivery)
    earlier = exists().where(
        p.endpoint_id == d.endpoint_id,
        p.subject == d.subject,
        p.status == "pending",
        or_(p.event_seq < d.event_seq, and_(p.event_seq == d.event_seq, p.id < d.id)),
    )
    stmt = (
        select(d.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == d.endpoint_id)
        .where(
            d.status == "pending",
            d.next_attempt_at <= now,
            or_(d.locked_until.is_(None), d.locked_until < now),
            WebhookEndpoint.active.is_(True),
            ~earlier,
        )
        .order_by(d.next_attempt_at, d.id)
        .limit(limit)
        .with_for_update(of=d, skip_locked=True)
    )
    ids = list(session.scalars(stmt))
    if ids:
        session.execute(update(d).where(d.id.in_(ids)).values(locked_until=now + lease))
    return ids


def jobs(session: Session, ids: list[int], now: datetime, body: Any) -> list[Job]:
    """What sending the claimed deliveries needs, read as plain rows (no ORM objects: the worker's CPU); the body
    of an event made once however many of its deliveries are in the batch."""
    d, e, w = WebhookDelivery, Event, WebhookEndpoint
    rows = session.execute(
        select(
            d.id,
            d.attempts,
            d.created_at,
            w.id,
            w.university_id,
            w.url,
            w.secret,
            w.previous_secret,
            w.previous_secret_until,
            e.seq,
            e.id,
            e.type,
            e.occurred_at,
            e.subject,
            e.university_id,
            e.department_id,
            e.data,
        )
        .join(e, e.seq == d.event_seq)
        .join(w, w.id == d.endpoint_id)
        .where(d.id.in_(ids))
        .order_by(d.id)
    ).all()
    bodies: dict[int, bytes] = {}
    out = []
    for r in rows:
        secrets = [r[6]]
        if r[7] and r[8] and r[8] > now:
            secrets.append(r[7])
        seq = r[9]
        data = bodies.get(seq)
        if data is None:
            data = bodies[seq] = body(
                Event(
                    seq=seq,
                    id=r[10],
                    type=r[11],
                    occurred_at=r[12],
                    subject=r[13],
                    university_id=r[14],
                    department_id=r[15],
                    data=r[16],
                )
            )
        out.append(
            Job(
                delivery_id=r[0],
                endpoint_id=r[3],
                university_id=r[4],
                url=r[5],
                secrets=secrets,
                msg_id=r[10],
                body=data,
                attempts=r[1],
                created_at=r[2],
            )
        )
    return out


def lock_endpoints(session: Session, ids: set[int]) -> dict[int, WebhookEndpoint]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.id.in_(ids)).with_for_update()
    return {e.id: e for e in session.scalars(stmt)}


def save_outcomes(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(update(WebhookDelivery), rows)
