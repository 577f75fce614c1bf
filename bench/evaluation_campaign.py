"""Benchmark: a campaign with 1,000 nominations, 60 experts and 5 experts per nomination.

Measures, against naive baselines run on the same data in the same run:
- automatic assignment (load the panel, nominations and conflicts, plan, store 5,000 assignments) — target ≤ 1 s;
- the full ranking with z-scores (read the sheets, aggregate, rank, name the rows) — target ≤ 300 ms.

Usage: .venv/bin/python bench/evaluation_campaign.py [--postgres]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from evaluation.campaigns.models import Campaign, RubricCriterion
from evaluation.main import ALEMBIC_INI
from evaluation.models import load_all_models
from evaluation.nominations.models import Nomination
from evaluation.results import service as results
from evaluation.review import service as review
from evaluation.review.models import Assignment, CampaignExpert, DeclaredConflict, Score
from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine, make_sessionmaker
from sanquan_kernel.migrate import migrate
from sanquan_kernel.orgdir import Org, OrgDirectory
from sanquan_kernel.principal import Principal, Role

NOMINATIONS, EXPERTS, PER_NOMINATION, UNIVERSITIES = 1000, 60, 5, 50
PROVINCE = Principal(subject="100", role=Role.PROVINCE_ADMIN, org_id=1, university_id=None, department_id=None)


def orgdir() -> OrgDirectory:
    orgs = [Org(1, None, "province", None, "Province", "HA")]
    orgs += [Org(100 + u, 1, "university", 100 + u, f"University {u}", f"U{u:03d}") for u in range(UNIVERSITIES)]
    return OrgDirectory(orgs)


def seed(session: Session, rng: random.Random) -> int:
    campaign = Campaign(
        type_code="excellent_case",
        year=2026,
        title="Bench",
        quota_per_university=40,
        awards_count=50,
        aggregation="zscore",
        experts_per_nomination=PER_NOMINATION,
        blind=False,
        disagreement_threshold=30.0,
        phase="review",
        version=1,
    )
    session.add(campaign)
    session.flush()
    session.add_all(
        [
            RubricCriterion(
                campaign_id=campaign.id,
                position=i,
                code=f"c{i}",
                name=f"Criterion {i}",
                weight=w,
                max_score=10,
                levels=[],
            )
            for i, w in enumerate((40, 30, 30))
        ]
    )
    session.execute(
        insert(Nomination),
        [
            {
                "campaign_id": campaign.id,
                "university_id": 100 + i % UNIVERSITIES,
                "subject_kind": "case",
                "title": f"Case {i}",
                "text": "",
                "materials_text": "",
                "files": [],
                "status": "submitted",
                "proposed_by": "1",
                "version": 1,
            }
            for i in range(NOMINATIONS)
        ],
    )
    # two thirds of the experts belong to a university (a conflict of interest with its nominations)
    session.execute(
        insert(CampaignExpert),
        [
            {
                "campaign_id": campaign.id,
                "expert_id": 5000 + e,
                "university_id": 100 + e % UNIVERSITIES if e < 40 else None,
                "name": f"Expert {e}",
            }
            for e in range(EXPERTS)
        ],
    )
    nom_ids = list(session.scalars(select(Nomination.id).where(Nomination.campaign_id == campaign.id)))
    session.execute(
        insert(DeclaredConflict),
        [
            {
                "campaign_id": campaign.id,
                "expert_id": 5000 + rng.randrange(EXPERTS),
                "nomination_id": rng.choice(nom_ids),
                "reason": "declared",
            }
            for _ in range(30)
        ],
    )
    session.commit()
    return campaign.id


def naive_assign(session: Session, campaign_id: int) -> int:
    """Baseline: straightforward ORM code — per nomination, ask the database for its declared conflicts, recount
    every expert's load from all pairs so far, sort, and add the assignments one by one."""
    experts = list(session.scalars(select(CampaignExpert).where(CampaignExpert.campaign_id == campaign_id)))
    noms = list(session.scalars(select(Nomination).where(Nomination.campaign_id == campaign_id)))
    pairs: list[tuple[int, int]] = []
    for n in noms:
        declared = set(
            session.scalars(
                select(DeclaredConflict.expert_id).where(
                    DeclaredConflict.campaign_id == campaign_id, DeclaredConflict.nomination_id == n.id
                )
            )
        )
        eligible = [e.expert_id for e in experts if e.university_id != n.university_id and e.expert_id not in declared]
        load = Counter(x for _, x in pairs)
        for x in sorted(eligible, key=lambda x: (load[x], x))[:PER_NOMINATION]:
            pairs.append((n.id, x))
            session.add(Assignment(campaign_id=campaign_id, nomination_id=n.id, expert_id=x, method="auto"))
    session.flush()
    return len(pairs)


