"""``/api/plans``: tasks of a plan, their milestones (the roadmap) and progress reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from plans.deps import Orgs, PlanEditor, PlanReader, ProgressReporter, only
from plans.plan.models import Plan
from plans.plan.router import PlanDep
from plans.tasks import repository as repo
from plans.tasks import service
from plans.tasks.models import Milestone, Task
from plans.tasks.rules import Rules
from plans.tasks.schemas import (
    MilestoneCreate,
    MilestoneOut,
    MilestoneUpdate,
    ProgressCreate,
    ProgressOut,
    TaskCreate,
    TaskDetail,
    TaskEdit,
    TaskOut,
)
from plans.vocabulary import Category
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.clock import today
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.responses import json_response
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["tasks"])


def load_task(task_id: int, session: SessionDep, scope: CurrentScope) -> Task:
    """The task, or 404 when it does not exist or lies outside the caller's scope (another department's too)."""
    task = repo.get_task(session, scope, task_id)
    if task is None:
        raise NotFound("No such task")
    return task


def load_milestone(milestone_id: int, session: SessionDep, scope: CurrentScope) -> tuple[Milestone, Task]:
    found = repo.get_milestone(session, scope, milestone_id)
    if found is None:
        raise NotFound("No such milestone")
    return found


TaskDep = Annotated[Task, Depends(load_task)]
MilestoneDep = Annotated[tuple[Milestone, Task], Depends(load_milestone)]


def _plan_of(session: SessionDep, task: Task) -> Plan:
    plan = session.get(Plan, task.plan_id)
    assert plan is not None
    return plan


def _detail(response: Response, session: SessionDep, task: Task, orgs: OrgDirectory) -> TaskDetail:
    set_etag(response, task.version)
    return service.task_detail(session, task, orgs)


@router.get(
    "/plans/{plan_id}/tasks",
    response_model=Page[TaskOut],
    dependencies=[only(PlanReader)],
    summary="The plan's tasks the caller can see (a department manager: their department's)",
)
def list_tasks(
    plan: PlanDep,
    session: SessionDep,
    scope: CurrentScope,
    page: PageDep,
    orgs: Orgs,
    category: Category | None = None,
    department_id: int | None = None,
    overdue: Annotated[bool, Query(description="Only tasks past due and not done")] = False,
) -> Page[TaskOut]:
    if department_id is not None and not (
        orgs.is_department_of(department_id, plan.university_id) and scope.covers_org(plan.university_id, department_id)
    ):
        raise NotFound("No such department in this plan's university")
    as_of = today()
    stmt = repo.list_tasks_stmt(
        scope,
        plan.id,
        category=category.value if category else None,
        department_id=department_id,
        overdue_as_of=as_of if overdue else None,
    )
    items, total = paginate(session, stmt, page)
    return Page(
        items=[service.task_out(t, orgs, as_of) for t in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/plans/{plan_id}/tasks",
    response_model=TaskDetail,
    status_code=201,
    dependencies=[only(PlanEditor)],
    summary="Add a task (with its milestones) to a draft or returned plan",
)
def create_task(
    plan: PlanDep, body: TaskCreate, session: SessionDep, principal: CurrentPrincipal, response: Response, rules: Rules
) -> TaskDetail:
    task = service.create_task(session, principal, plan, body, rules)
    return _detail(response, session, task, rules.orgdir)


@router.get(
    "/tasks/{task_id}", response_model=TaskDetail, dependencies=[only(PlanReader)], summary="A task with its milestones"
)
def get_task(task: TaskDep, session: SessionDep, response: Response, orgs: Orgs) -> TaskDetail:
    return _detail(response, session, task, orgs)


@router.patch(
    "/tasks/{task_id}",
    response_model=TaskDetail,
    dependencies=[only(PlanEditor)],
    summary="Edit a task of a draft or returned plan, with its whole roadmap when given (If-Match)",
)
def update_task(
    task: TaskDep,
    body: TaskEdit,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    rules: Rules,
) -> TaskDetail:
    service.update_task(session, request, principal, _plan_of(session, task), task, body, rules)
    return _detail(response, session, task, rules.orgdir)


@router.delete(
    "/tasks/{task_id}",
    status_code=204,
    response_class=Response,
    dependencies=[only(PlanEditor)],
    summary="Remove a task from a draft or returned plan (If-Match)",
)
def delete_task(task: TaskDep, request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    service.delete_task(session, request, principal, _plan_of(session, task), task)
    return Response(status_code=204)


@router.get(
    "/tasks/{task_id}/milestones",
    response_model=Page[MilestoneOut],
    dependencies=[only(PlanReader)],
    summary="The task's roadmap, in order",
)
def list_milestones(task: TaskDep, session: SessionDep, page: PageDep) -> Page[MilestoneOut]:
    ms = repo.milestones_of(session, [task.id])[task.id]
    as_of = today()
    window = ms[page.offset : page.offset + page.limit]
    return Page(
        items=[service.milestone_out(m, as_of) for m in window], total=len(ms), limit=page.limit, offset=page.offset
    )


@router.post(
    "/tasks/{task_id}/milestones",
    response_model=MilestoneOut,
    status_code=201,
    dependencies=[only(PlanEditor)],
    summary="Add a milestone to a task of a draft or returned plan",
)
def create_milestone(
    task: TaskDep,
    body: MilestoneCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    rules: Rules,
) -> MilestoneOut:
    m = service.create_milestone(session, principal, _plan_of(session, task), task, body, rules)
    set_etag(response, m.version)
    return service.milestone_out(m)


@router.get(
    "/milestones/{milestone_id}", response_model=MilestoneOut, dependencies=[only(PlanReader)], summary="A milestone"
)
def get_milestone(found: MilestoneDep, response: Response) -> MilestoneOut:
    set_etag(response, found[0].version)
    return service.milestone_out(found[0])


@router.patch(
    "/milestones/{milestone_id}",
    response_model=MilestoneOut,
    dependencies=[only(PlanEditor)],
    summary="Edit a milestone of a draft or returned plan (If-Match)",
)
def update_milestone(
    found: MilestoneDep,
    body: MilestoneUpdate,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    rules: Rules,
) -> MilestoneOut:
    m, task = found
    service.update_milestone(session, request, principal, _plan_of(session, task), m, body, rules)
    set_etag(response, m.version)
    return service.milestone_out(m)


@router.delete(
    "/milestones/{milestone_id}",
    status_code=204,
    response_class=Response,
    dependencies=[only(PlanEditor)],
    summary="Remove a milestone from a draft or returned plan (If-Match)",
)
def delete_milestone(
    found: MilestoneDep, request: Request, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    m, task = found
    service.delete_milestone(session, request, principal, _plan_of(session, task), m)
    return Response(status_code=204)


@router.post(
    "/tasks/{task_id}/progress",
    response_model=ProgressOut,
    status_code=201,
    dependencies=[only(ProgressReporter)],
    summary="Report progress on a task or one of its milestones (append-only)",
)
def report_progress(
    task_id: int, body: ProgressCreate, session: SessionDep, principal: CurrentPrincipal, scope: CurrentScope
) -> Response:
    """The hot write of the plans service: answered as plain data of ``ProgressOut``, serialised directly."""
    report = service.report_progress(session, principal, scope, task_id, body)
    fields = ProgressOut.model_fields
    return json_response({k: v for k, v in report.items() if k in fields}, status_code=201)


@router.get(
    "/tasks/{task_id}/progress",
    response_model=Page[ProgressOut],
    dependencies=[only(PlanReader)],
    summary="The task's progress reports, newest first",
)
def list_progress(task: TaskDep, session: SessionDep, scope: CurrentScope, page: PageDep) -> Page[ProgressOut]:
    items, total = paginate(session, repo.progress_stmt(scope, task.id), page)
    return Page(
        items=[ProgressOut.model_validate(r, from_attributes=True) for r in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
