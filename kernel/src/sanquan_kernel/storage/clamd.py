"""Virus scanning through clamd's INSTREAM command, over TCP (``tcp://host:3310``) or a unix socket
(``unix:///run/clamav/clamd.ctl``), when ``CLAMD_URL`` is configured.

The protocol: ``zINSTREAM\\0``, then the file in chunks each preceded by its length (4 bytes, big-endian), then
a zero length; clamd answers ``stream: OK``, ``stream: <signature> FOUND`` or ``<reason> ERROR``, ended by a NUL.
A finding refuses the upload (422); a scanner that cannot be reached or answers an error refuses it too (503):
once scanning is configured, nothing is stored unscanned.
"""

from __future__ import annotations

import socket
from typing import IO
from urllib.parse import urlsplit

from sanquan_kernel.errors import ServiceUnavailable, Unprocessable

CHUNK = 64 * 1024


class ClamdError(Exception):
    """The scanner could not give a verdict."""


def _connect(url: str, timeout: float) -> socket.socket:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(parts.path)
        return sock
    if parts.scheme == "tcp" and parts.hostname:
        return socket.create_connection((parts.hostname, parts.port or 3310), timeout=timeout)
    raise ClamdError(f"CLAMD_URL must be tcp://host:port or unix:///path, not {url!r}")


def scan(src: IO[bytes], url: str, *, timeout: float = 30.0) -> str | None:
    """The signature clamd finds in ``src``, or None when it finds nothing. Raises ClamdError."""
    try:
        with _connect(url, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            try:
                while chunk := src.read(CHUNK):
                    sock.sendall(len(chunk).to_bytes(4, "big") + chunk)
                sock.sendall(b"\0\0\0\0")
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd stops reading past its StreamMaxLength and says so: read its answer
            reply = b""
            while b"\0" not in reply and len(reply) < 4096:
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as exc:
        raise ClamdError(f"clamd at {url} cannot be reached: {exc}") from exc
    answer = reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
    if answer.endswith("FOUND"):
        return answer.removeprefix("stream:").removesuffix("FOUND").strip() or "unknown"
    if answer.endswith("OK"):
        return None
    raise ClamdError(f"clamd answered {answer[:200]!r}")


def check(src: IO[bytes], url: str, *, timeout: float = 30.0) -> None:
    """``scan``, as the problem an upload is refused with."""
    try:
        found = scan(src, url, timeout=timeout)
    except ClamdError as exc:
        import logging

        logging.getLogger("sanquan.storage").warning("virus scan failed: %s", exc)
        raise ServiceUnavailable(
            "The virus scanner is unavailable, so the file was not accepted; try again shortly",
            headers={"Retry-After": "10"},
            code="scanner_unavailable",
        ) from None
    if found:
        raise Unprocessable(f"The file contains malware ({found[:100]}) and was not accepted", code="malware")
