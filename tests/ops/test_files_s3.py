"""Files on S3 in docker compose (#16): MinIO holds the bucket (created by the one-shot minio-init, never by the
services), plans/training/evaluation store there with their own account, and a download's presigned link, on the
address browsers open, reaches MinIO through nginx with the host and path it was signed for. The filesystem store
stays one variable away (STORAGE_BACKEND=filesystem). No Docker engine here: the compose file is read, its values
interpolated as compose would, the kernel's settings built from them, nginx run for real on the rendered template
and ops/minio/init-bucket.sh run against a stand-in ``mc`` that records its calls."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import pytest

from sanquan_kernel.settings import StorageSettings
from sanquan_kernel.storage import S3Storage, make_storage
from sanquan_kernel.storage.samples import free_port
from tests.ops.conftest import ROOT, env_example, load_compose

FILE_SERVICES = ("plans", "training", "evaluation")
NGINX_TEMPLATE = ROOT / "ops/nginx/default.conf.template"
INIT_SCRIPT = ROOT / "ops/minio/init-bucket.sh"
PUBLIC = "https://sanquan.example.edu.cn:8443"
SECRETS = {
    "MINIO_ROOT_PASSWORD": "9f2c4e6a8b0d1f3e5a7c9e1b",
    "S3_SECRET_ACCESS_KEY": "4b6d8f0a2c4e6b8d0f2a4c6e",
}
SHA = "ab" * 32


def dotenv(**overrides: str) -> dict[str, str]:
    """A filled-in .env: .env.example with its secrets generated, S3_PUBLIC_URL set, and ``overrides``."""
    values = env_example()
    for key, value in values.items():
        if not value and any(w in key for w in ("PASSWORD", "SECRET")):
            values[key] = hashlib.sha256(key.encode()).hexdigest()[:24]
    return {**values, **SECRETS, "S3_PUBLIC_URL": PUBLIC, **overrides}


def interpolate(value: Any, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` (an error for an empty required one)."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        got = env.get(name, "")
        if op == ":?" and not got:
            raise ValueError(f"{name}: {arg}")
        return got or (arg if op == ":-" else "")

    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:[-?])([^}]*))?\}", one, str(value))


def service_env(name: str, env: dict[str, str]) -> dict[str, str]:
    return {k: interpolate(v, env) for k, v in load_compose()["services"][name]["environment"].items()}


@pytest.fixture
def kernel_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Sets a service's environment (as compose passes it) for the kernel's settings."""

    def apply(values: dict[str, str]) -> None:
        for key in list(os.environ):
            if key.startswith(("S3_", "STORAGE_")):
                monkeypatch.delenv(key)
        for key, value in values.items():
            monkeypatch.setenv(key, value)

    yield apply


def test_the_services_read_every_storage_variable_compose_passes_and_store_in_minio(kernel_env: Any) -> None:
    known = set(StorageSettings.model_fields)
    for name in FILE_SERVICES:
        env = service_env(name, dotenv())
        storage = {k: v for k, v in env.items() if k.startswith(("S3_", "STORAGE_"))}
        assert {k.lower() for k in storage} <= known, f"{name} passes variables the kernel never reads"
        assert storage["STORAGE_BACKEND"] == "s3" and storage["S3_ENDPOINT_URL"] == "http://minio:9000"
        kernel_env(env)
        settings = StorageSettings()
        assert settings.environment == "production"  # the placeholder checks apply
        st = make_storage(name, settings)
        assert isinstance(st, S3Storage) and st.bucket == "sanquan-files" and st.namespace == name
        assert st.client.meta.endpoint_url == "http://minio:9000"
        url = st.download_url(SHA, filename="申报书.pdf", media_type="application/pdf")
        # The link browsers follow is on the public address, under the bucket's path that nginx proxies.
        assert url.startswith(f"{PUBLIC}/sanquan-files/{name}/{SHA}?"), url
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url


