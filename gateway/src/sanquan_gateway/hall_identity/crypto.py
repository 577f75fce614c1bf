"""The universities' SSO client secrets at rest: AES-256-GCM, the key from ``GATEWAY_SSO_SECRET_KEY`` or generated
once into ``DATA_DIR/secrets`` with the kernel's secrets helper (0600, created atomically, shared by replicas on
one volume). The university's id is the associated data: a ciphertext copied to another university's row does not
decrypt."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sanquan_gateway.hall_identity.settings import hall_settings
from sanquan_kernel.secrets import read_or_create, secrets_dir

PREFIX = "v1."


def _key() -> bytes:
    configured = hall_settings().sso_secret_key
    if configured:
        if len(configured) < 32:
            raise RuntimeError("GATEWAY_SSO_SECRET_KEY needs at least 32 characters")
        return hashlib.sha256(b"sanquan hall sso v1|" + configured.encode()).digest()
    raw = read_or_create(secrets_dir() / "hall-sso.key", base64.b64encode(secrets.token_bytes(32)))
    return base64.b64decode(raw.strip())


def encrypt(plaintext: str, university_id: int) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, plaintext.encode(), str(university_id).encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, university_id: int) -> str:
    """The secret; ``ValueError`` when it was sealed with another key or for another university."""
    if not token.startswith(PREFIX):
        raise ValueError("unknown secret format")
    blob = base64.urlsafe_b64decode(token[len(PREFIX) :])
    try:
        return AESGCM(_key()).decrypt(blob[:12], blob[12:], str(university_id).encode()).decode()
    except InvalidTag:
        raise ValueError("the secret does not decrypt with this key") from None
