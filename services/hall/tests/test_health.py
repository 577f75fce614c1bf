from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt


def test_healthz_answers_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_migrations_at_head(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"


def test_openapi_is_served_under_the_api_prefix(client: TestClient) -> None:
    assert client.get("/api/hall/openapi.json").status_code == 200


def test_unknown_path_is_problem_json(client: TestClient) -> None:
    r = client.get("/api/hall/no-such-thing", headers=kt.province_admin())
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_vocabulary_names_every_category_in_chinese_and_english(client: TestClient) -> None:
    from hall_helpers import student

    r = client.get("/api/hall/vocabulary", headers=student())
    assert r.status_code == 200, r.text
    cats = {c["code"]: c for c in r.json()["categories"]}
    assert cats["repair_dorm"]["zh"] == "宿舍报修" and len(cats) == 9
    assert client.get("/api/hall/vocabulary", headers=kt.expert()).status_code == 403
