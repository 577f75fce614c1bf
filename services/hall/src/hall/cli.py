"""The service hall's commands (``migrate``, ``serve``, ``run-due-jobs``): ``python -m sanquan_kernel.cli --service
hall …``, the same entrypoint as the container's (``SANQUAN_SERVICE=hall``); see ``sanquan_kernel.cli``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from hall.config import Settings
from hall.main import ALEMBIC_INI
from sanquan_kernel.cli import Command, Service


def _run_due_jobs(settings: Settings, args: argparse.Namespace) -> None:
    """Run the promise-timer job if it is due now (or at ``--at``, a frozen clock: demos and browser journeys)."""
    from hall.requests import timers
    from sanquan_kernel import clock
    from sanquan_kernel.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url, pool_size=2)
    try:
        if args.at:
            clock.set_now(datetime.fromisoformat(args.at))
        for outcome in timers.run_due_jobs(make_sessionmaker(engine), settings):
            out = {"job": outcome.name, "ran": outcome.ran, "result": outcome.result, "error": outcome.error}
            print(json.dumps(out))
    finally:
        engine.dispose()


def _due_jobs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--at", help="an aware ISO instant to run as (the clock frozen there)")


SERVICE = Service(
    name="hall",
    app="hall.main:create_app",
    settings=Settings,
    alembic_ini=ALEMBIC_INI,
    commands={
        "run-due-jobs": Command(
            help="run the promise-timer job if it is due (S1)", run=_run_due_jobs, arguments=_due_jobs_arguments
        )
    },
)
main = SERVICE.main  # the console script sanquan-hall

if __name__ == "__main__":
    main()
