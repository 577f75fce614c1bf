"""Tokens of the hall's requesters, as the gateway issues them (S1), and small request builders."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt


def student(identity: int = 7, uni: int = kt.UNI_A, name: str | None = "张三") -> dict[str, str]:
    extra: dict[str, Any] = {"preferred_username": name} if name else {}
    return kt.auth(kt.token("student", sub=f"hall:{identity}", org_id=uni, university_id=uni, **extra))


def teacher(identity: int = 8, uni: int = kt.UNI_A) -> dict[str, str]:
    return kt.auth(kt.token("teacher", sub=f"hall:{identity}", org_id=uni, university_id=uni))


def configure(client: TestClient, uni: int = kt.UNI_A, dept: int = kt.DEPT_A1) -> dict[str, int]:
    """A building with a room, and every category of the university routed to ``dept``."""
    admin = kt.university_admin(uni)
    b = client.post("/api/hall/places", json={"kind": "building", "name": "3号宿舍楼"}, headers=admin)
    assert b.status_code == 201, b.text
    r = client.post(
        "/api/hall/places", json={"kind": "room", "name": "3-201", "parent_id": b.json()["id"]}, headers=admin
    )
    assert r.status_code == 201, r.text
    rules = [
        {"category": c, "department_id": dept}
        for c in (
            "repair_dorm",
            "repair_classroom",
            "canteen",
            "utilities",
            "environment",
            "property",
            "suggestion",
            "complaint",
            "praise",
        )
    ]
    put = client.put("/api/hall/routing", json={"rules": rules}, headers=admin)
    assert put.status_code == 200, put.text
    return {"building": b.json()["id"], "room": r.json()["id"]}


def report(client: TestClient, who: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    payload = {"category": "repair_dorm", "description": "宿舍水龙头坏了，一直漏水", **body}
    r = client.post("/api/hall/requests", json=payload, headers=who or student())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out