def test_a_placeholder_or_missing_secret_stops_compose_or_the_services(kernel_env: Any) -> None:
    with pytest.raises(ValueError, match="S3_SECRET_ACCESS_KEY"):
        service_env("plans", dotenv(S3_SECRET_ACCESS_KEY=""))
    with pytest.raises(ValueError, match="S3_PUBLIC_URL"):
        service_env("training", dotenv(S3_PUBLIC_URL=""))
    with pytest.raises(ValueError, match="MINIO_ROOT_PASSWORD"):
        interpolate(
            load_compose()["services"]["minio"]["environment"]["MINIO_ROOT_PASSWORD"], dotenv(MINIO_ROOT_PASSWORD="")
        )
    kernel_env(service_env("evaluation", dotenv(S3_SECRET_ACCESS_KEY="changeme-changeme")))
    with pytest.raises(ValueError, match="S3_SECRET_ACCESS_KEY must be set to a real secret"):
        StorageSettings()


def test_the_filesystem_store_is_one_variable_away(kernel_env: Any, compose: dict[str, Any]) -> None:
    for name in FILE_SERVICES:
        env = service_env(name, dotenv(STORAGE_BACKEND="filesystem"))
        kernel_env(env)
        settings = StorageSettings()
        assert settings.storage_backend == "filesystem" and settings.storage_accel_prefix == "/_files/"
        # the files volume is mounted in both modes (S3: the spool of uploads), shared with nginx's /_files/
        assert "files:/data/files" in compose["services"][name]["volumes"]


def test_minio_is_pinned_private_and_its_bucket_made_by_a_one_shot_before_the_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    minio, init = services["minio"], services["minio-init"]
    for svc in (minio, init):
        assert re.fullmatch(r"\S+/minio/(minio|mc):RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", svc["image"]), svc[
            "image"
        ]
        assert svc["networks"] == ["internal"] and "ports" not in svc
    assert "minio-data:/data" in minio["volumes"] and "minio-data" in compose["volumes"]
    assert minio["environment"]["MINIO_BROWSER"] == "off"
    assert "/data" in minio["command"] and "mc" in minio["healthcheck"]["test"]
    # the bucket: ops/minio/init-bucket.sh in the mc container, after MinIO is healthy, before the services start
    assert init["restart"] == "no" and init["depends_on"]["minio"]["condition"] == "service_healthy"
    mount = next(v for v in init["volumes"] if v.startswith("./ops/minio/init-bucket.sh:"))
    assert mount.endswith(":ro") and mount.split(":")[1] in init["entrypoint"]
    for name in FILE_SERVICES:
        assert services[name]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully", name
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy", name
    assert "minio" not in str(services["gateway"].get("depends_on")), "the gateway keeps no files"
    # the services' account is not MinIO's root; both from .env, the same bucket everywhere
    values = dotenv()
    env = service_env("plans", values)
    root = {k: interpolate(v, values) for k, v in minio["environment"].items()}
    assert env["S3_ACCESS_KEY_ID"] != root["MINIO_ROOT_USER"]
    assert "MINIO_ROOT_PASSWORD" not in env and "MINIO_ROOT_USER" not in env
    init_env = {k: interpolate(v, values) for k, v in init["environment"].items()}
    front = {k: interpolate(v, values) for k, v in services["frontend"]["environment"].items()}
    assert init_env["S3_BUCKET"] == env["S3_BUCKET"] == front["S3_BUCKET"]
    assert init_env["S3_ACCESS_KEY_ID"] == env["S3_ACCESS_KEY_ID"]
    assert front["S3_UPSTREAM"] == urlsplit(env["S3_ENDPOINT_URL"]).netloc
    # the image's defaults match compose's (the template is rendered from the variables that are defined)
    dockerfile = (ROOT / "frontend/Dockerfile").read_text()
    assert f"S3_BUCKET={front['S3_BUCKET']}" in dockerfile and f"S3_UPSTREAM={front['S3_UPSTREAM']}" in dockerfile


def test_compose_backups_reach_the_bucket_from_the_plans_container() -> None:
    """make compose-backup streams every service's files out of the plans container: with S3 it lists the whole
    bucket, so the plans account must be the one with the bucket-wide policy (the same account for all three)."""
    make = (ROOT / "ops/make.mk").read_text()
    assert "exec -T plans python -m sanquan_kernel.storage.backup export" in make
    # a restore on a new host: the bucket is made before the files go back into it
    init, restore = (
        make.find("$(COMPOSE) run --rm -T minio-init"),
        make.find("plans -m sanquan_kernel.storage.backup import"),
    )
    assert 0 < init < restore
    accounts = {service_env(name, dotenv())["S3_ACCESS_KEY_ID"] for name in FILE_SERVICES}
    assert len(accounts) == 1
    policy = INIT_SCRIPT.read_text()
    assert '"arn:aws:s3:::${S3_BUCKET}"' in policy and '"s3:ListBucket"' in policy
    assert '"arn:aws:s3:::${S3_BUCKET}/*"' in policy and '"s3:GetObject"' in policy and '"s3:PutObject"' in policy


