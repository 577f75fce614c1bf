"""Metrics every process exposes (pool use, audited changes as business events), the Prometheus scrape and
alert configuration, the Grafana dashboard, and nginx keeping /metrics and the internal paths private."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from sanquan_kernel import testing as kt
from sanquan_kernel.metrics import refresh_pool_gauges, track_engine
from tests.ops.conftest import PYTHON_SERVICES, ROOT

PROMETHEUS = ROOT / "ops/prometheus/prometheus.yml"
ALERTS = ROOT / "ops/prometheus/alerts.yml"
DASHBOARDS = ROOT / "ops/grafana/dashboards"
NGINX_TEMPLATE = ROOT / "ops/nginx/default.conf.template"
#: /metrics answers a caller on the process's own host (or one with METRICS_TOKEN).
PROMETHEUS_HOST = ("127.0.0.1", 50000)
#: Metric names the processes export (kernel metrics, the gateway's proxy, prometheus_client defaults).
KNOWN_METRICS = {
    "up",
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "http_requests_shed_total",
    "gateway_upstream_failures_total",
    "gateway_upstream_duration_seconds_bucket",
    "db_pool_connections_in_use",
    "db_pool_connections_max",
    "business_events_total",
    "process_resident_memory_bytes",
}


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


def training_app(tmp_path: Path) -> Any:
    from sanquan_kernel.migrate import migrate
    from training.config import Settings
    from training.main import ALEMBIC_INI, create_app

    url = f"sqlite:///{tmp_path}/training.db"
    migrate(ALEMBIC_INI, url)
    return create_app(
        Settings(database_url=url),
        authenticator=kt.make_authenticator(),
        orgdir=kt.sample_orgdir(),
        start_sync=False,
    )


def test_metrics_report_database_connections_in_use_and_the_pool_size(tmp_path: Path) -> None:
    app = training_app(tmp_path)
    engine = app.state.kernel.engine
    with TestClient(app, client=PROMETHEUS_HOST) as client:
        conn = engine.connect()  # a request in flight holding a connection
        try:
            text = client.get("/metrics").text
        finally:
            conn.close()
        in_use = samples(text, "db_pool_connections_in_use")[(("service", "training"),)]
        assert in_use >= 1
        assert samples(text, "db_pool_connections_max")[(("service", "training"),)] >= 10
        after = samples(client.get("/metrics").text, "db_pool_connections_in_use")[(("service", "training"),)]
        assert after == in_use - 1


def test_pool_gauges_forget_engines_that_are_gone() -> None:
    from sanquan_kernel.db import make_engine
    from sanquan_kernel.metrics import DB_POOL_CHECKED_OUT

    engine = make_engine("sqlite:///:memory:")
    track_engine(engine, "ops-probe")
    conn = engine.connect()
    refresh_pool_gauges()
    assert DB_POOL_CHECKED_OUT.labels("ops-probe")._value.get() >= 0
    conn.close()
    del conn, engine
    refresh_pool_gauges()  # no error for a collected engine


def test_every_committed_audit_entry_counts_as_a_business_event_and_rolled_back_ones_do_not(tmp_path: Path) -> None:
    from sanquan_kernel.audit import record_audit
    from training.models import AuditEntry

    app = training_app(tmp_path)
    factory = app.state.kernel.sessionmaker
    with TestClient(app, client=PROMETHEUS_HOST) as client:

        def count() -> float:
            key = (("event", "ops.probe"), ("service", "training"))
            return samples(client.get("/metrics").text, "business_events_total").get(key, 0.0)

        start = count()
        with factory.begin() as session:
            record_audit(session, AuditEntry, None, "ops.probe", "probe", 1)
            record_audit(session, AuditEntry, None, "ops.probe", "probe", 2)
        session = factory()
        record_audit(session, AuditEntry, None, "ops.probe", "probe", 3)
        session.flush()
        session.rollback()
        session.close()
        assert count() == start + 2


def test_prometheus_scrapes_every_replica_of_every_process() -> None:
    config = yaml.safe_load(PROMETHEUS.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == set(PYTHON_SERVICES)
    for name, (_, _, port) in PYTHON_SERVICES.items():
        sd = jobs[name]["dns_sd_configs"][0]
        assert sd == {"names": [name], "type": "A", "port": port}, "DNS discovery finds every replica"
        assert jobs[name].get("metrics_path", "/metrics") == "/metrics"


def expressions() -> list[str]:
    exprs = [r["expr"] for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]]
    for path in DASHBOARDS.glob("*.json"):
        exprs += [t["expr"] for p in json.loads(path.read_text())["panels"] for t in p["targets"]]
    return exprs


def test_alerts_and_dashboard_use_only_metrics_the_processes_export() -> None:
    functions = {
        "sum", "rate", "by", "histogram_quantile", "topk", "max", "count", "absent", "or", "and", "le", "on",
    }  # fmt: skip
    for expr in expressions():
        stripped = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"", "", expr)
        names = set(re.findall(r"[a-z_][a-z0-9_]*", stripped)) - functions
        labels = {"service", "route", "status", "upstream", "kind", "job", "instance", "event", "method"}
        unknown = names - KNOWN_METRICS - labels
        assert not unknown, f"{expr}: {unknown}"


def test_alerts_cover_what_the_operations_guide_promises() -> None:
    rules = {r["alert"] for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]}
    assert {"ProcessDown", "HighServerErrorRate", "UpstreamFailures", "DatabasePoolSaturated"} <= rules
    guide = (ROOT / "docs/operations.md").read_text()
    for rule in rules:
        assert rule in guide, f"docs/operations.md does not explain {rule}"


def test_the_grafana_dashboard_is_provisioned_from_the_mounted_folder() -> None:
    provider = yaml.safe_load((ROOT / "ops/grafana/provisioning/dashboards/sanquan.yml").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    target = provider["providers"][0]["options"]["path"]
    assert f"./ops/grafana/dashboards:{target}:ro" in mounts
    dashboards = list(DASHBOARDS.glob("*.json"))
    assert len(dashboards) == 1
    dash = json.loads(dashboards[0].read_text())
    assert dash["uid"] and len(dash["panels"]) >= 8


def nginx_locations() -> dict[str, str]:
    text = NGINX_TEMPLATE.read_text()
    return {m.group(1): m.group(2) for m in re.finditer(r"location\s+(?:=\s*)?(\S+)\s*\{(.*?)\n    \}", text, re.S)}


def test_nginx_proxies_only_the_api_and_well_known_to_the_gateway() -> None:
    locations = nginx_locations()
    proxied = {path for path, body in locations.items() if "proxy_pass $gateway;" in body}
    # /api/public/ is the gateway too, read through nginx's cache (#19, tests/ops/test_public_cache.py)
    assert proxied == {"/api/", "/api/public/", "/.well-known/"}
    # the one other proxied location is the files' bucket, to MinIO (presigned links, tests/ops/test_files_s3.py)
    others = {path: body for path, body in locations.items() if "proxy_pass" in body and path not in proxied}
    assert list(others) == ["/${S3_BUCKET}/"] and "proxy_pass $s3;" in others["/${S3_BUCKET}/"]
    api = locations["/api/"]
    for directive in (
        "proxy_set_header X-Real-IP $remote_addr",
        "proxy_request_buffering off",
        "proxy_buffering off",
        "proxy_read_timeout ${NGINX_PROXY_TIMEOUT}",
    ):
        assert directive in api, directive
    assert "try_files $uri $uri/ /index.html" in locations["/"]
    # /metrics, /internal/, /readyz never reach a process: they fall to the SPA's index.html.
    for private in ("/metrics", "/internal/", "/readyz", "/healthz"):
        assert not any(private.startswith(p) for p in proxied)


def test_nginx_accepts_the_bodies_the_platform_accepts() -> None:
    env = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if re.match(r"^[A-Z]", line)
    )
    body = env["NGINX_MAX_BODY_SIZE"]
    assert body.endswith("m") and int(body[:-1]) * 1024 * 1024 >= int(env["MAX_BODY_BYTES"])
    template_vars = set(re.findall(r"\$\{([A-Z_]+)\}", NGINX_TEMPLATE.read_text()))
    dockerfile = (ROOT / "frontend/Dockerfile").read_text()
    for var in template_vars:
        assert f"{var}=" in dockerfile, f"{var} has no default in frontend/Dockerfile"
