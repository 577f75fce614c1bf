"""A service-hall student's token (issue #20) against the real platform: it is the gateway's own, valid
everywhere, and refused by every operation of plans, training and evaluation (401/403/404/405/422, never 2xx),
sent through the gateway and to each service directly; it works at /api/auth/me. The student is made the roster
way (an integration client with ``hall:roster``, a one-time code, activation), so the test needs no campus IdP
(the SSO path has its own tests against a real OpenID provider: gateway/tests/test_hall_identity.py)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.harness import Stack
from tests.test_authz_services import PUBLIC, PUBLIC_PREFIX, _sweep

THREE = ("plans", "training", "evaluation")


def _operations(stack: Stack) -> list[tuple[str, str]]:
    ops = []
    for service in THREE:
        doc = httpx.get(f"{stack.url}/api/{service}/openapi.json", timeout=30).json()
        for path, item in doc["paths"].items():
            for method in item:
                guarded = path not in PUBLIC and not path.startswith(PUBLIC_PREFIX)
                if method in ("get", "post", "put", "patch", "delete") and guarded:
                    ops.append((method.upper(), path))
    return ops


def _student(stack: Stack) -> tuple[str, dict[str, Any]]:
    with stack.client("admin") as admin:
        uni = admin.get("/api/orgs", params={"level": "university"}).json()["items"][0]
        made = admin.post(
            "/api/clients", json={"name": f"教务系统{time.time_ns()}", "org_id": uni["id"], "scopes": ["hall:roster"]}
        )
        assert made.status_code == 201, made.text
    roster = httpx.Client(
        base_url=stack.url,
        headers={
            "Authorization": f"Bearer {stack.client_token(made.json()['client_id'], made.json()['client_secret'])}"
        },
        timeout=30,
    )
    number = f"S{time.time_ns() % 10**9}"
    with roster:
        r = roster.put("/api/auth/hall-roster", json={"items": [{"number": number, "name": "测试学生"}]})
    assert r.status_code == 200, r.text
    code = r.json()["codes"][0]["activation_code"]
    r = httpx.post(
        f"{stack.url}/api/auth/hall/activate",
        json={"university_id": uni["id"], "number": number, "code": code, "password": "Hall-pass-2026"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"]), uni


def test_a_students_token_is_refused_by_every_operation_of_plans_training_and_evaluation(stack: Stack) -> None:
    token, uni = _student(stack)
    me = httpx.get(f"{stack.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["role"] == "student" and me.json()["university_id"] == uni["id"]
    ops = _operations(stack)
    assert len(ops) > 30
    requests = [
        (method, base, path) for method, path in ops for base in (stack.url, stack.service_url(path.split("/")[2]))
    ]
    answers = _sweep(requests, {"Authorization": f"Bearer {token}"})
    opened = [f"{m} {base}{path}: {status}" for m, base, path, status in answers if status < 300 or status >= 500]
    assert not opened, "\n".join(opened)
    # The kernel refuses a hall role in every service but the hall (403), before any route's own checks.
    assert {status for *_, status in answers} <= {403, 405}, sorted({status for *_, status in answers})
