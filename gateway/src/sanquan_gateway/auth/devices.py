"""Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): at a good sign-in the browser
gets an HMAC-signed, HttpOnly, SameSite=Strict cookie naming the account and a random device id. A browser that
shows a valid one for the account it signs in to is exempt from the per-account and per-address limits, and has
a growing delay of its own per (account, device) instead."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from sanquan_kernel.tokens import SigningKey

COOKIE = "sq_device"
COOKIE_PATH = "/api/auth"
MAX_AGE = 180 * 24 * 3600


def _secret(key: SigningKey) -> bytes:
    # Derived from the token signing key: nothing more to configure; a new signing key retires every device.
    return hmac.new(key.private_pem, b"sanquan device cookie v1", hashlib.sha256).digest()


def _mac(key: SigningKey, username: str, device_id: str, issued: int) -> str:
    msg = f"{username.lower()}|{device_id}|{issued}".encode()
    return base64.urlsafe_b64encode(hmac.new(_secret(key), msg, hashlib.sha256).digest()).rstrip(b"=").decode()


def issue(key: SigningKey, username: str) -> str:
    device_id, issued = secrets.token_urlsafe(16), int(time.time())
    return f"{device_id}.{issued}.{_mac(key, username, device_id, issued)}"


def verify(key: SigningKey, value: str | None, username: str) -> str | None:
    """The device id when ``value`` is a valid, unexpired device cookie for ``username``; else None."""
    if not value or len(value) > 200:
        return None
    parts = value.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    device_id, issued_s, mac = parts
    issued = int(issued_s)
    if not 0 <= time.time() - issued <= MAX_AGE:
        return None
    if not hmac.compare_digest(mac, _mac(key, username, device_id, issued)):
        return None
    return device_id
