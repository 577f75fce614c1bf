"""What the campaign list of issue #8's load mix (the province dashboard) costs the database, in statements: at most
the figures below, so that a lazy load or an N+1 query fails here (docs/decisions.md, "Evaluation service",
round trips). Reads on PostgreSQL send no BEGIN/COMMIT (autocommit); SQLite reads begin deferred."""

from __future__ import annotations

from evaluation_flow import API, PROVINCE, Flow
from fastapi import FastAPI

from sanquan_kernel import testing as kt


def test_the_campaign_list_costs_four_statements_whatever_its_length(app: FastAPI, flow: Flow) -> None:
    for code in ("green_campus", "safe_canteen"):
        r = flow.c.post(
            f"{API}/campaign-types", json={"code": code, "name": code, "subject_kind": "person"}, headers=PROVINCE
        )
        assert r.status_code == 201, r.text
    for t in ("excellent_case", "outstanding_person", "green_campus", "safe_canteen", "excellent_case"):
        flow.advance(flow.campaign(t)["id"], "nomination")
    sqlite = app.state.kernel.engine.dialect.name == "sqlite"
    for headers in (PROVINCE, kt.university_admin()):
        with kt.count_statements(app.state.kernel.engine) as log:
            r = flow.c.get(f"{API}/campaigns", headers=headers)
        assert r.status_code == 200, r.text
        # the page (shorter than the limit: it tells the total); phases; categories; the custom types' kinds
        assert len(log.queries) <= 4, str(log)
        assert len(log) <= 4 + (2 if sqlite else 0), str(log)
        body = r.json()
        assert body["total"] == 5 and len(body["items"]) == 5
        kinds = {c["type"]: c["subject_kind"] for c in body["items"]}
        assert kinds == {
            "excellent_case": "case",
            "outstanding_person": "person",
            "green_campus": "person",
            "safe_canteen": "person",
        }
    with kt.count_statements(app.state.kernel.engine) as log:
        r = flow.c.get(f"{API}/campaigns?limit=2", headers=PROVINCE)
    assert r.json()["total"] == 5 and len(log.queries) <= 5, str(log)  # a full page: the rest is counted
