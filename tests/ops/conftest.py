"""Shared helpers of the operations checks: the repository's deployment files, parsed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
#: service name in compose -> (its source folder, its package, its port)
PYTHON_SERVICES = {
    "gateway": ("gateway", "sanquan_gateway", 8000),
    "plans": ("services/plans", "plans", 8001),
    "training": ("services/training", "training", 8002),
    "evaluation": ("services/evaluation", "evaluation", 8003),
    "hall": ("services/hall", "hall", 8004),
}
#: The one image of the gateway and every service (build argument SERVICE), and the SPA's.
SERVICE_DOCKERFILE = ROOT / "Dockerfile"
DOCKERFILES = [SERVICE_DOCKERFILE, ROOT / "frontend/Dockerfile"]
MONITORING = {"prometheus", "grafana"}


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            values[m.group(1)] = m.group(2)
    return values


def tool(name: str) -> str | None:
    """A command from the project's virtualenv first, then PATH."""
    candidate = VENV_BIN / name
    if candidate.exists():
        return str(candidate)
    return shutil.which(name)


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return load_compose()
