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
#: service name in compose -> (Dockerfile, the package's cli module, its port)
PYTHON_SERVICES = {
    "gateway": ("gateway/Dockerfile", "sanquan_gateway.cli", 8000),
    "plans": ("services/plans/Dockerfile", "plans.cli", 8001),
    "training": ("services/training/Dockerfile", "training.cli", 8002),
    "evaluation": ("services/evaluation/Dockerfile", "evaluation.cli", 8003),
}
DOCKERFILES = [ROOT / d for d, _, _ in PYTHON_SERVICES.values()] + [ROOT / "frontend/Dockerfile"]
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
