"""Plans and their review (P1, P4).

- P1: one plan per university per year (a unique constraint; a second one answers 409).
- P4: draft → submitted → approved, or → returned (with comments, overall and per task) → revised → submitted
  again. Each submission stores a snapshot; the reviewer sees a structured diff against the previous one.
  Only the province approves or returns. After approval, changes go through change requests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from fastapi import Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.deps import audit, edit
from plans.letters.service import refresh_letters
from plans.plan import repository as repo
from plans.plan.models import ChangeRequest, Plan, PlanSubmission, ReviewComment
from plans.plan.schemas import (
    ChangeRequestCreate,
    ChangeRequestItem,
    ChangeRequestOut,
    FieldChange,
    ItemRef,
    MilestoneChange,
    PlanCreate,
    PlanDiff,
    PlanOut,
    PlanUpdate,
    ReturnBody,
    TaskChange,
)
from plans.tasks import repository as task_repo
from plans.tasks import service as task_service
from plans.tasks.models import Milestone, Task
from plans.tasks.rules import TaskRules
from plans.tasks.schemas import MilestoneUpdate, TaskCreate, TaskUpdate
from plans.vocabulary import EDITABLE, PlanStatus
from sanquan_kernel.clock import local_date
from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Conflict, NotFound, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.outbox import emit
from sanquan_kernel.principal import Principal, Scope

PLAN_FIELDS = ("title", "summary", "in_annual_work_plan", "rules_text", "systems_text", "submission_due_on")
SNAPSHOT_TASK_FIELDS = (
    "category",
    "title",
    "description",
    "department_id",
    "responsible_user_id",
    "responsible_name",
    "start_on",
    "due_on",
    "expected_outputs",
    "sort_order",
)
SNAPSHOT_MILESTONE_FIELDS = ("seq", "title", "due_on")


class PlanDates(Protocol):
    """What "approved on time" reads of a plan (an ORM plan or a row of the report queries)."""

    status: str
    first_submitted_at: datetime | None


def approved_on_time(plan: PlanDates, deadline: date | None) -> bool:
    """Approved, and first submitted on or before the province's deadline (issue #18): the issued notice's plan
    deadline of the plan's year, or the university's extension (``plans.notices.service.Deadlines``) — never the
    ``submission_due_on`` the university wrote itself. No notice issued for the year: no deadline, so any approval
    is on time (docs/decisions.md "The year's notice")."""
    if plan.status != PlanStatus.APPROVED:
        return False
    if deadline is None:
        return True
    first = local_date(plan.first_submitted_at)
    return first is not None and first <= deadline


def plan_out(plan: Plan, orgdir: OrgDirectory, deadline: date | None) -> PlanOut:
    """``deadline``: the province's for this plan (``Deadlines.plan_due_on``)."""
    return PlanOut(
        id=plan.id,
        university_id=plan.university_id,
        university_name=orgdir.name(plan.university_id),
        year=plan.year,
        title=plan.title,
        summary=plan.summary,
        in_annual_work_plan=plan.in_annual_work_plan,
        rules_text=plan.rules_text,
        systems_text=plan.systems_text,
        status=PlanStatus(plan.status),
        submission_due_on=plan.submission_due_on,
        first_submitted_at=plan.first_submitted_at,
        submitted_at=plan.submitted_at,
        approved_at=plan.approved_at,
        returned_at=plan.returned_at,
        submission_deadline=deadline,
        approved_on_time=approved_on_time(plan, deadline),
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        version=plan.version,
    )


def _fields(plan: Plan) -> dict[str, Any]:
    return {f: getattr(plan, f) for f in (*PLAN_FIELDS, "status")}


def create_plan(session: Session, principal: Principal, university_id: int, body: PlanCreate) -> Plan:
    if repo.find_plan(session, university_id, body.year) is not None:
        raise Conflict(f"The university already has a plan for {body.year}")  # P1
    plan = Plan(
        university_id=university_id, created_by=principal.subject, status=PlanStatus.DRAFT.value, **body.model_dump()
    )
    session.add(plan)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"The university already has a plan for {body.year}") from None  # P1, when two race
    audit(session, principal, "plan.create", "plan", plan.id, university_id=university_id, after=_fields(plan))
    return plan


