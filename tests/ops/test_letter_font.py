"""The Chinese font of the PDF responsibility letters (#16) and of the annual report (#19: its charts and its PDF) is
installed wherever the plans and evaluation services run: their images (the one Dockerfile with SERVICE=plans or
evaluation), CI (.ci/run) — and it is the package that ships the file the services look for first."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from plans.letters.document import FONT_CANDIDATES
from tests.ops.conftest import ROOT, SERVICE_DOCKERFILE
from tests.ops.test_images import build_args, expanded

PACKAGE = "fonts-wqy-zenhei"


def installs(stage: list[tuple[str, str]], service: str) -> list[str]:
    """The Debian packages the stage's RUNs install for ``service`` (``if [ "<service>" = "x" ] || …`` honoured)."""
    found: list[str] = []
    for word, arg in stage:
        if word != "RUN" or "apt-get install" not in arg:
            continue
        guard = re.search(r'if (\[ "[^"]*" = "[^"]*" \](?: \|\| \[ "[^"]*" = "[^"]*" \])*);', arg)
        if guard and not any(a == b for a, b in re.findall(r'\[ "([^"]*)" = "([^"]*)" \]', guard.group(1))):
            continue
        found += [p.split("=")[0] for p in re.findall(r"\b([a-z0-9][a-z0-9.+-]+=[^\s;&]+)", arg)]
    return found


@pytest.mark.parametrize("service", ["plans", "training", "evaluation", "gateway", "hall"])
def test_only_the_plans_and_evaluation_images_install_the_font(service: str) -> None:
    final = expanded(SERVICE_DOCKERFILE.read_text(), build_args(service))[-1]
    assert (PACKAGE in installs(final, service)) == (service in ("plans", "evaluation"))


def test_ci_installs_the_letter_font() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"apt-get install -y -qq {PACKAGE}" in ci and FONT_CANDIDATES[0] in ci


def test_the_package_ships_the_font_the_service_looks_for_first() -> None:
    if shutil.which("dpkg") is None:
        pytest.skip("not a Debian machine")
    result = subprocess.run(["dpkg", "-S", FONT_CANDIDATES[0]], capture_output=True, text=True, check=False)
    assert result.stdout.startswith(f"{PACKAGE}:"), result.stdout + result.stderr
