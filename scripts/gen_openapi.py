"""The platform's OpenAPI document built in-process, without a running server (issue #15, part 5).

Each app is created against an in-memory SQLite database (nothing is connected or migrated: only the routes and
models are read), and the services' documents are merged into the gateway's exactly as the gateway merges them at
``/api/openapi.json`` (``sanquan_gateway.openapi.platform_document``). The SPA's ``src/api/schema.d.ts`` is generated
from this document by openapi-typescript (frontend/node_modules), and ``make test`` fails when the committed file
differs from a fresh generation.

    python scripts/gen_openapi.py --json OUT.json   # the merged OpenAPI document
    python scripts/gen_openapi.py --write           # frontend/src/api/schema.d.ts (= make schema, npm run gen:api)
    python scripts/gen_openapi.py --check           # exit 1 when the committed schema.d.ts is stale (make test)
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FRONTEND = REPO / "frontend"
SCHEMA_TS = FRONTEND / "src" / "api" / "schema.d.ts"
OPENAPI_TS = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"


def platform_openapi() -> dict[str, Any]:
    """Call with DATA_DIR set to a scratch directory (main() does): nothing is to be written under var/."""
    from evaluation.config import Settings as EvaluationSettings
    from evaluation.main import create_app as evaluation_app
    from hall.config import Settings as HallSettings
    from hall.main import create_app as hall_app
    from plans.config import Settings as PlansSettings
    from plans.main import create_app as plans_app
    from sanquan_gateway.config import Settings as GatewaySettings
    from sanquan_gateway.main import create_app as gateway_app
    from sanquan_gateway.openapi import platform_document
    from sanquan_kernel.tokens import SigningKey
    from training.config import Settings as TrainingSettings
    from training.main import create_app as training_app

    memory = "sqlite://"
    pem = SigningKey.generate().private_pem
    gateway_settings = GatewaySettings(database_url=memory, signing_key=pem.decode() if isinstance(pem, bytes) else pem)
    gateway: Any = gateway_app(gateway_settings, start_background=False)
    services = {
        "plans": plans_app(PlansSettings(database_url=memory)),
        "training": training_app(TrainingSettings(database_url=memory)),
        "evaluation": evaluation_app(EvaluationSettings(database_url=memory)),
        "hall": hall_app(HallSettings(database_url=memory)),
    }
    # The gateway's proxy order (Settings.upstreams), so that renamed components come out as in production.
    order = list(gateway_settings.upstreams())
    assert sorted(order) == sorted(services), (order, list(services))
    base = gateway.state.kernel.extras["openapi"].app.openapi()
    return platform_document(base, {name: services[name].openapi() for name in order}, [])


def typescript(doc: dict[str, Any], scratch: Path) -> bytes:
    """The document through openapi-typescript (the version pinned in frontend/package-lock.json)."""
    source, target = scratch / "openapi.json", scratch / "schema.d.ts"
    source.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not OPENAPI_TS.exists():
        raise SystemExit(f"{OPENAPI_TS} is missing: run `make frontend/node_modules/.installed` (npm ci) first")
    # --default-non-nullable=false: a field with a default stays optional, as it is in a request body. Responses
    # carry every field (pydantic serialises defaults too); the SPA reads them through `Sent<>` (src/api/generated.ts).
    command = [str(OPENAPI_TS), str(source), "--default-non-nullable=false", "-o", str(target)]
    subprocess.run(command, cwd=FRONTEND, check=True, capture_output=True)
    return target.read_bytes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--json", metavar="OUT", help="write the merged OpenAPI document (JSON) to OUT ('-': stdout)")
    mode.add_argument("--write", action="store_true", help=f"regenerate {SCHEMA_TS.relative_to(REPO)}")
    mode.add_argument("--check", action="store_true", help="fail when the committed schema.d.ts is stale")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the apps' start-up notes (no database, generated key) are noise here
    with tempfile.TemporaryDirectory(prefix="sanquan-openapi-") as scratch:
        os.environ["DATA_DIR"] = scratch  # nothing written under var/ (SQLite files, storage directories)
        doc = platform_openapi()
        if args.json:
            text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
            if args.json == "-":
                sys.stdout.write(text)
            else:
                Path(args.json).write_text(text, encoding="utf-8")
            return 0
        generated = typescript(doc, Path(scratch))
    rel = SCHEMA_TS.relative_to(REPO)
    if args.write:
        if SCHEMA_TS.exists() and SCHEMA_TS.read_bytes() == generated:
            print(f"{rel}: up to date")
        else:
            SCHEMA_TS.write_bytes(generated)
            print(f"{rel}: regenerated")
        return 0
    committed = SCHEMA_TS.read_bytes() if SCHEMA_TS.exists() else b""
    if committed == generated:
        print(f"{rel}: matches the servers' OpenAPI")
        return 0
    diff = list(
        difflib.unified_diff(
            committed.decode().splitlines(),
            generated.decode().splitlines(),
            f"{rel} (in the tree)",
            f"{rel} (from the servers' models)",
            lineterm="",
        )
    )
    print("\n".join(diff[:80]) + (f"\n... {len(diff) - 80} more diff lines" if len(diff) > 80 else ""))
    print(
        f"\n{rel} is out of date: the servers' OpenAPI changed. Regenerate it with `make schema` "
        "(or `npm run gen:api` in frontend/), fix the SPA's types if vue-tsc complains, and commit the file.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
