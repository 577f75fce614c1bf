"""Standard Webhooks signatures (https://www.standardwebhooks.com/): ``webhook-id``, ``webhook-timestamp`` (Unix
seconds) and ``webhook-signature``: ``v1,`` + base64(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")), several
separated by spaces while a rotated secret still signs alongside the new one. The secret is ``whsec_`` + base64 of
32 random bytes; the key is the decoded bytes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets_),
        "content-type": "application/json",
    }


def header_list(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> list[tuple[bytes, bytes]]:
    """``headers`` as the worker's HTTP client writes them (names and values as bytes)."""
    return [(k.encode(), v.encode()) for k, v in headers(secrets_, msg_id, timestamp, body).items()]
