"""The gateway's commands: ``python -m sanquan_kernel.cli --service gateway
migrate|bootstrap|serve|create-admin|webhooks``, the same entrypoint as the container's (``SANQUAN_SERVICE=gateway``);
see ``sanquan_kernel.cli``. ``webhooks``: the delivery worker in a process of its own (``webhooks/process.py``)."""

from __future__ import annotations

import argparse
import getpass
import os

from sanquan_gateway.config import Settings
from sanquan_gateway.main import ALEMBIC_INI
from sanquan_kernel.cli import Command, Service


def _factory(settings: Settings):  # type: ignore[no-untyped-def]
    from sanquan_gateway.models import load_all_models
    from sanquan_kernel.db import make_engine, make_sessionmaker

    load_all_models()
    return make_sessionmaker(make_engine(settings.database_url, pool_size=2))


def _bootstrap(settings: Settings) -> None:
    """The province, the first administrator and the services' clients, if missing."""
    from sanquan_gateway.auth import passwords
    from sanquan_gateway.bootstrap import bootstrap

    passwords.use_profile(settings.password_hash_profile)
    bootstrap(_factory(settings), settings.admin_username, settings.admin_password)


def _webhooks(settings: Settings, args: argparse.Namespace) -> None:
    from sanquan_gateway.webhooks import process

    process.run(settings, args)


def _webhooks_arguments(parser: argparse.ArgumentParser) -> None:
    from sanquan_gateway.webhooks import process

    process.arguments(parser)


def _create_admin(settings: Settings, args: argparse.Namespace) -> None:
    from sanquan_gateway.bootstrap import create_admin

    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Password: ")
    create_admin(_factory(settings), args.username, password)


SERVICE = Service(
    name="gateway",
    app="sanquan_gateway.main:create_app",
    settings=Settings,
    alembic_ini=ALEMBIC_INI,
    bootstrap=_bootstrap,
    commands={
        "create-admin": Command(
            help="create a province administrator (asks for the password)",
            run=_create_admin,
            arguments=lambda parser: parser.add_argument("username"),
        ),
        "webhooks": Command(
            help="deliver the webhooks in a process of its own, at a lower priority (GATEWAY_WEBHOOK_WORKER=false)",
            run=_webhooks,
            arguments=_webhooks_arguments,
        ),
    },
)
main = SERVICE.main  # the console script sanquan-gateway

if __name__ == "__main__":
    main()
