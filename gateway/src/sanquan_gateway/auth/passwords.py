"""Password hashing with argon2id (pwdlib) and the password policy."""

from __future__ import annotations

import re

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))
# Verified when the account does not exist, so that timing does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


def configure_hasher(*, time_cost: int, memory_cost: int) -> None:
    """Tune argon2id (tests use a cheap profile; production keeps the library's defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost),))
    _DUMMY_HASH = _hasher.hash("not-a-real-password-0")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # noqa: BLE001 - a malformed stored hash is a failed check
        return False


def password_problems(password: str) -> str | None:
    """Why a new password is refused, or None: 8–128 characters with letters and digits."""
    if len(password) < 8:
        return "at least 8 characters"
    if len(password) > 128:
        return "at most 128 characters"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "letters and digits"
    return None
