"""``/api/plans/alerts``: the province's alert list (issue #18) — escalated milestones and plans not submitted by
the deadline, each university's own for its administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from plans.deps import Orgs, only
from plans.reminders import service
from plans.reminders.schemas import EscalatedMilestone, LatePlans
from plans.visibility import require_university
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.deps import require
from sanquan_kernel.errors import NotFound
from sanquan_kernel.pagination import Page, PageDep
from sanquan_kernel.principal import Principal, Role
from sanquan_kernel.routing import ServiceRouter

#: The alert list: the province's administrators and a university's administrators for their own university.
AlertReader = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.UNIVERSITY_ADMIN)]
router = ServiceRouter(tags=["reminders and alerts"])


@router.get(
    "/alerts/milestones",
    response_model=Page[EscalatedMilestone],
    dependencies=[only(AlertReader)],
    summary="Open milestones overdue more than the escalation threshold, the longest overdue first",
)
def escalated_milestones(
    request: Request,
    session: SessionDep,
    scope: CurrentScope,
    orgs: Orgs,
    page: PageDep,
    university_id: int | None = None,
    department_id: int | None = None,
    min_days_overdue: Annotated[int, Query(ge=0, le=3660)] = 0,
) -> Page[EscalatedMilestone]:
    require_university(orgs, scope, university_id)
    if department_id is not None:
        dept = orgs.get(department_id)
        if dept is None or dept.level != "department" or not scope.covers_org(dept.university_id, department_id):
            raise NotFound("No such department")
    return service.escalated(
        session,
        scope,
        orgs,
        request.app.state.kernel.settings.escalate_after_days,
        university_id=university_id,
        department_id=department_id,
        min_days=min_days_overdue,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/alerts/plans",
    response_model=LatePlans,
    dependencies=[only(AlertReader)],
    summary="Universities whose plan of the year was not submitted by their deadline",
)
def late_plans(
    session: SessionDep,
    scope: CurrentScope,
    orgs: Orgs,
    year: Annotated[int, Query(ge=2000, le=2100)],
    university_id: int | None = None,
) -> LatePlans:
    require_university(orgs, scope, university_id)
    return service.late_plans(session, scope, orgs, year, university_id)