# --- ops/minio/init-bucket.sh against a stand-in mc ---------------------------------------------------------------

FAKE_MC = r"""#!/bin/sh
# Records each call; `admin policy attach` answers like MinIO once the policy is attached.
echo "$*" >> "$MC_LOG"
case "$*" in
    *"admin policy create"*) for last; do :; done; cp "$last" "$MC_LOG.policy" ;;
    *"admin policy attach"*)
        if [ -n "${MC_ATTACH_ERROR:-}" ]; then echo "mc: <ERROR> $MC_ATTACH_ERROR" >&2; exit 1; fi
        if [ -f "$MC_LOG.attached" ]; then
            echo "mc: <ERROR> Unable to attach policy. The specified policy change is already in effect." >&2; exit 1
        fi
        touch "$MC_LOG.attached" ;;
esac
"""


def run_init(tmp_path: Path, **overrides: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    mc = bin_dir / "mc"
    mc.write_text(FAKE_MC)
    mc.chmod(0o755)
    log = tmp_path / "mc.log"
    values = dotenv()
    env = {k: interpolate(v, values) for k, v in load_compose()["services"]["minio-init"]["environment"].items()}
    env.update(PATH=f"{bin_dir}:{os.environ['PATH']}", MC_LOG=str(log), MC_CONFIG_DIR=str(tmp_path / "mc"))
    env.update(overrides)
    result = subprocess.run(["sh", str(INIT_SCRIPT)], env=env, capture_output=True, text=True, check=False)
    return result, log.read_text().splitlines() if log.exists() else []


def test_the_init_script_makes_the_bucket_and_the_services_account_and_runs_again(tmp_path: Path) -> None:
    result, calls = run_init(tmp_path)
    assert result.returncode == 0, result.stderr
    key = SECRETS["S3_SECRET_ACCESS_KEY"]
    assert [c.split(" ", 2)[2] if c.startswith("--config-dir") else c for c in calls] == [
        f"alias set sanquan http://minio:9000 sanquan-root {SECRETS['MINIO_ROOT_PASSWORD']}",
        "mb --ignore-existing sanquan/sanquan-files",
        "anonymous set none sanquan/sanquan-files",
        f"admin policy create sanquan sanquan-files-services {calls[3].rsplit(' ', 1)[1]}",
        f"admin user add sanquan sanquan-services {key}",
        "admin policy attach sanquan sanquan-files-services --user sanquan-services",
    ]
    policy = (tmp_path / "mc.log.policy").read_text()
    resources = set(re.findall(r"arn:aws:s3:::([^\"]+)", policy))
    assert resources == {"sanquan-files", "sanquan-files/*"}, "the services' account reaches this bucket only"
    assert "s3:*" not in policy and "admin:" not in policy
    # every later start: the policy is already attached, which is not a failure
    again, calls = run_init(tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(calls) == 12
    # any other failure to attach is
    failed, _ = run_init(tmp_path, MC_ATTACH_ERROR="The specified user does not exist.")
    assert failed.returncode != 0 and "does not exist" in failed.stderr


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"MINIO_ROOT_PASSWORD": "short"}, "MINIO_ROOT_PASSWORD is too weak"),
        ({"S3_SECRET_ACCESS_KEY": "changeme-changeme"}, "S3_SECRET_ACCESS_KEY is too weak"),
        ({"S3_ACCESS_KEY_ID": "sanquan-root"}, "not MinIO's root"),
        ({"S3_SECRET_ACCESS_KEY": SECRETS["MINIO_ROOT_PASSWORD"]}, "must differ"),
    ],
)
def test_the_init_script_refuses_weak_or_shared_secrets_before_touching_minio(
    tmp_path: Path, overrides: dict[str, str], reason: str
) -> None:
    result, calls = run_init(tmp_path, **overrides)
    assert result.returncode != 0 and reason in result.stderr
    assert calls == []


# --- nginx, for real: the presigned link reaches the store as it was signed --------------------------------------


