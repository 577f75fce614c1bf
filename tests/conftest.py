"""Cross-service tests: the real processes (gateway + three services) on free ports, SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sanquan_kernel import testing as kt
from tests.authz_world import World, build_world
from tests.harness import Stack, share_tls_context

#: Every test here talks plain HTTP to its platforms through short-lived httpx clients: one TLS context for all.
share_tls_context()

#: The fixtures that start a whole platform (four processes and the demo data: 10-40 s each). Under ``pytest -n
#: --dist loadgroup`` (``make pytest``) every test on one of them goes to the same worker, so each platform starts
#: once, not once per worker; the scheduler hands out the groups (the most tests first) before the single tests.
PLATFORMS = ("stack", "scratch_stack", "edge", "private_pg_stack")


def platform_group(item: pytest.Item) -> str | None:
    """``stack-sqlite`` for a test on the SQLite ``stack`` (``world`` uses it too), None for a test on none."""
    names = getattr(item, "fixturenames", ())
    for name in PLATFORMS:
        if name in names:
            callspec = getattr(item, "callspec", None)
            param = callspec.params.get(name, "") if callspec is not None else ""
            return f"{name}-{param or item.path.name}"
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist names the groups in the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = platform_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    if request.param == "postgresql" and not kt.postgres_available():
        if kt.postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    with Stack(backend=request.param, name=f"xs_{request.param[:2]}", test_profile=True) as s:
        s.seed_demo()
        yield s


@pytest.fixture(scope="session")
def world(stack: Stack) -> Iterator[World]:
    """The records the authorization tests aim at (``tests/authz_world.py``), resolved once per stack."""
    w = build_world(stack)
    # the services poll the gateway's deny list every 2 s: let them learn that the disabled account is off
    time.sleep(max(0.0, 3.0 - (time.monotonic() - w.disabled_at)))
    yield w
    w.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def scratch_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A second platform with the demo data, for tests that break things: the fuzzer's writes, services stopped
    and killed (tests/test_fuzz.py, tests/test_faults.py). Its settings: tests/fuzz/run.py ``STACK_ENV``."""
    from tests.fuzz.run import STACK_ENV

    if request.param == "postgresql" and not kt.postgres_available():
        if kt.postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    with Stack(backend=request.param, name=f"xr_{request.param[:2]}", extra_env=STACK_ENV, test_profile=True) as s:
        s.seed_demo()
        yield s
