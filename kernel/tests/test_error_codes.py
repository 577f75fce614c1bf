"""Problem details carry stable codes (issue #17): every ``errors[]`` entry a ``code`` from pydantic's error type
with its parameters and the field it belongs to, and every problem a ``code`` the SPA translates instead of the
English ``detail``. The contract's fields (``loc``, ``msg``, ``type``, ``title``, ``status``, ``detail``) stay."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, field_validator

from sanquan_kernel.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Unprocessable,
    UnsupportedMediaType,
    install_problem_handlers,
)


class Item(BaseModel):
    title: str = Field(min_length=1, max_length=20)
    hours: float = Field(ge=0, le=200)
    themes: list[str] = Field(min_length=1)
    taken_on: date
    note: str | None = None

    @field_validator("note")
    @classmethod
    def _no_x(cls, v: str | None) -> str | None:
        if v == "x":
            raise ValueError("x is not a note")
        return v


class Batch(BaseModel):
    items: list[Item]


def _app() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/items")
    def create(body: Item) -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/batch")
    def batch(body: Batch) -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/list")
    def listing(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, int]:
        return {"limit": limit}

    @app.get("/raise/{what}")
    def raising(what: str) -> None:
        errors = {
            "not_found": NotFound(),
            "forbidden": Forbidden("no"),
            "conflict": Conflict("duplicate"),
            "stale": PreconditionFailed("stale", code="stale_version"),
            "large": PayloadTooLarge("big"),
            "type": UnsupportedMediaType("exe", code="file_type_not_accepted"),
            "domain": Unprocessable("bad", errors=[{"loc": ["body", "taken_on"], "msg": "must not be in the future"}]),
            "coded": Unprocessable(
                "bad", errors=[{"loc": ["body", "hours"], "msg": "both 0", "code": "hours_and_days_zero"}]
            ),
        }
        raise errors[what]

    return TestClient(app)


def _by_field(body: dict) -> dict[str, dict]:
    return {e["field"]: e for e in body["errors"]}


def test_validation_errors_carry_code_params_and_field_and_keep_the_contract_fields() -> None:
    c = _app()
    r = c.post("/items", json={"title": "", "hours": 300, "themes": [], "taken_on": "nope", "note": "x"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "invalid" and body["status"] == 422 and body["title"]
    errs = _by_field(body)
    assert set(errs) == {"title", "hours", "themes", "taken_on", "note"}
    title = errs["title"]
    assert title["loc"] == ["body", "title"] and title["type"] == "string_too_short" and title["msg"]
    assert title["code"] == "string_too_short" and title["params"] == {"min_length": 1}
    assert title["message"] == title["msg"]
    assert errs["hours"]["code"] == "less_than_equal" and errs["hours"]["params"] == {"le": 200}
    assert errs["themes"]["code"] == "too_short" and errs["themes"]["params"]["min_length"] == 1
    assert errs["taken_on"]["code"] == "date_type"  # date_from_datetime_parsing folded into one code
    # a validator's ValueError: its reason is a parameter, and JSON (the exception object is not sent)
    assert errs["note"]["code"] == "value_error" and errs["note"]["params"] == {"reason": "x is not a note"}


def test_a_missing_field_and_a_nested_list_item_name_their_field() -> None:
    c = _app()
    r = c.post("/batch", json={"items": [{"title": "ok", "hours": 1, "themes": ["a"], "taken_on": "2026-01-01"}, {}]})
    errs = r.json()["errors"]
    missing = [e for e in errs if e["code"] == "missing"]
    assert {e["field"] for e in missing} == {"title", "hours", "themes", "taken_on"}
    assert all(e["loc"][:3] == ["body", "items", 1] for e in missing)
    assert all(e["params"] == {} for e in missing)


def test_query_errors_and_a_body_that_is_not_json() -> None:
    c = _app()
    e = c.get("/list", params={"limit": 0}).json()["errors"][0]
    assert e["loc"] == ["query", "limit"] and e["field"] == "limit"
    assert e["code"] == "greater_than_equal" and e["params"] == {"ge": 1}
    e = c.get("/list", params={"limit": "many"}).json()["errors"][0]
    assert e["code"] == "int_type"
    r = c.post("/items", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "json_invalid"


def test_the_kernels_own_problems_carry_a_code() -> None:
    c = _app()
    expected = {
        "not_found": (404, "not_found"),
        "forbidden": (403, "forbidden"),
        "conflict": (409, "conflict"),
        "stale": (412, "stale_version"),
        "large": (413, "too_large"),
        "type": (415, "file_type_not_accepted"),
    }
    for what, (status, code) in expected.items():
        r = c.get(f"/raise/{what}")
        assert (r.status_code, r.json()["code"]) == (status, code), what
        assert r.json()["status"] == status and r.json()["title"]
    # an unknown route: Starlette's 404 too
    assert c.get("/nowhere").json()["code"] == "not_found"
    assert c.delete("/list").json()["code"] == "method_not_allowed"


def test_domain_field_errors_get_a_code_and_keep_an_explicit_one() -> None:
    c = _app()
    e = c.get("/raise/domain").json()["errors"][0]
    assert e == {
        "loc": ["body", "taken_on"],
        "msg": "must not be in the future",
        "type": "value_error",
        "field": "taken_on",
        "code": "value_error",
        "params": {},
        "message": "must not be in the future",
    }
    e = c.get("/raise/coded").json()["errors"][0]
    assert e["code"] == "hours_and_days_zero" and e["field"] == "hours"
