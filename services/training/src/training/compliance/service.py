"""Compliance (T1) and roll-ups (T4): a person's ledger, reports per university, department and person, theme
coverage (T2), the people at risk, and the indicators the evaluation service reads (E3)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from sanquan_kernel.clock import today
from sanquan_kernel.errors import NotFound
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Scope, ScopeKind
from training.compliance import repository
from training.compliance.models import TrainingRule
from training.compliance.repository import OrgFilter
from training.compliance.schemas import (
    AtRiskReport,
    AtRiskRow,
    ComplianceReport,
    ComplianceRow,
    ComplianceTotals,
    IndicatorItem,
    Indicators,
    RuleBrief,
    RuleIn,
    RuleOut,
    ThemeCoverage,
    ThemeReport,
)
from training.deps import audit, edit
from training.records import service as records_service
from training.records.models import TOTAL_COLUMNS
from training.staff.schemas import StaffOut
from training.vocabulary import (
    DEFAULT_MIN_DAYS,
    DEFAULT_MIN_HOURS,
    THEME_LABELS,
    THEMES,
    is_compliant,
    q2,
)


@dataclass(frozen=True)
class Rule:
    year: int
    min_hours: Decimal
    min_days: Decimal
    row: TrainingRule | None

    @property
    def brief(self) -> RuleBrief:
        return RuleBrief(min_hours=float(self.min_hours), min_days=float(self.min_days))

    def out(self) -> RuleOut:
        return RuleOut(
            year=self.year,
            min_hours=float(self.min_hours),
            min_days=float(self.min_days),
            is_default=self.row is None,
            version=self.row.version if self.row else 0,
            updated_at=self.row.updated_at if self.row else None,
        )


def _num(v: Any) -> float:
    return float(q2(v or 0))


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def rule_for(session: Session, year: int) -> Rule:
    """T1: the province's rule of the year; a year without one uses 90 hours or 12 days. Each year has its own
    row, so a rule set for a later year never changes an earlier one."""
    return _rule(year, repository.get_rule(session, year))


def _rule_of(year: int, aggregate_row: dict[str, Any]) -> Rule:
    """The rule an aggregate read with its figures (``repository.aggregate`` without minimums); its ``row`` is not
    loaded, so only its minimums are known."""
    return Rule(year, q2(aggregate_row["rule_min_hours"]), q2(aggregate_row["rule_min_days"]), None)


def _rule(year: int, row: TrainingRule | None) -> Rule:
    if row is None:
        return Rule(year, DEFAULT_MIN_HOURS, DEFAULT_MIN_DAYS, None)
    return Rule(year, q2(row.min_hours), q2(row.min_days), row)


def put_rule(session: Session, request: Request, principal: Principal, year: int, body: RuleIn) -> Rule:
    row = repository.get_rule(session, year)
    if row is None:
        row = TrainingRule(
            year=year, min_hours=body.min_hours, min_days=body.min_days, version=1, updated_by=principal.subject
        )
        session.add(row)
        audit(
            session,
            principal,
            "rule.create",
            "training_rule",
            year,
            after={"min_hours": str(body.min_hours), "min_days": str(body.min_days)},
        )
    else:
        with edit(
            session,
            request,
            row,
            principal,
            "rule.update",
            entity="training_rule",
            entity_id=year,
            fields=lambda r: {"min_hours": str(q2(r.min_hours)), "min_days": str(q2(r.min_days))},
        ) as e:
            e.set(min_hours=body.min_hours, min_days=body.min_days, updated_by=principal.subject)
            e.after = {"min_hours": str(body.min_hours), "min_days": str(body.min_days)}
    session.flush()
    return rule_for(session, year)


def current_year() -> int:
    return today().year


# -- a person's ledger -------------------------------------------------------------------------------------------
STAFF_FIELDS = tuple(StaffOut.model_fields)


def ledger(session: Session, scope: Scope, orgdir: OrgDirectory, staff_id: int, year: int) -> dict[str, Any]:
    """A person's ledger of a year, as the plain data of ``Ledger`` (the endpoint serialises it directly)."""
    head, rows = repository.ledger_rows(session, scope, staff_id, year)
    if head is None:
        raise NotFound("Staff member not found")
    staff = {n: head[n] for n in STAFF_FIELDS if n != "department_name"}
    staff["department_name"] = orgdir.name(head["department_id"])
    if head["rule_min_hours"] is None:
        rule = Rule(year, DEFAULT_MIN_HOURS, DEFAULT_MIN_DAYS, None)
    else:
        rule = Rule(year, q2(head["rule_min_hours"]), q2(head["rule_min_days"]), None)
    total = {n: int(head[f"total_{n}"] or 0) for n in TOTAL_COLUMNS}
    hours, days = Decimal(total["hours_x100"]) / 100, Decimal(total["days_x100"]) / 100
    records = [records_service.record_data(row, head["employee_no"], head["name"]) for row in rows]
    return {
        "staff": staff,
        "year": year,
        "rule": {"min_hours": float(rule.min_hours), "min_days": float(rule.min_days)},
        "hours": float(hours),
        "days": float(days),
        "compliant": is_compliant(hours, days, rule.min_hours, rule.min_days),
        "by_theme": {
            t: {
                "hours": total[f"{t}_hours_x100"] / 100,
                "days": total[f"{t}_days_x100"] / 100,
                "count": total[f"{t}_count"],
            }
            for t in THEMES
        },
        "records": records,
    }


