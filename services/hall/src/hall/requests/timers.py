"""Promise timers (S1) on the durable schedule: a request not accepted in time is escalated to its department's
manager (level 1); one not resolved in time too (level 1), and after the same time again to the university's
administrator (level 2). Each step once (flags on the row, and the outbox event's dedupe key)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from hall.models import ScheduledJob
from hall.requests.models import HallRequest, RequestEvent
from sanquan_kernel import outbox, schedule

JOB_NAME = "hall.promise_timers"
R = HallRequest


def _escalate(r: HallRequest, level: int, what: str, now: datetime, timeline: list[dict[str, Any]]) -> outbox.Event:
    timeline.append(
        {
            "request_id": r.id,
            "kind": "escalated",
            "actor": "system",
            "actor_role": "system",
            "data": {"level": level, "breach": what},
            "at": now,
        }
    )
    due = r.accept_due_at if what == "accept" else r.resolve_due_at
    return outbox.Event(
        "hall.request.escalated",
        subject=f"hall_request:{r.id}",
        university_id=r.university_id,
        department_id=r.department_id,
        data={
            "request_id": r.id,
            "number": r.number,
            "category": r.category,
            "department_id": r.department_id,
            "level": level,
            "breach": what,
            "due_at": due,
            # level 1: the department's manager; level 2 (or no department): the university's administrator
            "audience": "department_manager" if level == 1 and r.department_id is not None else "university_admin",
            # the requester is told their request is late and who now follows it (the gateway's notifications;
            # never in a staff notification's parameters nor in a webhook)
            "requester": f"hall:{r.requester_id}",
        },
        key=f"hall-esc-{r.id}-{what}-{level}-{int(due.timestamp())}",
    )


def escalate(session: Session, now: datetime) -> dict[str, int]:
    """One run: every breach not yet escalated, as of ``now``; the run's events written in one statement (after an
    outage of the scheduler a run escalates its whole backlog: tens of thousands, not one INSERT each; the timeline's
    entries likewise)."""
    events: list[outbox.Event] = []
    timeline: list[dict[str, Any]] = []  # the requests' "escalated" entries, written at once too
    counts = {"accept": 0, "resolve": 0, "university": 0}
    late_accept = session.scalars(
        select(R).where(R.status == "new", R.accept_escalated.is_(False), R.accept_due_at <= now).with_for_update()
    ).all()
    for r in late_accept:
        r.accept_escalated = True
        events.append(_escalate(r, 1, "accept", now, timeline))
        counts["accept"] += 1
    open_ = R.status.in_(("new", "accepted"))
    late_resolve = session.scalars(
        select(R).where(open_, R.resolve_escalation == 0, R.resolve_due_at <= now).with_for_update()
    ).all()
    for r in late_resolve:
        r.resolve_escalation = 1
        events.append(_escalate(r, 1, "resolve", now, timeline))
        counts["resolve"] += 1
    again = session.scalars(
        select(R).where(open_, R.resolve_escalation == 1, R.escalate_again_at <= now).with_for_update()
    ).all()
    for r in again:
        r.resolve_escalation = 2
        events.append(_escalate(r, 2, "resolve", now, timeline))
        counts["university"] += 1
    session.flush()
    if timeline:
        session.execute(insert(RequestEvent), timeline)
    outbox.emit_many(session, events)
    return counts


def jobs(*, every: timedelta) -> list[schedule.Job]:
    return [schedule.Job(JOB_NAME, every, escalate)]


def run_due_jobs(maker: sessionmaker[Session], settings: Any) -> list[schedule.Outcome]:
    every = timedelta(seconds=settings.escalation_interval_seconds)
    return schedule.run_due_jobs(maker, ScheduledJob, jobs(every=every))
