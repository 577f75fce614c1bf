"""The deployment's edge: nginx sends the gateway's browser policy and bounds request heads like the processes,
Prometheus scrapes with METRICS_TOKEN, and the refresh cookie is Secure by default."""

from __future__ import annotations

import re
from typing import Any

import yaml

from sanquan_kernel.middleware import SECURITY_HEADERS
from tests.ops.conftest import PYTHON_SERVICES, ROOT, env_example

NGINX_TEMPLATE = ROOT / "ops/nginx/default.conf.template"
PROMETHEUS = ROOT / "ops/prometheus/prometheus.yml"


def _blocks() -> tuple[str, dict[str, str]]:
    text = NGINX_TEMPLATE.read_text()
    pattern = r"location\s+(?:=\s*)?(\S+)\s*\{(.*?)\n    \}"
    locations = {m.group(1): m.group(2) for m in re.finditer(pattern, text, re.S)}
    server = re.sub(pattern, "", text, flags=re.S)
    return server, locations


def _added(block: str) -> dict[str, str]:
    return {
        m.group(1).lower(): m.group(2).strip('"')
        for m in re.finditer(r"add_header\s+(\S+)\s+(\"[^\"]*\"|\S+)\s+always;", block)
    }


def test_nginx_sends_the_gateways_security_headers_on_every_location() -> None:
    server, locations = _blocks()
    expected = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}
    assert _added(server).items() >= expected.items(), "server level"
    for path, body in locations.items():
        if "add_header" in body:  # nginx inherits no add_header into a location that has its own
            assert _added(body).items() >= expected.items(), path
        if "proxy_pass" in body:  # one copy of each header: nginx's
            hidden = {m.lower() for m in re.findall(r"proxy_hide_header\s+(\S+);", body)}
            assert hidden >= set(expected), path


def test_nginx_bounds_request_heads_like_the_processes() -> None:
    server, _ = _blocks()
    env = env_example()
    line = int(env["MAX_HEADER_LINE_BYTES"])
    m = re.search(r"large_client_header_buffers\s+(\d+)\s+(\d+)k;", server)
    assert m and int(m.group(2)) * 1024 == line and int(m.group(1)) * line <= int(env["MAX_HEADER_BYTES"])
    m = re.search(r"client_header_timeout\s+(\d+)s;", server)
    assert m and int(m.group(1)) <= int(env["HEADER_TIMEOUT_SECONDS"])


def test_every_process_gets_the_head_limits_and_the_metrics_token(compose: dict[str, Any]) -> None:
    for name in PYTHON_SERVICES:
        env = compose["services"][name]["environment"]
        for var in ("METRICS_TOKEN", "MAX_HEADER_BYTES", "MAX_HEADER_LINE_BYTES", "HEADER_TIMEOUT_SECONDS"):
            assert env[var] == f"${{{var}:-{env_example()[var]}}}", (name, var)


def test_prometheus_scrapes_with_the_metrics_token_from_a_compose_secret(compose: dict[str, Any]) -> None:
    assert compose["secrets"]["metrics_token"] == {"environment": "METRICS_TOKEN"}
    assert compose["services"]["prometheus"]["secrets"] == ["metrics_token"]
    jobs = yaml.safe_load(PROMETHEUS.read_text())["scrape_configs"]
    assert {j["job_name"] for j in jobs} == set(PYTHON_SERVICES)
    for job in jobs:
        assert job["authorization"] == {"credentials_file": "/run/secrets/metrics_token"}, job["job_name"]


def test_the_refresh_cookie_is_secure_by_default_in_compose(compose: dict[str, Any]) -> None:
    assert compose["services"]["gateway"]["environment"]["GATEWAY_COOKIE_SECURE"] == "${GATEWAY_COOKIE_SECURE:-true}"
    assert env_example()["GATEWAY_COOKIE_SECURE"] == "true"
