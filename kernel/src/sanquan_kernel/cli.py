"""The one command line of every process: ``python -m sanquan_kernel.cli [--service NAME] migrate|serve|…``.

The same entrypoint runs natively (``make run``, ``tests/harness.py``: ``--service plans``) and in the one image
(``Dockerfile``: ``SANQUAN_SERVICE=plans`` set by the build argument ``SERVICE``). A service names only what is its
own in its ``cli.py``::

    SERVICE = Service(name="plans", app="plans.main:create_app", settings=Settings, alembic_ini=ALEMBIC_INI)
    main = SERVICE.main  # the console script sanquan-plans

``--service NAME`` (or ``SANQUAN_SERVICE``) imports ``NAME.cli`` or, failing that, ``sanquan_NAME.cli`` and uses its
``SERVICE``: a fourth service needs nothing here. Commands every service has:

* ``migrate`` — upgrade its database to head (safe with several replicas, see ``migrate.migrate``);
* ``serve [--host] [--port] [--workers] [--no-migrate]`` — migrate, run the service's ``bootstrap`` if it has one,
  then serve (``serve.serve``: bounded request heads, private files) on ``--port``, else ``SANQUAN_PORT`` (the
  image's), else the settings' ``<NAME>_PORT``.

A service adds its own (the gateway: ``bootstrap`` and ``create-admin``) with ``Command``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

SERVICE_ENV = "SANQUAN_SERVICE"
PORT_ENV = "SANQUAN_PORT"


@dataclass(frozen=True)
class Command:
    """A service's own sub-command: ``arguments`` adds its options, ``run(settings, args)`` does it."""

    help: str
    run: Callable[[Any, argparse.Namespace], None]
    arguments: Callable[[argparse.ArgumentParser], object] = lambda parser: None


def due_jobs_command(help: str, jobs: Callable[[Any, Any], Iterable[Any]]) -> Command:
    """The ``run-due-jobs`` command of a service with scheduled jobs (``sanquan_kernel.schedule``): run those due
    now — or at ``--at``, an aware ISO instant the clock is frozen at (demos, browser journeys) — and print what each
    did as a JSON line. ``jobs(sessionmaker, settings)`` runs them and yields their ``schedule`` outcomes."""

    def run(settings: Any, args: argparse.Namespace) -> None:
        from sanquan_kernel import clock
        from sanquan_kernel.db import make_engine, make_sessionmaker

        engine = make_engine(settings.database_url, pool_size=2)
        try:
            if args.at:
                clock.set_now(datetime.fromisoformat(args.at))
            for outcome in jobs(make_sessionmaker(engine), settings):
                out = {"job": outcome.name, "ran": outcome.ran, "result": outcome.result, "error": outcome.error}
                print(json.dumps(out))
        finally:
            engine.dispose()

    def arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--at", help="an aware ISO instant to run as (the clock frozen there)")

    return Command(help=help, run=run, arguments=arguments)


@dataclass(frozen=True)
class Service:
    """What the command line needs to know of one service (the gateway is one too)."""

    #: The name in compose, ``make run`` and ``SANQUAN_SERVICE``; its upper case prefixes the environment.
    name: str
    #: ``module:factory`` of the ASGI app (uvicorn imports it in every worker).
    app: str
    #: The service's settings class (``database_url``, ``port``, and ``workers`` if it has one).
    settings: Callable[[], Any]
    alembic_ini: Path
    #: Run by ``serve`` after the migration (and as the command ``bootstrap`` when given).
    bootstrap: Callable[[Any], None] | None = None
    commands: dict[str, Command] = field(default_factory=dict)

    def main(self, argv: Sequence[str] | None = None) -> None:
        run(self, argv)


def parser_for(service: Service) -> argparse.ArgumentParser:
    prefix = service.name.upper()
    parser = argparse.ArgumentParser(prog=f"sanquan-{service.name}")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate", help="upgrade the database to head")
    then = ", bootstrap" if service.bootstrap else ""
    serve = sub.add_parser("serve", help=f"migrate{then}, then serve")
    serve.add_argument("--host", default=os.environ.get(f"{prefix}_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=None, help=f"default: {PORT_ENV}, else {prefix}_PORT")
    serve.add_argument("--no-migrate", action="store_true")
    serve.add_argument("--workers", type=int, default=None, help=f"worker processes (default: {prefix}_WORKERS or 1)")
    if service.bootstrap is not None:
        sub.add_parser("bootstrap", help="create what the service needs on first start, if missing")
    for name, command in service.commands.items():
        command.arguments(sub.add_parser(name, help=command.help))
    return parser


def run(service: Service, argv: Sequence[str] | None = None) -> None:
    from sanquan_kernel import serve as server
    from sanquan_kernel.migrate import migrate

    args = parser_for(service).parse_args(argv)
    server.private_files()
    settings = service.settings()
    if args.cmd == "migrate" or (args.cmd == "serve" and not args.no_migrate):
        migrate(service.alembic_ini, settings.database_url)
    if service.bootstrap is not None and args.cmd in ("bootstrap", "serve"):
        service.bootstrap(settings)
    if args.cmd in service.commands:
        service.commands[args.cmd].run(settings, args)
    if args.cmd == "serve":
        workers = args.workers or getattr(settings, "workers", None)
        workers = workers or int(os.environ.get(f"{service.name.upper()}_WORKERS", "1"))
        # In the image SANQUAN_PORT is the port the build argument PORT gave it (and its healthcheck asks).
        port = args.port or int(os.environ.get(PORT_ENV) or settings.port)
        server.serve(service.app, host=args.host, port=port, workers=workers)


def load(name: str) -> Service:
    """The ``SERVICE`` of ``NAME.cli`` or ``sanquan_NAME.cli``."""
    if not name.isidentifier():
        raise SystemExit(f"not a service name: {name!r}")
    for module_name in (f"{name}.cli", f"sanquan_{name}.cli"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, module_name.split(".")[0]):
                continue
            raise
        service = getattr(module, "SERVICE", None)
        if isinstance(service, Service):
            return service
        raise SystemExit(f"{module_name} declares no SERVICE")
    raise SystemExit(f"no service named {name!r}: neither {name}.cli nor sanquan_{name}.cli can be imported")


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    name = os.environ.get(SERVICE_ENV, "")
    if argv[:1] == ["--service"] and len(argv) > 1:
        name, argv = argv[1], argv[2:]
    elif argv[:1] and argv[0].startswith("--service="):
        name, argv = argv[0].partition("=")[2], argv[1:]
    if not name:
        raise SystemExit(f"usage: python -m sanquan_kernel.cli --service NAME COMMAND … (or set {SERVICE_ENV})")
    load(name).main(argv)


if __name__ == "__main__":
    # Run as ``python -m``, this file is ``__main__``; the services' ``SERVICE`` is an instance of the imported
    # module's class, so dispatch through that module.
    from sanquan_kernel.cli import main as _main

    _main()