def fill_scores(session: Session, campaign_id: int, rng: random.Random) -> None:
    """Every sheet complete; each expert has a personal bias so that z-scores matter."""
    criteria = list(session.scalars(select(RubricCriterion).where(RubricCriterion.campaign_id == campaign_id)))
    bias = {5000 + e: rng.uniform(-1.5, 1.5) for e in range(EXPERTS)}
    rows, totals = [], []
    for a_id, nom, exp in session.execute(
        select(Assignment.id, Assignment.nomination_id, Assignment.expert_id).where(
            Assignment.campaign_id == campaign_id
        )
    ):
        scores = {c.id: min(10.0, max(0.0, round(rng.gauss(6.5, 0.8) + bias[exp], 1))) for c in criteria}
        rows += [
            {
                "assignment_id": a_id,
                "campaign_id": campaign_id,
                "nomination_id": nom,
                "expert_id": exp,
                "criterion_id": cid,
                "score": s,
                "comment": "",
                "version": 1,
            }
            for cid, s in scores.items()
        ]
        total = 100 * sum(c.weight * scores[c.id] / c.max_score for c in criteria) / sum(c.weight for c in criteria)
        totals.append({"id": a_id, "total": total, "complete": True})
    session.execute(insert(Score), rows)
    session.execute(update(Assignment), totals)
    session.commit()


def naive_ranking(session: Session, campaign_id: int) -> list[int]:
    """Baseline: from the raw scores, one query per nomination, each expert's mean and σ recomputed per sheet."""
    criteria = {
        c.id: c for c in session.scalars(select(RubricCriterion).where(RubricCriterion.campaign_id == campaign_id))
    }
    wsum = sum(c.weight for c in criteria.values())
    all_scores = list(
        session.execute(
            select(Score.nomination_id, Score.expert_id, Score.criterion_id, Score.score).where(
                Score.campaign_id == campaign_id
            )
        )
    )
    sheet: dict[tuple[int, int], float] = defaultdict(float)
    for n, e, cid, s in all_scores:
        c = criteria[cid]
        sheet[(n, e)] += 100 * c.weight * s / c.max_score / wsum
    out = []
    for (n,) in session.execute(select(Nomination.id).where(Nomination.campaign_id == campaign_id)):
        mine = session.execute(select(Score.expert_id).where(Score.nomination_id == n).distinct()).scalars().all()
        zs = []
        for e in mine:
            theirs = [t for (nn, ee), t in sheet.items() if ee == e]
            mu, sigma = statistics.fmean(theirs), statistics.pstdev(theirs)
            zs.append((sheet[(n, e)] - mu) / sigma if sigma else 0.0)
        out.append((statistics.fmean(zs) if zs else -math.inf, n))
    return [n for _, n in sorted(out, reverse=True)]


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - t


def run(url: str, label: str) -> dict[str, float]:
    migrate(ALEMBIC_INI, url)
    engine = make_engine(url, pool_size=2)
    sm = make_sessionmaker(engine)
    rng = random.Random(2026)
    dirs = orgdir()
    with sm() as s:
        cid = seed(s, rng)
    # baseline first, rolled back, so both run on the same empty campaign
    with sm() as s:
        n_naive, t_naive = timed(naive_assign, s, cid)
        s.rollback()
    runs = []
    for i in range(3):
        with sm() as s:
            campaign = s.get(Campaign, cid)
            assert campaign is not None
            t = time.perf_counter()
            out = review.auto_assign(s, PROVINCE, campaign)
            s.commit()
            runs.append(time.perf_counter() - t)
            if i < 2:
                s.execute(delete(Assignment).where(Assignment.campaign_id == cid))
                s.commit()
    t_assign = statistics.median(runs)
    assert out.created == NOMINATIONS * PER_NOMINATION and not out.short, out
    with sm() as s:
        pairs = list(s.execute(select(Assignment.nomination_id, Assignment.expert_id)))
        uni_of_nom = dict(s.execute(select(Nomination.id, Nomination.university_id)).all())
        uni_of_exp = dict(s.execute(select(CampaignExpert.expert_id, CampaignExpert.university_id)).all())
        assert all(uni_of_nom[n] != uni_of_exp[e] for n, e in pairs), "conflict of interest violated"
        fill_scores(s, cid, rng)
    rank_runs = []
    for _ in range(5):
        with sm() as s:
            campaign = s.get(Campaign, cid)
            assert campaign is not None
            t = time.perf_counter()
            ranking = results.ranking(s, campaign, dirs, "zscore")
            rank_runs.append(time.perf_counter() - t)
    t_rank = statistics.median(rank_runs)
    with sm() as s:
        naive_order, t_naive_rank = timed(naive_ranking, s, cid)
    fast_order = [i.nomination_id for i in ranking.items]
    assert fast_order[:10] == naive_order[:10], "the two rankings disagree"
    engine.dispose()
    print(
        f"[{label}] automatic assignment of {n_naive} pairs: {t_assign * 1000:7.1f} ms "
        f"(load min {out.load_min}, max {out.load_max})   naive {t_naive * 1000:8.1f} ms   "
        f"×{t_naive / t_assign:5.1f}   target ≤ 1000 ms {'OK' if t_assign <= 1 else 'MISSED'}"
    )
    print(
        f"[{label}] ranking with z-scores, {len(ranking.items)} nominations, "
        f"{sum(1 for i in ranking.items if i.disagreement)} flagged: {t_rank * 1000:7.1f} ms   "
        f"naive {t_naive_rank * 1000:8.1f} ms   ×{t_naive_rank / t_rank:5.1f}   "
        f"target ≤ 300 ms {'OK' if t_rank <= 0.3 else 'MISSED'}"
    )
    return {"assign": t_assign, "rank": t_rank}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true", help="also run on the test PostgreSQL server")
    args = parser.parse_args()
    load_all_models()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite")
    if args.postgres:
        url = kt.create_postgres_database("bench_evaluation")
        try:
            run(url, "postgresql")
        finally:
            kt.drop_postgres_database(str(make_url(url).database))


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
