from __future__ import annotations

import enum
from typing import Annotated

from fastapi import Path, Query, Request, Response

from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import Unprocessable
from sanquan_kernel.etag import set_etag
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.responses import json_response
from sanquan_kernel.routing import ServiceRouter
from training.compliance import service
from training.compliance.schemas import AtRiskReport, ComplianceReport, Indicators, Ledger, RuleIn, RuleOut, ThemeReport
from training.deps import IndicatorReader, Orgs, ProvinceAdmin, Reader
from training.vocabulary import THEME_LABELS, organizer_label, source_label

router = ServiceRouter(tags=["compliance"])

Year = Annotated[int | None, Query(ge=1900, le=2999, description="Calendar year; default the current year")]
YearPath = Annotated[int, Path(ge=1900, le=2999)]


class GroupBy(enum.StrEnum):
    UNIVERSITY = "university"
    DEPARTMENT = "department"
    STAFF = "staff"


def _year(year: int | None) -> int:
    return year if year is not None else service.current_year()


# -- rules -------------------------------------------------------------------------------------------------------
@router.get("/rules/{year}", response_model=RuleOut, tags=["rules"])
def get_rule(year: YearPath, response: Response, session: SessionDep, _: Reader) -> RuleOut:
    rule = service.rule_for(session, year)
    if rule.row is not None:
        set_etag(response, rule.row.version)
    return rule.out()


@router.put("/rules/{year}", response_model=RuleOut, tags=["rules"])
def put_rule(
    year: YearPath,
    body: RuleIn,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: ProvinceAdmin,
) -> RuleOut:
    """Province admins set the rule of a year (If-Match when replacing); other years are untouched. The body
    may be what ``GET`` answered: its ``year`` must be the path's."""
    if body.year is not None and body.year != year:
        raise Unprocessable(
            f"The body is the rule of {body.year}, the path names {year}",
            errors=[{"loc": ["body", "year"], "msg": f"must be the path's year ({year})"}],
        )
    rule = service.put_rule(session, request, principal, year, body)
    assert rule.row is not None
    set_etag(response, rule.row.version)
    return rule.out()


# -- a person's ledger -------------------------------------------------------------------------------------------
@router.get("/staff/{staff_id}/ledger", response_model=Ledger, tags=["ledger"])
def get_ledger(
    staff_id: int, session: SessionDep, _: Reader, scope: CurrentScope, orgdir: Orgs, year: Year = None
) -> Response:
    return json_response(service.ledger(session, scope, orgdir, staff_id, _year(year)))


@router.get(
    "/staff/{staff_id}/ledger/export",
    response_class=Response,
    tags=["ledger"],
    responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}},
)
def export_ledger(
    staff_id: int,
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    orgdir: Orgs,
    year: Year = None,
    format: ExportFormat = ExportFormat.XLSX,
) -> Response:
    led = Ledger.model_validate(service.ledger(session, scope, orgdir, staff_id, _year(year)))
    headers = ["工号", "姓名", "部门", "年度", "培训名称", "培训日期", "学时", "天数", "培训主题", "组织层级", "来源"]
    rows: list[list[object]] = [
        [
            led.staff.employee_no,
            led.staff.name,
            led.staff.department_name,
            led.year,
            r.title,
            r.taken_on,
            r.hours,
            r.days,
            "；".join(THEME_LABELS[t] for t in r.themes),
            organizer_label(r.organizer_level),
            source_label(r.source),
        ]
        for r in led.records
    ]
    rows.append(
        [
            led.staff.employee_no,
            led.staff.name,
            led.staff.department_name,
            led.year,
            "合计",
            None,
            led.hours,
            led.days,
            "达标" if led.compliant else "未达标",
            None,
            None,
        ]
    )
    return table_response(headers, rows, format, f"个人培训台账-{led.staff.employee_no}-{led.year}", sheet="个人台账")


# -- roll-ups ----------------------------------------------------------------------------------------------------
@router.get("/compliance", response_model=ComplianceReport, tags=["compliance"])
def get_compliance(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    orgdir: Orgs,
    year: Year = None,
    group_by: GroupBy = GroupBy.UNIVERSITY,
    org_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=5000, description="staff rows only")] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ComplianceReport:
    return service.compliance(session, scope, orgdir, _year(year), group_by.value, org_id, limit=limit, offset=offset)


