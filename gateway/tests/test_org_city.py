"""A university's city (地级市) for the province's big screen: a GB/T 2260 code of one of Henan's cities."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sanquan_gateway.orgs.cities import PROVINCE_CITIES

from .conftest import World


def _uni(world: World, **extra: object) -> dict[str, object]:
    return {"name": "丙大学", "code": "4141019998", "level": "university", "type": "undergraduate", **extra}


def test_a_university_is_created_in_a_city_of_the_province_and_listed_by_it(world: World) -> None:
    h = world.auth("province_admin")
    r = world.client.post("/api/orgs", json=_uni(world, city="410300"), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["city"] == "410300"
    listed = world.client.get("/api/orgs", params={"level": "university", "city": "410300"}, headers=h).json()
    assert [o["id"] for o in listed["items"]] == [r.json()["id"]]
    assert world.client.get("/api/orgs", params={"city": "410100"}, headers=h).json()["total"] == 0


def test_a_city_outside_the_province_is_a_field_error_and_nothing_is_created(world: World) -> None:
    h = world.auth("province_admin")
    for city in ("110100", "4101", "郑州市"):  # Beijing, a malformed code, a name instead of a code
        r = world.client.post("/api/orgs", json=_uni(world, city=city), headers=h)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["loc"] == ["body", "city"]
    assert world.client.get("/api/orgs", params={"q": "丙大学"}, headers=h).json()["total"] == 0


def test_the_contract_create_without_a_city_still_works(world: World) -> None:
    r = world.client.post("/api/orgs", json=_uni(world), headers=world.auth("province_admin"))
    assert r.status_code == 201 and r.json()["city"] is None


def test_the_province_moves_a_university_to_another_city_and_clears_it(world: World) -> None:
    h = world.auth("province_admin")
    uni = world.ids["uni_a"]
    etag = world.client.get(f"/api/orgs/{uni}", headers=h).headers["etag"]
    r = world.client.patch(f"/api/orgs/{uni}", json={"city": "419001"}, headers={**h, "If-Match": etag})
    assert r.status_code == 200 and r.json()["city"] == "419001"
    r = world.client.patch(f"/api/orgs/{uni}", json={"city": "999999"}, headers={**h, "If-Match": r.headers["etag"]})
    assert r.status_code == 422
    etag = world.client.get(f"/api/orgs/{uni}", headers=h).headers["etag"]
    r = world.client.patch(f"/api/orgs/{uni}", json={"city": None}, headers={**h, "If-Match": etag})
    assert r.status_code == 200 and r.json()["city"] is None


def test_a_department_has_no_city(world: World) -> None:
    h = world.auth("uni_a_admin")
    r = world.client.post(
        "/api/orgs",
        json={"name": "绿化中心", "level": "department", "parent_id": world.ids["uni_a"], "city": "410100"},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "city"]


def test_a_university_admin_cannot_change_the_city(world: World) -> None:
    uni = world.ids["uni_a"]
    h = world.auth("uni_a_admin")
    etag = world.client.get(f"/api/orgs/{uni}", headers=h).headers["etag"]
    r = world.client.patch(f"/api/orgs/{uni}", json={"city": "410100"}, headers={**h, "If-Match": etag})
    assert r.status_code == 403


def test_the_spa_and_the_map_know_the_same_cities_as_the_gateway() -> None:
    """The SPA's list (utils/cities.ts) names the gateway's codes with the GeoJSON's feature names, in the same
    order; the map (echarts 4.9.0's henan.json) has a feature for every city."""
    frontend = Path(__file__).resolve().parents[2] / "frontend"
    source = (frontend / "src/utils/cities.ts").read_text(encoding="utf-8")
    spa = re.findall(r"\{ code: '(\d{6})', feature: '([^']+)', en: '[^']+' \}", source)
    assert spa == list(PROVINCE_CITIES.items())
    geojson = frontend / "node_modules/echarts-v4-maps/map/json/province/henan.json"
    if geojson.is_file():  # installed with the SPA's dependencies
        features = {f["properties"]["name"] for f in json.loads(geojson.read_text(encoding="utf-8"))["features"]}
        assert set(PROVINCE_CITIES.values()) == features