def update_plan(session: Session, request: Request, principal: Principal, plan: Plan, body: PlanUpdate) -> None:
    with edit(session, request, plan, principal, "plan.update", entity="plan", fields=_fields) as e:
        task_service.ensure_editable(plan)
        e.set(body.model_dump(exclude_unset=True))


def delete_plan(session: Session, request: Request, principal: Principal, plan: Plan) -> None:
    """A plan that was never submitted may be withdrawn; once submitted, its record stays."""
    from plans.attachments.service import detach_with

    with edit(session, request, plan, principal, "plan.delete", entity="plan", fields=_fields) as e:
        if plan.status != PlanStatus.DRAFT or plan.first_submitted_at is not None:
            raise Conflict("Only a draft that was never submitted can be deleted")
        detach_with(session, plan)  # its files (#16): kept for the retention period
        e.delete()


# -- snapshot and diff ---------------------------------------------------------------------------------
def _value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date | datetime) else v


def snapshot(session: Session, scope: Scope, plan: Plan) -> dict[str, Any]:
    tasks = task_repo.tasks_of_plan(session, scope, plan.id)
    ms = task_repo.milestones_of(session, [t.id for t in tasks])
    return {
        "plan": {f: _value(getattr(plan, f)) for f in ("id", "university_id", "year", *PLAN_FIELDS)},
        "tasks": [
            {
                "id": t.id,
                **{f: _value(getattr(t, f)) for f in SNAPSHOT_TASK_FIELDS},
                "milestones": [
                    {"id": m.id, **{f: _value(getattr(m, f)) for f in SNAPSHOT_MILESTONE_FIELDS}} for m in ms[t.id]
                ],
            }
            for t in tasks
        ],
    }


def _field_changes(old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...]) -> list[FieldChange]:
    return [FieldChange(field=f, old=old.get(f), new=new.get(f)) for f in fields if old.get(f) != new.get(f)]


def diff_snapshots(
    plan_id: int, old: dict[str, Any] | None, new: dict[str, Any], from_seq: int | None, to_seq: int | None
) -> PlanDiff:
    """Tasks and milestones are matched by id: added, removed, or changed field by field."""
    old = old or {"plan": {}, "tasks": []}
    old_tasks = {t["id"]: t for t in old["tasks"]}
    new_tasks = {t["id"]: t for t in new["tasks"]}
    changed: list[TaskChange] = []
    for tid, nt in new_tasks.items():
        ot = old_tasks.get(tid)
        if ot is None:
            continue
        om = {m["id"]: m for m in ot["milestones"]}
        nm = {m["id"]: m for m in nt["milestones"]}
        tc = TaskChange(
            id=tid,
            title=nt["title"],
            changes=_field_changes(ot, nt, SNAPSHOT_TASK_FIELDS),
            milestones_added=[ItemRef(id=i, title=m["title"]) for i, m in nm.items() if i not in om],
            milestones_removed=[ItemRef(id=i, title=m["title"]) for i, m in om.items() if i not in nm],
            milestones_changed=[
                MilestoneChange(id=i, title=m["title"], changes=_field_changes(om[i], m, SNAPSHOT_MILESTONE_FIELDS))
                for i, m in nm.items()
                if i in om and om[i] != m
            ],
        )
        if tc.changes or tc.milestones_added or tc.milestones_removed or tc.milestones_changed:
            changed.append(tc)
    return PlanDiff(
        plan_id=plan_id,
        from_seq=from_seq,
        to_seq=to_seq,
        plan_changes=_field_changes(old["plan"], new["plan"], PLAN_FIELDS) if old["plan"] else [],
        tasks_added=[ItemRef(id=i, title=t["title"]) for i, t in new_tasks.items() if i not in old_tasks],
        tasks_removed=[ItemRef(id=i, title=t["title"]) for i, t in old_tasks.items() if i not in new_tasks],
        tasks_changed=changed,
    )


