"""Annual assessment (E3): the framework of a year, self-reported values, scorecards and the ranking.

A scorecard is computed from the plans and training services (over HTTP with the evaluation service's own
token), this service's final campaign results and verified self-reported values. An indicator whose source did
not answer, or has no figure, is ``unavailable`` with the reason — never a silent zero — and the total says it
is incomplete; computing again later fills it in. Each scorecard keeps the inputs it was computed from, and once
the year's assessment is published nothing about it changes any more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from evaluation.assessment import repository as repo
from evaluation.assessment.metrics import DEFAULT_FRAMEWORK, METRICS, NoFigure, NotApplicable, achievement
from evaluation.assessment.models import Indicator, IndicatorFramework, Scorecard, ScorecardItem, SelfReportedValue
from evaluation.assessment.schemas import (
    DEFAULT_GRADES,
    FrameworkIn,
    FrameworkOut,
    GradeThresholds,
    IndicatorIn,
    IndicatorOut,
    RankingOut,
    ScorecardItemOut,
    ScorecardOut,
    ScorecardSummary,
    SelfReportIn,
)
from evaluation.deps import audit, edit
from evaluation.sources import NotInSource, SourceUnavailable, get_json
from sanquan_kernel.audit import snapshot
from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Conflict, Forbidden, NotFound, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role, Scope
from sanquan_kernel.service_client import ServiceClient


# -- framework --------------------------------------------------------------------------------------------------
def framework_out(session: Session, fw: IndicatorFramework) -> FrameworkOut:
    return FrameworkOut(
        year=fw.year,
        status=fw.status,
        published_at=fw.published_at,
        version=fw.version,
        grades=grades_of(fw),
        indicators=[IndicatorOut.model_validate(i) for i in repo.indicators(session, fw.id)],
    )


def grades_of(fw: IndicatorFramework) -> GradeThresholds:
    return GradeThresholds.model_validate(fw.grade_thresholds) if fw.grade_thresholds else DEFAULT_GRADES


def put_grades(
    session: Session, request: Request | None, principal: Principal, year: int, body: GradeThresholds
) -> IndicatorFramework:
    """The province sets the year's grade bands (If-Match: the framework's version); not after publication."""
    fw = load_framework(session, year)
    with edit(session, request, fw, principal, "framework.grades", entity="indicator_framework", entity_id=year) as e:
        if fw.status == "published":
            raise Conflict(f"The {year} assessment is published; its grade bands no longer change")
        e.before = grades_of(fw).model_dump(by_alias=True)
        e.set(grade_thresholds=body.model_dump(by_alias=True))
        e.after = body.model_dump(by_alias=True)
    return fw


def grade(percent: float, bands: GradeThresholds) -> str:
    """优秀 / 良好 / 合格 / 不合格: the highest band whose threshold the share of the maximum reaches."""
    if percent >= bands.excellent:
        return "excellent"
    if percent >= bands.good:
        return "good"
    if percent >= bands.pass_:
        return "pass"
    return "fail"


def load_framework(session: Session, year: int) -> IndicatorFramework:
    fw = repo.framework(session, year)
    if fw is None:
        raise NotFound(f"No indicator framework for {year}")
    return fw


def put_framework(
    session: Session, request: Request | None, principal: Principal, year: int, body: FrameworkIn
) -> IndicatorFramework:
    """Create or replace the year's framework (``request``'s If-Match guards a replace)."""
    fw = repo.framework(session, year)
    if fw is None:
        _check_framework(year, body)
        fw = IndicatorFramework(year=year, status="draft", version=1)
        session.add(fw)
        session.flush()
        _replace_indicators(session, fw, body)
        after = framework_out(session, fw).model_dump(mode="json")
        audit(session, principal, "framework.put", "indicator_framework", year, before=None, after=after)
        return fw
    with edit(session, request, fw, principal, "framework.put", entity="indicator_framework", entity_id=year) as e:
        _check_framework(year, body)
        if fw.status == "published":
            raise Conflict(f"The {year} assessment is published; its framework no longer changes")
        e.before = framework_out(session, fw).model_dump(mode="json")
        e.touch()
        _replace_indicators(session, fw, body)
        e.after = framework_out(session, fw).model_dump(mode="json")
    return fw


def _check_framework(year: int, body: FrameworkIn) -> None:
    codes = [i.code for i in body.indicators]
    errors = [
        {"loc": ["body", "indicators", n, "code"], "msg": "duplicate code"}
        for n, c in enumerate(codes)
        if codes.index(c) != n
    ]
    errors += [
        {"loc": ["body", "indicators", n, "metric"], "msg": f"unknown metric; one of {sorted(METRICS)}"}
        for n, i in enumerate(body.indicators)
        if i.metric not in METRICS
    ]
    if body.year is not None and body.year != year:
        errors.append({"loc": ["body", "year"], "msg": f"must be the path's year ({year})"})
    if errors:
        raise Unprocessable("The framework is invalid", errors=errors)


def _replace_indicators(session: Session, fw: IndicatorFramework, body: FrameworkIn) -> None:
    repo.replace_indicators(
        session,
        fw.id,
        [
            Indicator(
                framework_id=fw.id,
                position=n,
                code=i.code,
                name=i.name,
                source=METRICS[i.metric].source,
                metric=i.metric,
                target=i.target,
                weight=i.weight,
            )
            for n, i in enumerate(body.indicators)
        ],
    )


def default_framework(session: Session, principal: Principal, year: int) -> IndicatorFramework:
    if repo.framework(session, year) is not None:
        raise Conflict(f"The {year} framework exists already")
    return put_framework(
        session,
        None,
        principal,
        year,
        FrameworkIn(
            indicators=[
                IndicatorIn(code=d.code, name=d.name, metric=d.metric, target=d.target, weight=d.weight)
                for d in DEFAULT_FRAMEWORK
            ]
        ),
    )


# -- self-reported values ---------------------------------------------------------------------------------------
REPORT_FIELDS = ("year", "university_id", "indicator_code", "value", "evidence", "status", "note")


def report(
    session: Session, principal: Principal, year: int, code: str, body: SelfReportIn, orgdir: OrgDirectory
) -> SelfReportedValue:
    """A university reports a value with its evidence; any change sends it back for verification."""
    if principal.role is Role.UNIVERSITY_ADMIN:
        university_id = principal.university_id
    elif principal.role is Role.PROVINCE_ADMIN and body.university_id is not None:
        university_id = body.university_id
        if not orgdir.is_university(university_id):
            raise Unprocessable("Not a university", errors=[{"loc": ["body", "university_id"], "msg": "unknown"}])
    else:
        raise Forbidden("University admins report their own values")
    assert university_id is not None
    fw = load_framework(session, year)
    if fw.status == "published":
        raise Conflict(f"The {year} assessment is published")
    ind = next((i for i in repo.indicators(session, fw.id) if i.code == code), None)
    if ind is None or ind.source != "self_reported":
        raise NotFound("No self-reported indicator with this code")
    row = repo.self_report_for(session, year, university_id, code)
    if row is not None:
        with edit(
            session,
            None,
            row,
            principal,
            "self_report.put",
            entity="self_reported_value",
            fields=REPORT_FIELDS,
            university_id=university_id,
        ) as e:
            e.set(
                value=body.value,
                evidence=body.evidence,
                files=[f.model_dump() for f in body.files],
                status="reported",
                note=None,
                verified_by=None,
                verified_at=None,
                reported_by=principal.subject,
            )
        return row
    row = SelfReportedValue(
        year=year,
        university_id=university_id,
        indicator_code=code,
        value=body.value,
        evidence=body.evidence,
        files=[f.model_dump() for f in body.files],
        status="reported",
        reported_by=principal.subject,
        version=1,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        principal,
        "self_report.put",
        "self_reported_value",
        row.id,
        university_id=university_id,
        after=snapshot(row, *REPORT_FIELDS),
    )
    return row


def verify(
    session: Session,
    request: Request | None,
    principal: Principal,
    row: SelfReportedValue,
    accepted: bool,
    note: str | None,
) -> SelfReportedValue:
    action, entity = "self_report.verify", "self_reported_value"
    with edit(session, request, row, principal, action, entity=entity, fields=REPORT_FIELDS) as e:
        fw = load_framework(session, row.year)
        if fw.status == "published":
            raise Conflict(f"The {row.year} assessment is published")
        e.set(
            status="verified" if accepted else "rejected",
            note=note,
            verified_by=principal.subject,
            verified_at=utcnow(),
        )
    return row


# -- scorecards -------------------------------------------------------------------------------------------------
@dataclass
class Fetched:
    """One source's answer for a year: items by university, or why there is none."""

    items: dict[int, dict[str, Any]]
    error: str | None = None
    rule: dict[str, Any] | None = None


