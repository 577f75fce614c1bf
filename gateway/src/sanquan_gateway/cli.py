"""``python -m gateway.cli migrate|bootstrap|serve|create-admin``: the same entrypoints natively and in containers."""

from __future__ import annotations

import argparse
import getpass
import os

from sanquan_gateway.config import Settings
from sanquan_gateway.main import ALEMBIC_INI
from sanquan_kernel import serve as server
from sanquan_kernel.migrate import migrate


def _factory(settings: Settings):  # type: ignore[no-untyped-def]
    from sanquan_gateway.models import load_all_models
    from sanquan_kernel.db import make_engine, make_sessionmaker

    load_all_models()
    return make_sessionmaker(make_engine(settings.database_url, pool_size=2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sanquan-gateway")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate", help="upgrade the database to head")
    sub.add_parser("bootstrap", help="create the province, first admin and service clients if missing")
    admin = sub.add_parser("create-admin", help="create a province administrator (asks for the password)")
    admin.add_argument("username")
    serve = sub.add_parser("serve", help="migrate, bootstrap, then serve")
    serve.add_argument("--host", default=os.environ.get("GATEWAY_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=int(os.environ.get("GATEWAY_WORKERS", "1")))
    args = parser.parse_args(argv)
    server.private_files()
    settings = Settings()
    if args.cmd in ("migrate", "serve"):
        migrate(ALEMBIC_INI, settings.database_url)
    if args.cmd in ("bootstrap", "serve"):
        from sanquan_gateway.bootstrap import bootstrap

        bootstrap(_factory(settings), settings.admin_username, settings.admin_password)
    if args.cmd == "create-admin":
        from sanquan_gateway.bootstrap import create_admin

        password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Password: ")
        create_admin(_factory(settings), args.username, password)
    if args.cmd == "serve":
        server.serve(
            "sanquan_gateway.main:create_app",
            host=args.host,
            port=args.port or settings.port,
            workers=args.workers,
        )


if __name__ == "__main__":
    main()
