"""The fuzzer's own check of schema-violating input (tests/fuzz/hooks.py): an accepted body is a failure unless it
meets its schema once read as Pydantic's lax mode reads it (docs/decisions.md, "Lax types stay, except for flags").
``make fuzz`` reported ``{"participants": false}`` accepted by ``POST /api/evaluation/events/{id}/hold``: a negated
``anyOf`` (integer or null) whose only violation is a JSON type lax mode coerces."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz.hooks import lax_reading_meets_schema

HOLD: dict[str, Any] = {
    "$ref": "#/components/schemas/HoldIn",
    "components": {
        "schemas": {
            "HoldIn": {
                "type": "object",
                "properties": {
                    "participants": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 10**6}, {"type": "null"}]},
                    "active": {"type": "boolean"},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                },
                "additionalProperties": False,
            },
            "Item": {
                "type": "object",
                "required": ["hours"],
                "properties": {"hours": {"minimum": 0, "type": "number"}},
            },
        }
    },
}


@pytest.mark.parametrize(
    "body",
    [
        {"participants": False},
        {"participants": "12"},
        {"participants": 3.0},
        {"active": 1},
        {"active": "yes"},
        {"items": [{"hours": "1.5"}, {"hours": True}]},
        {"participants": None},
    ],
)
def test_only_a_json_type_lax_mode_reads_is_not_a_violation(body: dict[str, Any]) -> None:
    assert lax_reading_meets_schema(body, HOLD)


@pytest.mark.parametrize(
    "body",
    [
        {"participants": -1},
        {"participants": 2000000},
        {"participants": "many"},
        {"participants": [1]},
        {"participants": 1.5},
        {"active": 2},
        {"items": [{"hours": -1}]},
        {"items": [{}]},
        {"other": 1},
        [],
    ],
)
def test_a_real_violation_still_is_one(body: Any) -> None:
    assert not lax_reading_meets_schema(body, HOLD)