@router.get(
    "/compliance/export",
    response_class=Response,
    tags=["compliance"],
    responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}},
)
def export_compliance(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    orgdir: Orgs,
    year: Year = None,
    group_by: GroupBy = GroupBy.UNIVERSITY,
    org_id: int | None = None,
    format: ExportFormat = ExportFormat.XLSX,
) -> Response:
    rep = service.compliance(session, scope, orgdir, _year(year), group_by.value, org_id, limit=None)
    if group_by is GroupBy.STAFF:
        headers = ["工号", "姓名", "部门", "年度学时", "年度天数", "是否达标"]
        rows: list[list[object]] = [
            [r.employee_no, r.name, orgdir.name(r.department_id), r.hours, r.days, "达标" if r.compliant else "未达标"]
            for r in rep.rows
        ]
    else:
        headers = ["单位", "在岗人数", "达标人数", "达标率", "总学时", "总天数"]
        rows = [[r.name, r.staff_total, r.compliant, r.rate, r.hours, r.days] for r in rep.rows]
        rows.append(
            ["合计", rep.totals.staff_total, rep.totals.compliant, rep.totals.rate, rep.totals.hours, rep.totals.days]
        )
    return table_response(headers, rows, format, f"培训达标统计-{rep.year}", sheet="达标统计")


@router.get("/indicators", response_model=Indicators, tags=["indicators"])
def get_indicators(
    session: SessionDep,
    scope: CurrentScope,
    _: IndicatorReader,
    year: Year = None,
    university_id: int | None = None,
) -> Indicators:
    """For the evaluation service (E3): per university, staff total, compliance and rule-of-law coverage."""
    return service.indicators(session, scope, _year(year), university_id)


@router.get("/reports/themes", response_model=ThemeReport, tags=["reports"])
def get_theme_report(
    session: SessionDep, _: Reader, scope: CurrentScope, orgdir: Orgs, year: Year = None, org_id: int | None = None
) -> ThemeReport:
    """T2: coverage of each theme (share of counted staff with at least one record of it)."""
    return service.themes(session, scope, orgdir, _year(year), org_id)


@router.get(
    "/reports/themes/export",
    response_class=Response,
    tags=["reports"],
    responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}},
)
def export_theme_report(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    orgdir: Orgs,
    year: Year = None,
    org_id: int | None = None,
    format: ExportFormat = ExportFormat.XLSX,
) -> Response:
    rep = service.themes(session, scope, orgdir, _year(year), org_id)
    headers = ["培训主题", "覆盖人数", "在岗人数", "覆盖率", "总学时", "总天数"]
    rows = [[i.label, i.covered, rep.staff_total, i.coverage, i.hours, i.days] for i in rep.items]
    return table_response(headers, rows, format, f"培训主题覆盖-{rep.year}", sheet="主题覆盖")


@router.get("/reports/at-risk", response_model=AtRiskReport, tags=["reports"])
def get_at_risk(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    orgdir: Orgs,
    year: Year = None,
    org_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AtRiskReport:
    """People not yet compliant, least trained first, with what they still need per remaining month."""
    return service.at_risk(session, scope, orgdir, _year(year), org_id, limit, offset)


@router.get(
    "/reports/at-risk/export",
    response_class=Response,
    tags=["reports"],
    responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}},
)
def export_at_risk(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    orgdir: Orgs,
    year: Year = None,
    org_id: int | None = None,
    format: ExportFormat = ExportFormat.XLSX,
) -> Response:
    rep = service.at_risk(session, scope, orgdir, _year(year), org_id, None, 0)
    headers = [
        "工号",
        "姓名",
        "部门",
        "已修学时",
        "已修天数",
        "尚需学时",
        "尚需天数",
        "剩余月数",
        "每月需学时",
        "每月需天数",
    ]
    rows = [
        [
            r.employee_no,
            r.name,
            r.department_name,
            r.hours,
            r.days,
            r.hours_needed,
            r.days_needed,
            r.months_remaining,
            r.hours_per_month,
            r.days_per_month,
        ]
        for r in rep.items
    ]
    return table_response(headers, rows, format, f"未达标预警-{rep.year}", sheet="未达标预警")
