"""Schemathesis against the platform's OpenAPI (the gateway's combined document: every service's paths),
through the gateway, as a staff member, an expert, a department manager, a university admin and a province admin
(issue #8). A short seeded run on the scratch stack (the fuzzer writes); ``make fuzz`` runs the long one with
every phase. What is checked: tests/fuzz/run.py.

The province administrator's run sends every operation. The other roles leave out the service operations that the
authorization matrix (``tests/authz_matrix.py``) shows refused to their role on every row: for those, what is the
role's own is the 403 (the role check is a route dependency, called before the parameters and the body are
validated), which the matrix proves for every operation with an answer that is problem details; the fuzzed input
reaches the same operation, with the same seed, in the province administrator's run. That was 38 % of the four
runs' operations (issue #15 part 6, docs/decisions.md "Test time")."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from tests.authz_matrix import MATRIX
from tests.fuzz.run import DOCUMENTS, ROLES, run_one
from tests.harness import SERVICES, Stack

#: Cases per operation and phases in ``make test`` (about 20 s a database); FUZZ_EXAMPLES raises it.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing")
#: The matrix's column of each fuzzed account (tests/authz_world.py; scripts/seed_demo.py). The province
#: administrator's run keeps every operation.
MATRIX_ROLE = {
    "u1_d1_staff1": "staff",
    "expert1": "expert",
    "u1_d1_mgr": "department_manager",
    "u1_admin": "university_admin",
}


def refused_to(role: str) -> set[str]:
    """``"METHOD /path"`` of every operation whose matrix rows all answer ``role`` 403."""
    cells: dict[str, list[str]] = {}
    for row in MATRIX:
        cells.setdefault(f"{row.method} {row.path}", []).append(row.expected()[role])
    return {name for name, answers in cells.items() if all(a == "403" for a in answers)}


def left_out(account: str) -> tuple[str, ...]:
    """The operations ``account``'s run leaves out (none for the province). Every one is an operation of the
    platform's document: the matrix has rows for exactly the services' operations (test_authz_matrix.py)."""
    if account not in MATRIX_ROLE:
        return ()
    refused = refused_to(MATRIX_ROLE[account])
    assert refused, f"no operation refused to {account}: the matrix's columns moved?"
    return tuple(sorted(refused))


def await_the_whole_document(url: str, seconds: float = 90) -> None:
    """Until the gateway's combined document holds every service the platform runs (it leaves out, and does not
    cache, a service whose document did not come within 5 s: at load 40 the first run fuzzed 97 of 274 operations
    without a word). A service the test platform does not start (``SERVICES`` in tests/harness.py) stays missing."""
    deadline = time.monotonic() + seconds
    while True:
        doc = httpx.get(url + DOCUMENTS["platform"], timeout=60).json()
        missing = sorted(set(doc.get("x-unavailable-services", ())) & set(SERVICES))
        if not missing:
            return
        assert time.monotonic() < deadline, f"the platform's document still lacks {missing}"
        time.sleep(1)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_withstands_fuzzing(scratch_stack: Stack, role: str) -> None:
    await_the_whole_document(scratch_stack.url)
    out = run_one(
        scratch_stack.url,
        scratch_stack.token(role),
        "platform",
        role=role,
        max_examples=MAX_EXAMPLES,
        phases=PHASES,
        seed=20260,
        timeout=600,
        exclude=left_out(role),
    )
    assert out.returncode == 0, out.output[-15000:]


def test_every_fuzzed_account_has_its_matrix_column() -> None:
    """The accounts fuzzed with operations left out are the matrix's roles; the province's run leaves none out."""
    assert set(MATRIX_ROLE) | {"admin"} == set(ROLES)
    assert left_out("admin") == ()
    staff = refused_to("staff")
    assert "POST /api/evaluation/campaigns" in staff and "GET /api/training/records" not in staff
