"""``python -m evaluation.cli migrate|serve``: the same entrypoints for the native run and the container."""

from __future__ import annotations

import argparse

from evaluation.config import Settings
from evaluation.main import ALEMBIC_INI
from sanquan_kernel import serve as server
from sanquan_kernel.migrate import migrate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sanquan-evaluation")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate", help="upgrade the database to head")
    serve = sub.add_parser("serve", help="migrate, then serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--no-migrate", action="store_true")
    serve.add_argument("--workers", type=int, default=None, help="worker processes (default: EVALUATION_WORKERS or 1)")
    args = parser.parse_args(argv)
    server.private_files()
    settings = Settings()
    if args.cmd == "migrate" or (args.cmd == "serve" and not args.no_migrate):
        migrate(ALEMBIC_INI, settings.database_url)
    if args.cmd == "serve":
        server.serve(
            "evaluation.main:create_app",
            host=args.host,
            port=args.port or settings.port,
            workers=args.workers or settings.workers,
        )


if __name__ == "__main__":
    main()
