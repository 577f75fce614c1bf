"""``/internal/accounts``: where accounts belong, for the services' checks of records that name an account."""

from __future__ import annotations

from sqlalchemy import select

from sanquan_gateway.accounts.models import Client

from .conftest import World


def _service(w: World) -> dict[str, str]:
    issuer = w.app.state.kernel.extras["issuer"]
    with w.app.state.kernel.sessionmaker() as s:
        client = s.scalar(select(Client).where(Client.client_id == "svc-plans"))
    return {"Authorization": f"Bearer {issuer.access_for_client(client)[0]}"}


def test_a_service_learns_the_organisation_of_the_accounts_it_names(world: World) -> None:
    u = world.users
    ids = [u["mgr_a1"].id, u["staff_b1"].id, u["disabled"].id, 987654]
    r = world.client.get("/internal/accounts", params={"id": ids}, headers=_service(world))
    assert r.status_code == 200, r.text
    items = {i["id"]: i for i in r.json()["items"]}
    assert set(items) == {u["mgr_a1"].id, u["staff_b1"].id, u["disabled"].id}  # an unknown id is left out
    assert items[u["mgr_a1"].id] == {
        "id": u["mgr_a1"].id,
        "role": "department_manager",
        "university_id": world.ids["uni_a"],
        "department_id": world.ids["a1"],
        "active": True,
        "name": "mgr_a1",
    }
    assert items[u["staff_b1"].id]["university_id"] == world.ids["uni_b"]
    assert items[u["disabled"].id]["active"] is False
    assert "password_hash" not in items[u["mgr_a1"].id]
    assert world.client.get("/internal/accounts", headers=_service(world)).json() == {"items": []}
    # beyond the key's range (make fuzz sent it through a service): no such account, not a database error
    huge = world.client.get("/internal/accounts", params={"id": [43195803621248073728, -1]}, headers=_service(world))
    assert huge.status_code == 200 and huge.json() == {"items": []}
    other = world.client.get("/internal/accounts", params={"id": ids}, headers=world.auth("uni_a_admin"))
    assert other.status_code in (403, 404)  # only a service client's token reads it
