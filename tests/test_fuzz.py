"""Schemathesis against the platform's OpenAPI (the gateway's combined document: every service's paths),
through the gateway, as a staff member, an expert, a department manager, a university admin and a province admin
(issue #8). A short seeded run on a stack of its own (the fuzzer writes); ``make fuzz`` runs the long one with
every phase. What is checked: tests/fuzz/run.py."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from sanquan_kernel import testing as kt
from tests.fuzz.run import ROLES, STACK_ENV, run_one
from tests.harness import Stack

#: Cases per operation and phases in ``make test`` (about 20 s a database); FUZZ_EXAMPLES raises it.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    if request.param == "postgresql" and not kt.postgres_available():
        if kt.postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    with Stack(backend=request.param, name=f"fz_{request.param[:2]}", extra_env=STACK_ENV) as s:
        s.seed_demo()
        yield s


@pytest.mark.parametrize("role", ROLES)
def test_the_api_withstands_fuzzing(fuzz_stack: Stack, role: str) -> None:
    out = run_one(
        fuzz_stack.url,
        fuzz_stack.token(role),
        "platform",
        role=role,
        max_examples=MAX_EXAMPLES,
        phases=PHASES,
        seed=20260,
        timeout=600,
    )
    assert out.returncode == 0, out.output[-15000:]
