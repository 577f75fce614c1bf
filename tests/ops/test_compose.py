"""docker-compose.yml: valid against the Compose Specification, and the deployment's invariants hold."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ops.conftest import (
    COMPOSE_FILE,
    MONITORING,
    PYTHON_SERVICES,
    ROOT,
    env_example,
    load_compose,
    tool,
)

SECRET_WORDS = ("PASSWORD", "SECRET", "SIGNING_KEY")


def check_schema(path: Path) -> subprocess.CompletedProcess[str]:
    exe = tool("check-jsonschema")
    if exe is None:
        pytest.fail("check-jsonschema is missing (requirements-dev.txt)")
    return subprocess.run(
        [exe, "--builtin-schema", "vendor.compose-spec", str(path)], capture_output=True, text=True, check=False
    )


def test_compose_file_follows_the_compose_specification() -> None:
    result = check_schema(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_compose_file(tmp_path: Path) -> None:
    broken = load_compose()
    broken["services"]["training"]["depends_on"]["postgres"]["condition"] = "when_it_feels_like_it"
    broken["services"]["training"]["ports"] = {"8002": 8002}
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken))
    assert check_schema(path).returncode != 0


def published(service: dict[str, Any]) -> list[str]:
    return [str(p) for p in service.get("ports", [])]


def test_only_the_frontend_publishes_a_port(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        ports = published(service)
        if name == "frontend":
            assert ports and all(p.endswith(":8080") for p in ports)
        elif name in MONITORING:
            # Grafana of the optional profile: loopback only.
            assert all(p.startswith("127.0.0.1:") for p in ports), (name, ports)
            assert service.get("profiles") == ["monitoring"]
        else:
            assert not ports, f"{name} publishes {ports}"


def test_the_database_and_the_services_live_on_the_internal_network_only(compose: dict[str, Any]) -> None:
    assert compose["networks"]["internal"]["internal"] is True
    for name in ("postgres", *PYTHON_SERVICES):
        assert compose["services"][name]["networks"] == ["internal"], name
    assert set(compose["services"]["frontend"]["networks"]) == {"internal", "edge"}


def test_every_service_waits_for_a_healthy_database_and_has_a_readiness_healthcheck(
    compose: dict[str, Any],
) -> None:
    for name, (_, _, port) in PYTHON_SERVICES.items():
        service = compose["services"][name]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy", name
        test = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/readyz" in test, name
        assert service["restart"] == "unless-stopped"
    assert "pg_isready -h 127.0.0.1" in " ".join(compose["services"]["postgres"]["healthcheck"]["test"])
    assert compose["services"]["frontend"]["depends_on"]["gateway"]["condition"] == "service_healthy"


def test_services_can_be_scaled_no_container_names_no_fixed_host_ports(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert "container_name" not in service, name
        if name in PYTHON_SERVICES or name == "postgres":
            assert "ports" not in service


def test_every_python_service_is_built_from_the_one_dockerfile_and_run_by_its_image(compose: dict[str, Any]) -> None:
    for name, (folder, _, port) in PYTHON_SERVICES.items():
        service = compose["services"][name]
        args = {"SERVICE": name, "PORT": str(port)} | ({"SERVICE_DIR": folder} if folder != f"services/{name}" else {})
        assert service["build"] == {"context": ".", "args": args}, name
        assert "command" not in service and "entrypoint" not in service, "the image's CMD is the entrypoint"
        assert service["image"].endswith(f"/{name}:${{SANQUAN_VERSION:-0.1.0}}")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict)
    return {k: str(v) for k, v in env.items()}


def test_no_secret_is_baked_into_the_compose_file(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            if any(w in key for w in SECRET_WORDS) and name != "grafana":
                assert re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]+\}", value), f"{name}.{key} must come from .env"
            if "DATABASE_URL" in key:
                assert re.search(r":\$\{[A-Z_]+_DB_PASSWORD:\?[^}]+\}@postgres:5432/", value), key
    text = COMPOSE_FILE.read_text()
    assert "BEGIN" not in text and "PRIVATE KEY" not in text
    assert "GATEWAY_SIGNING_KEY:" not in text, "the signing key is generated into the gateway's volume"


def test_the_signing_key_lives_in_a_named_volume_at_the_gateways_data_dir(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert environment(gateway)["DATA_DIR"] == "/data"
    assert "gateway-data:/data" in gateway["volumes"]
    assert "gateway-data" in compose["volumes"]


def test_each_process_gets_only_its_own_database_and_secret(compose: dict[str, Any]) -> None:
    services = ("plans", "training", "evaluation")
    for name in services:
        env = environment(compose["services"][name])
        prefix = name.upper()
        assert f"@postgres:5432/{name}" in env[f"{prefix}_DATABASE_URL"]
        others = [s.upper() for s in services if s != name]
        assert not [k for k in env if any(k.startswith(o + "_") for o in others)], f"{name} sees another's secret"
    gateway_env = environment(compose["services"]["gateway"])
    for name in services:
        assert f"{name.upper()}_SERVICE_CLIENT_SECRET" in gateway_env
        assert gateway_env[f"GATEWAY_{name.upper()}_URL"] == f"http://{name}:{PYTHON_SERVICES[name][2]}"
    assert gateway_env["GATEWAY_TRUST_PROXY_HEADERS"] == "true"


def test_the_postgres_init_script_creates_every_database(compose: dict[str, Any]) -> None:
    pg = compose["services"]["postgres"]
    assert any(v.endswith("/docker-entrypoint-initdb.d/10-init-databases.sh:ro") for v in pg["volumes"])
    assert pg["image"].startswith("postgres:16")
    for name in PYTHON_SERVICES:
        assert f"{name.upper()}_DB_PASSWORD" in environment(pg)


def referenced_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text()))


def test_every_variable_of_the_compose_file_is_documented_in_env_example() -> None:
    documented = env_example()
    missing = referenced_variables() - set(documented)
    assert not missing, f"document in .env.example: {sorted(missing)}"


def test_env_example_holds_no_secret_values_and_asks_for_production() -> None:
    values = env_example()
    assert values["ENVIRONMENT"] == "production"
    for key, value in values.items():
        if any(w in key for w in SECRET_WORDS):
            assert value == "", f"{key} must be left empty in .env.example"
    unused = set(values) - referenced_variables()
    assert not unused, f".env.example documents variables compose never passes: {sorted(unused)}"


def test_env_and_backups_are_not_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".env" in ignored
    dockerignore = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".git", ".venv", "var/", "backups/", "frontend/node_modules"):
        assert entry in dockerignore, entry