# -- roll-ups ----------------------------------------------------------------------------------------------------
def resolve_org(orgdir: OrgDirectory, scope: Scope, org_id: int | None) -> OrgFilter:
    """Drill-down target. An organisation the caller cannot see answers 404, like one that does not exist."""
    if org_id is None:
        return OrgFilter()
    org = orgdir.get(org_id)
    if org is None:
        raise NotFound("Organisation not found")
    uni = org.university_id if org.level != "province" else None
    dept = org.id if org.level == "department" else None
    if scope.kind is ScopeKind.SELF:
        # a staff member drills into their university and their own department, not a sibling one (A3)
        visible = org.level == "province" or (uni == scope.university_id and dept in (None, scope.department_id))
    else:
        visible = org.level == "province" or scope.covers_org(uni, dept)
    if not visible:
        raise NotFound("Organisation not found")
    return OrgFilter(university_id=uni, department_id=dept)


def _candidate_orgs(orgdir: OrgDirectory, scope: Scope, org: OrgFilter, group_by: str) -> list[tuple[int, str]]:
    """Organisations that get a row even with nobody counted (so an empty university shows as 0, not absent)."""
    if scope.kind is ScopeKind.SELF:
        return []
    unis = [
        u
        for u in orgdir.universities()
        if (org.university_id is None or u.id == org.university_id) and (scope.is_all or u.id == scope.university_id)
    ]
    if group_by == "university":
        return [(u.id, u.name) for u in unis if scope.covers_org(u.id)]
    out = []
    for u in unis:
        for d in orgdir.departments_of(u.id):
            if (org.department_id is None or d.id == org.department_id) and scope.covers_org(u.id, d.id):
                out.append((d.id, d.name))
    return out


