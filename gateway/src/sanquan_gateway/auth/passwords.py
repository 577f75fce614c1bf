"""Password hashing with argon2id (pwdlib) and the password policy."""

from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path

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


def use_profile(profile: str) -> None:
    """``GATEWAY_PASSWORD_HASH_PROFILE``: ``test`` is the cheap profile of the test suites (ENVIRONMENT=test only,
    see ``Settings``); ``default`` keeps the library's defaults."""
    if profile == "test":
        configure_hasher(time_cost=1, memory_cost=1024)


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


_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common-password list shipped with the package (no network at run time)."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _runs(password: str) -> bool:
    """A run of 4 identical characters (aaaa, 1111) or of 5 consecutive ones up or down (12345, abcde, 54321)."""
    same = up = down = 1
    for prev, cur in itertools.pairwise(password.lower()):
        same = same + 1 if cur == prev else 1
        up = up + 1 if ord(cur) == ord(prev) + 1 else 1
        down = down + 1 if ord(cur) == ord(prev) - 1 else 1
        if same >= 4 or up >= 5 or down >= 5:
            return True
    return False


def password_problems(password: str, username: str | None = None) -> str | None:
    """Why a new password is refused, or None (docs/decisions.md, "Sign-in defences"): 8–128 characters with
    letters and digits, not one of the common passwords, not containing the username, no long runs of one
    character or of consecutive ones."""
    if len(password) < 8:
        return "at least 8 characters"
    if len(password) > 128:
        return "at most 128 characters"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "letters and digits"
    lowered = password.lower()
    if lowered in common_passwords():
        return "not to be one of the most common passwords"
    if username and len(username) >= 3 and (username.lower() in lowered or username.lower()[::-1] in lowered):
        return "not to contain the username"
    if _runs(password):
        return "no runs of 4 identical or 5 consecutive characters (like aaaa or 12345)"
    return None
