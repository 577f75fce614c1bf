"""A real HTTP receiver for the webhook tests: records what it is sent, answers a chosen status, can hold its
answers (a slow receiver) and be started late on a given port (a receiver that was down)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, port: int = 0) -> None:
        self.got: list[dict[str, Any]] = []
        self.status = 200
        self.hold = threading.Event()
        self.hold.set()  # set: answer at once; cleared: wait until set
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with outer.lock:
                    outer.got.append({"headers": dict(self.headers.items()), "body": body, "json": json.loads(body)})
                outer.hold.wait(30)
                self.send_response(outer.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ids(self) -> list[str]:
        with self.lock:
            return [g["headers"]["webhook-id"] for g in self.got]

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
