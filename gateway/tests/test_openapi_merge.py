"""The combined OpenAPI document: schemas of the same name that differ between services stay apart."""

from __future__ import annotations

from typing import Any

from sanquan_gateway.openapi import merge


def _doc(path: str, field: str) -> dict[str, Any]:
    item = {"type": "object", "properties": {field: {"type": "string"}}}
    page = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}},
    }
    return {
        "paths": {
            path: {
                "get": {
                    "responses": {
                        "200": {
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page_Item_"}}}
                        }
                    }
                }
            }
        },
        "components": {"schemas": {"Item": item, "Page_Item_": page}},
    }


def _resolve(doc: dict[str, Any], path: str) -> dict[str, Any]:
    ref = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    item_ref = page["properties"]["items"]["items"]["$ref"]
    return doc["components"]["schemas"][item_ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]


def test_a_wrapper_that_reads_the_same_keeps_pointing_at_its_own_service_schema() -> None:
    merged = merge(
        {"paths": {}}, {"training": _doc("/api/training/x", "hours"), "evaluation": _doc("/api/evaluation/x", "score")}
    )
    assert "hours" in _resolve(merged, "/api/training/x")["properties"]
    assert "score" in _resolve(merged, "/api/evaluation/x")["properties"]


def test_identical_schemas_are_shared() -> None:
    merged = merge({"paths": {}}, {"plans": _doc("/api/plans/x", "a"), "training": _doc("/api/training/x", "a")})
    assert set(merged["components"]["schemas"]) == {"Item", "Page_Item_"}
