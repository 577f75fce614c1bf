"""How the authorization matrix turns a row into an HTTP request: which record fills each path parameter, the valid
body an operation takes, and the *probe* an allowed caller receives instead (a request that must fail after the
authorization check, so that the matrix changes nothing).

- A caller the matrix expects to be refused sends the valid request without ``If-Match``: if it were honoured, the
  write would happen (and the read-back of ``tests/test_authz_matrix.py`` would show it).
- A probe carries a stale ``If-Match``: where the service checks versions, the allowed caller's valid request
  answers 412 and changes nothing. Where it takes none (creations, append-only reports, state actions), the probe
  is an invalid body (``PROBES``, 422), or the valid request that the record's state refuses (409).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from sanquan_kernel import clock
from tests.authz_world import MISSING, World

PARAM = re.compile(r"\{([^}]+)\}")
STALE = {"If-Match": 'W/"999999"'}

#: Which kind of record a path parameter names, per service.
KINDS: dict[tuple[str, str], str] = {
    ("training", "staff_id"): "staff",
    ("training", "employee_no"): "employee_no",
    ("training", "record_id"): "record",
    ("training", "report_id"): "self_report",
    ("training", "course_id"): "course",
    ("training", "job_id"): "import_job",
    ("plans", "plan_id"): "plan",
    ("plans", "cr_id"): "change_request",
    ("plans", "task_id"): "task",
    ("plans", "milestone_id"): "milestone",
    ("plans", "letter_id"): "letter",
    ("plans", "report_id"): "progress",
    ("plans", "notice_id"): "notice",
    ("plans", "visit_id"): "visit",
    ("plans", "finding_id"): "finding",
    ("plans", "rectification_id"): "rectification",
    ("training", "attachment_id"): "training_attachment",
    ("plans", "attachment_id"): "plans_attachment",
    ("evaluation", "attachment_id"): "evaluation_attachment",
    ("plans", "line_id"): "funding_line",
    ("evaluation", "campaign_id"): "campaign",
    ("evaluation", "nomination_id"): "nomination",
    ("evaluation", "assignment_id"): "assignment",
    ("evaluation", "objection_id"): "objection",
    ("evaluation", "report_id"): "assessment_report",
    ("evaluation", "university_id"): "university",
    ("evaluation", "case_id"): "case",
    ("public", "case_id"): "case",
    ("public", "campaign_id"): "campaign",
    ("evaluation", "summary_id"): "annual_summary",
    ("evaluation", "event_id"): "event",
    ("hall", "request_id"): "hall_request",
    ("hall", "place_id"): "hall_place",
    ("hall", "attachment_id"): "hall_attachment",
}
#: Operations on a campaign in review (the demo's), or on a nomination under review; the other campaign rows name
#: the campaign made at start, still in its nomination phase.
KIND_OF_PATH: dict[str, str] = {
    **{
        f"/api/evaluation/campaigns/{{campaign_id}}/{tail}": "review_campaign"
        for tail in (
            "ranking",
            "assignments",
            "experts",
            "conflicts",
            "decision",
            "publish",
            "finalize",
            "objections",
        )
    },
    "/api/evaluation/nominations/{nomination_id}/scores": "reviewed_nomination",
    # results are read from the demo's published pilot selection
    "/api/evaluation/campaigns/{campaign_id}/results": "final_campaign",
    "/api/evaluation/campaigns/{campaign_id}/results/export": "final_campaign",
}
#: Path parameters that are not records: a year, a submission number, an indicator code.
PLAIN = ("year", "seq", "indicator_code", "n")


def service_of(path: str) -> str:
    return path.split("/")[2]


def record_params(path: str) -> list[str]:
    return [p for p in PARAM.findall(path) if p not in PLAIN]


def fill(w: World, path: str, target: str | None, kind: str | None = None, year: int | None = None) -> str:
    """The path with its record parameter taken from ``target`` and the plain ones from the world."""
    service = service_of(path)

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "year":
            return str(year or (w.spare_year if "/assessment/" in path else w.year))
        if name == "seq":
            return "1"
        if name == "indicator_code":
            return "hall"
        if name == "n":  # a typical case's photo number (#19)
            return "1"
        assert target is not None, f"{path} needs a target"
        k = kind or KIND_OF_PATH.get(path) or KINDS[(service, name)]
        return str(w.id(k, target))

    return PARAM.sub(value, path)


Body = Callable[[World, str | None], Any]


def _past(days: int = 3) -> str:
    return str(clock.today() - timedelta(days=days))


def _future(days: int = 60) -> str:
    return str(clock.today() + timedelta(days=days))


def _case(w: World) -> dict[str, Any]:
    """A typical case (#19) of university 1."""
    return {
        "title": "矩阵案例",
        "category": "excellent_case",
        "story": "故事",
        "university_id": w.orgs["uni_a"],
        "year": 2026,
    }


def _staff_of(w: World, t: str | None) -> int:
    return int(w.id("staff", t or "own"))


def _dept_of(w: World, t: str | None) -> int:
    return w.orgs[{"own": "a1", "sibling": "a2", "other": "b1"}.get(t or "own", "a1")]


def _uni_of(w: World, t: str | None) -> int:
    return w.orgs["uni_b" if t == "other" else "uni_a"]


RECORD = {
    "title": "授权矩阵",
    "taken_on": _past(),
    "hours": 2,
    "days": 0.5,
    "themes": ["law"],
    "organizer_level": "university",
}

#: The valid body of each write; the target is the one of the row (the record in the path).
BODIES: dict[tuple[str, str], Body] = {
    # -- plans -----------------------------------------------------------------------------------------------
    ("POST", "/api/plans/plans"): lambda w, t: {"year": w.year, "title": "授权矩阵方案"},
    ("PATCH", "/api/plans/plans/{plan_id}"): lambda w, t: {"title": "被改的方案"},
    ("POST", "/api/plans/plans/{plan_id}/approve"): lambda w, t: {"comment": "同意"},
    ("POST", "/api/plans/plans/{plan_id}/return"): lambda w, t: {"comment": "退回"},
    ("POST", "/api/plans/plans/{plan_id}/change-requests"): lambda w, t: {
        "kind": "add_task",
        "changes": {
            "category": "service",
            "title": "新任务",
            "department_id": _dept_of(w, t),
            "responsible_name": "李四",
            "due_on": _future(),
        },
        "reason": "授权矩阵",
    },
    ("POST", "/api/plans/change-requests/{cr_id}/approve"): lambda w, t: {"comment": "同意"},
    ("POST", "/api/plans/change-requests/{cr_id}/reject"): lambda w, t: {"comment": "不同意"},
    ("POST", "/api/plans/plans/{plan_id}/tasks"): lambda w, t: {
        "category": "service",
        "title": "新任务",
        "department_id": _dept_of(w, t),
        "responsible_name": "李四",
        "due_on": _future(),
    },
    ("PATCH", "/api/plans/tasks/{task_id}"): lambda w, t: {"title": "被改的任务"},
    ("POST", "/api/plans/tasks/{task_id}/milestones"): lambda w, t: {"title": "新里程碑", "due_on": _future()},
    ("PATCH", "/api/plans/milestones/{milestone_id}"): lambda w, t: {"title": "被改的里程碑"},
    ("POST", "/api/plans/tasks/{task_id}/progress"): lambda w, t: {
        "status": "in_progress",
        "percent": 10,
        "note": "授权矩阵",
    },
    ("POST", "/api/plans/plans/{plan_id}/letters"): lambda w, t: {
        "target": "department",
        "department_id": _dept_of(w, t),
    },
    ("POST", "/api/plans/letters/{letter_id}/sign"): lambda w, t: {"version": 1},
    ("POST", "/api/plans/notices"): lambda w, t: {
        "year": w.spare_year + 2,
        "title": "授权矩阵通知",
        "plan_due_on": _future(),
    },
    ("PATCH", "/api/plans/notices/{notice_id}"): lambda w, t: {"title": "被改的通知"},
    # supervision (#19): a refused caller's valid request would record a visit, a finding, an answer, a verdict
    ("POST", "/api/plans/supervision-visits"): lambda w, t: {
        "visited_on": _past(),
        "title": "被记录的督导",
        "team": "x",
        "university_ids": [w.orgs["uni_a"]],
    },
    ("PATCH", "/api/plans/supervision-visits/{visit_id}"): lambda w, t: {"title": "被改的督导"},
    ("POST", "/api/plans/supervision-visits/{visit_id}/findings"): lambda w, t: {
        "university_id": w.orgs["uni_a"],
        "category": "other",
        "severity": "minor",
        "description": "被记录的问题",
        "due_on": _future(),
    },
    ("POST", "/api/plans/rectifications/{rectification_id}/response"): lambda w, t: {"measures": "被答复"},
    ("POST", "/api/plans/rectifications/{rectification_id}/close"): lambda w, t: {"note": "被销号"},
    ("POST", "/api/plans/rectifications/{rectification_id}/return"): lambda w, t: {"reason": "被退回"},
    # annual summaries (#19): a refused caller's valid request would write, submit, accept or return one
    ("POST", "/api/evaluation/annual-summaries"): lambda w, t: {"year": w.spare_year + 1},
    ("PATCH", "/api/evaluation/annual-summaries/{summary_id}"): lambda w, t: {"narrative": {"overall": "被改的总结"}},
    ("POST", "/api/evaluation/annual-summaries/{summary_id}/accept"): lambda w, t: {"comment": "被通过"},
    ("POST", "/api/evaluation/annual-summaries/{summary_id}/return"): lambda w, t: {"comment": "被退回"},
    # events (#19, E4): a refused caller's valid request would organise, change, hold, cancel or declare one
    ("POST", "/api/evaluation/events"): lambda w, t: {
        "kind": "seminar",
        "organiser": "province",
        "title": "被组织的活动",
        "starts_on": _past(),
        "ends_on": _past(),
    },
    ("PATCH", "/api/evaluation/events/{event_id}"): lambda w, t: {"place": "被改的地点"},
    ("POST", "/api/evaluation/events/{event_id}/hold"): lambda w, t: {"participants": 1},
    ("POST", "/api/evaluation/events/{event_id}/cancel"): lambda w, t: {"reason": "被取消"},
    ("POST", "/api/evaluation/events/{event_id}/training"): lambda w, t: {"hours": 1, "days": 0, "themes": ["law"]},
    ("POST", "/api/training/courses/declared"): lambda w, t: {
        "source_ref": "evaluation:event:987654",
        "title": "被申报的培训",
        "organizer_level": "province",
        "organizer_org_id": w.orgs["province"],
        "themes": ["law"],
        "starts_on": _past(),
        "ends_on": _past(),
        "hours": 1,
        "days": 0,
    },
    ("POST", "/api/plans/notices/{notice_id}/corrections"): lambda w, t: {
        "changes": {"title": "被更正的通知"},
        "reason": "授权矩阵",
    },
    ("POST", "/api/plans/notices/{notice_id}/extensions"): lambda w, t: {
        "university_id": w.orgs["uni_a"],
        "due_on": _future(),
        "reason": "授权矩阵",
    },
    ("POST", "/api/plans/funding-lines"): lambda w, t: {
        "year": w.year,
        "kind": "other",
        "title": "授权矩阵经费",
        "planned_amount": 1,
    },
    ("PATCH", "/api/plans/funding-lines/{line_id}"): lambda w, t: {"spent_amount": 1},
    ("PUT", "/api/plans/work-study-posts/{year}"): lambda w, t: {"total_posts": 100, "work_study_posts": 1},
    # -- training --------------------------------------------------------------------------------------------
    ("PUT", "/api/training/staff/by-employee-no/{employee_no}"): lambda w, t: {
        "name": "被改的人",
        "department_id": _dept_of(w, t),
        "employment_type": "contract",
        "university_id": _uni_of(w, t),
    },
    ("POST", "/api/training/records"): lambda w, t: {**RECORD, "staff_id": _staff_of(w, t)},
    # 批量推送 (#21): another university's person is a per-item 422 in a 200 answer, nothing stored
    ("POST", "/api/training/records/batch"): lambda w, t: {"records": [{**RECORD, "staff_id": _staff_of(w, t)}]},
    ("PATCH", "/api/training/records/{record_id}"): lambda w, t: {"title": "被改的记录"},
    # the demo's records are at version 1 (the matrix's corrections are all probes)
    ("POST", "/api/training/records/batch-delete"): lambda w, t: {"records": [{"id": w.id("record", t), "version": 1}]},
    ("PUT", "/api/training/rules/{year}"): lambda w, t: {"min_hours": 1, "min_days": 1},
    ("POST", "/api/training/self-reports"): lambda w, t: {**RECORD, "organizer_level": "external"},
    ("POST", "/api/training/self-reports/{report_id}/reject"): lambda w, t: {"reason": "授权矩阵"},
    ("POST", "/api/training/courses"): lambda w, t: {
        "title": "授权矩阵课程",
        "themes": ["law"],
        "starts_on": _past(),
        "ends_on": _past(),
        "hours": 2,
        "days": 0.5,
    },
    ("POST", "/api/training/courses/{course_id}/enrolments"): lambda w, t: {"staff_ids": [_staff_of(w, "own")]},
    ("POST", "/api/training/courses/{course_id}/attendance"): lambda w, t: {"staff_ids": [_staff_of(w, "own")]},
    # -- evaluation ------------------------------------------------------------------------------------------
    ("POST", "/api/evaluation/campaign-types"): lambda w, t: {
        "code": "authz_type",
        "name": "授权矩阵",
        "subject_kind": "case",
    },
    ("POST", "/api/evaluation/campaigns"): lambda w, t: {
        "type": "excellent_case",
        "year": w.spare_year,
        "title": "授权矩阵评选",
        "quota_per_university": 1,
        "awards_count": 1,
    },
    ("PATCH", "/api/evaluation/campaigns/{campaign_id}"): lambda w, t: {"title": "被改的评选"},
    ("POST", "/api/evaluation/campaigns/{campaign_id}/advance"): lambda w, t: {"to": "preselection"},
    ("PUT", "/api/evaluation/campaigns/{campaign_id}/rubric"): lambda w, t: {
        "criteria": [{"code": "x", "name": "被改的指标", "weight": 1, "max_score": 5}]
    },
    ("POST", "/api/evaluation/campaigns/{campaign_id}/nominations"): lambda w, t: {
        "title": "授权矩阵推荐",
        "department_id": _dept_of(w, "own"),
    },
    ("PATCH", "/api/evaluation/nominations/{nomination_id}"): lambda w, t: {"title": "被改的推荐"},
    ("PUT", "/api/evaluation/campaigns/{campaign_id}/experts"): lambda w, t: {
        "experts": [{"expert_id": w.accounts["expert1"], "university_id": None, "name": "专家"}]
    },
    ("POST", "/api/evaluation/campaigns/{campaign_id}/assignments"): lambda w, t: {
        "nomination_id": w.id("nomination", "own"),
        "expert_id": w.accounts["expert1"],
    },
    ("POST", "/api/evaluation/campaigns/{campaign_id}/conflicts"): lambda w, t: {
        "nomination_id": w.id("reviewed_nomination", "other"),
        "reason": "授权矩阵",
    },
    ("PUT", "/api/evaluation/nominations/{nomination_id}/scores"): lambda w, t: {
        "items": [{"criterion_id": 1, "score": 1}]
    },
    ("POST", "/api/evaluation/campaigns/{campaign_id}/decision"): lambda w, t: {},
    ("POST", "/api/evaluation/campaigns/{campaign_id}/publish"): lambda w, t: {
        "publicity_starts_on": _future(1),
        "publicity_ends_on": _future(8),
    },
    ("POST", "/api/evaluation/campaigns/{campaign_id}/objections"): lambda w, t: {
        "nomination_id": w.id("nomination", "own"),
        "text": "异议",
    },
    ("POST", "/api/evaluation/objections/{objection_id}/answer"): lambda w, t: {"answer": "答复"},
    ("PUT", "/api/evaluation/assessment/frameworks/{year}"): lambda w, t: {
        "indicators": [{"code": "hall", "name": "被改的指标", "metric": "self_reported", "target": 1, "weight": 1}]
    },
    ("POST", "/api/evaluation/cases"): lambda w, t: _case(w),
    ("PUT", "/api/evaluation/cases/{case_id}"): lambda w, t: _case(w),
    ("PUT", "/api/evaluation/campaigns/{campaign_id}/public-fields"): lambda w, t: {"fields": ["name", "rank"]},
    ("POST", "/api/public/campaigns/{campaign_id}/objections"): lambda w, t: {
        "no": 1,
        "name": "矩阵",
        "contact": "13900000000",
        "reason": "授权矩阵的探测异议",
    },
    ("PUT", "/api/evaluation/assessment/frameworks/{year}/grades"): lambda w, t: {
        "pass": 50,
        "good": 70,
        "excellent": 85,
    },
    ("PUT", "/api/evaluation/assessment/{year}/self-reports/{indicator_code}"): lambda w, t: {
        "value": 0.1,
        "evidence": "被改的值",
    },
    ("POST", "/api/evaluation/assessment/self-reports/{report_id}/verify"): lambda w, t: {"accepted": True},
}

#: Attaching (#16): the valid body names an upload nobody has (a refused caller must not get that far); the
#: probe is an empty list (422).
ATTACH_PATHS = [
    "/api/training/records/{record_id}/attachments",
    "/api/training/self-reports/{report_id}/attachments",
    "/api/training/courses/{course_id}/attachments",
    "/api/plans/plans/{plan_id}/attachments",
    "/api/plans/milestones/{milestone_id}/attachments",
    "/api/plans/progress/{report_id}/attachments",
    "/api/plans/letters/{letter_id}/attachments",
    "/api/plans/notices/{notice_id}/attachments",
    "/api/plans/findings/{finding_id}/attachments",
    "/api/plans/rectifications/{rectification_id}/attachments",
    "/api/evaluation/nominations/{nomination_id}/attachments",
    "/api/evaluation/cases/{case_id}/attachments",
    "/api/evaluation/events/{event_id}/attachments",
    "/api/hall/requests/{request_id}/attachments",
]
BODIES.update({("POST", p): (lambda w, t: {"attachment_ids": [MISSING]}) for p in ATTACH_PATHS})
H = "/api/hall"
#: The hall (#20): the valid bodies (a request is reported at university 1's place; the routing and the promises
#: as the caller would send them). Every write but a creation takes If-Match: its probe is the stale version.
BODIES.update(
    {
        ("POST", f"{H}/requests"): lambda w, t: {
            "category": "canteen",
            "place_id": w.id("hall_place", "own"),
            "description": "授权矩阵报修",
        },
        ("POST", f"{H}/places"): lambda w, t: {"kind": "area", "name": "授权矩阵场所"},
        ("PATCH", f"{H}/places/{{place_id}}"): lambda w, t: {"name": "被改的场所"},
        ("PUT", f"{H}/routing"): lambda w, t: {"rules": []},
        ("PUT", f"{H}/promises"): lambda w, t: {"promises": []},
        ("POST", f"{H}/requests/{{request_id}}/assign"): lambda w, t: {"user_id": w.accounts["u1_d1_staff1"]},
        ("POST", f"{H}/requests/{{request_id}}/transfer"): lambda w, t: {
            "department_id": _dept_of(w, "sibling"),
            "reason": "授权矩阵转办",
        },
        ("POST", f"{H}/requests/{{request_id}}/answer"): lambda w, t: {"text": "授权矩阵答复"},
        ("POST", f"{H}/requests/{{request_id}}/info"): lambda w, t: {"text": "授权矩阵补充"},
        ("POST", f"{H}/requests/{{request_id}}/rate"): lambda w, t: {"score": 5},
        ("POST", f"{H}/requests/{{request_id}}/reopen"): lambda w, t: {"reason": "授权矩阵重开"},
    }
)

#: The probe of an allowed caller where a stale If-Match is not enough (the service takes none): an invalid body.
#: Operations absent here use the valid body (and their probe fails on the version or the record's state).
PROBES: dict[tuple[str, str], Body] = {
    ("POST", "/api/hall/requests"): lambda w, t: {"category": "canteen", "description": "短"},
    ("POST", "/api/hall/places"): lambda w, t: {"kind": "nowhere", "name": ""},
    ("PUT", "/api/hall/routing"): lambda w, t: {"rules": [{"category": "nothing", "department_id": 0}]},
    ("PUT", "/api/hall/promises"): lambda w, t: {"promises": [{"category": "nothing"}]},
    ("POST", "/api/evaluation/cases"): lambda w, t: {**_case(w), "category": "other"},
    ("POST", "/api/evaluation/annual-summaries"): lambda w, t: {"year": 1800},
    ("POST", "/api/evaluation/events"): lambda w, t: {"kind": "nothing", "title": ""},
    ("POST", "/api/plans/plans/{plan_id}/change-requests"): lambda w, t: {"kind": "add_task", "reason": "x"},
    ("POST", "/api/plans/tasks/{task_id}/progress"): lambda w, t: {"status": "in_progress", "percent": 101},
    ("POST", "/api/plans/plans/{plan_id}/letters"): lambda w, t: {"target": "nobody"},
    ("POST", "/api/plans/letters/{letter_id}/sign"): lambda w, t: {"version": 0},
    ("POST", "/api/plans/notices"): lambda w, t: {"year": w.spare_year + 2, "title": ""},
    ("POST", "/api/plans/supervision-visits"): lambda w, t: {"visited_on": _past(), "title": "", "team": "x"},
    ("POST", "/api/plans/supervision-visits/{visit_id}/findings"): lambda w, t: {"university_id": _uni_of(w, t)},
    ("POST", "/api/plans/notices/{notice_id}/extensions"): lambda w, t: {
        "university_id": w.orgs["uni_a"],
        "due_on": _future(),
        "reason": "",
    },
    ("POST", "/api/plans/funding-lines"): lambda w, t: {
        "year": w.year,
        "kind": "other",
        "title": "负数",
        "planned_amount": -1,
    },
    ("POST", "/api/training/records"): lambda w, t: {**RECORD, "staff_id": _staff_of(w, t), "hours": 0, "days": 0},
    ("POST", "/api/training/records/batch"): lambda w, t: {"records": []},
    ("POST", "/api/training/self-reports"): lambda w, t: {**RECORD, "hours": 0, "days": 0},
    # a version the record never had: 412 and nothing deleted (a record outside the scope is 404 first)
    ("POST", "/api/training/records/batch-delete"): lambda w, t: {
        "records": [{"id": w.id("record", t), "version": 999_999}]
    },
    ("POST", "/api/training/courses"): lambda w, t: {"title": "缺少日期", "themes": ["law"], "hours": 1, "days": 1},
    ("POST", "/api/training/courses/{course_id}/enrolments"): lambda w, t: {"staff_ids": []},
    ("POST", "/api/training/courses/{course_id}/attendance"): lambda w, t: {"staff_ids": []},
    ("POST", "/api/evaluation/campaign-types"): lambda w, t: {
        "code": "authz_type",
        "name": "x",
        "subject_kind": "nobody",
    },
    ("POST", "/api/evaluation/campaigns"): lambda w, t: {"type": "excellent_case", "year": 1800, "title": "x"},
    ("POST", "/api/evaluation/campaigns/{campaign_id}/nominations"): lambda w, t: {"title": ""},
    ("POST", "/api/evaluation/campaigns/{campaign_id}/assignments"): lambda w, t: {"nomination_id": "x"},
    ("POST", "/api/evaluation/campaigns/{campaign_id}/conflicts"): lambda w, t: {"reason": ""},
    ("PUT", "/api/evaluation/nominations/{nomination_id}/scores"): lambda w, t: {"items": []},
    ("PUT", "/api/evaluation/assessment/{year}/self-reports/{indicator_code}"): lambda w, t: {"value": "x"},
    **{("POST", p): (lambda w, t: {"attachment_ids": []}) for p in ATTACH_PATHS},
}

#: Import bodies: a one-row ledger file for the target's staff member.
MULTIPART = {
    ("POST", "/api/training/records/import"),
    ("POST", "/api/training/records/import-jobs"),
    ("POST", "/api/training/records/import-report"),
    ("POST", "/api/training/staff/import"),
    ("POST", "/api/training/staff/import-report"),
    ("POST", "/api/training/courses/{course_id}/attendance/import"),
    ("POST", "/api/training/courses/{course_id}/attendance/import-report"),
}
#: Uploads (#16): the raw body is the file; the probe is an empty file (422, nothing stored).
RAW = {("POST", f"/api/{s}/attachments") for s in ("training", "plans", "evaluation", "hall")}


def _ledger_file(w: World, t: str | None, valid: bool) -> dict[str, Any]:
    no = w.id("employee_no", t or "own")
    hours = "2" if valid else "0"
    csv = (
        "employee_no,title,taken_on,hours,days,themes,organizer_level,external_id\n"
        f"{no},授权矩阵导入,{_past()},{hours},0,law,university,\n"
    )
    return {"file": ("authz.csv", csv.encode(), "text/csv")}


def _staff_file(w: World, t: str | None, valid: bool) -> dict[str, Any]:
    """A one-row staff register naming the target's person in the target's department (the probe: a bad type)."""
    no = w.id("employee_no", t or "own")
    kind = "contract" if valid else "临时工"
    csv = f"工号,姓名,部门,用工类型\n{no},授权矩阵,{w.id('org', t or 'own')},{kind}\n"
    return {"file": ("authz.csv", csv.encode(), "text/csv")}


def _attendance_file(w: World, t: str | None, valid: bool) -> dict[str, Any]:
    """A one-row attendance file naming a person of the target (the probe: a bad 出勤 value)."""
    no = w.id("employee_no", "own" if t in (None, "province") else t)
    csv = f"工号,出勤\n{no},{'是' if valid else '也许'}\n"
    return {"file": ("authz.csv", csv.encode(), "text/csv")}


#: Query parameters an operation needs (required ones, or the university a province admin names).
QUERIES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("GET", "/api/plans/dashboard"): lambda w: {"year": w.year},
    ("GET", "/api/plans/overview"): lambda w: {"year": w.year},
    ("GET", "/api/plans/overview/export"): lambda w: {"year": w.year},
    ("GET", "/api/plans/screen"): lambda w: {"year": w.year},
    ("GET", "/api/plans/indicators"): lambda w: {"year": w.year},
}
#: The probe's query where the probe is a query: computing the scorecard of a university that does not exist.
PROBE_QUERIES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("POST", "/api/evaluation/assessment/{year}/scorecards/compute"): lambda w: {"university_id": MISSING},
}


