"""nginx caches the public pages' API (#19): the rendered compose template run for real, a stand-in gateway that
counts what reaches it. Cached reads come from nginx; objections (POST) and every other API path pass through."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from sanquan_kernel.storage.samples import free_port
from tests.ops.conftest import load_compose
from tests.ops.test_files_s3 import NGINX_TEMPLATE, dotenv, interpolate, render


class Gateway(BaseHTTPRequestHandler):
    """Stands in for the gateway: answers as the evaluation service's public routes do, and records requests."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, dict[str, str]]] = []
    version = 1

    def _answer(self) -> None:
        self.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({"items": [], "version": self.version}).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.path.startswith("/api/public/") and self.command == "GET":
            self.send_header("Cache-Control", "public, max-age=30, stale-while-revalidate=300")
            self.send_header("ETag", f'"v{self.version}"')
        self.send_header("Set-Cookie", "tracking=1")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[str]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.fail("nginx is missing (apt-get install nginx-light)")
    Gateway.seen, Gateway.version = [], 1
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    values = {k: interpolate(v, dotenv()) for k, v in load_compose()["services"]["frontend"]["environment"].items()}
    values.update(
        GATEWAY_UPSTREAM=f"127.0.0.1:{gateway.server_address[1]}",
        NGINX_RESOLVER="127.0.0.1",
        S3_UPSTREAM=f"127.0.0.1:{free_port()}",
    )
    port = free_port()
    server = render(NGINX_TEMPLATE.read_text(), values).replace("listen 8080;", f"listen 127.0.0.1:{port};")
    assert "/tmp/nginx_public_cache" in server
    server = server.replace("/tmp/nginx_public_cache", str(tmp_path / "cache"))
    server = server.replace("root /usr/share/nginx/html;", f"root {tmp_path};")
    (tmp_path / "index.html").write_text("<!doctype html><title>SPA</title>")
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log warn;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n fastcgi_temp_path {tmp_path}/fcgi;\n uwsgi_temp_path {tmp_path}/uwsgi;\n"
        f" scgi_temp_path {tmp_path}/scgi;\n{server}\n}}\n"
    )
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/nginx-health", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    pytest.fail(f"nginx did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        gateway.shutdown()
        gateway.server_close()


def test_public_reads_come_from_nginxs_cache_and_carry_no_identity(edge: str) -> None:
    token = {"Authorization": "Bearer a.signed.in.visitor", "Cookie": "refresh=secret"}
    first = httpx.get(f"{edge}/api/public/publicity", headers=token)
    assert first.status_code == 200 and first.headers["x-cache-status"] == "MISS"
    Gateway.version = 2  # the service would answer differently now; the cached copy is still fresh
    for _ in range(5):
        r = httpx.get(f"{edge}/api/public/publicity")
        assert r.headers["x-cache-status"] == "HIT" and r.json()["version"] == 1
    reads = [s for s in Gateway.seen if s[1] == "/api/public/publicity"]
    assert len(reads) == 1, "one request reached the gateway"
    _, _, headers = reads[0]
    assert "authorization" not in headers and "cookie" not in headers
    assert headers["x-real-ip"] == "127.0.0.1"
    assert "set-cookie" not in first.headers
    assert first.headers["cache-control"].startswith("public, max-age=30")
    # the platform's browser policy, one copy
    assert len(first.headers.get_list("content-security-policy")) == 1
    assert first.headers["x-content-type-options"] == "nosniff"
    # another query is another entry
    assert httpx.get(f"{edge}/api/public/results?year=2026").headers["x-cache-status"] == "MISS"


def test_objections_and_the_rest_of_the_api_are_never_cached(edge: str) -> None:
    for _ in range(2):
        r = httpx.post(f"{edge}/api/public/campaigns/1/objections", json={"no": 1})
        assert r.status_code == 201 and r.headers.get("x-cache-status") in (None, "", "BYPASS")
    assert len([s for s in Gateway.seen if s[0] == "POST"]) == 2
    assert httpx.post(f"{edge}/api/public/campaigns/1/objections", content=b"x" * 20000).status_code == 413
    for _ in range(2):
        r = httpx.get(f"{edge}/api/evaluation/campaigns", headers={"Authorization": "Bearer t"})
        assert "x-cache-status" not in r.headers
    private = [s for s in Gateway.seen if s[1] == "/api/evaluation/campaigns"]
    assert len(private) == 2 and private[0][2]["authorization"] == "Bearer t"