def diff(session: Session, plan: Plan, seq: int | None) -> PlanDiff:
    target = repo.submission(session, plan.id, seq) if seq is not None else repo.latest_submission(session, plan.id)
    if target is None:
        raise NotFound("No such submission")
    previous = repo.submission(session, plan.id, target.seq - 1) if target.seq > 1 else None
    return diff_snapshots(
        plan.id,
        previous.snapshot if previous else None,
        target.snapshot,
        previous.seq if previous else None,
        target.seq,
    )


def diff_current(session: Session, scope: Scope, plan: Plan) -> PlanDiff:
    """What changed since the latest submission: the plan as it is now against that submission's snapshot (a
    returned plan being revised; ``to_seq`` is null)."""
    latest = repo.latest_submission(session, plan.id)
    if latest is None:
        raise NotFound("The plan has not been submitted yet")
    return diff_snapshots(plan.id, latest.snapshot, snapshot(session, scope, plan), latest.seq, None)


# -- review --------------------------------------------------------------------------------------------
def submit(session: Session, request: Request, principal: Principal, scope: Scope, plan: Plan) -> PlanSubmission:
    with edit(session, request, plan, principal, "plan.submit", entity="plan") as e:
        if plan.status not in EDITABLE:
            raise Conflict(f"A {plan.status} plan cannot be submitted")
        snap = snapshot(session, scope, plan)
        if not snap["tasks"]:
            raise Conflict("A plan needs at least one task before it is submitted")  # P2
        sub = PlanSubmission(
            plan_id=plan.id,
            university_id=plan.university_id,
            seq=repo.next_submission_seq(session, plan.id),
            submitted_by=principal.subject,
            snapshot=snap,
        )
        session.add(sub)
        session.flush()
        e.set(
            status=PlanStatus.SUBMITTED.value,
            submitted_at=sub.submitted_at,
            first_submitted_at=plan.first_submitted_at or sub.submitted_at,
        )
        e.after = {"seq": sub.seq}
        _plan_event(session, "plan.submitted", plan, seq=sub.seq)
    return sub


def _plan_event(session: Session, type: str, plan: Plan, **data: Any) -> None:
    """Issue #18: the plan's event, in the transaction of the change (the outbox)."""
    emit(
        session,
        type,
        subject=f"plan:{plan.id}",
        university_id=plan.university_id,
        data={"plan_id": plan.id, "year": plan.year, **data},
    )


def _pending_submission(session: Session, plan: Plan) -> PlanSubmission:
    if plan.status != PlanStatus.SUBMITTED:
        raise Conflict(f"Only a submitted plan is reviewed; this one is {plan.status}")
    sub = repo.latest_submission(session, plan.id)
    assert sub is not None
    return sub


def approve(session: Session, request: Request, principal: Principal, plan: Plan, comment: str) -> None:
    with edit(session, request, plan, principal, "plan.approve", entity="plan") as e:
        sub = _pending_submission(session, plan)
        sub.outcome, sub.decided_at, sub.decided_by = "approved", utcnow(), principal.subject
        if comment:
            session.add(
                ReviewComment(
                    plan_id=plan.id,
                    submission_id=sub.id,
                    university_id=plan.university_id,
                    task_id=None,
                    body=comment,
                    author=principal.subject,
                )
            )
        e.set(status=PlanStatus.APPROVED.value, approved_at=sub.decided_at)
        e.after = {"seq": sub.seq}
        _plan_event(session, "plan.approved", plan, seq=sub.seq)


