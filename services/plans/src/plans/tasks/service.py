"""Tasks, milestones and progress: the rules.

- P2: each task names a department, a main responsible person, a timetable (start/due) and a roadmap of milestones.
- P4: the university edits tasks only while its plan is a draft or returned; after approval a change request
  (approved by the province) is the only way to change scope or dates.
- P4: department managers report progress on their department's tasks only (scope makes the others 404);
  reports are append-only; a task or milestone past its due date and not done is overdue.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from plans.deps import audit, edit, lock
from plans.letters.service import refresh_letters
from plans.models import AuditEntry
from plans.plan.models import Plan
from plans.tasks import repository as repo
from plans.tasks.models import Milestone, Task
from plans.tasks.rules import Loc, TaskRules, raise_if
from plans.tasks.schemas import (
    MilestoneCreate,
    MilestoneEdit,
    MilestoneOut,
    MilestoneUpdate,
    ProgressCreate,
    TaskCreate,
    TaskDetail,
    TaskEdit,
    TaskOut,
)
from plans.vocabulary import EDITABLE, PlanStatus, WorkStatus
from sanquan_kernel.audit import record_audit
from sanquan_kernel.clock import today
from sanquan_kernel.errors import Conflict, NotFound, PreconditionFailed, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Scope

TASK_FIELDS = (
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
MILESTONE_FIELDS = ("seq", "title", "due_on")


# -- shaping -------------------------------------------------------------------------------------------
def is_overdue(due_on: date, status: str, as_of: date) -> bool:
    """P4: past its due date (the due day itself is still on time) and not done."""
    return due_on < as_of and status != WorkStatus.DONE


def milestone_out(m: Milestone, as_of: date | None = None) -> MilestoneOut:
    return MilestoneOut(
        id=m.id,
        task_id=m.task_id,
        seq=m.seq,
        title=m.title,
        due_on=m.due_on,
        status=WorkStatus(m.status),
        percent=m.percent,
        completed_on=m.completed_on,
        evidence=m.evidence,
        overdue=is_overdue(m.due_on, m.status, as_of or today()),
        version=m.version,
    )


def task_out(t: Task, orgdir: OrgDirectory, as_of: date | None = None) -> TaskOut:
    return TaskOut(
        id=t.id,
        plan_id=t.plan_id,
        university_id=t.university_id,
        category=t.category,
        title=t.title,
        description=t.description,
        department_id=t.department_id,
        department_name=orgdir.name(t.department_id),
        responsible_user_id=t.responsible_user_id,
        responsible_name=t.responsible_name,
        start_on=t.start_on,
        due_on=t.due_on,
        expected_outputs=t.expected_outputs,
        status=WorkStatus(t.status),
        percent=t.percent,
        completed_on=t.completed_on,
        overdue=is_overdue(t.due_on, t.status, as_of or today()),
        sort_order=t.sort_order,
        version=t.version,
    )


def task_detail(session: Session, t: Task, orgdir: OrgDirectory) -> TaskDetail:
    as_of = today()
    ms = repo.milestones_of(session, [t.id])[t.id]
    return TaskDetail(**task_out(t, orgdir, as_of).model_dump(), milestones=[milestone_out(m, as_of) for m in ms])


def task_fields(t: Task) -> dict[str, Any]:
    return {f: getattr(t, f) for f in TASK_FIELDS}


def milestone_fields(m: Milestone) -> dict[str, Any]:
    return {f: getattr(m, f) for f in MILESTONE_FIELDS}


# -- guards --------------------------------------------------------------------------------------------
def ensure_editable(plan: Plan) -> None:
    """P4: the university edits its plan only while it is a draft or returned."""
    if plan.status not in EDITABLE:
        if plan.status == PlanStatus.APPROVED:
            raise Conflict("The plan is approved: changes to scope or dates need a change request")
        raise Conflict(f"The plan is {plan.status}: it can be edited only while a draft or returned")


def check_department(orgdir: OrgDirectory, department_id: int, university_id: int) -> None:
    if not orgdir.is_department_of(department_id, university_id):
        raise Unprocessable(
            "The department is not a department of the plan's university",
            errors=[{"loc": ["body", "department_id"], "msg": "not a department of the university"}],
        )


def check_task(
    rules: TaskRules,
    plan: Plan,
    fields: dict[str, Any],
    milestones: list[tuple[Loc, date]],
    *,
    loc: Loc = ("body",),
    people: bool = True,
) -> None:
    """A task as it would be (``fields``: department_id, responsible_user_id, start_on, due_on) and its
    milestones: 422 naming every field that breaks a rule (plans.tasks.rules)."""
    errors = rules.department_errors(fields["department_id"], plan.university_id, loc=[*loc, "department_id"])
    errors += rules.date_errors(plan.year, fields["start_on"], fields["due_on"], milestones, loc=loc)
    if people and not errors:
        errors += rules.person_errors(
            fields["responsible_user_id"],
            plan.university_id,
            fields["department_id"],
            loc=[*loc, "responsible_user_id"],
        )
    raise_if(errors)


def check_milestone(rules: TaskRules, plan: Plan, task: Task, due_on: date, *, loc: Loc = ("body", "due_on")) -> None:
    raise_if(rules.date_errors(plan.year, task.start_on, task.due_on, [(loc, due_on)]), "The milestone is not valid")


# -- tasks ---------------------------------------------------------------------------------------------
def add_task(
    session: Session,
    principal: Principal | None,
    plan: Plan,
    body: TaskCreate,
    rules: TaskRules,
    *,
    loc: Loc = ("body",),
) -> Task:
    """Creates a task with its roadmap (no status guard: change requests call it on approved plans)."""
    check_task(
        rules,
        plan,
        body.model_dump(include={"department_id", "responsible_user_id", "start_on", "due_on"}),
        [([*loc, "milestones", i, "due_on"], m.due_on) for i, m in enumerate(body.milestones)],
        loc=loc,
    )
    task = Task(
        plan_id=plan.id, university_id=plan.university_id, **body.model_dump(exclude={"milestones"}, mode="python")
    )
    task.category = body.category.value
    session.add(task)
    session.flush()
    for i, m in enumerate(body.milestones, start=1):
        session.add(
            Milestone(
                task_id=task.id,
                plan_id=plan.id,
                university_id=plan.university_id,
                department_id=task.department_id,
                seq=m.seq or i,
                title=m.title,
                due_on=m.due_on,
            )
        )
    session.flush()
    audit(session, principal, "task.create", "task", task.id, university_id=plan.university_id, after=task_fields(task))
    refresh_letters(session, plan.id)
    return task


def create_task(session: Session, principal: Principal, plan: Plan, body: TaskCreate, rules: TaskRules) -> Task:
    ensure_editable(plan)
    return add_task(session, principal, plan, body, rules)


def check_task_update(
    session: Session, rules: TaskRules, plan: Plan, task: Task, changes: dict[str, Any], *, loc: Loc = ("body",)
) -> None:
    """The task as ``changes`` would leave it, with its current milestones, against the rules."""
    after = {**task_fields(task), **changes}
    check_task(rules, plan, after, [], loc=loc, people=bool({"responsible_user_id", "department_id"} & changes.keys()))
    # The roadmap stays within the task: a date that would leave a milestone outside is refused, naming it.
    dues = [m.due_on for m in repo.milestones_of(session, [task.id])[task.id]]
    errors = []
    if dues and after["due_on"] < max(dues):
        errors.append({"loc": [*loc, "due_on"], "msg": f"before the task's milestone due on {max(dues)}"})
    if dues and after["start_on"] is not None and after["start_on"] > min(dues):
        errors.append({"loc": [*loc, "start_on"], "msg": f"after the task's milestone due on {min(dues)}"})
    raise_if(errors)


def apply_task_update(
    session: Session,
    principal: Principal | None,
    plan: Plan,
    task: Task,
    changes: dict[str, Any],
    rules: TaskRules,
    *,
    loc: Loc = ("body",),
    request: Request | None = None,
    editable_only: bool = False,
) -> None:
    """Apply field changes (already validated as ``TaskUpdate``) to a task. ``request``: its ``If-Match`` is
    checked (None: the service's own change, an approved change request); ``editable_only``: only while the plan
    is a draft or returned (409)."""
    with edit(session, request, task, principal, "task.update", entity="task", fields=task_fields) as e:
        if editable_only:
            ensure_editable(plan)
        if not changes:
            return
        check_task_update(session, rules, plan, task, changes, loc=loc)
        department_id = task.department_id
        e.set({k: v.value if hasattr(v, "value") else v for k, v in changes.items()})
        if task.department_id != department_id:
            repo.move_milestones(session, task.id, task.department_id)
    refresh_letters(session, task.plan_id)


def update_task(
    session: Session,
    request: Request,
    principal: Principal,
    plan: Plan,
    task: Task,
    body: TaskEdit,
    rules: TaskRules,
) -> None:
    """The task dialog's one save (#17): the task's fields (``If-Match`` names the task's version) and, when given,
    its whole roadmap, in one transaction — a stale milestone or a bad date leaves the task unchanged too."""
    changes = body.model_dump(exclude_unset=True, exclude={"milestones"})
    apply_task_update(session, principal, plan, task, changes, rules, request=request, editable_only=True)
    if body.milestones is not None:
        # The task is locked and its If-Match checked above; a changed roadmap is a new version of the task, so an
        # editor still holding the old one cannot drop a milestone it never saw.
        with edit(session, None, task, principal, None, lock=False) as e:
            if replace_roadmap(session, principal, plan, task, body.milestones, rules):
                e.touch()


def delete_task(session: Session, request: Request, principal: Principal, plan: Plan, task: Task) -> None:
    from plans.attachments.service import detach_with

    with edit(session, request, task, principal, "task.delete", entity="task", fields=task_fields) as e:
        ensure_editable(plan)
        detach_with(session, task)  # its files (#16): kept for the retention period
        e.delete()
    refresh_letters(session, plan.id)


# -- milestones ----------------------------------------------------------------------------------------
def create_milestone(
    session: Session, principal: Principal, plan: Plan, task: Task, body: MilestoneCreate, rules: TaskRules
) -> Milestone:
    ensure_editable(plan)
    check_milestone(rules, plan, task, body.due_on)
    m = Milestone(
        task_id=task.id,
        plan_id=task.plan_id,
        university_id=task.university_id,
        department_id=task.department_id,
        seq=body.seq or repo.next_milestone_seq(session, task.id),
        title=body.title,
        due_on=body.due_on,
    )
    session.add(m)
    session.flush()
    audit(
        session,
        principal,
        "milestone.create",
        "milestone",
        m.id,
        university_id=task.university_id,
        after=milestone_fields(m),
    )
    refresh_letters(session, plan.id)
    return m


def apply_milestone_update(
    session: Session,
    principal: Principal | None,
    plan: Plan,
    m: Milestone,
    changes: dict[str, Any],
    rules: TaskRules,
    *,
    loc: Loc = ("body", "due_on"),
    request: Request | None = None,
    editable_only: bool = False,
) -> None:
    """Apply field changes (already validated as ``MilestoneUpdate``); ``request`` and ``editable_only`` as for
    ``apply_task_update``."""
    with edit(session, request, m, principal, "milestone.update", entity="milestone", fields=milestone_fields) as e:
        if editable_only:
            ensure_editable(plan)
        if not changes:
            return
        if changes.get("due_on") is not None:
            task = session.get(Task, m.task_id)
            assert task is not None
            due = changes["due_on"]
            check_milestone(rules, plan, task, date.fromisoformat(due) if isinstance(due, str) else due, loc=loc)
        e.set(changes)


def update_milestone(
    session: Session,
    request: Request,
    principal: Principal,
    plan: Plan,
    m: Milestone,
    body: MilestoneUpdate,
    rules: TaskRules,
) -> None:
    changes = body.model_dump(exclude_unset=True)
    apply_milestone_update(session, principal, plan, m, changes, rules, request=request, editable_only=True)
    refresh_letters(session, plan.id)


def delete_milestone(session: Session, request: Request, principal: Principal, plan: Plan, m: Milestone) -> None:
    from plans.attachments.service import detach_with

    with edit(session, request, m, principal, "milestone.delete", entity="milestone", fields=milestone_fields) as e:
        ensure_editable(plan)
        detach_with(session, m)  # its files (#16): kept for the retention period
        e.delete()
    refresh_letters(session, plan.id)


def replace_roadmap(
    session: Session, principal: Principal, plan: Plan, task: Task, items: list[MilestoneEdit], rules: TaskRules
) -> bool:
    """P2: the task's roadmap becomes ``items`` in their order (``TaskEdit.milestones``); answers whether anything
    changed. Every milestone named is checked (412 ``stale_version`` naming each stale or vanished one; 422 for
    dates outside the task) before anything is written; each change, creation and deletion is audited as the single
    milestone endpoints audit it."""
    from plans.attachments.service import detach_with

    current = {m.id: m for m in repo.milestones_of(session, [task.id])[task.id]}
    stale: list[dict[str, Any]] = []
    named: set[int] = set()
    for i, item in enumerate(items):
        if item.id is None:
            continue
        m = current.get(item.id)
        # A milestone gone meanwhile (or never this task's) reads as stale: the dialog showed what is no more.
        if m is None or item.id in named or m.version != item.version:
            stale.append({"loc": ["body", "milestones", i, "version"], "msg": "changed", "type": "stale_version"})
        named.add(item.id)
    if stale:
        raise PreconditionFailed(
            "Some milestones were changed by someone else; nothing was saved", code="stale_version", errors=stale
        )
    raise_if(
        rules.date_errors(
            plan.year,
            task.start_on,
            task.due_on,
            [(("body", "milestones", i, "due_on"), m.due_on) for i, m in enumerate(items)],
        ),
        "The roadmap is not valid",
    )
    changed = False
    for m in current.values():
        if m.id not in named:
            with edit(
                session, None, m, principal, "milestone.delete", entity="milestone", fields=milestone_fields
            ) as e:
                detach_with(session, m)  # its files (#16): kept for the retention period
                e.delete()
            changed = True
    for seq, item in enumerate(items, start=1):
        values = {"seq": seq, "title": item.title, "due_on": item.due_on}
        if item.id is None:
            m = Milestone(
                task_id=task.id,
                plan_id=task.plan_id,
                university_id=task.university_id,
                department_id=task.department_id,
                **values,
            )
            session.add(m)
            session.flush()
            audit(
                session,
                principal,
                "milestone.create",
                "milestone",
                m.id,
                university_id=task.university_id,
                after=milestone_fields(m),
            )
            changed = True
            continue
        m = current[item.id]
        diff = {k: v for k, v in values.items() if getattr(m, k) != v}
        if diff:
            with edit(
                session, None, m, principal, "milestone.update", entity="milestone", fields=milestone_fields
            ) as e:
                e.set(diff)
            changed = True
    if changed:
        refresh_letters(session, plan.id)
    return changed


# -- progress ------------------------------------------------------------------------------------------
def report_progress(
    session: Session, principal: Principal, scope: Scope, task_id: int, body: ProgressCreate
) -> dict[str, Any]:
    """P4: a report is appended, and the reported item (milestone or task) takes its status and percent; answers
    the report's row.

    A task with milestones follows them: its percent is their average, and it is done when all are done."""
    plan_status = repo.plan_status_of_task(session, scope, task_id)
    if plan_status is None:
        raise NotFound("No such task")
    if plan_status != PlanStatus.APPROVED:
        raise Conflict("Progress is reported on an approved plan")
    reported_on = body.reported_on or today()
    if reported_on > today():
        raise Unprocessable(
            "reported_on is in the future", errors=[{"loc": ["body", "reported_on"], "msg": "in the future"}]
        )
    completed_on = reported_on if body.status is WorkStatus.DONE else None
    if body.milestone_id is not None:
        task = session.get(Task, task_id)
        assert task is not None
        lock(session, task)  # the task's percent and status follow its milestones: one reporter at a time
        found = repo.get_milestone(session, scope, body.milestone_id)
        if found is None or found[0].task_id != task.id:
            raise NotFound("No such milestone on this task")
        m = found[0]
        # New versions without edits' audit entries: the report's own entry below says what happened. The task's
        # lock serialises the reporters of its milestones.
        with edit(session, None, m, principal, None, lock=False) as e:
            e.set(status=body.status.value, percent=body.percent, completed_on=completed_on)
            if body.evidence:
                e.set(evidence=body.evidence)
        count, done, percent_sum, last_done = repo.milestone_stats(session, task.id)
        with edit(session, None, task, principal, None, lock=False) as e:
            e.set(percent=percent_sum // count if count else body.percent)
            if count and done == count:
                e.set(status=WorkStatus.DONE.value, completed_on=last_done)
            else:
                e.set(
                    status=WorkStatus.IN_PROGRESS.value if percent_sum else WorkStatus.NOT_STARTED.value,
                    completed_on=None,
                )
        university_id, department_id = task.university_id, task.department_id
    else:
        # The task's own figures are set outright, not computed from what is stored: one UPDATE, which takes the
        # row lock itself, counts the version up in SQL and answers the task's current place.
        university_id, department_id = repo.set_task_progress(
            session, task_id, body.status.value, body.percent, completed_on
        )
    # The report and its audit entry in plain INSERTs (the hot write of the plans service: no unit of work).
    report = repo.add_progress_report(
        session,
        {
            "task_id": task_id,
            "milestone_id": body.milestone_id,
            "university_id": university_id,
            "department_id": department_id,
            "status": body.status.value,
            "percent": body.percent,
            "note": body.note,
            "evidence": body.evidence,
            "reported_on": reported_on,
            "reported_by": principal.subject,
        },
    )
    after = {"milestone_id": body.milestone_id, "status": body.status.value, "percent": body.percent}
    record_audit(
        session,
        AuditEntry,
        principal,
        "progress.report",
        "task",
        task_id,
        university_id=university_id,
        after=after,
        now=True,
    )
    return report
