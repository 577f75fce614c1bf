"""JSON built straight from plain data, for the hottest reads.

FastAPI validates an endpoint's return value against its ``response_model`` and serialises the model: for a ledger
of a few dozen records that costs more CPU than the database work. An endpoint that builds its answer as plain
data of the documented shape (its ``response_model`` still documents it, and its tests check the shape) returns
``json_response(data)``: the same serialiser (pydantic-core), the same output, without the models in between.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic_core import to_json


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(to_json(content), status_code=status_code, headers=headers, media_type="application/json")
