"""Running a process: ``serve()`` starts uvicorn for the gateway and every service, with bounded request heads, and
``private_files()`` makes what a process creates in ``DATA_DIR`` readable by its own user only.

uvicorn's httptools protocol keeps every byte of an unfinished request head in memory (eight connections sending
64 MB of headers grew the gateway from 107 to 625 MB) and waits for a head forever. ``BoundedHttpToolsProtocol``
counts the bytes of each request head before they reach the parser and answers 431 (414 for the request target) and
closes when the head, one header or the target is too large, and closes a connection whose head is not complete
within ``HEADER_TIMEOUT_SECONDS``. The cost is a few attribute operations per read and one timer per request head.

Limits (unprefixed environment variables, read by every worker process):

* ``MAX_HEADER_BYTES`` — the whole head: request line and headers (default 64 KiB);
* ``MAX_HEADER_LINE_BYTES`` — the request target, or one header's name and value (default 16 KiB);
* ``HEADER_TIMEOUT_SECONDS`` — from the first byte of a head (or the connection's opening) to its end (default 10).
"""

from __future__ import annotations

import asyncio
import http
import json
import os
import stat
from pathlib import Path
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from sanquan_kernel.errors import problem_body
from sanquan_kernel.settings import data_dir


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = float(raw)
    if value <= 0:
        raise ValueError(f"{name} must be a positive number, not {raw!r}")
    return value


MAX_HEADER_BYTES = int(_number("MAX_HEADER_BYTES", 64 * 1024))
MAX_HEADER_LINE_BYTES = int(_number("MAX_HEADER_LINE_BYTES", 16 * 1024))
HEADER_TIMEOUT_SECONDS = _number("HEADER_TIMEOUT_SECONDS", 10.0)


def private_files(directory: Path | None = None) -> None:
    """Files and directories this process creates are its user's only (0600 / 0700): databases, keys, secrets.

    What an earlier version left readable to others in ``directory`` (default ``DATA_DIR``) is tightened too, except
    the stored files when ``STORAGE_GROUP_ID`` shares them with nginx (``sanquan_kernel.storage``)."""
    from sanquan_kernel.settings import StorageSettings

    os.umask(0o077)
    root = directory or data_dir()
    if not root.is_dir():
        return
    files = StorageSettings()
    shared = files.root() if files.storage_group_id is not None else None
    uid = os.geteuid()
    for path in (root, *root.rglob("*")):
        if shared is not None and path.is_relative_to(shared):
            continue
        try:
            st = os.lstat(path)
            if st.st_uid == uid and not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o077:
                path.chmod(stat.S_IMODE(st.st_mode) & 0o700)
        except FileNotFoundError:  # a sibling process's temporary file, gone meanwhile
            continue


class _HeadTooLarge(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a size limit and a deadline for each request head."""

    max_head_bytes = MAX_HEADER_BYTES
    max_line_bytes = MAX_HEADER_LINE_BYTES
    head_timeout = HEADER_TIMEOUT_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Bytes received since the previous request ended while its successor's head is not complete.
        self._head_bytes = 0
        self._in_head = True
        self._head_timer: asyncio.TimerHandle | None = None
        self._rejection: _HeadTooLarge | None = None

    # -- the connection ------------------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()  # a connection that never sends a byte is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            if self._head_timer is None:
                self._arm_head_timer()
            room = self.max_head_bytes - self._head_bytes
            if len(data) > room:
                # Feed what may still belong to the head; the rest only if the head ended within it.
                self._head_bytes = self.max_head_bytes
                self._feed(data[:room])
                if self.parser is None or self.transport.is_closing():
                    return
                if self._in_head:
                    self._reject(_HeadTooLarge(431, f"The request head is larger than {self.max_head_bytes} bytes"))
                    return
                self.data_received(data[room:])
                return
            self._head_bytes += len(data)
        self._feed(data)

    def _feed(self, data: bytes) -> None:
        # uvicorn's data_received, telling a head that is too large from a malformed one.
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError:
            if self._rejection is not None:
                self._reject(self._rejection)
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)

    # -- parser callbacks ------------------------------------------------------------------------------------
    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.max_line_bytes:
            self._rejection = _HeadTooLarge(414, f"The request target is longer than {self.max_line_bytes} bytes")
            raise self._rejection

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) + len(value) > self.max_line_bytes:
            self._rejection = _HeadTooLarge(431, f"A request header is larger than {self.max_line_bytes} bytes")
            raise self._rejection
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # Whatever comes next is the head of the following request (its timer starts with its first byte).
        self._in_head = True
        self._head_bytes = 0

    # -- the limits --------------------------------------------------------------------------------------------
    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # The previous response is still being produced; the pipelined head waits for it.
            self._arm_head_timer()
            return
        self.transport.close()

    def _reject(self, rejection: _HeadTooLarge) -> None:
        self._cancel_head_timer()
        title = http.HTTPStatus(rejection.status).phrase
        body = json.dumps(problem_body(rejection.status, rejection.detail, title=title)).encode()
        content = [STATUS_LINE[rejection.status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/problem+json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()


def serve(app: Any, *, host: str, port: int, workers: int = 1, factory: bool = True) -> None:
    """Run ``app`` (an import string ``module:factory``, or an ASGI app with ``factory=False`` and one worker) the
    way every process of the platform runs: bounded heads, no access log of uvicorn's own (ours is JSON), no
    forwarded headers trusted, no ``server`` header, private files."""
    import uvicorn

    private_files()
    uvicorn.run(
        app,
        factory=factory,
        host=host,
        port=port,
        workers=workers,
        http=BoundedHttpToolsProtocol,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )
