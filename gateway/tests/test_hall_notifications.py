"""A requester's own notifications (S1, issue #20): the hall's events that name the requester (accepted,
assigned, transferred, answered, closed, escalated) tell that student or teacher in the same notification centre
as the staff (``/api/notifications``); nobody else reads them — not another requester, not another university's,
and no staff notification carries the requester."""

from __future__ import annotations

from typing import Any

from sanquan_gateway.hall_identity.models import HallIdentity
from sanquan_gateway.hall_identity.service import access_for_identity

from .conftest import World
from .test_notifications import N, _mine, _send


def _identity(w: World, university: str, number: str) -> tuple[int, dict[str, str]]:
    """A roster identity of ``university`` and its bearer header."""
    with w.app.state.kernel.sessionmaker.begin() as s:
        i = HallIdentity(
            university_id=w.ids[university], kind="student", number=number, display_name=number, source="roster"
        )
        s.add(i)
        s.flush()
        token, _ = access_for_identity(w.app.state.kernel.extras["issuer"], i)
        return int(i.id), {"Authorization": f"Bearer {token}"}


def _hall(w: World, kind: str, requester: int | None, *, uni: str = "uni_a", **extra: Any) -> str:
    data: dict[str, Any] = {
        "request_id": 41,
        "number": "BX2026-000041",
        "category": "repair_dorm",
        "department_id": w.ids["a1"],
        "anonymous": True,
        **extra,
    }
    if requester is not None:
        data["requester"] = f"hall:{requester}"
    return _send(
        w,
        kind,
        source="hall",
        subject="hall_request:41",
        university_id=w.ids[uni],
        department_id=w.ids["a1"],
        data=data,
    )


def _of(w: World, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = w.client.get(N, headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_a_requester_is_told_of_their_own_request_and_nobody_else_reads_it(world: World) -> None:
    me, mine = _identity(world, "uni_a", "S1")
    _, classmate = _identity(world, "uni_a", "S2")
    _, elsewhere = _identity(world, "uni_b", "S1")
    for kind in ("hall.request.accepted", "hall.request.assigned", "hall.request.answered", "hall.request.closed"):
        _hall(world, kind, me)
    items = _of(world, mine)
    assert [n["kind"] for n in items] == [
        "hall.request.closed",
        "hall.request.answered",
        "hall.request.assigned",
        "hall.request.accepted",
    ]
    assert all(n["link"] == "/hall/requests/41" and n["read_at"] is None for n in items)
    assert all("requester" not in n["params"] and n["params"]["number"] == "BX2026-000041" for n in items)
    assert world.client.get(f"{N}/unread-count", headers=mine).json() == {"unread": 4}
    # another requester of the same university, another university's, and the staff read none of them
    assert _of(world, classmate) == [] and _of(world, elsewhere) == []
    for staff in ("mgr_a1", "staff_a1", "uni_a_admin", "province_admin"):
        assert _mine(world, staff) == [], staff
    # Marked read: one's own only; another's is 404 like one that does not exist.
    first = items[-1]["id"]
    assert world.client.post(f"{N}/{first}/read", headers=classmate).status_code == 404
    assert world.client.post(f"{N}/{first}/read", headers=world.auth("mgr_a1")).status_code == 404
    assert world.client.post(f"{N}/{first}/read", headers=mine).status_code == 204
    assert world.client.get(f"{N}/unread-count", headers=mine).json() == {"unread": 3}
    assert world.client.post(f"{N}/read-all", headers=classmate).json() == {"marked": 0}
    assert world.client.post(f"{N}/read-all", headers=mine).json() == {"marked": 3}
    assert world.client.get(f"{N}?unread=true", headers=mine).json()["items"] == []


def test_an_escalation_tells_the_manager_without_the_requester_and_the_requester_of_their_late_request(
    world: World,
) -> None:
    me, mine = _identity(world, "uni_a", "S3")
    esc = {"level": 1, "breach": "resolve", "audience": "department_manager"}
    _hall(world, "hall.request.escalated", me, **esc)
    [staff] = _mine(world, "mgr_a1")
    assert "requester" not in staff["params"] and staff["link"] == "/service-hall/requests/41"
    [own] = _of(world, mine)
    assert own["kind"] == "hall.request.escalated" and own["params"]["audience"] == "department_manager"
    # a transfer tells the new department's managers and the requester (created with transferred_from)
    _hall(world, "hall.request.created", me, transferred_from=world.ids["a2"])
    assert [n["params"].get("transferred_from") for n in _of(world, mine)] == [world.ids["a2"], None]
    # a new request (no requester in the event) tells the staff only
    _hall(world, "hall.request.created", None)
    assert len(_of(world, mine)) == 2


def test_a_requester_named_by_an_event_of_another_university_or_another_service_is_not_told(world: World) -> None:
    me, mine = _identity(world, "uni_a", "S4")
    _hall(world, "hall.request.answered", me, uni="uni_b")  # the event's university is not the identity's
    _send(
        world,
        "hall.request.answered",
        source="plans",  # only the hall names requesters
        subject="hall_request:41",
        data={"request_id": 41, "requester": f"hall:{me}"},
    )
    assert _of(world, mine) == []
    # a disabled identity is told nothing either
    with world.app.state.kernel.sessionmaker.begin() as s:
        row = s.get(HallIdentity, me)
        assert row is not None
        row.disabled = True
    _hall(world, "hall.request.closed", me)
    with world.app.state.kernel.sessionmaker.begin() as s:
        row = s.get(HallIdentity, me)
        assert row is not None
        row.disabled = False
    assert _of(world, mine) == []
    _hall(world, "hall.request.closed", me)
    assert len(_of(world, mine)) == 1
