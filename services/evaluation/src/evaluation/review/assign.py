"""Automatic expert assignment (E2): N experts per nomination, balanced by load, never across a conflict.

Pure function, no database: the service loads the panel, the nominations, what is assigned already and the
declared conflicts, and stores what this returns. Nominations with the fewest eligible experts are served
first, and each takes the eligible experts with the lowest load so far (ties by a fixed order), so loads end up
within one of each other whenever the conflicts allow it.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PanelExpert:
    expert_id: int
    university_id: int | None


@dataclass
class Plan:
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (nomination_id, expert_id)
    #: nomination id → how many experts it still lacks because too few are eligible
    short: dict[int, int] = field(default_factory=dict)
    load: dict[int, int] = field(default_factory=dict)


def plan_assignments(
    nominations: Iterable[tuple[int, int]],
    experts: Iterable[PanelExpert],
    per_nomination: int,
    *,
    existing: Iterable[tuple[int, int]] = (),
    conflicts: Iterable[tuple[int, int]] = (),
    university_conflicts: Iterable[tuple[int, int]] = (),
) -> Plan:
    """``nominations``: (nomination_id, university_id); ``existing``/``conflicts``: (nomination_id, expert_id);
    ``university_conflicts``: (expert_id, university_id) declared by experts."""
    panel = sorted(experts, key=lambda e: e.expert_id)
    taken = set(existing)
    blocked = set(conflicts) | taken
    blocked_uni = set(university_conflicts)
    load: Counter[int] = Counter({e.expert_id: 0 for e in panel})
    have: Counter[int] = Counter()
    for nom, exp in taken:
        have[nom] += 1
        if exp in load:
            load[exp] += 1
    work = []
    for nom, uni in nominations:
        need = per_nomination - have[nom]
        if need <= 0:
            continue
        eligible = [
            e.expert_id
            for e in panel
            if e.university_id != uni and (nom, e.expert_id) not in blocked and (e.expert_id, uni) not in blocked_uni
        ]
        work.append((len(eligible) - need, nom, need, eligible))
    work.sort(key=lambda w: (w[0], w[1]))
    plan = Plan()
    for _, nom, need, eligible in work:
        chosen = heapq.nsmallest(need, eligible, key=lambda e: (load[e], e))
        for e in chosen:
            load[e] += 1
            plan.pairs.append((nom, e))
        if len(chosen) < need:
            plan.short[nom] = need - len(chosen)
    plan.load = dict(load)
    return plan
