"""Automatic assignment on its own: conflicts respected, N per nomination, loads balanced."""

from collections import Counter

from evaluation.review.assign import PanelExpert, plan_assignments


def _panel(n: int, universities: int) -> list[PanelExpert]:
    return [PanelExpert(1000 + i, (i % (universities + 1)) or None) for i in range(n)]


def test_no_expert_gets_a_nomination_of_their_own_university() -> None:
    experts = _panel(12, 4)
    uni_of = {e.expert_id: e.university_id for e in experts}
    noms = [(i, 1 + i % 4) for i in range(200)]
    plan = plan_assignments(noms, experts, 3)
    nom_uni = dict(noms)
    assert plan.pairs
    assert all(uni_of[e] != nom_uni[n] for n, e in plan.pairs)


def test_every_nomination_gets_n_distinct_experts_and_loads_stay_within_one() -> None:
    experts = _panel(60, 10)
    noms = [(i, 1 + i % 10) for i in range(1000)]
    plan = plan_assignments(noms, experts, 5)
    per_nom = Counter(n for n, _ in plan.pairs)
    assert set(per_nom.values()) == {5}
    assert len(set(plan.pairs)) == len(plan.pairs)
    loads = Counter(e for _, e in plan.pairs)
    assert max(loads.values()) - min(loads.values()) <= 1


def test_declared_conflicts_are_respected_and_shortage_is_reported() -> None:
    experts = [PanelExpert(1, None), PanelExpert(2, None), PanelExpert(3, 7)]
    plan = plan_assignments([(10, 7), (11, 8)], experts, 2, conflicts=[(10, 1)], university_conflicts=[(2, 8)])
    assert (10, 1) not in plan.pairs and (10, 3) not in plan.pairs
    assert (11, 2) not in plan.pairs
    assert plan.short == {10: 1}
    assert sorted(plan.pairs) == [(10, 2), (11, 1), (11, 3)]


def test_running_again_only_fills_what_is_missing() -> None:
    experts = _panel(6, 0)
    first = plan_assignments([(1, 5), (2, 5)], experts, 2)
    again = plan_assignments([(1, 5), (2, 5)], experts, 3, existing=first.pairs)
    assert len(again.pairs) == 2
    assert not set(again.pairs) & set(first.pairs)
