"""Cross-service tests: the real processes (gateway + three services) on free ports, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sanquan_kernel import testing as kt
from tests.harness import Stack


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    if request.param == "postgresql" and not kt.postgres_available():
        if kt.postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    with Stack(backend=request.param, name=f"xs_{request.param[:2]}") as s:
        s.seed_demo()
        yield s
