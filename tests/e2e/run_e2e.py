"""Start the real platform with demo data (SQLite, free ports, the built SPA served by the gateway), then run the
browser journeys of ``frontend/`` against it (``npm run test:e2e`` with ``E2E_BASE_URL``).

``python tests/e2e/run_e2e.py e2e/files.test.mjs`` runs only the named journey files (paths under ``frontend/``):
``journeys``, ``workflows``, ``phone``, ``files`` (attachments, #16), ``i18n`` (messages in the user's language,
#17), ``import`` (the Excel import that explains itself, #17: template, Excel row numbers, the error report) and
``conventions`` (the workbench, English on demand, axe-core on every page of every role, #17 parts 4-5) and
``notices`` (the province issues the year's notice, a university acknowledges it on a phone, the province sees it,
#18) are all run by default (every ``e2e/*.test.mjs``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.harness import Stack  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    only = list(sys.argv[1:] if argv is None else argv)
    if not (ROOT / "frontend" / "dist" / "index.html").is_file():
        print("e2e: frontend/dist is missing; run `make frontend` first", file=sys.stderr)
        return 1
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium).exists() and not shutil.which("chromium"):
        if os.environ.get("CI", "").lower() in ("1", "true"):
            print("e2e: chromium is required in CI (apt-get install chromium)", file=sys.stderr)
            return 1
        print("e2e: skipped, chromium is not installed (apt-get install chromium)")
        return 0
    with Stack(name="e2e", test_profile=True) as stack:
        stack.seed_demo()
        env = {**os.environ, "E2E_BASE_URL": stack.url, "E2E_PASSWORD": stack.password}
        command = ["node", "--test", "--test-concurrency=1", *only] if only else ["npm", "run", "test:e2e"]
        return subprocess.run(command, cwd=ROOT / "frontend", env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
