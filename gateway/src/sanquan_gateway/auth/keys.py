"""The token signing key: from the environment, a file, or generated on first start into DATA_DIR/keys (0600).

Retired keys (``DATA_DIR/keys/retired/*.pem``) stay in the JWKS so that tokens signed before a rotation verify
until they expire.
"""

from __future__ import annotations

from pathlib import Path

from sanquan_gateway.config import Settings
from sanquan_kernel.secrets import read_or_create
from sanquan_kernel.settings import data_dir
from sanquan_kernel.tokens import SigningKey


def load_signing_key(settings: Settings) -> SigningKey:
    if settings.signing_key:
        return SigningKey.from_pem(settings.signing_key.encode())
    if settings.signing_key_file:
        return SigningKey.from_pem(Path(settings.signing_key_file).read_bytes())
    keys = data_dir() / "keys"
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = read_or_create(keys / "signing-key.pem", SigningKey.generate().private_pem)
    return SigningKey.from_pem(pem)


def retired_public_keys() -> list[dict[str, str]]:
    retired = data_dir() / "keys" / "retired"
    if not retired.is_dir():
        return []
    return [SigningKey.from_pem(p.read_bytes()).public_jwk for p in sorted(retired.glob("*.pem"))]
