from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt


def test_healthz_answers_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_migrations_at_head(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"
    assert r.headers["x-request-id"]


def test_openapi_is_served_under_the_api_prefix(client: TestClient) -> None:
    assert client.get("/api/evaluation/openapi.json").status_code == 200


def test_unknown_path_is_problem_json(client: TestClient) -> None:
    r = client.get("/api/evaluation/no-such-thing", headers=kt.province_admin())
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