def return_plan(session: Session, request: Request, principal: Principal, plan: Plan, body: ReturnBody) -> None:
    with edit(session, request, plan, principal, "plan.return", entity="plan") as e:
        sub = _pending_submission(session, plan)
        task_ids = {t["id"] for t in sub.snapshot["tasks"]}
        wrong = [i for i, c in enumerate(body.task_comments) if c.task_id not in task_ids]
        if wrong:
            raise Unprocessable(
                "A comment names a task that is not in the submission",
                errors=[
                    {"loc": ["body", "task_comments", i, "task_id"], "msg": "not in the submission"} for i in wrong
                ],
            )
        sub.outcome, sub.decided_at, sub.decided_by = "returned", utcnow(), principal.subject
        session.add(
            ReviewComment(
                plan_id=plan.id,
                submission_id=sub.id,
                university_id=plan.university_id,
                task_id=None,
                body=body.comment,
                author=principal.subject,
            )
        )
        for c in body.task_comments:
            session.add(
                ReviewComment(
                    plan_id=plan.id,
                    submission_id=sub.id,
                    university_id=plan.university_id,
                    task_id=c.task_id,
                    body=c.body,
                    author=principal.subject,
                )
            )
        e.set(status=PlanStatus.RETURNED.value, returned_at=sub.decided_at)
        e.after = {"seq": sub.seq, "task_comments": len(body.task_comments)}
        _plan_event(session, "plan.returned", plan, seq=sub.seq)


# -- change requests after approval --------------------------------------------------------------------
def _validated_changes(body: ChangeRequestCreate) -> tuple[BaseModel, dict[str, Any]]:
    models: dict[str, type[BaseModel]] = {
        "update_task": TaskUpdate,
        "update_milestone": MilestoneUpdate,
        "add_task": TaskCreate,
    }
    model = models[body.kind]
    try:
        parsed = model.model_validate(body.changes)
    except ValidationError as exc:
        raise Unprocessable(
            "The changes are not valid",
            errors=[{"loc": ["body", "changes", *[str(p) for p in e["loc"]]], "msg": e["msg"]} for e in exc.errors()],
        ) from None
    changes: dict[str, Any] = parsed.model_dump(mode="json", exclude_unset=body.kind != "add_task")
    if not changes:
        raise Unprocessable("The change request changes nothing", errors=[{"loc": ["body", "changes"], "msg": "empty"}])
    return parsed, changes


def _require(body: ChangeRequestCreate) -> None:
    """A change of a task names the task, a change of a milestone the milestone too: 422 naming what is missing
    (not a 404 about a task nobody named)."""
    missing = []
    if body.kind in ("update_task", "update_milestone") and body.task_id is None:
        missing.append({"loc": ["body", "task_id"], "msg": f"required for {body.kind}"})
    if body.kind == "update_milestone" and body.milestone_id is None:
        missing.append({"loc": ["body", "milestone_id"], "msg": "required for update_milestone"})
    if missing:
        raise Unprocessable(
            "The change request does not name what it changes: " + ", ".join(str(m["loc"][-1]) for m in missing),
            errors=missing,
        )


def request_change(
    session: Session, principal: Principal, scope: Scope, plan: Plan, body: ChangeRequestCreate, rules: TaskRules
) -> ChangeRequest:
    if plan.status != PlanStatus.APPROVED:
        raise Conflict("Change requests are for approved plans; edit the plan directly while it is a draft or returned")
    _require(body)
    parsed, changes = _validated_changes(body)
    task: Task | None = None
    if body.kind in ("update_task", "update_milestone"):
        task = task_repo.get_task(session, scope, body.task_id) if body.task_id else None
        if task is None or task.plan_id != plan.id:
            raise NotFound("No such task in this plan")
    if body.kind == "update_milestone":
        found = task_repo.get_milestone(session, scope, body.milestone_id) if body.milestone_id else None
        if found is None or task is None or found[0].task_id != task.id:
            raise NotFound("No such milestone on this task")
    loc = ("body", "changes")
    # The same rules as editing a draft (plans.tasks.rules), against the plan as it is now; checked again when
    # the province approves, since the plan may change in between.
    if isinstance(parsed, TaskCreate):
        task_service.check_task(
            rules,
            plan,
            parsed.model_dump(include={"department_id", "responsible_user_id", "start_on", "due_on"}),
            [([*loc, "milestones", i, "due_on"], m.due_on) for i, m in enumerate(parsed.milestones)],
            loc=loc,
        )
    elif isinstance(parsed, TaskUpdate) and task is not None:
        task_service.check_task_update(session, rules, plan, task, parsed.model_dump(exclude_unset=True), loc=loc)
    elif isinstance(parsed, MilestoneUpdate) and task is not None and parsed.due_on is not None:
        task_service.check_milestone(rules, plan, task, parsed.due_on, loc=[*loc, "due_on"])
    cr = ChangeRequest(
        plan_id=plan.id,
        university_id=plan.university_id,
        kind=body.kind,
        task_id=body.task_id if body.kind != "add_task" else None,
        milestone_id=body.milestone_id if body.kind == "update_milestone" else None,
        changes=changes,
        reason=body.reason,
        requested_by=principal.subject,
    )
    session.add(cr)
    session.flush()
    audit(
        session,
        principal,
        "change_request.create",
        "change_request",
        cr.id,
        university_id=plan.university_id,
        after={"kind": body.kind, "task_id": body.task_id, "changes": changes},
    )
    return cr


