"""The cheap argon2id profile of the test suites' platforms (GATEWAY_PASSWORD_HASH_PROFILE=test, tests/harness.py
``test_profile``) is refused outside ENVIRONMENT=test, and the default profile is the library's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from sanquan_gateway.auth import passwords
from sanquan_gateway.config import Settings


@pytest.fixture
def restore_hasher() -> Iterator[None]:
    hasher, dummy = passwords._hasher, passwords._DUMMY_HASH
    yield
    passwords._hasher, passwords._DUMMY_HASH = hasher, dummy


@pytest.mark.parametrize("environment", ["production", "development"])
def test_the_test_profile_is_refused_outside_the_test_environment(environment: str) -> None:
    extra = {"admin_password": "a-long-and-real-password-1"} if environment == "production" else {}
    with pytest.raises(ValidationError, match="PASSWORD_HASH_PROFILE=test is for ENVIRONMENT=test only"):
        Settings(environment=environment, password_hash_profile="test", **extra)


def test_the_test_profile_hashes_cheaply_and_the_default_keeps_the_hasher(restore_hasher: None) -> None:
    before = passwords._hasher
    passwords.use_profile(Settings(environment="test").password_hash_profile)
    assert passwords._hasher is before  # the default profile changes nothing
    passwords.use_profile(Settings(environment="test", password_hash_profile="test").password_hash_profile)
    cheap = passwords.hash_password("Passw0rd-test")
    assert cheap.startswith("$argon2id$") and "m=1024,t=1," in cheap, cheap
    assert passwords.verify_password("Passw0rd-test", cheap)
    assert not passwords.verify_password("Passw0rd-nope", cheap)
