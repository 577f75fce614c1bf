"""``/api/plans``: dashboards, the province overview, XLSX exports and the indicators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from plans.deps import IndicatorReader, Orgs, PlanReader, ProvinceReader, only
from plans.plan.router import PlanDep
from plans.reports import export, service
from plans.reports.schemas import Indicators, ProvinceOverview, ProvinceScreen, UniversityDashboard
from plans.visibility import require_university
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import Unprocessable
from sanquan_kernel.routing import ServiceRouter
from sanquan_kernel.storage.names import content_disposition

router = ServiceRouter(tags=["dashboards and indicators"])
Year = Annotated[int, Query(ge=2000, le=2100)]
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {export.XLSX: {"schema": {"type": "string", "format": "binary"}}},
        "description": "An XLSX workbook",
    }
}


def _attachment(data: bytes, filename: str) -> Response:
    """An XLSX download under its Chinese name (RFC 6266 ``filename*`` with an ASCII fallback)."""
    return Response(data, media_type=export.XLSX, headers={"Content-Disposition": content_disposition(filename)})


@router.get(
    "/dashboard",
    response_model=UniversityDashboard,
    dependencies=[only(PlanReader)],
    summary="A university's dashboard for a year (the province names the university)",
)
def dashboard(
    session: SessionDep,
    scope: CurrentScope,
    principal: CurrentPrincipal,
    orgs: Orgs,
    year: Year,
    university_id: int | None = None,
    due_within_days: Annotated[int, Query(ge=1, le=366)] = 14,
) -> UniversityDashboard:
    uid = university_id if university_id is not None else principal.university_id
    if uid is None:
        raise Unprocessable(
            "university_id is required",
            errors=[{"loc": ["query", "university_id"], "msg": "required for province users"}],
        )
    require_university(orgs, scope, uid)
    return service.university_dashboard(session, scope, orgs, uid, year, due_within_days)


@router.get(
    "/overview",
    response_model=ProvinceOverview,
    dependencies=[only(ProvinceReader)],
    summary="Every university's plan status, overdue work, completion per category and work-study ratio",
)
def overview(session: SessionDep, scope: CurrentScope, orgs: Orgs, year: Year) -> Response:
    # Serialised once here: letting FastAPI validate the ~1,500 nested models again would double the cost.
    return Response(
        service.province_overview(session, scope, orgs, year).model_dump_json(), media_type="application/json"
    )


@router.get(
    "/overview/export",
    dependencies=[only(ProvinceReader)],
    response_class=Response,
    responses=XLSX_RESPONSE,
    summary="The province overview as XLSX",
)
def overview_export(session: SessionDep, scope: CurrentScope, orgs: Orgs, year: Year) -> Response:
    data = export.overview_workbook(service.province_overview(session, scope, orgs, year))
    return _attachment(data, f"全省方案总览-{year}.xlsx")


@router.get(
    "/plans/{plan_id}/export",
    dependencies=[only(PlanReader)],
    response_class=Response,
    responses=XLSX_RESPONSE,
    summary="A plan with its tasks, roadmap, funding and work-study posts as XLSX (tasks the caller sees)",
)
def plan_export(plan: PlanDep, session: SessionDep, scope: CurrentScope, orgs: Orgs) -> Response:
    data = service.plan_export(session, scope, orgs, plan)
    return _attachment(data, f"实施方案-{orgs.name(plan.university_id)}-{plan.year}.xlsx".replace("/", "_"))


@router.get(
    "/indicators",
    response_model=Indicators,
    dependencies=[only(IndicatorReader)],
    summary="Per-university indicators of a year for the annual assessment (province or service token)",
)
def indicators(
    session: SessionDep, scope: CurrentScope, orgs: Orgs, year: Year, university_id: int | None = None
) -> Indicators:
    require_university(orgs, scope, university_id)
    return service.indicators(session, scope, year, university_id)


@router.get(
    "/screen",
    response_model=ProvinceScreen,
    dependencies=[only(ProvinceReader)],
    summary="The province's big screen: each university's city, plan status and roadmap; the latest overdue work",
)
def screen(
    session: SessionDep,
    scope: CurrentScope,
    orgs: Orgs,
    year: Year,
    alerts: Annotated[int, Query(ge=1, le=100, description="how many of the latest overdue milestones")] = 20,
) -> ProvinceScreen:
    return service.province_screen(session, scope, orgs, year, alerts)
