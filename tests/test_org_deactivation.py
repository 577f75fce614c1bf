"""A deactivated university stops working at every service (issue #13), and reactivation restores it: real processes,
the services learning of it from the gateway's deny list (polled every 2 s)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx

from sanquan_kernel import clock
from tests.harness import Stack

UNIVERSITY_CODE = "4141010004"
#: One read per service, answered to a university's people (never 401 while the university is active).
PROBES = {
    "training": "/api/training/staff",
    "plans": f"/api/plans/indicators?year={clock.today().year}",
    "evaluation": "/api/evaluation/campaigns",
}


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, (r.request.method, r.request.url, r.status_code, r.text)
    return r.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _until(
    check: Callable[[], dict[str, int]], done: Callable[[dict[str, int]], bool], seconds: float = 8
) -> dict[str, int]:
    """The answers of ``check`` once ``done`` holds, or at the end of the revocation window."""
    deadline = time.time() + seconds
    answers = check()
    while not done(answers) and time.time() < deadline:
        time.sleep(0.25)
        answers = check()
    return answers


def _course(title: str) -> dict[str, Any]:
    today = clock.today().isoformat()
    return {"title": title, "themes": ["law"], "starts_on": today, "ends_on": today, "hours": 2, "days": 1}


def test_a_deactivated_universitys_tokens_and_writes_are_refused_by_every_service_until_reactivated(
    stack: Stack,
) -> None:
    tag = str(time.time_ns())[-8:]
    with stack.client("admin") as admin:
        # the demo's fourth university: no other cross-service test signs its people in
        uni = _ok(admin.get("/api/orgs", params={"level": "university", "q": UNIVERSITY_CODE}))["items"][0]
        dept = _ok(admin.get("/api/orgs", params={"parent_id": uni["id"]}))["items"][0]
        uni_admin = _bearer(stack.token("u4_admin"))
        client_body = _ok(
            admin.post(
                "/api/clients",
                json={"name": f"停用测试 HR {tag}", "org_id": uni["id"], "scopes": ["training:read", "training:write"]},
                headers=uni_admin,
            ),
            201,
        )
        client = _bearer(stack.client_token(client_body["client_id"], client_body["client_secret"]))
        manager = _bearer(stack.token("u4_d1_mgr"))
        people = {"university admin": uni_admin, "department manager": manager}

        def reads(headers: dict[str, str]) -> dict[str, int]:
            return {s: httpx.get(stack.service_url(s) + p, headers=headers).status_code for s, p in PROBES.items()}

        def push(headers: dict[str, str]) -> httpx.Response:
            """A write of the university's HR system, straight to the training service."""
            return httpx.put(
                f"{stack.service_url('training')}/api/training/staff/by-employee-no/D{tag}",
                json={"name": "张三", "department_id": dept["id"], "employment_type": "contract"},
                headers=headers,
            )

        for who, h in {**people, "integration client": client}.items():
            # (a reactivation by an earlier test reaches the services at their next poll of the deny list)
            answers = _until(partial(reads, h), lambda a: all(c != 401 for c in a.values()))
            assert all(code != 401 for code in answers.values()), (who, answers)
        course = _ok(
            httpx.post(f"{stack.url}/api/training/courses", json=_course(f"停用前 {tag}"), headers=uni_admin), 201
        )
        assert push(client).status_code in (200, 201), push(client).text

        try:
            _ok(admin.patch(f"/api/orgs/{uni['id']}", json={"active": False}))
            for who, h in {**people, "integration client": client}.items():
                answers = _until(partial(reads, h), lambda a: all(c == 401 for c in a.values()))
                assert all(code == 401 for code in answers.values()), (who, answers)
            # writes are refused by the services themselves, and through the gateway
            r = httpx.post(
                f"{stack.service_url('training')}/api/training/courses",
                json=_course(f"停用后 {tag}"),
                headers=uni_admin,
            )
            assert r.status_code == 401, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert push(client).status_code == 401
            r = httpx.post(f"{stack.url}/api/training/courses", json=_course(f"停用后 {tag}"), headers=manager)
            assert r.status_code == 401, r.text
            # nobody of the university signs in again
            r = httpx.post(
                f"{stack.url}/api/auth/token",
                data={"grant_type": "password", "username": "u4_admin", "password": stack.password},
            )
            assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
            r = httpx.post(
                f"{stack.url}/api/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_body["client_id"],
                    "client_secret": client_body["client_secret"],
                },
            )
            assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
            # the province still reads the university's data (docs/decisions.md)
            assert _ok(admin.get(f"/api/training/courses/{course['id']}"))["title"] == f"停用前 {tag}"
            staff = _ok(admin.get("/api/training/staff", params={"q": f"D{tag}"}))
            assert staff["total"] == 1, staff
        finally:
            _ok(admin.patch(f"/api/orgs/{uni['id']}", json={"active": True}))

    # reactivated: new sign-ins work at every service once they have polled the deny list; old tokens stay refused
    fresh = _bearer(stack.token("u4_admin"))
    answers = _until(lambda: reads(fresh), lambda a: all(c != 401 for c in a.values()))
    assert all(code != 401 for code in answers.values()), answers
    _ok(httpx.post(f"{stack.url}/api/training/courses", json=_course(f"恢复后 {tag}"), headers=fresh), 201)
    fresh_client = _bearer(stack.client_token(client_body["client_id"], client_body["client_secret"]))
    assert push(fresh_client).status_code == 200, push(fresh_client).text
    assert all(code == 401 for code in reads(uni_admin).values())
