"""Events declared a training (#19, E4) on the real platform: the evaluation service makes the event's course in the
training service over HTTP with its own token; the training service down answers 503 and changes nothing; a retried
declaration finds the same course; attendance recorded on the course counts in the staff member's ledger, and the
event shows the course's counts; a commendation conference shows with its campaign's published results."""

from __future__ import annotations

from typing import Any

import httpx

from sanquan_kernel import clock
from tests.harness import Stack

EV = "/api/evaluation/events"


def _courses(admin: httpx.Client, ref: str) -> list[dict[str, Any]]:
    items = admin.get("/api/training/courses", params={"limit": 500}).json()["items"]
    return [c for c in items if c.get("source_ref") == ref]


def test_an_event_declared_a_training_is_one_course_whose_attendance_reaches_the_ledger(scratch_stack: Stack) -> None:
    s = scratch_stack
    today = clock.today()
    with s.client("admin") as admin, s.client("u1_admin") as u1, s.client("u2_admin") as u2:
        final = next(
            c
            for c in admin.get("/api/evaluation/campaigns", params={"limit": 500}).json()["items"]
            if c["phase"] == "final"
        )
        body = {
            "kind": "commendation_conference",
            "organiser": "province",
            "title": "全省高校后勤育人表彰大会",
            "starts_on": str(today),
            "ends_on": str(today),
            "place": "郑州国际会展中心",
            "campaign_ids": [final["id"]],
        }
        r = admin.post(EV, json=body)
        assert r.status_code == 201, r.text
        event = r.json()
        ref = f"evaluation:event:{event['id']}"
        declare = {"hours": 4, "days": 0.5, "themes": ["ideals", "ethics"]}

        # the training service down: 503, nothing changed here and no course there
        s.kill("training")
        try:
            r = admin.post(f"{EV}/{event['id']}/training", json=declare, headers={"If-Match": r.headers["ETag"]})
            assert r.status_code == 503 and r.json()["code"] == "training_unavailable", r.text
            after = admin.get(f"{EV}/{event['id']}").json()
            assert after["training"] is None and after["version"] == event["version"]
        finally:
            s.start(only="training")
        assert _courses(admin, ref) == []

        r = admin.post(f"{EV}/{event['id']}/training", json=declare)
        assert r.status_code == 200, r.text
        training = r.json()["training"]
        assert (training["hours"], training["days"], training["enrolled"], training["attended"]) == (4.0, 0.5, 0, 0)
        again = admin.post(f"{EV}/{event['id']}/training", json=declare)
        assert again.status_code == 409 and again.json()["code"] == "event_state"
        # a retry reaching the training service (the answer lost the first time) finds the same course
        secret = (s.data_dir / "secrets" / "service-evaluation.secret").read_text().strip()
        token = s.client_token("svc-evaluation", secret)
        retry = httpx.post(
            f"{s.url}/api/training/courses/declared",
            json={
                "source_ref": ref,
                "title": body["title"],
                "organizer_level": "province",
                "organizer_org_id": admin.get("/api/auth/me").json()["org_id"],
                "themes": ["ideals"],
                "starts_on": str(today),
                "ends_on": str(today),
                "hours": 4,
                "days": 0.5,
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert retry.status_code == 200 and retry.json()["id"] == training["course_id"], retry.text
        [course] = _courses(admin, ref)
        assert course["id"] == training["course_id"] and course["organizer_level"] == "province"

        # university 1 enrols a staff member and records attendance on the course: the ledger has the hours
        staff = u1.get("/api/training/staff", params={"limit": 1}).json()["items"][0]
        ledger = f"/api/training/staff/{staff['id']}/ledger"
        before = u1.get(ledger, params={"year": today.year}).json()["hours"]
        cid = course["id"]
        assert u1.post(f"/api/training/courses/{cid}/enrolments", json={"staff_ids": [staff["id"]]}).status_code == 200
        r = u1.post(f"/api/training/courses/{cid}/attendance", json={"staff_ids": [staff["id"]]})
        assert r.status_code == 200 and r.json()["records_created"] == 1, r.text
        assert u1.get(ledger, params={"year": today.year}).json()["hours"] == before + 4
        shown = admin.get(f"{EV}/{event['id']}").json()["training"]
        assert (shown["enrolled"], shown["attended"], shown["unavailable"]) == (1, 1, None)
        # another university reads the province's event, and nothing of university 1's people
        assert u2.get(f"{EV}/{event['id']}").json()["training"]["attended"] == 1
        assert u2.get(f"/api/training/courses/{cid}/enrolments").json() == []

        # the campaign's results (signed in and public) name the conference
        results = u2.get(f"/api/evaluation/campaigns/{final['id']}/results").json()
        assert [c["title"] for c in results["conferences"]] == [body["title"]]
        public = httpx.get(f"{s.url}/api/public/results", timeout=30).json()["items"]
        mine = next(c for c in public if c["id"] == final["id"])
        assert mine["conferences"] == [
            {"title": body["title"], "starts_on": str(today), "ends_on": str(today), "place": body["place"]}
        ]