def sigv4_query_valid(method: str, host: str, target: str, secret: str) -> bool:
    """Checks a presigned (query) SigV4 signature the way an S3 server does, from what it received: the method,
    the Host header and the request target. Written out here, independent of botocore's signer."""
    path, _, query = target.partition("?")
    params = parse_qsl(query, keep_blank_values=True)
    given = dict(params).get("X-Amz-Signature", "")
    enc = "".join
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(params) if k != "X-Amz-Signature"
    )
    signed = dict(params)["X-Amz-SignedHeaders"]
    assert signed == "host", signed
    canonical = enc(
        [method, "\n", path, "\n", canonical_query, "\n", f"host:{host}\n", "\n", "host", "\n", "UNSIGNED-PAYLOAD"]
    )
    amz_date = dict(params)["X-Amz-Date"]
    scope = dict(params)["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), given)


class Recorder(BaseHTTPRequestHandler):
    """Stands in for MinIO: records each request as it arrives and answers with a file's bytes."""

    seen: list[tuple[str, str, dict[str, str]]] = []
    body = "证书".encode() * 1000

    def do_GET(self) -> None:
        self.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Content-Security-Policy", "block-all-mixed-content")  # MinIO's own
        self.end_headers()
        self.wfile.write(self.body)

    do_PUT = do_DELETE = do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def render(template: str, values: dict[str, str]) -> str:
    """The nginx image's entrypoint: envsubst of the variables that are defined."""
    return re.sub(r"\$\{([A-Z0-9_]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """nginx on the rendered template (the compose frontend's variables), MinIO's place taken by ``Recorder``."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.fail("nginx is missing (apt-get install nginx-light)")
    Recorder.seen = []
    store = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=store.serve_forever, daemon=True).start()
    values = {k: interpolate(v, dotenv()) for k, v in load_compose()["services"]["frontend"]["environment"].items()}
    values.update(
        GATEWAY_UPSTREAM=f"127.0.0.1:{free_port()}",
        NGINX_RESOLVER="127.0.0.1",
        S3_UPSTREAM=f"127.0.0.1:{store.server_address[1]}",
    )
    port = free_port()
    server = render(NGINX_TEMPLATE.read_text(), values).replace("listen 8080;", f"listen 127.0.0.1:{port};")
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
        yield f"http://127.0.0.1:{port}", store.server_address[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        store.shutdown()
        store.server_close()


def test_a_presigned_link_on_the_public_address_reaches_minio_as_signed_through_nginx(
    edge: tuple[str, int], kernel_env: Any
) -> None:
    base, _ = edge
    host = urlsplit(base).netloc
    # the services' settings from compose, with this nginx as the public address
    kernel_env(service_env("evaluation", dotenv(S3_PUBLIC_URL=base)))
    link = make_storage("evaluation").download_url(SHA, filename="申报书.pdf", media_type="application/pdf")
    target = link[len(base) :]
    assert target.startswith(f"/sanquan-files/evaluation/{SHA}?")
    # The SPA follows the 307 with fetch(): same origin, so its bearer token (and cookies) come along.
    r = httpx.get(link, headers={"Authorization": "Bearer the.platforms.token", "Cookie": "refresh=secret"})
    assert r.status_code == 200 and r.content == Recorder.body
    method, path, headers = Recorder.seen[-1]
    assert (method, path) == ("GET", target), "the request target reaches MinIO unchanged"
    assert headers["host"] == host, "the Host the browser sent (signed) reaches MinIO"
    assert "authorization" not in headers and "cookie" not in headers
    assert sigv4_query_valid(method, headers["host"], path, SECRETS["S3_SECRET_ACCESS_KEY"])
    assert not sigv4_query_valid(method, "minio:9000", path, SECRETS["S3_SECRET_ACCESS_KEY"])  # the check can fail
    # the platform's browser policy, one copy (MinIO's own hidden)
    assert r.headers.get_list("content-security-policy") and len(r.headers.get_list("content-security-policy")) == 1
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    # read only: nothing is written or deleted through the public address
    seen = len(Recorder.seen)
    for method in ("PUT", "DELETE", "POST"):
        assert httpx.request(method, link, content=b"x").status_code == 403, method
    assert len(Recorder.seen) == seen
    # the SPA's own paths are not the bucket's
    assert httpx.get(f"{base}/training/records").text.startswith("<!doctype html>")