def fetch_source(
    client: ServiceClient | None, source: str, base_url: str, year: int, timeout: float, path: str = "indicators"
) -> Fetched:
    try:
        body = get_json(
            client, source, f"{base_url.rstrip('/')}/api/{source}/{path}", params={"year": year}, timeout=timeout
        )
    except SourceUnavailable as exc:
        return Fetched({}, exc.reason)
    except NotInSource:
        return Fetched({}, f"the {source} service has no indicators endpoint (HTTP 404)")
    except Exception as exc:  # noqa: BLE001 - a 404 or anything odd from a source is "unavailable", not a 500
        return Fetched({}, f"the {source} service answered unexpectedly ({type(exc).__name__})")
    items = body.get("items")
    if not isinstance(items, list):
        return Fetched({}, f"the {source} service answered without items")
    return Fetched(
        {int(i["university_id"]): i for i in items if isinstance(i, dict) and "university_id" in i},
        rule=body.get("rule"),
    )


NOT_APPLICABLE = "not_applicable"


def _item(
    ind: Indicator, position: int, sc_id: int, value: float | None, reason: str | None, applicable: bool = True
) -> ScorecardItem:
    metric = METRICS.get(ind.metric)
    ceiling = metric is not None and metric.ceiling
    ach = achievement(value, ind.target, ceiling=ceiling) if value is not None else None
    return ScorecardItem(
        scorecard_id=sc_id,
        position=position,
        indicator_code=ind.code,
        name=ind.name,
        source=ind.source,
        metric=ind.metric,
        value=value,
        target=ind.target,
        weight=ind.weight,
        achievement=None if ach is None else round(ach, 4),
        score=None if ach is None else round(ach * ind.weight, 4),
        status="ok" if value is not None else "unavailable" if applicable else NOT_APPLICABLE,
        reason=reason,
    )