def compliance(
    session: Session,
    scope: Scope,
    orgdir: OrgDirectory,
    year: int,
    group_by: str,
    org_id: int | None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> ComplianceReport:
    """T4: staff total, compliant, rate, hours, days per university, department or person; only what the caller
    can see is counted."""
    org = resolve_org(orgdir, scope, org_id)
    rows: list[ComplianceRow] = []
    if group_by == "staff":
        rule = rule_for(session, year)
        overall = repository.aggregate(session, scope, year, org, rule.min_hours, rule.min_days, None)[0]
        found, rows_total = repository.staff_rows(
            session, scope, year, org, rule.min_hours, rule.min_days, limit=limit, offset=offset
        )
        rows = [
            ComplianceRow(
                staff_id=r["staff_id"],
                employee_no=r["employee_no"],
                department_id=r["department_id"],
                name=r["name"],
                staff_total=1,
                compliant=bool(r["compliant"]),
                rate=1.0 if r["compliant"] else 0.0,
                hours=_num(r["hours"]),
                days=_num(r["days"]),
            )
            for r in found
        ]
    else:
        # One query, which also reads the year's rule: the totals are the sum of the groups (every counted person
        # is in exactly one group). Only a report without anybody counted reads the rule on its own.
        groups = repository.aggregate(session, scope, year, org, None, None, group_by)
        rule = _rule_of(year, groups[0]) if groups else rule_for(session, year)
        by_org = {r["org_id"]: r for r in groups}
        overall = {k: sum((r[k] or 0) for r in groups) for k in ("staff_total", "compliant", "hours", "days")}
        ordered = _candidate_orgs(orgdir, scope, org, group_by)
        known = {oid for oid, _ in ordered}
        ordered += [(oid, orgdir.name(oid)) for oid in sorted(by_org) if oid not in known]
        for oid, name in ordered:
            r = by_org.get(oid, {})
            n, c = int(r.get("staff_total") or 0), int(r.get("compliant") or 0)
            rows.append(
                ComplianceRow(
                    org_id=oid,
                    name=name,
                    staff_total=n,
                    compliant=c,
                    rate=_rate(c, n),
                    hours=_num(r.get("hours")),
                    days=_num(r.get("days")),
                )
            )
        rows_total = len(rows)
    staff_total = int(overall["staff_total"] or 0)
    compliant = int(overall["compliant"] or 0)
    totals = ComplianceTotals(
        staff_total=staff_total,
        compliant=compliant,
        rate=_rate(compliant, staff_total),
        hours=_num(overall["hours"]),
        days=_num(overall["days"]),
    )
    return ComplianceReport(
        year=year, group_by=group_by, org_id=org_id, rule=rule.brief, rows=rows, totals=totals, rows_total=rows_total
    )


def indicators(session: Session, scope: Scope, year: int, university_id: int | None) -> Indicators:
    """E3 for the evaluation service: per university with staff in the register; law_coverage is the share of
    counted staff with at least one rule-of-law record in the year (T2)."""
    rule = rule_for(session, year)
    org = OrgFilter(university_id=university_id)
    items = []
    for r in sorted(
        repository.aggregate(session, scope, year, org, rule.min_hours, rule.min_days, "university"),
        key=lambda r: r["org_id"],
    ):
        n, c, law = int(r["staff_total"] or 0), int(r["compliant"] or 0), int(r["law_covered"] or 0)
        items.append(
            IndicatorItem(
                university_id=r["org_id"],
                staff_total=n,
                compliant=c,
                compliance_rate=_rate(c, n),
                law_coverage=_rate(law, n),
                hours=_num(r["hours"]),
                days=_num(r["days"]),
            )
        )
    return Indicators(year=year, rule=rule.brief, items=items)


def themes(session: Session, scope: Scope, orgdir: OrgDirectory, year: int, org_id: int | None) -> ThemeReport:
    org = resolve_org(orgdir, scope, org_id)
    r = repository.theme_coverage(session, scope, year, org)
    n = int(r["staff_total"] or 0)
    items = [
        ThemeCoverage(
            theme=t,
            label=THEME_LABELS[t],
            covered=int(r[f"{t}_covered"] or 0),
            coverage=_rate(int(r[f"{t}_covered"] or 0), n),
            hours=_num(r[f"{t}_hours"]),
            days=_num(r[f"{t}_days"]),
        )
        for t in THEMES
    ]
    return ThemeReport(year=year, org_id=org_id, staff_total=n, items=items)


def months_remaining(year: int) -> int:
    """Months left to train in, counting the current one: 12 for a future year, 0 for a past one."""
    now = today()
    if year > now.year:
        return 12
    if year < now.year:
        return 0
    return 12 - now.month + 1


def at_risk(
    session: Session, scope: Scope, orgdir: OrgDirectory, year: int, org_id: int | None, limit: int | None, offset: int
) -> AtRiskReport:
    """People not yet compliant: how many hours or days they still need, and how many per remaining month."""
    org = resolve_org(orgdir, scope, org_id)
    rule = rule_for(session, year)
    found, total = repository.staff_rows(
        session, scope, year, org, rule.min_hours, rule.min_days, only_at_risk=True, limit=limit, offset=offset
    )
    months = months_remaining(year)
    items = []
    for r in found:
        hours, days = q2(r["hours"]), q2(r["days"])
        need_h, need_d = max(rule.min_hours - hours, Decimal(0)), max(rule.min_days - days, Decimal(0))
        per = Decimal(months or 1)
        items.append(
            AtRiskRow(
                staff_id=r["staff_id"],
                employee_no=r["employee_no"],
                name=r["name"],
                university_id=r["university_id"],
                department_id=r["department_id"],
                department_name=orgdir.name(r["department_id"]),
                hours=float(hours),
                days=float(days),
                hours_needed=float(q2(need_h)),
                days_needed=float(q2(need_d)),
                months_remaining=months,
                hours_per_month=float(q2(need_h / per)),
                days_per_month=float(q2(need_d / per)),
            )
        )
    return AtRiskReport(
        year=year,
        org_id=org_id,
        rule=rule.brief,
        months_remaining=months,
        items=items,
        total=total,
        limit=limit or total,
        offset=offset,
    )
