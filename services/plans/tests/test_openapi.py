"""The OpenAPI document is complete and typed: the SPA and campus systems generate their clients from it."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_every_operation_documents_a_typed_success_response(client: TestClient) -> None:
    doc = client.get("/api/plans/openapi.json").json()
    untyped = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            code = next(c for c in op["responses"] if c.startswith("2"))
            if code == "204":
                continue
            content = op["responses"][code].get("content", {})
            schema = next(iter(content.values()), {}).get("schema", {})
            if not schema or schema == {}:
                untyped.append(f"{method.upper()} {path}")
    assert untyped == []
    assert len(doc["paths"]) >= 30
