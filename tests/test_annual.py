"""Annual summaries (年度总结) and the province's annual report (issue #19, Y3) on the real platform: the figures
come over HTTP from plans and training with the evaluation service's own token."""

from __future__ import annotations

import io
from typing import Any

import httpx
from docx import Document
from pypdf import PdfReader

from sanquan_kernel import clock
from tests.harness import Stack

S = "/api/evaluation/annual-summaries"


def _item(doc: dict[str, Any], university_id: int) -> dict[str, Any]:
    return next(i for i in doc["items"] if i["university_id"] == university_id)


def _etag(r: httpx.Response) -> dict[str, str]:
    return {"If-Match": r.headers["ETag"]}


def test_a_summary_is_prefilled_written_returned_and_accepted(stack: Stack) -> None:
    year = clock.today().year
    with (
        stack.client("u1_admin") as u1,
        stack.client("u2_admin") as u2,
        stack.client("admin") as admin,
        stack.client("inspector1") as inspector,
    ):
        me = u1.get("/api/auth/me").json()
        uid = me["university_id"]
        r = u1.post(S, json={"year": year})
        assert r.status_code == 201, r.text
        s = r.json()
        assert s["status"] == "draft" and s["university_id"] == uid and s["version"] == 1
        f = s["figures"]
        assert f["unavailable"] == {}
        # the same figures as their owners answer
        plans = admin.get("/api/plans/annual-figures", params={"year": year, "university_id": uid}).json()
        training = admin.get("/api/training/indicators", params={"year": year}).json()
        indicators = admin.get("/api/plans/indicators", params={"year": year}).json()
        p, t, i = _item(plans, uid), _item(training, uid), _item(indicators, uid)
        assert f["plan"]["milestones"] == p["milestones"] > 0
        assert f["plan"]["categories"] == p["categories"]
        assert f["training"]["staff_total"] == t["staff_total"] > 0
        assert f["training"]["compliance_rate"] == t["compliance_rate"]
        assert {x["theme"] for x in f["training"]["themes"]} == {
            "ideals",
            "ideology",
            "ethics",
            "quality",
            "law",
            "safety",
        }
        assert f["work_study"]["ratio"] == i["work_study_ratio"]
        assert f["funding"]["planned"] == i["special_fund_planned"]
        assert "count" in f["awards"] and "total" in f["rectifications"]

        assert u1.post(S, json={"year": year}).json()["code"] == "annual_summary_exists"
        # nothing written yet: it cannot be submitted, and nothing changes
        r = u1.post(f"{S}/{s['id']}/submit", headers={"If-Match": 'W/"1"'})
        assert r.status_code == 422, r.text
        assert u1.get(f"{S}/{s['id']}").json()["status"] == "draft"

        # another university does not see it; the inspector reads it and decides nothing
        assert u2.get(f"{S}/{s['id']}").status_code == 404
        assert u2.patch(f"{S}/{s['id']}", json={"narrative": {"overall": "x"}}).status_code == 404
        assert inspector.get(f"{S}/{s['id']}").status_code == 200
        assert inspector.post(f"{S}/{s['id']}/accept", json={}).status_code == 403
        assert uid not in {x["university_id"] for x in u2.get(S, params={"year": year}).json()["items"]}

        r = u1.patch(f"{S}/{s['id']}", json={"narrative": {"overall": "全年推进顺利。", "service": "食堂育人。"}})
        assert r.status_code == 200 and r.json()["version"] == 2
        stale = u1.patch(f"{S}/{s['id']}", json={"narrative": {"overall": "旧"}}, headers={"If-Match": 'W/"1"'})
        assert stale.status_code == 412
        assert u1.get(f"{S}/{s['id']}").json()["narrative"] == {"overall": "全年推进顺利。", "service": "食堂育人。"}
        assert u1.patch(f"{S}/{s['id']}", json={"narrative": {"bogus": "x"}}).status_code == 422

        r = u1.post(f"{S}/{s['id']}/submit", headers=_etag(r))
        assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
        assert u1.patch(f"{S}/{s['id']}", json={"narrative": {"overall": "y"}}).json()["code"] == "annual_summary_state"
        assert u1.post(f"{S}/{s['id']}/refresh").status_code == 409
        assert admin.post(f"{S}/{s['id']}/return", json={"comment": ""}).status_code == 422
        r = admin.post(f"{S}/{s['id']}/return", json={"comment": "请补充经费使用情况"}, headers=_etag(r))
        assert r.status_code == 200 and r.json()["status"] == "returned", r.text
        assert r.json()["review_comment"] == "请补充经费使用情况"

        r = u1.post(f"{S}/{s['id']}/refresh")
        assert r.status_code == 200 and r.json()["figures_at"] >= s["figures_at"]
        u1.patch(f"{S}/{s['id']}", json={"narrative": {"funding_incentive": "专项经费已全部到位。"}})
        assert u1.post(f"{S}/{s['id']}/submit").json()["status"] == "submitted"
        assert u1.post(f"{S}/{s['id']}/accept", json={}).status_code == 403
        r = admin.post(f"{S}/{s['id']}/accept", json={"comment": "同意"})
        assert r.status_code == 200 and r.json()["status"] == "accepted"
        assert admin.post(f"{S}/{s['id']}/return", json={"comment": "x"}).json()["code"] == "annual_summary_state"

        listed = admin.get(S, params={"year": year, "status": "accepted"}).json()["items"]
        assert [x["id"] for x in listed] == [s["id"]]
        trail = admin.get("/api/evaluation/audit", params={"entity": "annual_summary", "entity_id": str(s["id"])})
        actions = [a["action"] for a in reversed(trail.json()["items"])]
        assert actions == [
            "annual_summary.create",
            "annual_summary.update",
            "annual_summary.submit",
            "annual_summary.return",
            "annual_summary.refresh",
            "annual_summary.update",
            "annual_summary.submit",
            "annual_summary.accept",
        ]


def _docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_the_province_report_as_docx_and_pdf(stack: Stack) -> None:
    year = clock.today().year
    with stack.client("admin") as admin, stack.client("inspector1") as inspector, stack.client("u1_admin") as u1:
        names = [
            o["name"] for o in admin.get("/api/orgs", params={"level": "university", "limit": 500}).json()["items"]
        ]
        r = admin.get("/api/evaluation/annual-report", params={"year": year, "format": "docx"})
        assert r.status_code == 200, r.text
        assert "filename*=UTF-8''" in r.headers["content-disposition"]
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        text = _docx_text(r.content)
        for words in (
            "年度工作报告",
            "一、总体情况",
            "二、分类统计",
            "本科高校",
            "图1 各高校培训达标率",
            "四、试点高校",
            "五、获奖名单",
        ):
            assert words in text
        assert any(n in text for n in names)
        doc = Document(io.BytesIO(r.content))
        assert len(doc.inline_shapes) == 2  # the two charts

        r = inspector.get("/api/evaluation/annual-report", params={"year": year, "format": "pdf"})
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
        for words in ("年度工作报告", "总体情况", "分类统计", "试点高校"):
            assert words in pdf
        assert u1.get("/api/evaluation/annual-report", params={"year": year}).status_code == 403
        assert admin.get("/api/evaluation/annual-report", params={"year": year, "format": "odt"}).status_code == 422
