"""Issue #14: the org directory refreshes on a miss — an organisation created just before is found, however
recently another miss refreshed — and a miss triggers at most one refresh per ``miss_interval``."""

from __future__ import annotations

import time

from sanquan_kernel.orgdir import Org, OrgDirectory

PROVINCE = Org(1, None, "province", None, "省教育厅")
UNI_A = Org(10, 1, "university", 10, "甲大学")
NEW = Org(30, 1, "university", 30, "丙学院")


class Gateway:
    """The gateway's answer to /internal/orgs, as the services' sync applies it."""

    def __init__(self, directory: OrgDirectory) -> None:
        self.orgs = [PROVINCE, UNI_A]
        self.calls: list[float] = []
        self.directory = directory

    def refresh(self) -> None:
        self.calls.append(time.monotonic())
        self.directory.replace(self.orgs)


def _directory(interval: float = 0.05) -> tuple[OrgDirectory, Gateway]:
    d = OrgDirectory([PROVINCE, UNI_A])
    d.miss_interval = interval
    gw = Gateway(d)
    d.set_refresher(gw.refresh)
    return d, gw


def test_a_university_created_right_after_another_miss_is_found() -> None:
    d, gw = _directory()
    assert d.get(999) is None  # a miss (no such organisation): one refresh
    gw.orgs.append(NEW)  # the province creates a university
    assert d.is_university(NEW.id)  # found at once, not "no such university" for a second or two
    assert len(gw.calls) == 2


def test_a_miss_refreshes_at_most_once_per_interval() -> None:
    d, gw = _directory(interval=0.2)
    for unknown in (997, 998, 999):
        assert d.get(unknown) is None
    assert len(gw.calls) == 3  # every miss saw a refresh begun after it ...
    gaps = [b - a for a, b in zip(gw.calls, gw.calls[1:], strict=False)]
    assert all(g >= 0.2 for g in gaps), gaps  # ... but no two closer than the interval


def test_lists_see_an_organisation_created_just_before() -> None:
    d, gw = _directory()
    assert [u.id for u in d.universities()] == [UNI_A.id]
    gw.orgs.append(NEW)
    assert {u.id for u in d.fresh().universities()} == {UNI_A.id, NEW.id}
    gw.orgs.remove(NEW)
    assert {u.id for u in d.fresh().universities()} == {UNI_A.id, NEW.id}  # within the interval: no new ask
    assert len(gw.calls) == 1


def test_a_gateway_that_is_away_leaves_a_miss_a_miss() -> None:
    d = OrgDirectory([PROVINCE, UNI_A])
    d.miss_interval = 0.01

    def away() -> None:
        raise ConnectionError("gateway down")

    d.set_refresher(away)
    assert d.get(NEW.id) is None and d.get(UNI_A.id) == UNI_A
    assert {u.id for u in d.fresh().universities()} == {UNI_A.id}


def test_the_same_unknown_id_again_and_again_costs_one_refresh() -> None:
    d, gw = _directory()
    for _ in range(50):
        assert d.get(999) is None
        assert d.name(998) == ""
    assert len(gw.calls) <= 2  # one for the miss of 999 (names never wait; at most one more for 998)


def test_lists_ask_the_gateway_at_most_once_per_fresh_interval() -> None:
    """#21: a busy province overview asked the gateway on nearly every call (every ``miss_interval``, 0.1 s); a
    list is refreshed at most once per ``fresh_interval`` (the services' sync interval), a miss still at once."""
    d, gw = _directory(interval=0.01)
    d.fresh_interval = 0.3
    d.fresh()
    time.sleep(0.05)  # past the miss interval, within the fresh interval
    gw.orgs.append(NEW)
    assert {u.id for u in d.fresh().universities()} == {UNI_A.id}  # no new ask
    assert len(gw.calls) == 1
    assert d.is_university(NEW.id)  # a miss asks at once
    assert len(gw.calls) == 2
    time.sleep(0.3)
    d.fresh()
    assert len(gw.calls) == 3