def _evaluate(
    ind: Indicator,
    university_id: int,
    fetched: Mapping[str, Fetched],
    reports: Mapping[tuple[int, str], SelfReportedValue],
) -> tuple[float | None, str | None, bool]:
    """(value, reason when there is none, whether the indicator applies to the university)."""
    metric = METRICS[ind.metric]
    if ind.source == "self_reported":
        r = reports.get((university_id, ind.code))
        if r is None:
            return None, "not reported by the university", True
        if r.status == "reported":
            return None, "reported, awaiting verification by the province", True
        if r.status == "rejected":
            return None, f"rejected by the province{': ' + r.note if r.note else ''}", True
        return r.value, None, True
    src = fetched[ind.source]
    if src.error is not None:
        return None, src.error, True
    try:
        return round(metric.read(src.items.get(university_id, {})), 6), None, True
    except NotApplicable as exc:
        return None, f"not applicable: {exc}", False
    except NoFigure as exc:
        return None, str(exc), True
    except (TypeError, ValueError):
        return None, f"the {ind.source} service sent a figure that is not a number", True


def _renormalise(items: list[ScorecardItem]) -> dict[str, float]:
    """E3: a not-applicable indicator's weight is shared out over the applicable ones in proportion to their
    weights (the total is scaled by ``factor``), so that every university is scored out of the same maximum.
    Each item keeps its score against its own weight; answers the weights used."""
    total = sum(i.weight for i in items)
    applicable = sum(i.weight for i in items if i.status != NOT_APPLICABLE)
    factor = total / applicable if applicable else 0.0
    return {"weights_total": round(total, 4), "weights_applicable": round(applicable, 4), "factor": round(factor, 6)}


