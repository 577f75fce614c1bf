"""P4/Y1 (issue #18): what the reminder job tells, and the province's alert list.

Each run looks at the data as of ``clock.now()`` (so one run after downtime covers the gap) and emits, once each
(the event id is the dedupe key, ``repository``):

- ``milestone.due_soon`` — an open milestone of an approved plan due within ``DUE_SOON_DAYS`` days;
- ``milestone.overdue`` — its due date passed;
- ``milestone.escalated`` — overdue more than ``escalate_after_days`` (settings, default 7): the university's
  administrators are told, and it is on the province's alert list;
- ``deadline.soon`` — ``DEADLINE_SOON_DAYS`` days or less before a university's plan deadline (the issued
  notice's, or the extension granted to it), its plan not yet submitted;
- ``plan.not_submitted`` — that deadline passed and the plan was never submitted: on the alert list too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from plans.reminders import repository as repo
from plans.reminders.models import ScheduledJob
from plans.reminders.schemas import EscalatedMilestone, LatePlan, LatePlans
from plans.supervision import service as supervision
from sanquan_kernel import clock, schedule
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.pagination import Page
from sanquan_kernel.principal import Scope

DUE_SOON_DAYS = 7
DEADLINE_SOON_DAYS = 3
JOB_NAME = "plans.reminders"


@dataclass
class RunResult:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def run_reminders(session: Session, now: datetime, orgdir: OrgDirectory, escalate_after_days: int) -> RunResult:
    """Emit every reminder due as of ``now`` that was not emitted before (inside the caller's transaction)."""
    today = clock.local_date(now)
    assert today is not None
    m = repo.MILESTONE.c
    out = RunResult()
    out.counts["milestone.due_soon"] = repo.emit_milestone_events(
        session,
        "milestone.due_soon",
        (m.due_on >= today) & (m.due_on <= today + timedelta(days=DUE_SOON_DAYS)),
        now,
        days_left=DUE_SOON_DAYS,
    )
    out.counts["milestone.overdue"] = repo.emit_milestone_events(session, "milestone.overdue", m.due_on < today, now)
    out.counts["milestone.escalated"] = repo.emit_milestone_events(
        session,
        "milestone.escalated",
        m.due_on < today - timedelta(days=escalate_after_days),
        now,
        escalate_after_days=escalate_after_days,
    )
    soon, late = _plan_events(session, now, today, orgdir)
    out.counts["deadline.soon"] = repo.emit_rows(session, soon)
    out.counts["plan.not_submitted"] = repo.emit_rows(session, late)
    # supervision (#19): overdue rectifications escalate like overdue milestones, once each (escalated_at)
    out.counts["rectification.overdue"] = supervision.escalate_overdue(session, today)
    return out


def _plan_events(
    session: Session, now: datetime, today: date, orgdir: OrgDirectory
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    soon: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    universities = [u.id for u in orgdir.universities(active_only=True)]
    for notice in repo.issued_notices(session, [today.year - 1, today.year, today.year + 1]):
        extended = repo.extensions(session, notice.id)
        plans = repo.plans_of_year(session, notice.year)
        for uid in universities:
            plan = plans.get(uid)
            if plan is not None and plan.first_submitted_at is not None:
                continue
            due = extended.get(uid, notice.plan_due_on)
            if today > due:
                type_, into = "plan.not_submitted", late
            elif today >= due - timedelta(days=DEADLINE_SOON_DAYS):
                type_, into = "deadline.soon", soon
            else:
                continue
            into.append(
                {
                    "id": repo.event_id(type_, f"{uid}-{notice.year}", due),
                    "type": type_,
                    "university_id": uid,
                    "department_id": None,
                    "subject": f"plan:{plan.id}" if plan is not None else f"notice:{notice.id}",
                    "occurred_at": now,
                    "data": {
                        "year": notice.year,
                        "notice_id": notice.id,
                        "plan_id": plan.id if plan is not None else None,
                        "due_on": due.isoformat(),
                    },
                }
            )
    return soon, late


def jobs(orgdir: OrgDirectory, *, escalate_after_days: int, every: timedelta) -> list[schedule.Job]:
    """The plans service's scheduled jobs."""

    def remind(session: Session, now: datetime) -> dict[str, int]:
        return run_reminders(session, now, orgdir, escalate_after_days).counts

    return [schedule.Job(JOB_NAME, every, remind)]


def run_due_jobs(maker: sessionmaker[Session], settings: Any, orgdir: OrgDirectory) -> list[schedule.Outcome]:
    """The entry the CLI (``run-due-jobs``) and the tests call."""
    every = timedelta(seconds=settings.reminder_interval_seconds)
    return schedule.run_due_jobs(
        maker, ScheduledJob, jobs(orgdir, escalate_after_days=settings.escalate_after_days, every=every)
    )


# -- the alert list ------------------------------------------------------------------------------------------------
def escalated(
    session: Session,
    scope: Scope,
    orgdir: OrgDirectory,
    after_days: int,
    *,
    university_id: int | None,
    department_id: int | None,
    min_days: int,
    limit: int,
    offset: int,
) -> Page[EscalatedMilestone]:
    today = clock.today()
    stmt = repo.escalated_milestones(
        scope, today, after_days, university_id=university_id, department_id=department_id, min_days=min_days
    )
    rows, total = repo.page_of(session, stmt, limit, offset)
    items = [
        EscalatedMilestone(
            milestone_id=r.id,
            title=r.title,
            due_on=r.due_on,
            days_overdue=(today - r.due_on).days,
            status=r.status,
            percent=r.percent,
            university_id=r.university_id,
            university_name=orgdir.name(r.university_id),
            department_id=r.department_id,
            department_name=orgdir.name(r.department_id),
            task_id=r.task_id,
            task_title=r.task_title,
            responsible_name=r.responsible_name,
            plan_id=r.plan_id,
            year=r.year,
        )
        for r in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


def late_plans(session: Session, scope: Scope, orgdir: OrgDirectory, year: int, university_id: int | None) -> LatePlans:
    """The universities in scope whose plan of ``year`` was not submitted by their deadline (none without an
    issued notice: no notice, no deadline)."""
    today = clock.today()
    notices = repo.issued_notices(session, [year])
    if not notices:
        return LatePlans(year=year, notice_issued=False, items=[])
    notice = notices[0]
    extended = repo.extensions(session, notice.id)
    plans = repo.plans_of_year(session, year)
    items = []
    for u in orgdir.universities(active_only=True):
        if not scope.covers_org(u.id) or (university_id is not None and u.id != university_id):
            continue
        plan = plans.get(u.id)
        due = extended.get(u.id, notice.plan_due_on)
        if today <= due or (plan is not None and plan.first_submitted_at is not None):
            continue
        items.append(
            LatePlan(
                university_id=u.id,
                university_name=u.name,
                due_on=due,
                days_overdue=(today - due).days,
                extended=u.id in extended,
                plan_id=plan.id if plan is not None else None,
                plan_status=plan.status if plan is not None else None,
            )
        )
    items.sort(key=lambda i: (-i.days_overdue, i.university_id))
    return LatePlans(year=year, notice_issued=True, items=items)
