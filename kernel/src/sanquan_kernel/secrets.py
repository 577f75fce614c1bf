"""Secrets of the embedded run, kept under ``DATA_DIR/secrets`` with mode 0600.

Each domain service authenticates to the gateway with a client secret. In compose and production the secret comes
from the environment; in the embedded run the first process that needs it generates it here, atomically, and the
gateway and the service read the same file.
"""

from __future__ import annotations

import os
import secrets as _secrets
from pathlib import Path

from sanquan_kernel.settings import data_dir


def secrets_dir() -> Path:
    d = data_dir() / "secrets"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def read_or_create(path: Path, make: bytes) -> bytes:
    """Read ``path``; if it does not exist create it with ``make`` (O_EXCL, so concurrent starters agree)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            data = path.read_bytes()
            if data:
                return data
            import time

            time.sleep(0.05)
        raise RuntimeError(f"{path} stayed empty") from None
    with os.fdopen(fd, "wb") as f:
        f.write(make)
    return make


def service_secret(service: str) -> str:
    env = os.environ.get(f"{service.upper()}_SERVICE_CLIENT_SECRET")
    if env:
        return env
    return (
        read_or_create(secrets_dir() / f"service-{service}.secret", _secrets.token_urlsafe(32).encode())
        .decode()
        .strip()
    )