def compute(
    session: Session,
    principal: Principal,
    year: int,
    orgdir: OrgDirectory,
    *,
    client: ServiceClient | None,
    plans_url: str,
    training_url: str,
    timeout: float,
    university_id: int | None = None,
    hall_url: str | None = None,
) -> list[Scorecard]:
    fw = load_framework(session, year)
    if fw.status == "published":
        raise Conflict(f"The {year} assessment is published; its scorecards no longer change")
    inds = repo.indicators(session, fw.id)
    if university_id is not None:
        if not orgdir.is_university(university_id):
            raise NotFound("No such university")
        universities = [university_id]
    else:
        universities = [u.id for u in orgdir.fresh().universities(active_only=True)]
    needed = {i.source for i in inds}
    fetched: dict[str, Fetched] = {}
    if "plans" in needed:
        fetched["plans"] = fetch_source(client, "plans", plans_url, year, timeout)
        if any(METRICS[i.metric].supervision for i in inds if i.metric in METRICS):
            # Y2 (issue #19): the supervision figures join each university's plans item
            sup = fetch_source(client, "plans", plans_url, year, timeout, path="supervision-indicators")
            base = fetched["plans"]
            merged = {u: {**base.items.get(u, {}), **sup.items.get(u, {})} for u in {*base.items, *sup.items}}
            fetched["plans"] = Fetched(merged, base.error or sup.error, base.rule)
    if "training" in needed:
        fetched["training"] = fetch_source(client, "training", training_url, year, timeout)
    if "hall" in needed:
        if hall_url is None:
            fetched["hall"] = Fetched({}, "the service hall's address is not configured")
        else:
            fetched["hall"] = fetch_source(client, "hall", hall_url, year, timeout)
    if "evaluation" in needed:
        finals, won = repo.final_campaigns(session, year), repo.awards_won(session, year)
        fetched["evaluation"] = Fetched(
            {u: {"awards_won": won.get(u, 0), "final_campaigns": finals} for u in {*universities, *won}}
        )
    reports = repo.self_reports_of_year(session, year) if "self_reported" in needed else {}
    now = utcnow()
    out = []
    for u in universities:
        sc = repo.scorecard_any(session, year, u)
        if sc is None:
            sc = Scorecard(year=year, university_id=u, framework_id=fw.id, status="computed", version=0)
            session.add(sc)
            session.flush()
        items = []
        for n, ind in enumerate(inds):
            value, reason, applicable = _evaluate(ind, u, fetched, reports)
            items.append(_item(ind, n, sc.id, value, reason, applicable))
        weights = _renormalise(items)
        repo.replace_items(session, sc.id, items)
        inputs: dict[str, Any] = {"framework_version": fw.version, "computed_at": now.isoformat(), **weights}
        for name, f in fetched.items():
            inputs[name] = (
                {"error": f.error}
                if f.error
                else {"item": f.items.get(u), "absent": u not in f.items, **({"rule": f.rule} if f.rule else {})}
            )
        if reports:
            inputs["self_reported"] = {
                code: {"value": r.value, "status": r.status} for (uu, code), r in reports.items() if uu == u
            }
        sc.framework_id, sc.inputs, sc.computed_at = fw.id, inputs, now
        sc.total = round(sum(i.score or 0.0 for i in items) * weights["factor"], 4)
        sc.max_total = weights["weights_total"]
        sc.complete = all(i.status in ("ok", NOT_APPLICABLE) for i in items)
        sc.version += 1
        out.append(sc)
    audit(
        session,
        principal,
        "scorecard.compute",
        "indicator_framework",
        year,
        after={"universities": universities, "unavailable": {k: f.error for k, f in fetched.items() if f.error}},
    )
    return out


def _ranks(keys: list[tuple[float, int]]) -> dict[int, int]:
    """Competition ranks by total, best first; equal totals share a rank (1, 2, 2, 4)."""
    out: dict[int, int] = {}
    prev, current = None, 0
    for n, (total, uid) in enumerate(sorted(keys, key=lambda k: (-k[0], k[1])), start=1):
        if total != prev:
            current, prev = n, total
        out[uid] = current
    return out


