"""Checks the Python lock files after `make lock` (issue #15, part 5).

- every requirement in requirements.txt / requirements-dev.txt is pinned exactly (``name==version``);
- each lock pins what its .txt pins, and every entry of a lock carries hashes (pip's hash-checking mode);
- requirements-dev.lock holds the runtime set of requirements.lock at the same versions (the two are resolved
  separately, so a runtime change must not leave the development environment on other versions).

Exit 1 with one line per problem.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PAIRS = {"requirements.txt": "requirements.lock", "requirements-dev.txt": "requirements-dev.lock"}


def direct(path: Path) -> dict[str, Requirement]:
    out: dict[str, Requirement] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-r"):
            continue
        req = Requirement(line)
        out[canonicalize_name(req.name)] = req
    return out


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes)."""
    out: dict[str, tuple[str, int]] = {}
    text = path.read_text().replace("\\\n", " ")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        m = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
        if not m:
            out[line] = ("?", 0)
            continue
        out[canonicalize_name(m.group(1))] = (m.group(2), line.count("--hash=sha256:"))
    return out


def problems() -> list[str]:
    found: list[str] = []
    locks = {}
    for txt, lock in PAIRS.items():
        if not (REPO / lock).exists():
            found.append(f"{lock} is missing: run `make lock`")
            continue
        pins = locked(REPO / lock)
        locks[lock] = pins
        for name, (version, hashes) in pins.items():
            if version == "?":
                found.append(f"{lock}: not an exact pin: {name}")
            elif hashes == 0:
                found.append(f"{lock}: {name}=={version} has no hash")
        for name, req in direct(REPO / txt).items():
            spec = list(req.specifier)
            if len(spec) != 1 or spec[0].operator != "==":
                found.append(f"{txt}: {req} is not pinned exactly (name==version)")
            elif name not in pins:
                found.append(f"{lock} lacks {name} from {txt}: run `make lock`")
            elif pins[name][0] != spec[0].version:
                found.append(f"{lock} has {name}=={pins[name][0]}, {txt} asks {spec[0].version}: run `make lock`")
    runtime, dev = locks.get("requirements.lock", {}), locks.get("requirements-dev.lock", {})
    for name, (version, _) in runtime.items():
        if dev and dev.get(name, ("", 0))[0] != version:
            found.append(
                f"requirements-dev.lock has {name}=={dev.get(name, ('(none)', 0))[0]}, requirements.lock {version}: "
                "pin it in requirements.txt or re-run `make lock`"
            )
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print("requirements*.lock: exact pins with hashes, the runtime set identical in both")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