def request(
    w: World,
    client: httpx.Client,
    method: str,
    path: str,
    target: str | None,
    *,
    probe: bool,
    kind: str | None = None,
    year: int | None = None,
    query: dict[str, Any] | None = None,
) -> httpx.Response:
    """Send the row's request with ``client`` (which holds the base URL and the token); ``probe`` selects the
    allowed caller's variant."""
    url = fill(w, path, target, kind, year)
    headers = dict(STALE) if probe and method != "GET" else {}
    key = (method, path)
    query = {**(QUERIES[key](w) if key in QUERIES else {}), **(query or {})}
    if probe and key in PROBE_QUERIES:
        query.update(PROBE_QUERIES[key](w))
    if key in MULTIPART:
        # the target is the university named in the query and the staff member in the file
        params = {"dry_run": "true" if probe else "false", "university_id": _uni_of(w, target), **query}
        make_file = _staff_file if "/staff/" in path else _attendance_file if "/attendance/" in path else _ledger_file
        return client.request(method, url, params=params, files=make_file(w, target, valid=not probe), headers=headers)
    if key in RAW:
        from sanquan_kernel.storage import samples

        content = b"" if probe else samples.pdf()
        return client.request(method, url, params={"filename": "授权矩阵.pdf"}, content=content, headers=headers)
    body_fn = PROBES.get(key) if probe else None
    body_fn = body_fn or BODIES.get(key)
    body = body_fn(w, target) if body_fn else None
    return client.request(method, url, params=query or None, json=body, headers=headers)