def _summaries(
    session: Session, fw: IndicatorFramework, cards: list[Scorecard], orgdir: OrgDirectory
) -> list[ScorecardSummary]:
    """Every scorecard of the year with its provincial rank and its rank among universities of its school type."""
    items = repo.items(session, [c.id for c in cards])
    bands = grades_of(fw)
    overall = _ranks([(c.total, c.university_id) for c in cards])
    types = {c.university_id: _school_type(orgdir, c.university_id) for c in cards}
    in_type: dict[int, int] = {}
    for t in {t for t in types.values() if t is not None}:
        in_type.update(_ranks([(c.total, c.university_id) for c in cards if types[c.university_id] == t]))
    out = []
    for c in sorted(cards, key=lambda c: (overall[c.university_id], c.university_id)):
        percent = round(100 * c.total / c.max_total, 2) if c.max_total else 0.0
        out.append(
            ScorecardSummary(
                rank=overall[c.university_id],
                rank_in_type=in_type.get(c.university_id),
                university_id=c.university_id,
                university_name=orgdir.name(c.university_id) or None,
                school_type=types[c.university_id],
                percent=percent,
                grade=grade(percent, bands),
                total=c.total,
                max_total=c.max_total,
                complete=c.complete,
                unavailable=sum(1 for i in items[c.id] if i.status == "unavailable"),
                status=c.status,
                computed_at=c.computed_at,
            )
        )
    return out


SCHOOL_TYPES = ("undergraduate", "higher_vocational", "secondary_vocational", "school")


def _school_type(orgdir: OrgDirectory, university_id: int) -> Any:
    org = orgdir.get(university_id)
    return org.type if org is not None and org.type in SCHOOL_TYPES else None


def ranking(
    session: Session, scope: Scope, year: int, orgdir: OrgDirectory, school_type: str | None = None
) -> RankingOut:
    """The provincial ranking (optionally only one school type's lines, ranks unchanged); a university sees its
    own line (with its provincial rank and its rank within its type)."""
    fw = load_framework(session, year)
    everyone = _summaries(session, fw, list(session.scalars(repo.scorecards_stmt_all(year))), orgdir)
    visible = {c.university_id for c in session.scalars(repo.scorecards_stmt(scope, year))}
    return RankingOut(
        year=year,
        status=fw.status,
        items=[
            s for s in everyone if s.university_id in visible and (school_type is None or s.school_type == school_type)
        ],
    )


def detail(session: Session, scope: Scope, year: int, university_id: int, orgdir: OrgDirectory) -> ScorecardOut:
    sc = repo.scorecard(session, scope, year, university_id)
    if sc is None:
        raise NotFound("No scorecard for this university and year")
    fw = load_framework(session, year)
    summary = next(
        s
        for s in _summaries(session, fw, list(session.scalars(repo.scorecards_stmt_all(year))), orgdir)
        if s.university_id == university_id
    )
    items = repo.items(session, [sc.id])[sc.id]
    return ScorecardOut(
        **summary.model_dump(), year=year, inputs=sc.inputs, items=[ScorecardItemOut.model_validate(i) for i in items]
    )


def export_rows(
    session: Session, scope: Scope, year: int, orgdir: OrgDirectory, school_type: str | None = None
) -> tuple[RankingOut, dict[int, list[ScorecardItem]]]:
    """What the XLSX holds: the visible ranking lines and each one's indicators (the same scoped queries)."""
    ranked = ranking(session, scope, year, orgdir, school_type)
    visible = {c.university_id: c.id for c in session.scalars(repo.scorecards_stmt(scope, year))}
    items = repo.items(session, [visible[s.university_id] for s in ranked.items])
    return ranked, {s.university_id: items[visible[s.university_id]] for s in ranked.items}


def publish(session: Session, principal: Principal, year: int) -> IndicatorFramework:
    fw = load_framework(session, year)
    with edit(session, None, fw, principal, "assessment.publish", entity="indicator_framework", entity_id=year) as e:
        if fw.status == "published":
            raise Conflict(f"The {year} assessment is published already")
        cards = list(session.scalars(repo.scorecards_stmt_all(year)))
        if not cards:
            raise Conflict("No scorecard has been computed")
        incomplete = sorted(c.university_id for c in cards if not c.complete)
        if incomplete:
            raise Conflict(
                "Some scorecards have unavailable indicators; compute them again first", universities=incomplete
            )
        stale = sorted(c.university_id for c in cards if c.inputs.get("framework_version") != fw.version)
        if stale:
            raise Conflict("The framework changed after these scorecards were computed", universities=stale)
        now = utcnow()
        e.set(status="published", published_at=now)
        for c in cards:
            c.status, c.published_at = "published", now
        e.after = {"scorecards": len(cards)}
    return fw