def decide_change(
    session: Session,
    request: Request,
    principal: Principal,
    cr: ChangeRequest,
    approve_it: bool,
    comment: str,
    rules: TaskRules,
) -> None:
    """P4: the province approves (the change is applied now, in the same transaction) or rejects."""
    with edit(session, request, cr, principal, None, entity="change_request") as e:
        if cr.status != "pending":
            raise Conflict(f"The change request is already {cr.status}")
        if approve_it:
            plan = session.get(Plan, cr.plan_id)
            assert plan is not None
            # The rules are checked again against the plan as it is now: 422 naming the change's field.
            loc = ("changes",)
            if cr.kind == "add_task":
                task_service.add_task(session, principal, plan, TaskCreate.model_validate(cr.changes), rules, loc=loc)
            elif cr.kind == "update_task":
                task = session.get(Task, cr.task_id)
                if task is None:
                    raise Conflict("The task no longer exists")
                changes = TaskUpdate.model_validate(cr.changes).model_dump(exclude_unset=True)
                task_service.apply_task_update(session, principal, plan, task, changes, rules, loc=loc)
            else:
                m = session.get(Milestone, cr.milestone_id)
                if m is None:
                    raise Conflict("The milestone no longer exists")
                task_service.apply_milestone_update(
                    session,
                    principal,
                    plan,
                    m,
                    MilestoneUpdate.model_validate(cr.changes).model_dump(exclude_unset=True),
                    rules,
                    loc=[*loc, "due_on"],
                )
                refresh_letters(session, plan.id)
        status = "approved" if approve_it else "rejected"
        e.set(status=status, decided_by=principal.subject, decided_at=utcnow(), decision_comment=comment)
        e.action, e.after = f"change_request.{status}", {"comment": comment}
        emit(
            session,
            "change_request.decided",
            subject=f"change_request:{cr.id}",
            university_id=cr.university_id,
            data={"change_request_id": cr.id, "plan_id": cr.plan_id, "kind": cr.kind, "status": status},
        )


def change_request_items(session: Session, crs: list[ChangeRequest], orgdir: OrgDirectory) -> list[ChangeRequestItem]:
    """The cross-plan list's rows: three batched look-ups (plan years, task and milestone titles) per page."""
    plan_ids = {c.plan_id for c in crs}
    task_ids = {c.task_id for c in crs if c.task_id is not None}
    ms_ids = {c.milestone_id for c in crs if c.milestone_id is not None}
    years = repo.plan_years(session, plan_ids)
    tasks = repo.task_titles(session, task_ids)
    milestones = repo.milestone_titles(session, ms_ids)
    out = []
    for c in crs:
        base = ChangeRequestOut.model_validate(c, from_attributes=True).model_dump()
        new_title = c.changes.get("title") if c.kind == "add_task" else None
        out.append(
            ChangeRequestItem(
                **base,
                university_name=orgdir.name(c.university_id),
                year=years.get(c.plan_id, 0),
                task_title=tasks.get(c.task_id) if c.task_id is not None else (str(new_title) if new_title else None),
                milestone_title=milestones.get(c.milestone_id) if c.milestone_id is not None else None,
            )
        )
    return out
