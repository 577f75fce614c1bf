"""``/api/hall/stats`` (figures for the workbench and the province's comparison) and ``/api/hall/indicators``
(the assessment's hall indicators, E3)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

from hall.deps import StatsReader
from hall.requests import repository as requests
from hall.stats import service
from sanquan_kernel import clock
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.clock import PROVINCE_TZ
from sanquan_kernel.db import SessionDep
from sanquan_kernel.deps import Orgs, require
from sanquan_kernel.errors import NotFound, Unprocessable
from sanquan_kernel.principal import Principal, Role
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["figures"])
IndicatorReader = Annotated[
    Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.SERVICE, client_scope="hall:indicators")
]


class Minutes(BaseModel):
    median: float | None
    p90: float | None


class UniversityFigures(BaseModel):
    university_id: int
    name: str
    type: str | None
    requests: int
    closed: int
    promise_kept_rate: float | None
    rated: int
    satisfaction_mean: float | None


class Stats(BaseModel):
    date_from: date
    date_to: date
    university_id: int | None
    department_id: int | None
    total: int
    closed: int
    by_category: list[dict[str, Any]]
    by_place: list[dict[str, Any]]
    accept_minutes: Minutes
    resolve_minutes: Minutes
    promise_kept_rate: float | None
    rated: int
    satisfaction_mean: float | None
    recurring_places: list[dict[str, Any]]
    #: the province's comparison (province callers without ``university_id``), with the school type
    universities: list[UniversityFigures]


def _bounds(date_from: date | None, date_to: date | None) -> tuple[date, date, datetime, datetime]:
    to = date_to or clock.today()
    start = date_from or to - timedelta(days=29)
    if start > to or (to - start).days > 800:
        raise Unprocessable(
            "from is on or before to, at most 800 days apart",
            errors=[{"loc": ["query", "from"], "msg": "invalid period", "type": "value"}],
        )
    return (
        start,
        to,
        datetime.combine(start, time(0), PROVINCE_TZ),
        datetime.combine(to + timedelta(days=1), time(0), PROVINCE_TZ),
    )


@router.get("/stats")
def get_stats(
    principal: StatsReader,
    session: SessionDep,
    scope: CurrentScope,
    orgs: Orgs,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    university_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Stats:
    """The figures of the caller's part: a department manager their department, a university administrator
    their university, the province every university (or one, with ``university_id``). Default: the last 30 days."""
    start_d, to_d, start, end = _bounds(date_from, date_to)
    where = requests.visible(scope)
    if university_id is not None:
        if not scope.covers_org(university_id) and not (
            scope.university_id == university_id and scope.department_id is not None
        ):
            raise NotFound("No such university")
        where = where & (requests.R.university_id == university_id)
    figures = service.figures(session, where, start, end)
    universities: list[UniversityFigures] = []
    if scope.is_all and university_id is None:
        per = service.per_university(session, start, end)
        for uni in orgs.universities():
            f = per.get(uni.id)
            universities.append(
                UniversityFigures(
                    university_id=uni.id,
                    name=uni.name,
                    type=uni.type,
                    **(
                        f
                        or {
                            "requests": 0,
                            "closed": 0,
                            "promise_kept_rate": None,
                            "rated": 0,
                            "satisfaction_mean": None,
                        }
                    ),
                )
            )
    return Stats(
        date_from=start_d,
        date_to=to_d,
        university_id=university_id if university_id is not None else scope.university_id,
        department_id=scope.department_id,
        universities=universities,
        **figures,
    )


class IndicatorRow(BaseModel):
    university_id: int
    requests: int
    closed: int
    #: null: no closed request in the year (not applicable, never zero)
    promise_kept_rate: float | None
    rated: int
    #: null: no rated request in the year
    satisfaction_mean: float | None


class Indicators(BaseModel):
    """The shape of the other services' indicator sources (evaluation's ``fetch_source``)."""

    year: int
    items: list[IndicatorRow]


@router.get("/indicators")
def get_indicators(
    principal: IndicatorReader, session: SessionDep, year: Annotated[int, Query(ge=2000, le=2100)]
) -> Indicators:
    """E3: per university with requests reported in the year, promise kept and mean satisfaction (null = not
    applicable). A university without requests is absent (not applicable)."""
    start = datetime(year, 1, 1, tzinfo=PROVINCE_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=PROVINCE_TZ)
    per = service.per_university(session, start, end)
    return Indicators(year=year, items=[IndicatorRow(university_id=u, **f) for u, f in sorted(per.items())])
