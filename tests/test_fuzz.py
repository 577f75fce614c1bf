"""Schemathesis against the platform's OpenAPI (the gateway's combined document: every service's paths),
through the gateway, as a staff member, an expert, a department manager, a university admin and a province admin
(issue #8). A short seeded run on the scratch stack (the fuzzer writes); ``make fuzz`` runs the long one with
every phase. What is checked: tests/fuzz/run.py."""

from __future__ import annotations

import os

import pytest

from tests.fuzz.run import ROLES, run_one
from tests.harness import Stack

#: Cases per operation and phases in ``make test`` (about 20 s a database); FUZZ_EXAMPLES raises it.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing")


@pytest.mark.parametrize("role", ROLES)
def test_the_api_withstands_fuzzing(scratch_stack: Stack, role: str) -> None:
    out = run_one(
        scratch_stack.url,
        scratch_stack.token(role),
        "platform",
        role=role,
        max_examples=MAX_EXAMPLES,
        phases=PHASES,
        seed=20260,
        timeout=600,
    )
    assert out.returncode == 0, out.output[-15000:]
