"""The authorization matrix of the three services: every operation of their OpenAPI documents (read through the
gateway) × every role × the records of the caller's own department, a sibling department, another university and
the province, with the expected answer. ``tests/test_authz_matrix.py`` runs it and fails when an operation has no
row here.

Columns, in ``ROLES`` order: anonymous, province_admin (``admin``), inspector (``inspector1``, 督导: every read of
the province, no write but supervision), expert (``expert2``, of university 1),
university_admin (``u1_admin``), department_manager (``u1_d1_mgr``), staff (``u1_d1_staff1``), integration (a
client of university 1 holding every integration scope), disabled (a university-1 admin switched off after signing
in). The hall's rows (#20) have a tenth column, ``student`` (``student=`` of ``T``): a student of university 1 (the
token the gateway's hall sign-in issues), the reporter of the ``own`` and ``sibling`` requests and not of ``peer``.
Targets are described in ``tests/authz_world.py``; ``None`` means the operation names no record.

A cell is
- ``NNN``: the caller sends the valid request (no ``If-Match``) and gets NNN. 2xx only for reads: a write the
  caller may not make answers 403 (the role may not) or 404 (the record is outside the caller's scope, A3);
- ``pNNN``: the caller is allowed; it sends the *probe* (``tests/authz_requests.py``: a stale ``If-Match``, an
  invalid body, or a request the record's state refuses) and gets NNN — so that the matrix changes nothing;
- ``-``: not sent (the reason is in a comment).

Every 200 read of a university-1 caller is also searched for another tenant's items (``tests/authz_leaks.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.authz_world import ROLES, World


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    target: str | None
    cells: tuple[str, ...]
    query: Callable[[World, str | None], dict[str, Any]] | None = None
    note: str = ""
    public: bool = field(default=False)  # published to every signed-in user: not searched for other tenants
    year: str = "default"  # "demo": the demo year in the path (the assessment rows use the spare year otherwise)
    student: str = "-"  # the hall's student (#20), a column of the hall's rows only
    #: the university's own configuration, read whole by its departments (names its other departments): searched
    #: for other universities' items only
    university_wide: bool = False

    def expected(self) -> dict[str, str]:
        cells = dict(zip(ROLES, self.cells, strict=True))
        return cells if self.student == "-" else {**cells, "student": self.student}


def T(method: str, path: str, target: str | None, cells: str, **kw: Any) -> Row:
    parts = tuple(cells.split())
    assert len(parts) == len(ROLES), f"{method} {path} {target}: {len(parts)} cells"
    return Row(method, path, target, parts, **kw)


def _uni(w: World, t: str | None) -> dict[str, Any]:
    return {"university_id": w.orgs["uni_b" if t == "other" else "uni_a"]}


def _org(w: World, t: str | None) -> dict[str, Any]:
    return {"org_id": w.id("org", t or "own")}


def _dept(w: World, t: str | None) -> dict[str, Any]:
    return {"department_id": w.id("org", t or "own")}


def _year_uni(w: World, t: str | None) -> dict[str, Any]:
    return {"year": w.year, **_uni(w, t)}


P = "/api/plans"
TR = "/api/training"
EV = "/api/evaluation"
H = "/api/hall"

# fmt: off
#   method  path                                              target  anon prov insp expt uadm dmgr staf intg disa
MATRIX: list[Row] = [
    # == plans: readers are the province, the university, its departments (their tasks) and plans:read clients;
    #    staff and experts see only the responsibility letters they are named in ===============================
    T("GET", f"{P}/dashboard", None, "                                 401  422  422  403  200  200  403  200  401",
      note="the province names the university"),
    T("GET", f"{P}/dashboard", "own", "                                401  200  200  403  200  200  403  200  401",
      query=_year_uni),
    T("GET", f"{P}/dashboard", "other", "                              401  200  200  403  404  404  403  404  401",
      query=_year_uni),
    T("GET", f"{P}/overview", None, "                                  401  200  200  403  403  403  403  403  401"),
    T("GET", f"{P}/overview/export", None, "                           401  200  200  403  403  403  403  403  401"),
    T("GET", f"{P}/screen", None, "                                    401  200  200  403  403  403  403  403  401",
      note="the province's big screen (#17): its administrator and its inspector"),
    T("GET", f"{P}/indicators", None, "                                401  200  200  403  403  403  403  403  401"),
    T("GET", f"{P}/plans", None, "                                     401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/plans", "other", "                                  401  200  200  403  404  404  403  404  401",
      query=_uni, note="another university in the query is 404, as an unknown one (#14)"),
    T("POST", f"{P}/plans", None, "                                    401  403  403  403 p409  403  403 p409  401"),
    T("GET", f"{P}/plans/{{plan_id}}", "own", "                         401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}", "other", "                       401  200  200  403  404  404  403  404  401"),
    T("GET", f"{P}/plans/{{plan_id}}/export", "own", "                  401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}/export", "other", "                401  200  200  403  404  404  403  404  401"),
    T("PATCH", f"{P}/plans/{{plan_id}}", "own", "                       401  403  403  403 p412  403  403 p412  401"),
    T("PATCH", f"{P}/plans/{{plan_id}}", "other", "                     401  403  403  403  404  403  403  404  401"),
    T("DELETE", f"{P}/plans/{{plan_id}}", "own", "                      401  403  403  403 p412  403  403 p412  401"),
    T("DELETE", f"{P}/plans/{{plan_id}}", "other", "                    401  403  403  403  404  403  403  404  401"),
    T("POST", f"{P}/plans/{{plan_id}}/submit", "own", "                 401  403  403  403 p412  403  403 p412  401"),
    T("POST", f"{P}/plans/{{plan_id}}/submit", "other", "               401  403  403  403  404  403  403  404  401"),
    T("POST", f"{P}/plans/{{plan_id}}/approve", "own", "                401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{P}/plans/{{plan_id}}/approve", "other", "              401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{P}/plans/{{plan_id}}/return", "own", "                 401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{P}/plans/{{plan_id}}/return", "other", "               401 p412  403  403  403  403  403  403  401"),
    T("GET", f"{P}/plans/{{plan_id}}/submissions", "own", "             401  200  200  403  200  403  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}/submissions", "other", "           401  200  200  403  404  403  403  404  401"),
    T("GET", f"{P}/plans/{{plan_id}}/submissions/{{seq}}", "own", "     401  200  200  403  200  403  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}/submissions/{{seq}}", "other", "   401  200  200  403  404  403  403  404  401"),
    T("GET", f"{P}/plans/{{plan_id}}/diff", "own", "                    401  200  200  403  200  403  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}/diff", "other", "                  401  200  200  403  404  403  403  404  401"),
    T("GET", f"{P}/plans/{{plan_id}}/comments", "own", "                401  200  200  403  200  403  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}/comments", "other", "              401  200  200  403  404  403  403  404  401"),
    T("GET", f"{P}/change-requests", None, "                           401  200  200  403  200  403  403  200  401"),
    T("GET", f"{P}/change-requests/export", None, "                    401  200  200  403  200  403  403  200  401"),
    T("POST", f"{P}/plans/{{plan_id}}/change-requests", "own", "        401  403  403  403 p422  403  403 p422  401"),
    T("POST", f"{P}/plans/{{plan_id}}/change-requests", "other", "      401  403  403  403  404  403  403  404  401"),
    T("GET", f"{P}/plans/{{plan_id}}/change-requests", "own", "         401  200  200  403  200  403  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}/change-requests", "other", "       401  200  200  403  404  403  403  404  401"),
    T("GET", f"{P}/change-requests/{{cr_id}}", "own", "                 401  200  200  403  200  403  403  200  401"),
    T("GET", f"{P}/change-requests/{{cr_id}}", "other", "               401  200  200  403  404  403  403  404  401"),
    T("POST", f"{P}/change-requests/{{cr_id}}/approve", "own", "        401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{P}/change-requests/{{cr_id}}/approve", "other", "      401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{P}/change-requests/{{cr_id}}/reject", "own", "         401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{P}/change-requests/{{cr_id}}/reject", "other", "       401 p412  403  403  403  403  403  403  401"),
    T("GET", f"{P}/plans/{{plan_id}}/tasks", "own", "                   401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}/tasks", "other", "                 401  200  200  403  404  404  403  404  401"),
    # an approved plan takes no new task (409): the allowed callers' valid request changes nothing
    T("POST", f"{P}/plans/{{plan_id}}/tasks", "own", "                  401  403  403  403 p409  403  403 p409  401"),
    T("POST", f"{P}/plans/{{plan_id}}/tasks", "other", "                401  403  403  403  404  403  403  404  401"),
    T("GET", f"{P}/tasks/{{task_id}}", "own", "                         401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/tasks/{{task_id}}", "sibling", "                     401  200  200  403  200  404  403  200  401"),
    T("GET", f"{P}/tasks/{{task_id}}", "other", "                       401  200  200  403  404  404  403  404  401"),
    T("PATCH", f"{P}/tasks/{{task_id}}", "own", "                       401  403  403  403 p412  403  403 p412  401"),
    T("PATCH", f"{P}/tasks/{{task_id}}", "sibling", "                   401  403  403  403 p412  403  403 p412  401"),
    T("PATCH", f"{P}/tasks/{{task_id}}", "other", "                     401  403  403  403  404  403  403  404  401"),
    T("DELETE", f"{P}/tasks/{{task_id}}", "own", "                      401  403  403  403 p412  403  403 p412  401"),
    T("DELETE", f"{P}/tasks/{{task_id}}", "sibling", "                  401  403  403  403 p412  403  403 p412  401"),
    T("DELETE", f"{P}/tasks/{{task_id}}", "other", "                    401  403  403  403  404  403  403  404  401"),
    T("GET", f"{P}/tasks/{{task_id}}/milestones", "own", "              401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/tasks/{{task_id}}/milestones", "sibling", "          401  200  200  403  200  404  403  200  401"),
    T("GET", f"{P}/tasks/{{task_id}}/milestones", "other", "            401  200  200  403  404  404  403  404  401"),
    T("POST", f"{P}/tasks/{{task_id}}/milestones", "own", "             401  403  403  403 p409  403  403 p409  401"),
    T("POST", f"{P}/tasks/{{task_id}}/milestones", "sibling", "         401  403  403  403 p409  403  403 p409  401"),
    T("POST", f"{P}/tasks/{{task_id}}/milestones", "other", "           401  403  403  403  404  403  403  404  401"),
    T("GET", f"{P}/milestones/{{milestone_id}}", "own", "               401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/milestones/{{milestone_id}}", "sibling", "           401  200  200  403  200  404  403  200  401"),
    T("GET", f"{P}/milestones/{{milestone_id}}", "other", "             401  200  200  403  404  404  403  404  401"),
    T("PATCH", f"{P}/milestones/{{milestone_id}}", "own", "             401  403  403  403 p412  403  403 p412  401"),
    T("PATCH", f"{P}/milestones/{{milestone_id}}", "sibling", "         401  403  403  403 p412  403  403 p412  401"),
    T("PATCH", f"{P}/milestones/{{milestone_id}}", "other", "           401  403  403  403  404  403  403  404  401"),
    T("DELETE", f"{P}/milestones/{{milestone_id}}", "own", "            401  403  403  403 p412  403  403 p412  401"),
    T("DELETE", f"{P}/milestones/{{milestone_id}}", "sibling", "        401  403  403  403 p412  403  403 p412  401"),
    T("DELETE", f"{P}/milestones/{{milestone_id}}", "other", "          401  403  403  403  404  403  403  404  401"),
    T("POST", f"{P}/tasks/{{task_id}}/progress", "own", "               401  403  403  403 p422 p422  403 p422  401"),
    T("POST", f"{P}/tasks/{{task_id}}/progress", "sibling", "           401  403  403  403 p422  404  403 p422  401"),
    T("POST", f"{P}/tasks/{{task_id}}/progress", "other", "             401  403  403  403  404  404  403  404  401"),
    T("GET", f"{P}/tasks/{{task_id}}/progress", "own", "                401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/tasks/{{task_id}}/progress", "sibling", "            401  200  200  403  200  404  403  200  401"),
    T("GET", f"{P}/tasks/{{task_id}}/progress", "other", "              401  200  200  403  404  404  403  404  401"),
    T("POST", f"{P}/plans/{{plan_id}}/letters", "own", "                401  403  403  403 p422  403  403 p422  401"),
    T("POST", f"{P}/plans/{{plan_id}}/letters", "other", "              401  403  403  403  404  403  403  404  401"),
    T("GET", f"{P}/letters", None, "                                   401  200  200  200  200  200  200  200  401"),
    T("GET", f"{P}/letters/{{letter_id}}", "own", "                     401  200  200  404  200  200  404  200  401"),
    T("GET", f"{P}/letters/{{letter_id}}", "sibling", "                 401  200  200  404  200  404  404  200  401"),
    T("GET", f"{P}/letters/{{letter_id}}", "other", "                   401  200  200  404  404  404  404  404  401"),
    T("GET", f"{P}/letters/{{letter_id}}/document", "own", "            401  200  200  404  200  200  404  200  401"),
    T("GET", f"{P}/letters/{{letter_id}}/document", "sibling", "        401  200  200  404  200  404  404  200  401"),
    T("GET", f"{P}/letters/{{letter_id}}/document", "other", "          401  200  200  404  404  404  404  404  401"),
    # only the responsible person signs: department 1's letter is its manager's
    T("POST", f"{P}/letters/{{letter_id}}/sign", "own", "               401  403  403  404  403 p422  404  403  401"),
    T("POST", f"{P}/letters/{{letter_id}}/sign", "sibling", "           401  403  403  404  403  404  404  403  401"),
    T("POST", f"{P}/letters/{{letter_id}}/sign", "other", "             401  403  403  404  404  404  404  404  401"),
    T("GET", f"{P}/funding-lines", None, "                             401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/funding-lines", "other", "                          401  200  200  403  404  404  403  404  401",
      query=_uni),
    T("POST", f"{P}/funding-lines", None, "                            401  403  403  403 p422  403  403 p422  401"),
    T("GET", f"{P}/funding-lines/{{line_id}}", "own", "                 401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/funding-lines/{{line_id}}", "other", "               401  200  200  403  404  404  403  404  401"),
    T("PATCH", f"{P}/funding-lines/{{line_id}}", "own", "               401  403  403  403 p412  403  403 p412  401"),
    T("PATCH", f"{P}/funding-lines/{{line_id}}", "other", "             401  403  403  403  404  403  403  404  401"),
    T("DELETE", f"{P}/funding-lines/{{line_id}}", "own", "              401  403  403  403 p412  403  403 p412  401"),
    T("DELETE", f"{P}/funding-lines/{{line_id}}", "other", "            401  403  403  403  404  403  403  404  401"),
    T("GET", f"{P}/work-study-posts", None, "                          401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/work-study-posts", "other", "                       401  200  200  403  404  404  403  404  401",
      query=_uni),
    # the path names a year; the row is always the caller's own university's
    T("PUT", f"{P}/work-study-posts/{{year}}", None, "                  401  403  403  403 p412  403  403 p412  401"),
    # == training: every signed-in role reads, within its scope (staff: their own ledger; experts: nothing) ===========
    T("PUT", f"{TR}/staff/by-employee-no/{{employee_no}}", "own", "     401 p412  403  403 p412  403  403 p412  401"),
    T("PUT", f"{TR}/staff/by-employee-no/{{employee_no}}", "sibling", " 401 p412  403  403 p412  403  403 p412  401"),
    # another university's number, department and university_id: refused as "not your university"
    T("PUT", f"{TR}/staff/by-employee-no/{{employee_no}}", "other", "   401 p412  403  403  422  403  403  422  401"),
    T("GET", f"{TR}/staff", None, "                                    401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/staff", None, "                                    401  200  200  200  200  200  200  200  401",
      query=lambda w, t: {"q": "U2D1", "limit": 500}),
    T("GET", f"{TR}/staff", "sibling", "                               401  200  200  200  200  200  200  200  401",
      query=_dept),
    T("GET", f"{TR}/staff", "other", "                                 401  200  200  200  200  200  200  200  401",
      query=_dept),
    T("GET", f"{TR}/staff/{{staff_id}}", "own", "                       401  200  200  404  200  200  200  200  401"),
    T("GET", f"{TR}/staff/{{staff_id}}", "sibling", "                   401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/staff/{{staff_id}}", "other", "                     401  200  200  404  404  404  404  404  401"),
    T("POST", f"{TR}/records", None, "                                 401 p422  403  403 p422 p422  403 p422  401"),
    # 批量推送 (#21): the probe is an empty batch (422); a batch naming another university's person (or, for a
    # department manager, another department's) answers 200 with that item refused (422) and stores nothing
    T("POST", f"{TR}/records/batch", "own", "                          401 p422  403  403 p422 p422  403 p422  401"),
    T("POST", f"{TR}/records/batch", "sibling", "                      401 p422  403  403 p422  200  403 p422  401"),
    T("POST", f"{TR}/records/batch", "other", "                        401 p422  403  403  200  200  403  200  401"),
    T("GET", f"{TR}/records", None, "                                  401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/records", "sibling", "                             401  200  200  200  200  200  200  200  401",
      query=_dept),
    T("GET", f"{TR}/records", "other", "                               401  200  200  200  200  200  200  200  401",
      query=lambda w, t: {"staff_id": w.id("staff", "other"), "limit": 500}),
    T("GET", f"{TR}/records/export", None, "                           401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/records/export", None, "                           401  200  200  200  200  200  200  200  401",
      query=lambda w, t: {"format": "csv"}),
    T("GET", f"{TR}/records/export", "other", "                        401  200  200  200  200  200  200  200  401",
      query=_dept),
    T("GET", f"{TR}/records/import-template", None, "                  401  200  200  200  200  200  200  200  401"),
    # the target is the university in the query and the staff member in the file; a probe is a dry run of a
    # wrong row (200, nothing stored); a sibling department's person is a rejected row for a department manager
    T("POST", f"{TR}/records/import", "own", "                         401 p200  403  403 p200 p200  403 p200  401"),
    T("POST", f"{TR}/records/import", "sibling", "                     401 p200  403  403 p200  200  403 p200  401"),
    T("POST", f"{TR}/records/import", "other", "                       401 p200  403  403  422  422  403  422  401"),
    # 下载错误报告 (#17): the import's check returned as a workbook; nothing is stored, allowed like the import
    T("POST", f"{TR}/records/import-report", "own", "                  401 p200  403  403 p200 p200  403 p200  401"),
    T("POST", f"{TR}/records/import-report", "sibling", "              401 p200  403  403 p200  200  403 p200  401"),
    T("POST", f"{TR}/records/import-report", "other", "                401 p200  403  403  422  422  403  422  401"),
    # the staff register from Excel (#17): the province, university admins, department managers (their department
    # only: another department's person is refused per row, nothing stored); the probe is a dry run with a bad row
    T("GET", f"{TR}/staff/import-template", None, "                    401  200  403  403  200  200  403  403  401"),
    T("POST", f"{TR}/staff/import", "own", "                           401 p200  403  403 p200 p200  403  403  401"),
    T("POST", f"{TR}/staff/import", "sibling", "                       401 p200  403  403 p200  200  403  403  401"),
    T("POST", f"{TR}/staff/import", "other", "                         401 p200  403  403  422  422  403  403  401"),
    T("POST", f"{TR}/staff/import-report", "own", "                    401 p200  403  403 p200 p200  403  403  401"),
    T("POST", f"{TR}/staff/import-report", "sibling", "                401 p200  403  403 p200  200  403  403  401"),
    T("POST", f"{TR}/staff/import-report", "other", "                  401 p200  403  403  422  422  403  403  401"),
    T("POST", f"{TR}/records/import-jobs", "own", "                    401 p202  403  403 p202 p202  403 p202  401"),
    T("POST", f"{TR}/records/import-jobs", "other", "                  401 p202  403  403  422  422  403  422  401"),
    # an import job is seen by the account that started it (university 1's admin started the "own" one)
    T("GET", f"{TR}/records/import-jobs/{{job_id}}", "own", "           401  404  403  403  200  404  403  404  401"),
    T("GET", f"{TR}/records/import-jobs/{{job_id}}", "sibling", "       401  404  403  403  404  404  403  404  401"),
    T("GET", f"{TR}/records/import-jobs/{{job_id}}", "other", "         401  404  403  403  404  404  403  404  401"),
    T("GET", f"{TR}/records/{{record_id}}", "own", "                    401  200  200  404  200  200  200  200  401"),
    T("GET", f"{TR}/records/{{record_id}}", "sibling", "                401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/records/{{record_id}}", "other", "                  401  200  200  404  404  404  404  404  401"),
    T("PATCH", f"{TR}/records/{{record_id}}", "own", "                  401 p412  403  403 p412 p412  403 p412  401"),
    T("PATCH", f"{TR}/records/{{record_id}}", "sibling", "              401 p412  403  403 p412  404  403 p412  401"),
    T("PATCH", f"{TR}/records/{{record_id}}", "other", "                401 p412  403  403  404  404  403  404  401"),
    T("DELETE", f"{TR}/records/{{record_id}}", "own", "                 401 p412  403  403 p412 p412  403 p412  401"),
    T("DELETE", f"{TR}/records/{{record_id}}", "sibling", "             401 p412  403  403 p412  404  403 p412  401"),
    T("DELETE", f"{TR}/records/{{record_id}}", "other", "               401 p412  403  403  404  404  403  404  401"),
    T("POST", f"{TR}/records/batch-delete", "own", "                   401 p412  403  403 p412 p412  403 p412  401"),
    T("POST", f"{TR}/records/batch-delete", "sibling", "               401 p412  403  403 p412  404  403 p412  401"),
    T("POST", f"{TR}/records/batch-delete", "other", "                 401 p412  403  403  404  404  403  404  401"),
    T("GET", f"{TR}/rules/{{year}}", None, "                            401  200  200  200  200  200  200  200  401"),
    T("PUT", f"{TR}/rules/{{year}}", None, "                            401 p412  403  403  403  403  403  403  401"),
    T("GET", f"{TR}/staff/{{staff_id}}/ledger", "own", "                401  200  200  404  200  200  200  200  401"),
    T("GET", f"{TR}/staff/{{staff_id}}/ledger", "sibling", "            401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/staff/{{staff_id}}/ledger", "other", "              401  200  200  404  404  404  404  404  401"),
    T("GET", f"{TR}/staff/{{staff_id}}/ledger/export", "own", "         401  200  200  404  200  200  200  200  401"),
    T("GET", f"{TR}/staff/{{staff_id}}/ledger/export", "sibling", "     401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/staff/{{staff_id}}/ledger/export", "other", "       401  200  200  404  404  404  404  404  401"),
    T("GET", f"{TR}/compliance", None, "                               401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/compliance", "sibling", "                          401  200  200  404  200  404  404  200  401",
      query=_org),
    T("GET", f"{TR}/compliance", "other", "                            401  200  200  404  404  404  404  404  401",
      query=_org),
    T("GET", f"{TR}/compliance", None, "                               401  200  200  200  200  200  200  200  401",
      query=lambda w, t: {"group_by": "staff", "limit": 500}),
    T("GET", f"{TR}/compliance/export", None, "                        401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/compliance/export", None, "                        401  200  200  200  200  200  200  200  401",
      query=lambda w, t: {"group_by": "staff", "format": "csv"}),
    T("GET", f"{TR}/compliance/export", "other", "                     401  200  200  404  404  404  404  404  401",
      query=_org),
    T("GET", f"{TR}/indicators", None, "                               401  200  200  403  403  403  403  403  401"),
    T("GET", f"{TR}/reports/themes", None, "                           401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/reports/themes", "other", "                        401  200  200  404  404  404  404  404  401",
      query=_org),
    T("GET", f"{TR}/reports/themes/export", None, "                    401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/reports/themes/export", "sibling", "               401  200  200  404  200  404  404  200  401",
      query=_org),
    T("GET", f"{TR}/reports/at-risk", None, "                          401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/reports/at-risk", "sibling", "                     401  200  200  404  200  404  404  200  401",
      query=_org),
    T("GET", f"{TR}/reports/at-risk/export", None, "                   401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/reports/at-risk/export", "other", "                401  200  200  404  404  404  404  404  401",
      query=_org),
    T("POST", f"{TR}/self-reports", None, "                            401  403  403  403  403  403 p422  403  401"),
    T("GET", f"{TR}/self-reports", None, "                             401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/self-reports/{{report_id}}", "own", "               401  200  200  404  200  200  200  200  401"),
    T("GET", f"{TR}/self-reports/{{report_id}}", "sibling", "           401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/self-reports/{{report_id}}", "other", "             401  200  200  404  404  404  404  404  401"),
    # the staff member's manager decides (a university admin may stand in); the province does not
    T("POST", f"{TR}/self-reports/{{report_id}}/approve", "own", "      401  403  403  403 p412 p412  403  403  401"),
    T("POST", f"{TR}/self-reports/{{report_id}}/approve", "sibling", "  401  403  403  403 p412  404  403  403  401"),
    T("POST", f"{TR}/self-reports/{{report_id}}/approve", "other", "    401  403  403  403  404  404  403  403  401"),
    T("POST", f"{TR}/self-reports/{{report_id}}/reject", "own", "       401  403  403  403 p412 p412  403  403  401"),
    T("POST", f"{TR}/self-reports/{{report_id}}/reject", "sibling", "   401  403  403  403 p412  404  403  403  401"),
    T("POST", f"{TR}/self-reports/{{report_id}}/reject", "other", "     401  403  403  403  404  404  403  403  401"),
    T("POST", f"{TR}/courses", None, "                                 401 p422  403  403 p422 p422  403  403  401"),
    T("GET", f"{TR}/courses", None, "                                  401  200  200  200  200  200  200  200  401"),
    # a university's own course (no department) and the province's courses are open to all of its people
    T("GET", f"{TR}/courses/{{course_id}}", "own", "                    401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/courses/{{course_id}}", "sibling", "                401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/courses/{{course_id}}", "other", "                  401  200  200  404  404  404  404  404  401"),
    T("GET", f"{TR}/courses/{{course_id}}", "province", "               401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/courses/{{course_id}}/enrolments", "own", "         401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/courses/{{course_id}}/enrolments", "sibling", "     401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/courses/{{course_id}}/enrolments", "other", "       401  200  200  404  404  404  404  404  401"),
    T("GET", f"{TR}/courses/{{course_id}}/enrolments", "province", "    401  200  200  200  200  200  200  200  401"),
    T("POST", f"{TR}/courses/{{course_id}}/enrolments", "own", "        401 p422  403  403 p422 p422  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/enrolments", "sibling", "    401 p422  403  403 p422  404  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/enrolments", "other", "      401 p422  403  403  404  404  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/enrolments", "province", "   401 p422  403  403 p422 p422  403  403  401"),
    # attendance from Excel (#17): who may tick attendance; the probe is a dry run (200, nothing marked)
    T("GET", f"{TR}/courses/{{course_id}}/attendance/import-template", "own", "401 200  403 403 200 200 403 403 401"),
    T("GET", f"{TR}/courses/{{course_id}}/attendance/import-template", "sibling",
      "401 200 403 403 200 404 403 403 401"),
    T("GET", f"{TR}/courses/{{course_id}}/attendance/import-template", "other", "401 200  403 403 404 404 403 403 401"),
    T("GET", f"{TR}/courses/{{course_id}}/attendance/import-template", "province",
      "401 200 403 403 200 200 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance/import", "own", " 401 p200  403 403 p200 p200 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance/import", "sibling", "  401 p200  403 403 p200 404 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance/import", "other", "    401 p200  403 403 404 404 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance/import", "province", " 401 p200  403 403 p200 p200 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance/import-report", "own", "401 p200 403 403 p200 p200 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance/import-report", "sibling",
      "401 p200 403 403 p200 404 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance/import-report", "other", "401 p200 403 403 404 404 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance/import-report", "province",
      "401 p200 403 403 p200 p200 403 403 401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance", "own", "        401 p422  403  403 p422 p422  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance", "sibling", "    401 p422  403  403 p422  404  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance", "other", "      401 p422  403  403  404  404  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/attendance", "province", "   401 p422  403  403 p422 p422  403  403  401"),
    # == evaluation: people only (an integration client has no evaluation endpoint); campaigns are the province's ====
    T("GET", f"{EV}/campaign-types", None, "                           401  200  200  200  200  200  200  403  401"),
    T("POST", f"{EV}/campaign-types", None, "                          401 p422  403  403  403  403  403  403  401"),
    T("GET", f"{EV}/campaigns", None, "                                401  200  200  200  200  200  200  403  401"),
    T("POST", f"{EV}/campaigns", None, "                               401 p422  403  403  403  403  403  403  401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}", "province", "           401  200  200  200  200  200  200  403  401"),
    T("PATCH", f"{EV}/campaigns/{{campaign_id}}", "province", "         401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{EV}/campaigns/{{campaign_id}}/advance", "province", "  401 p412  403  403  403  403  403  403  401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/rubric", "province", "    401  200  200  200  200  200  200  403  401"),
    T("PUT", f"{EV}/campaigns/{{campaign_id}}/rubric", "province", "    401 p412  403  403  403  403  403  403  401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/nominations", "province", "401 200 200 200 200 200 200 403 401"),
    # a search filtered on another university: nothing of it comes back; a university's or department's people
    # naming another university are answered 404, as for an unknown one (#14)
    T("GET", f"{EV}/campaigns/{{campaign_id}}/nominations", "province", "401 200 200 200 404 404 200 403 401",
      query=lambda w, t: {"university_id": w.orgs["uni_b"], "q": "授权矩阵"}),
    T("POST", f"{EV}/campaigns/{{campaign_id}}/nominations", "province", "401 403 403 403 p422 p422 403 403 401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/nominations/export", "province", "401 200 200 200 200 200 200 403 401"),
    T("GET", f"{EV}/nominations/{{nomination_id}}", "own", "            401  200  200  404  200  200  404  403  401"),
    T("GET", f"{EV}/nominations/{{nomination_id}}", "sibling", "        401  200  200  404  200  404  404  403  401"),
    T("GET", f"{EV}/nominations/{{nomination_id}}", "other", "          401  200  200  404  404  404  404  403  401"),
    # a department manager edits their department's proposals; the university pre-selects, submits, withdraws
    T("PATCH", f"{EV}/nominations/{{nomination_id}}", "own", "          401  403  403  404 p412 p412  404  403  401"),
    T("PATCH", f"{EV}/nominations/{{nomination_id}}", "sibling", "      401  403  403  404 p412  404  404  403  401"),
    T("PATCH", f"{EV}/nominations/{{nomination_id}}", "other", "        401  403  403  404  404  404  404  403  401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/preselect", "own", " 401  403  403  404 p412  403  404  403  401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/preselect", "sibling", "401 403 403 404 p412 404 404 403 401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/preselect", "other", "401 403 403 404 404 404 404 403 401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/submit", "own", "    401  403  403  404 p412  403  404  403  401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/submit", "sibling", "401 403 403 404 p412 404 404 403 401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/submit", "other", "  401  403  403  404  404  404  404  403  401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/withdraw", "own", "  401  403  403  404 p412  403  404  403  401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/withdraw", "sibling", "401 403 403 404 p412 404 404 403 401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/withdraw", "other", "401 403 403 404 404 404 404 403 401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/experts", "province", "   401  200  200  403  403  403  403  403  401"),
    # the panel of a campaign in review is fixed (409)
    T("PUT", f"{EV}/campaigns/{{campaign_id}}/experts", "province", "   401 p409  403  403  403  403  403  403  401"),
    # a campaign still taking nominations has no panel to assign from (409)
    T("POST", f"{EV}/campaigns/{{campaign_id}}/assignments/auto", "province", "401 p409 403 403 403 403 403 403 401"),
    T("POST", f"{EV}/campaigns/{{campaign_id}}/assignments", "province", "401 p422 403 403 403 403 403 403 401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/assignments", "province", "401 200 200 200 200 200 200 403 401"),
    # unassigning takes no If-Match and no state refuses it: the province's cell would remove a demo assignment
    T("DELETE", f"{EV}/assignments/{{assignment_id}}", "own", "         401   -  403   403  403  403  403  403  401"),
    T("DELETE", f"{EV}/assignments/{{assignment_id}}", "other", "       401   -  403   403  403  403  403  403  401"),
    T("DELETE", f"{EV}/assignments/{{assignment_id}}", "missing", "     401  404  403  403  403  403  403  403  401"),
    T("POST", f"{EV}/campaigns/{{campaign_id}}/conflicts", "province", "401 403 403 p422 403 403 403 403 401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/conflicts", "province", " 401  200  200  200  200  200  200  403  401"),
    # the expert (of university 1) scores university 2's nomination assigned to them, never university 1's
    T("PUT", f"{EV}/nominations/{{nomination_id}}/scores", "own", "     401  403  403  404  403  403  404  403  401"),
    T("PUT", f"{EV}/nominations/{{nomination_id}}/scores", "other", "   401  403  403 p422  404  404  404  403  401"),
    T("GET", f"{EV}/nominations/{{nomination_id}}/scores", "own", "     401  200  200  404  403  403  404  403  401"),
    T("GET", f"{EV}/nominations/{{nomination_id}}/scores", "other", "   401  200  200  200  404  404  404  403  401"),
    T("GET", f"{EV}/assignments", None, "                              401  200  200  200  200  200  200  403  401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/ranking", "province", "   401  200  200  403  403  403  403  403  401"),
    T("POST", f"{EV}/campaigns/{{campaign_id}}/decision", "province", " 401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{EV}/campaigns/{{campaign_id}}/publish", "province", "  401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{EV}/campaigns/{{campaign_id}}/finalize", "province", " 401 p412  403  403  403  403  403  403  401"),
    # published results (the pilot selection's 公示 list) are open to every person
    T("GET", f"{EV}/campaigns/{{campaign_id}}/results", "province", "   401  200  200  200  200  200  200  403  401",
      public=True),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/results/export", "province", "401 200 200 200 200 200 200 403 401",
      public=True),
    # objections are lodged during publicity only (409 in review)
    T("POST", f"{EV}/campaigns/{{campaign_id}}/objections", "province", "401 403 403 403 p409 403 403 403 401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/objections", "province", "401 200 200 200 200 200 200 403 401"),
    # the demo has no objection (no campaign in publicity): a missing one
    T("POST", f"{EV}/objections/{{objection_id}}/answer", "missing", "  401  404  403  403  403  403  403  403  401"),
    T("GET", f"{EV}/pilots", None, "                                   401  200  200  200  200  200  200  403  401",
      public=True),
    T("GET", f"{EV}/assessment/metrics", None, "                       401  200  200  200  200  200  200  403  401"),
    T("GET", f"{EV}/assessment/frameworks/{{year}}", None, "            401  200  200  200  200  200  200  403  401"),
    T("PUT", f"{EV}/assessment/frameworks/{{year}}", None, "            401 p412  403  403  403  403  403  403  401"),
    T("PUT", f"{EV}/assessment/frameworks/{{year}}/grades", None, "     401 p412  403  403  403  403  403  403  401"),
    T("POST", f"{EV}/assessment/frameworks/{{year}}/default", None, "   401 p409  403  403  403  403  403  403  401"),
    T("GET", f"{EV}/assessment/{{year}}/self-reports", None, "          401  200  200  200  200  200  200  403  401"),
    T("PUT", f"{EV}/assessment/{{year}}/self-reports/{{indicator_code}}", None, "401 403 403 403 p422 403 403 403 401"),
    T("POST", f"{EV}/assessment/self-reports/{{report_id}}/verify", "own", "401 p412 403 403 403 403 403 403 401"),
    T("POST", f"{EV}/assessment/self-reports/{{report_id}}/verify", "other", "401 p412 403 403 403 403 403 403 401"),
    T("POST", f"{EV}/assessment/{{year}}/scorecards/compute", None, "   401 p404  403  403  403  403  403  403  401"),
    # the demo year's scorecards: a university sees its own line
    T("GET", f"{EV}/assessment/{{year}}/scorecards", None, "            401  200  200  200  200  200  200  403  401",
      year="demo"),
    # the XLSX of the same scoped lines (a university: its own scorecard)
    T("GET", f"{EV}/assessment/{{year}}/scorecards/export", None, "     401  200  200  200  200  200  200  403  401",
      year="demo"),
    T("GET", f"{EV}/assessment/{{year}}/scorecards/{{university_id}}", "own", "401 200 200 404 200 404 404 403 401",
      year="demo"),
    T("GET", f"{EV}/assessment/{{year}}/scorecards/{{university_id}}", "other", "401 200 200 404 404 404 404 403 401",
      year="demo"),
    # nothing computed in the spare year yet (409)
    T("POST", f"{EV}/assessment/{{year}}/publish", None, "              401 p409  403  403  403  403  403  403  401"),
    # == typical cases (#19): the province's library; photos through the attachments of owner typical_case ======
    T("GET", f"{EV}/cases", None, "                                    401  200  403  403  403  403  403  403  401"),
    T("POST", f"{EV}/cases", None, "                                   401 p422  403  403  403  403  403  403  401"),
    T("GET", f"{EV}/cases/{{case_id}}", "missing", "                    401  404  403  403  403  403  403  403  401"),
    T("PUT", f"{EV}/cases/{{case_id}}", "missing", "                    401  404  403  403  403  403  403  403  401"),
    T("DELETE", f"{EV}/cases/{{case_id}}", "missing", "                 401  404  403  403  403  403  403  403  401"),
    T("GET", f"{EV}/cases/{{case_id}}/attachments", "missing", "        401  404  403  404  404  404  404  403  401"),
    T("POST", f"{EV}/cases/{{case_id}}/attachments", "missing", "       401  404  403  404  404  404  404  403  401"),
    T("GET", f"{EV}/campaigns/{{campaign_id}}/public-fields", "province", "401 200  403  403  403  403  403  403  401"),
    T("PUT", f"{EV}/campaigns/{{campaign_id}}/public-fields", "province", "401 p412 403  403  403  403  403  403  401"),
    # == the public pages (#19): anyone, signed in or not, disabled or not (the gateway forwards no identity) ======
    T("GET", "/api/public/publicity", None, "                           200  200  200  200  200  200  200  200  200",
      public=True),
    T("GET", "/api/public/results", None, "                             200  200  200  200  200  200  200  200  200",
      public=True),
    T("GET", "/api/public/pilots", None, "                              200  200  200  200  200  200  200  200  200",
      public=True),
    T("GET", "/api/public/cases", None, "                               200  200  200  200  200  200  200  200  200",
      public=True),
    T("GET", "/api/public/cases/{case_id}/photos/{n}", "missing", "    404  404  404  404  404  404  404  404  404",
      public=True),
    # the campaign made at start takes nominations: not in publicity, no objection from anyone
    T("POST", "/api/public/campaigns/{campaign_id}/objections", "province", "404 404 404  404  404  404  404  404  404",
      public=True),
    T("GET", f"{EV}/audit", None, "                                    401  200  200  403  403  403  403  403  401"),
    # == attachments (#16): an attachment answers as its owner does (404 for one outside the caller's scope, on every
    #    path); attaching and deleting need the right to edit the owner; uploads are by people (a client: 403) ======
    T("POST", f"{TR}/attachments", None, "                             401 p422  403  403 p422 p422 p422  403  401",
      note="the probe is an empty file"),
    *[
        T("GET", f"{TR}/attachments/{{attachment_id}}{tail}", t, cells)
        for tail in ("", "/content", "/thumbnail")
        for t, cells in (
            ("own", "                                               401  200  200  404  200  200  200  200  401"),
            ("sibling", "                                           401  200  200  404  200  404  404  200  401"),
            ("other", "                                             401  200  200  404  404  404  404  404  401"),
        )
    ],
    T("DELETE", f"{TR}/attachments/{{attachment_id}}", "own", "         401 p412  403  404 p412 p412  403 p412  401"),
    T("DELETE", f"{TR}/attachments/{{attachment_id}}", "sibling", "     401 p412  403  404 p412  404  404 p412  401"),
    T("DELETE", f"{TR}/attachments/{{attachment_id}}", "other", "       401 p412  403  404  404  404  404  404  401"),
    T("GET", f"{TR}/records/{{record_id}}/attachments", "own", "        401  200  200  404  200  200  200  200  401"),
    T("GET", f"{TR}/records/{{record_id}}/attachments", "sibling", "    401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/records/{{record_id}}/attachments", "other", "      401  200  200  404  404  404  404  404  401"),
    T("POST", f"{TR}/records/{{record_id}}/attachments", "own", "       401 p422  403  403 p422 p422  403 p422  401"),
    T("POST", f"{TR}/records/{{record_id}}/attachments", "sibling", "   401 p422  403  403 p422  404  403 p422  401"),
    T("POST", f"{TR}/records/{{record_id}}/attachments", "other", "     401 p422  403  403  404  404  403  404  401"),
    T("GET", f"{TR}/self-reports/{{report_id}}/attachments", "own", "   401  200  200  404  200  200  200  200  401"),
    T("GET", f"{TR}/self-reports/{{report_id}}/attachments", "sibling", "401 200 200 404 200 404 404 200 401"),
    T("GET", f"{TR}/self-reports/{{report_id}}/attachments", "other", " 401  200  200  404  404  404  404  404  401"),
    # only the staff member attaches to their own report
    T("POST", f"{TR}/self-reports/{{report_id}}/attachments", "own", "  401  403  403  403  403  403 p422  403  401"),
    T("POST", f"{TR}/self-reports/{{report_id}}/attachments", "sibling", "401 403 403 403 403 403 404 403 401"),
    T("POST", f"{TR}/self-reports/{{report_id}}/attachments", "other", "401 403 403 403 403 403 404 403 401"),
    T("GET", f"{TR}/courses/{{course_id}}/attachments", "own", "        401  200  200  200  200  200  200  200  401"),
    T("GET", f"{TR}/courses/{{course_id}}/attachments", "sibling", "    401  200  200  404  200  404  404  200  401"),
    T("GET", f"{TR}/courses/{{course_id}}/attachments", "other", "      401  200  200  404  404  404  404  404  401"),
    T("GET", f"{TR}/courses/{{course_id}}/attachments", "province", "   401  200  200  200  200  200  200  200  401"),
    # the organiser's level attaches: a university course is not a department manager's, a province course the
    # province's only
    T("POST", f"{TR}/courses/{{course_id}}/attachments", "own", "       401 p422  403  403 p422  403  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/attachments", "sibling", "   401 p422  403  403 p422  404  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/attachments", "other", "     401 p422  403  403  404  404  403  403  401"),
    T("POST", f"{TR}/courses/{{course_id}}/attachments", "province", "  401 p422  403  403  403  403  403  403  401"),
    T("POST", f"{P}/attachments", None, "                              401 p422 p422  403 p422 p422  403  403  401"),
    *[
        T("GET", f"{P}/attachments/{{attachment_id}}{tail}", t, cells)
        for tail in ("", "/content", "/thumbnail")
        for t, cells in (
            ("own", "                                               401  200  200  403  200  200  403  200  401"),
            ("sibling", "                                           401  200  200  403  200  404  403  200  401"),
            ("other", "                                             401  200  200  403  404  404  403  404  401"),
        )
    ],
    T("DELETE", f"{P}/attachments/{{attachment_id}}", "own", "          401  403  403  403 p412 p412  403 p412  401"),
    T("DELETE", f"{P}/attachments/{{attachment_id}}", "sibling", "      401  403  403  403 p412  404  403 p412  401"),
    T("DELETE", f"{P}/attachments/{{attachment_id}}", "other", "        401  403  403  403  404  404  403  404  401"),
    T("GET", f"{P}/plans/{{plan_id}}/attachments", "own", "             401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/plans/{{plan_id}}/attachments", "other", "           401  200  200  403  404  404  403  404  401"),
    T("POST", f"{P}/plans/{{plan_id}}/attachments", "own", "            401  403  403  403 p422  403  403 p422  401"),
    T("POST", f"{P}/plans/{{plan_id}}/attachments", "other", "          401  403  403  403  404  403  403  404  401"),
    *[
        T(method, f"{P}/{coll}/{{{param}}}/attachments", t, cells)
        for coll, param in (("milestones", "milestone_id"), ("progress", "report_id"))
        for method, t, cells in (
            # (progress reports: own and other only, made in the spare year's plans)
            ("GET", "own", "                                        401  200  200  403  200  200  403  200  401"),
            ("GET", "sibling", "                                    401  200  200  403  200  404  403  200  401"),
            ("GET", "other", "                                      401  200  200  403  404  404  403  404  401"),
            ("POST", "own", "                                       401  403  403  403 p422 p422  403 p422  401"),
            ("POST", "sibling", "                                   401  403  403  403 p422  404  403 p422  401"),
            ("POST", "other", "                                     401  403  403  403  404  404  403  404  401"),
        )
        if coll == "milestones" or t != "sibling"
    ],
    T("GET", f"{P}/letters/{{letter_id}}/attachments", "own", "         401  200  200  404  200  200  404  200  401"),
    T("GET", f"{P}/letters/{{letter_id}}/attachments", "sibling", "     401  200  200  404  200  404  404  200  401"),
    T("GET", f"{P}/letters/{{letter_id}}/attachments", "other", "       401  200  200  404  404  404  404  404  401"),
    T("POST", f"{P}/letters/{{letter_id}}/attachments", "own", "        401  403  403  403 p422  403  403 p422  401"),
    T("POST", f"{P}/letters/{{letter_id}}/attachments", "sibling", "    401  403  403  403 p422  403  403 p422  401"),
    T("POST", f"{P}/letters/{{letter_id}}/attachments", "other", "      401  403  403  403  404  403  403  404  401"),
    # == the year's notice (issue #18): the province writes and issues it; everyone who reads plans reads it once
    #    issued (a draft is the province's: 404); a university admin acknowledges (already done in the world: 200)
    T("GET", f"{P}/notices", None, "                                   401  200  200  403  200  200  403  200  401"),
    T("POST", f"{P}/notices", None, "                                  401 p422  403  403  403  403  403  403  401"),
    T("GET", f"{P}/notices/{{notice_id}}", "province", "                401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/notices/{{notice_id}}", "draft", "                   401  200  200  403  404  404  403  404  401"),
    *[
        T(method, f"{P}/notices/{{notice_id}}{tail}", t, "           401 p412  403  403  403  403  403  403  401")
        for method, tail in (("PATCH", ""), ("DELETE", ""), ("POST", "/issue"), ("POST", "/corrections"))
        for t in ("province", "draft")
    ],
    T("POST", f"{P}/notices/{{notice_id}}/acknowledgement", "province", "401 403 403 403 p200 403 403 403 401"),
    T("POST", f"{P}/notices/{{notice_id}}/acknowledgement", "draft", "  401  403  403  403  404  403  403  403  401"),
    T("GET", f"{P}/notices/{{notice_id}}/acknowledgements", "province", "401 200 200 403 403 403 403 403 401"),
    T("POST", f"{P}/notices/{{notice_id}}/extensions", "province", "    401 p422  403  403  403  403  403  403  401"),
    T("GET", f"{P}/notices/{{notice_id}}/attachments", "province", "    401  200  200  403  200  200  403  200  401"),
    T("GET", f"{P}/notices/{{notice_id}}/attachments", "draft", "       401  200  200  403  404  404  403  404  401"),
    T("POST", f"{P}/notices/{{notice_id}}/attachments", "province", "   401 p422  403  403  403  403  403  403  401"),
    T("POST", f"{P}/notices/{{notice_id}}/attachments", "draft", "      401 p422  403  403  403  403  403  403  401"),
    # == the alert list (issue #18): escalated milestones and late plans, the province and a university's admins
    T("GET", f"{P}/alerts/milestones", None, "                         401  200  200  403  200  403  403  403  401"),
    T("GET", f"{P}/alerts/milestones", "other", "                      401  200  200  403  404  403  403  403  401",
      query=_uni),
    T("GET", f"{P}/alerts/plans", None, "                              401  200  200  403  200  403  403  403  401",
      query=lambda w, t: {"year": w.year}),
    T("GET", f"{P}/alerts/plans", "other", "                           401  200  200  403  404  403  403  403  401",
      query=_year_uni),
    T("POST", f"{EV}/attachments", None, "                             401 p422  403  403 p422 p422  403  403  401"),
    *[
        T("GET", f"{EV}/attachments/{{attachment_id}}{tail}", t, cells)
        for tail in ("", "/content", "/thumbnail")
        for t, cells in (
            ("own", "                                               401  200  200  404  200  200  404  403  401"),
            ("sibling", "                                           401  200  200  404  200  404  404  403  401"),
            ("other", "                                             401  200  200  404  404  404  404  403  401"),
        )
    ],
    T("DELETE", f"{EV}/attachments/{{attachment_id}}", "own", "         401  403  403  404 p412 p412  404  403  401"),
    T("DELETE", f"{EV}/attachments/{{attachment_id}}", "sibling", "     401  403  403  404 p412  404  404  403  401"),
    T("DELETE", f"{EV}/attachments/{{attachment_id}}", "other", "       401  403  403  404  404  404  404  403  401"),
    T("GET", f"{EV}/nominations/{{nomination_id}}/attachments", "own", "401 200 200 404 200 200 404 403 401"),
    T("GET", f"{EV}/nominations/{{nomination_id}}/attachments", "sibling", "401 200 200 404 200 404 404 403 401"),
    T("GET", f"{EV}/nominations/{{nomination_id}}/attachments", "other", "401 200 200 404 404 404 404 403 401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/attachments", "own", "401 403 403 403 p422 p422 403 403 401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/attachments", "sibling", "401 403 403 403 p422 404 403 403 401"),
    T("POST", f"{EV}/nominations/{{nomination_id}}/attachments", "other", "401 403 403 403 404 404 403 403 401"),
    # == supervision (#19): visits are the province's and its inspector's (both record them and verify 整改); a
    #    finding and its rectification are also read by the university (a department manager: their department's);
    #    only the university's administrator answers a rectification
    T("GET", f"{P}/supervision-visits", None, "                        401  200  200  403  403  403  403  403  401"),
    T("POST", f"{P}/supervision-visits", None, "                       401 p422 p422  403  403  403  403  403  401"),
    T("GET", f"{P}/supervision-visits/{{visit_id}}", "province", "      401  200  200  403  403  403  403  403  401"),
    T("PATCH", f"{P}/supervision-visits/{{visit_id}}", "province", "    401 p412 p412  403  403  403  403  403  401"),
    T("POST", f"{P}/supervision-visits/{{visit_id}}/findings", "province", "401 p422 p422 403 403 403 403 403 401"),
    T("GET", f"{P}/supervision-indicators", None, "                    401  200  200  403  403  403  403  403  401",
      query=lambda w, t: {"year": w.year}),
    T("GET", f"{P}/rectifications", None, "                            401  200  200  403  200  200  403  403  401"),
    T("GET", f"{P}/rectifications", "other", "                         401  200  200  403  404  404  403  403  401",
      query=_uni),
    T("GET", f"{P}/rectifications/export", None, "                     401  200  200  403  200  200  403  403  401"),
    *[
        T("GET", path, t, cells)
        for path in (
            f"{P}/findings/{{finding_id}}",
            f"{P}/findings/{{finding_id}}/attachments",
            f"{P}/rectifications/{{rectification_id}}",
            f"{P}/rectifications/{{rectification_id}}/attachments",
        )
        for t, cells in (
            ("own", "                                                    401  200  200  403  200  200  403  403  401"),
            ("sibling", "                                                401  200  200  403  200  404  403  403  401"),
            ("other", "                                                  401  200  200  403  404  404  403  403  401"),
        )
    ],
    *[
        T("POST", f"{P}/rectifications/{{rectification_id}}{tail}", t, "401 p412 p412 403 403 403 403 403 401")
        for tail in ("/close", "/return")
        for t in ("own", "sibling", "other")
    ],
    T("POST", f"{P}/rectifications/{{rectification_id}}/response", "own", "401 403 403 403 p412 403 403 403 401"),
    T("POST", f"{P}/rectifications/{{rectification_id}}/response", "sibling", "401 403 403 403 p412 403 403 403 401"),
    T("POST", f"{P}/rectifications/{{rectification_id}}/response", "other", "401 403 403 403 404 403 403 403 401"),
    T("POST", f"{P}/findings/{{finding_id}}/attachments", "own", "      401 p422 p422  403  403  403  403  403  401"),
    T("POST", f"{P}/findings/{{finding_id}}/attachments", "other", "    401 p422 p422  403  403  403  403  403  401"),
    T("POST", f"{P}/rectifications/{{rectification_id}}/attachments", "own", "401 403 403 403 p422 403 403 403 401"),
    T("POST", f"{P}/rectifications/{{rectification_id}}/attachments", "sibling",
      "401 403 403 403 p422 403 403 403 401"),
    T("POST", f"{P}/rectifications/{{rectification_id}}/attachments", "other", "401 403 403 403 404 403 403 403 401"),
    # == annual summaries (#19): a university's administrator writes its own and submits it; the province accepts or
    #    returns it; the inspector reads every one and the province's report and decides nothing
    T("GET", f"{EV}/annual-summaries", None, "                           401  200  200  403  200  403  403  403  401"),
    T("POST", f"{EV}/annual-summaries", None, "                          401  403  403  403 p422  403  403  403  401"),
    T("GET", f"{EV}/annual-summaries/{{summary_id}}", "own", "            401  200  200  403  200  403  403  403  401"),
    T("GET", f"{EV}/annual-summaries/{{summary_id}}", "other", "          401  200  200  403  404  403  403  403  401"),
    *[
        T(method, f"{EV}/annual-summaries/{{summary_id}}{tail}", t, cells)
        for method, tail in (("PATCH", ""), ("POST", "/refresh"), ("POST", "/submit"))
        for t, cells in (
            ("own", "                                                    401  403  403  403 p412  403  403  403  401"),
            ("other", "                                                  401  403  403  403  404  403  403  403  401"),
        )
    ],
    *[
        T("POST", f"{EV}/annual-summaries/{{summary_id}}{tail}", t, "401 p412 403 403 403 403 403 403 401")
        for tail in ("/accept", "/return")
        for t in ("own", "other")
    ],
    # == events (#19, E4): the province organises its own and the association's, a university's administrator its
    #    own; everyone in scope reads (another university's: 404 unless it invites theirs); the inspector reads;
    #    integration clients are refused. Role first (403), then scope (404).
    T("GET", f"{EV}/events", None, "                                   401  200  200  200  200  200  200  403  401"),
    T("POST", f"{EV}/events", None, "                                  401 p422  403  403 p422  403  403  403  401"),
    *[
        T(method, f"{EV}/events/{{event_id}}{tail}", t, cells)
        for method, tail in (("GET", ""), ("GET", "/attachments"))
        for t, cells in (
            ("province", "                                                401  200  200  200  200  200  200  403  401"),
            ("own", "                                                     401  200  200  200  200  200  200  403  401"),
            ("other", "                                                   401  200  200  404  404  404  404  403  401"),
        )
    ],
    *[
        T(method, f"{EV}/events/{{event_id}}{tail}", t, cells)
        for method, tail in (("PATCH", ""), ("POST", "/hold"), ("POST", "/cancel"), ("POST", "/training"))
        for t, cells in (
            ("province", "                                                401 p412  403  403  403  403  403  403  401"),
            ("own", "                                                     401  403  403  403 p412  403  403  403  401"),
            ("other", "                                                   401  403  403  403  404  403  403  403  401"),
        )
    ],
    *[
        T("POST", f"{EV}/events/{{event_id}}/attachments", t, cells)
        for t, cells in (
            ("province", "                                                401 p422  403  403  403  403  403  403  401"),
            ("own", "                                                     401  403  403  403 p422  403  403  403  401"),
            ("other", "                                                   401  403  403  403  404  403  403  403  401"),
        )
    ],
    T("POST", f"{TR}/courses/declared", None, "                         401  403  403  403  403  403  403  403  401",
      note="the evaluation service's own token (training:courses) declares an event's course"),
    T("GET", f"{P}/annual-figures", None, "                              401  200  200  403  403  403  403  403  401",
      query=lambda w, t: {"year": w.year}),
    T("GET", f"{EV}/annual-report", None, "                              401  200  200  403  403  403  403  403  401",
      query=lambda w, t: {"year": w.year}),
    # == the service hall (#20): a student reports and follows their own requests (another's: 404); the routed
    #    department's staff and manager work on them (another department's: 404; assign/transfer are the manager's
    #    and the university's); the university configures places, routing and promises; the province and its
    #    inspector read every university's requests and figures and write nothing. Role first (403), then scope.
    T("GET", f"{H}/vocabulary", None, "                                401  200  200  403  200  200  200  403  401",
      student="200"),
    T("GET", f"{H}/places", None, "                                    401  422  422  403  200  200  200  403  401",
      student="200", note="the province names the university"),
    T("GET", f"{H}/places", "own", "                                   401  200  200  403  200  200  200  403  401",
      student="200", query=_uni),
    T("GET", f"{H}/places", "other", "                                 401  200  200  403  200  200  200  403  401",
      student="200", query=_uni, note="another university's: an empty list for university 1's people"),
    T("POST", f"{H}/places", None, "                                   401  403  403  403 p422  403  403  403  401",
      student="403"),
    T("GET", f"{H}/places/{{place_id}}", "own", "                       401  200  200  403  200  200  200  403  401",
      student="200"),
    T("GET", f"{H}/places/{{place_id}}", "other", "                     401  200  200  403  404  404  404  403  401",
      student="404"),
    *[
        T(method, f"{H}/places/{{place_id}}", t, cells, student="403")
        for method in ("PATCH", "DELETE")
        for t, cells in (
            ("own", "                                               401  403  403  403 p412  403  403  403  401"),
            ("other", "                                             401  403  403  403  404  403  403  403  401"),
        )
    ],
    *[
        T("GET", f"{H}/{what}", t, cells, student="403", query=_uni if t else None, university_wide=True)
        for what in ("routing", "promises")
        for t, cells in (
            (None, "                                                401  422  422  403  200  200  200  403  401"),
            ("own", "                                               401  200  200  403  200  200  200  403  401"),
            ("other", "                                             401  200  200  403  404  404  404  403  401"),
        )
    ],
    T("PUT", f"{H}/routing", None, "                                   401  403  403  403 p422  403  403  403  401",
      student="403"),
    T("PUT", f"{H}/promises", None, "                                  401  403  403  403 p422  403  403  403  401",
      student="403"),
    T("POST", f"{H}/requests", None, "                                 401  403  403  403  403  403  403  403  401",
      student="p422", note="students and teachers report"),
    T("GET", f"{H}/requests", None, "                                  401  200  200  403  200  200  200  403  401",
      student="200"),
    *[
        T("GET", f"{H}/requests/{{request_id}}{tail}", t, cells, student=student)
        for tail in ("", "/attachments")
        for t, cells, student in (
            ("own", "                                           401  200  200  403  200  200  200  403  401", "200"),
            ("sibling", "                                       401  200  200  403  200  404  404  403  401", "200"),
            ("peer", "                                          401  200  200  403  200  200  200  403  401", "404"),
            ("other", "                                         401  200  200  403  404  404  404  403  401", "404"),
        )
    ],
    *[
        T("POST", f"{H}/requests/{{request_id}}/{action}", t, cells, student="403")
        for action in ("accept", "answer", "close")
        for t, cells in (
            ("own", "                                               401  403  403  403 p412 p412 p412  403  401"),
            ("sibling", "                                           401  403  403  403 p412  404  404  403  401"),
            ("peer", "                                              401  403  403  403 p412 p412 p412  403  401"),
            ("other", "                                             401  403  403  403  404  404  404  403  401"),
        )
    ],
    *[
        T("POST", f"{H}/requests/{{request_id}}/{action}", t, cells, student="403")
        for action in ("assign", "transfer")
        for t, cells in (
            ("own", "                                               401  403  403  403 p412 p412  403  403  401"),
            ("sibling", "                                           401  403  403  403 p412  404  404  403  401"),
            ("peer", "                                              401  403  403  403 p412 p412  403  403  401"),
            ("other", "                                             401  403  403  403  404  404  404  403  401"),
        )
    ],
    *[
        T("POST", f"{H}/requests/{{request_id}}/{action}", t, "      401  403  403  403  403  403  403  403  401",
          student=student)
        for action in ("info", "rate", "reopen", "withdraw")
        for t, student in (("own", "p412"), ("sibling", "p412"), ("peer", "404"), ("other", "404"))
    ],
    *[
        T("POST", f"{H}/requests/{{request_id}}/attachments", t, cells, student=student)
        for t, cells, student in (
            ("own", "                                           401  403  403  403 p422 p422 p422  403  401", "p422"),
            ("sibling", "                                       401  403  403  403 p422  404  404  403  401", "p422"),
            ("peer", "                                          401  403  403  403 p422 p422 p422  403  401", "404"),
            ("other", "                                         401  403  403  403  404  404  404  403  401", "404"),
        )
    ],
    T("GET", f"{H}/stats", None, "                                     401  200  200  403  200  200  403  403  401",
      student="403"),
    T("GET", f"{H}/indicators", None, "                                401  200  200  403  403  403  403  403  401",
      student="403", query=lambda w, t: {"year": w.year}),
    T("POST", f"{H}/attachments", None, "                              401  403  403  403 p422 p422 p422  403  401",
      student="p422"),
    *[
        T("GET", f"{H}/attachments/{{attachment_id}}{tail}", t, cells, student=student)
        for tail in ("", "/content", "/thumbnail")
        for t, cells, student in (
            ("own", "                                           401  200  200  403  200  200  200  403  401", "200"),
            ("sibling", "                                       401  200  200  403  200  404  404  403  401", "200"),
            ("other", "                                         401  200  200  403  404  404  404  403  401", "404"),
        )
    ],
    *[
        # a student's photo is removed by the student only (the departments see it: 403; #20)
        T("DELETE", f"{H}/attachments/{{attachment_id}}", t, cells, student=student)
        for t, cells, student in (
            ("own", "                                           401  403  403  403  403  403  403  403  401", "p412"),
            ("sibling", "                                       401  403  403  403  403  404  404  403  401", "p412"),
            ("other", "                                         401  403  403  403  404  404  404  403  401", "404"),
        )
    ],
]
# fmt: on

#: Operations open without a token (the services' API descriptions).
PUBLIC = {
    ("GET", "/api/plans/openapi.json"),
    ("GET", "/api/training/openapi.json"),
    ("GET", "/api/evaluation/openapi.json"),
    ("GET", "/api/hall/openapi.json"),
}
