"""Test helpers shared by the evaluation tests: tokens of the sample province and a campaign driven through the
public API. (A uniquely named module: the tests run with ``--import-mode=importlib`` next to other services.)"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from fastapi.testclient import TestClient
from sqlalchemy import update

from evaluation.campaigns.models import Campaign
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today

# Signing a token costs milliseconds; tests ask for the same few principals again and again.
expert = lru_cache(maxsize=None)(kt.expert)
department_manager = lru_cache(maxsize=None)(kt.department_manager)
staff = lru_cache(maxsize=None)(kt.staff)

# -- a campaign driven through the API ------------------------------------------------------------------------
API = "/api/evaluation"
PROVINCE = kt.province_admin()
UNI_A_ADMIN = kt.university_admin(kt.UNI_A)
UNI_B_ADMIN = kt.university_admin(kt.UNI_B)
#: experts: 501 of university A, 502 of university B, 503 and 504 of the province
EXPERT_A = expert(501, kt.UNI_A)
EXPERT_B = expert(502, kt.UNI_B)
EXPERT_P = expert(503, None)
EXPERT_Q = expert(504, None)
PANEL = [(501, kt.UNI_A), (502, kt.UNI_B), (503, None), (504, None)]


class Flow:
    """Drives a campaign through the public API, as the province, universities and experts would."""

    def __init__(self, client: TestClient) -> None:
        self.c = client

    def campaign(self, type: str = "excellent_case", **kw: object) -> dict:
        body = {
            "type": type,
            "year": 2026,
            "title": "Excellent cases 2026",
            "quota_per_university": 2,
            "awards_count": 1,
            "experts_per_nomination": 2,
            **kw,
        }
        r = self.c.post(f"{API}/campaigns", json=body, headers=PROVINCE)
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        # total = 6·c1 + 4·c2 for scores out of 10
        rubric = {
            "criteria": [
                {
                    "code": "impact",
                    "name": "Educational impact",
                    "weight": 60,
                    "max_score": 10,
                    "levels": [{"score": 10, "description": "exemplary"}, {"score": 5, "description": "adequate"}],
                },
                {"code": "innovation", "name": "Innovation", "weight": 40, "max_score": 10},
            ]
        }
        r = self.c.put(f"{API}/campaigns/{cid}/rubric", json=rubric, headers=PROVINCE)
        assert r.status_code == 200, r.text
        return self.get(cid)

    def get(self, cid: int) -> dict:
        r = self.c.get(f"{API}/campaigns/{cid}", headers=PROVINCE)
        assert r.status_code == 200, r.text
        return r.json()

    def criteria(self, cid: int) -> list[int]:
        return [c["id"] for c in self.c.get(f"{API}/campaigns/{cid}/rubric", headers=PROVINCE).json()["criteria"]]

    def advance(self, cid: int, to: str) -> object:
        return self.c.post(f"{API}/campaigns/{cid}/advance", json={"to": to}, headers=PROVINCE)

    def advance_to(self, cid: int, phase: str) -> None:
        order = ["draft", "nomination", "preselection", "review", "decision"]
        current = self.get(cid)["phase"]
        for p in order[order.index(current) + 1 : order.index(phase) + 1]:
            r = self.advance(cid, p)
            assert r.status_code == 200, r.text

    def nominate(self, cid: int, headers: dict, **body: object) -> object:
        return self.c.post(
            f"{API}/campaigns/{cid}/nominations", json={"title": "A case", "text": "...", **body}, headers=headers
        )

    def submitted(self, cid: int, admin: dict, n: int = 1, **body: object) -> list[int]:
        ids = []
        for i in range(n):
            r = self.nominate(cid, admin, **{"title": f"Case {i}", **body})
            assert r.status_code == 201, r.text
            r2 = self.c.post(f"{API}/nominations/{r.json()['id']}/submit", headers=admin)
            assert r2.status_code == 200, r2.text
            ids.append(r.json()["id"])
        return ids

    def panel(self, cid: int, experts: list[tuple[int, int | None]] = PANEL) -> None:
        r = self.c.put(
            f"{API}/campaigns/{cid}/experts",
            headers=PROVINCE,
            json={"experts": [{"expert_id": e, "university_id": u, "name": f"Expert {e}"} for e, u in experts]},
        )
        assert r.status_code == 200, r.text

    def assign(self, cid: int, nomination_id: int, expert_id: int) -> object:
        return self.c.post(
            f"{API}/campaigns/{cid}/assignments",
            headers=PROVINCE,
            json={"nomination_id": nomination_id, "expert_id": expert_id},
        )

    def score(self, cid: int, nomination_id: int, expert: dict, scores: list[float]) -> object:
        items = [{"criterion_id": c, "score": s} for c, s in zip(self.criteria(cid), scores, strict=True)]
        return self.c.put(f"{API}/nominations/{nomination_id}/scores", json={"items": items}, headers=expert)

    def publish(self, cid: int, days: int = 7) -> object:
        """Publish the decision for a publicity period from today (the province's day) of ``days`` days."""
        start = today()
        return self.c.post(
            f"{API}/campaigns/{cid}/publish",
            headers=PROVINCE,
            json={"publicity_starts_on": str(start), "publicity_ends_on": str(start + timedelta(days=days))},
        )

    def let_publicity_end(self, cid: int) -> None:
        """Time passes: the campaign's publicity period (as published) moves into the past, ended yesterday."""
        with self.c.app.state.kernel.sessionmaker.begin() as s:  # type: ignore[attr-defined]
            c = s.get(Campaign, cid)
            assert c is not None and c.publicity_starts_on and c.publicity_ends_on
            shift = c.publicity_ends_on - today() + timedelta(days=1)
            start, end = c.publicity_starts_on - shift, c.publicity_ends_on - shift
            s.execute(
                update(Campaign).where(Campaign.id == cid).values(publicity_starts_on=start, publicity_ends_on=end)
            )
