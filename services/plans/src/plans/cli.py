"""The plans service's commands (``migrate``, ``serve``): ``python -m sanquan_kernel.cli --service plans …``,
the same entrypoint as the container's (``SANQUAN_SERVICE=plans``); see ``sanquan_kernel.cli``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from plans.config import Settings
from plans.main import ALEMBIC_INI
from sanquan_kernel.cli import Command, Service


def _run_due_jobs(settings: Settings, args: argparse.Namespace) -> None:
    """Run the reminder jobs that are due now (or at ``--at``, a frozen clock: demos and browser journeys), with
    the org directory read from the gateway; prints what each job did."""
    from plans.reminders import service as reminders
    from sanquan_kernel import clock
    from sanquan_kernel.app import GatewaySync
    from sanquan_kernel.db import make_engine, make_sessionmaker
    from sanquan_kernel.orgdir import OrgDirectory
    from sanquan_kernel.revocation import RevocationList
    from sanquan_kernel.service_client import ServiceClient

    orgdir = OrgDirectory()
    client = ServiceClient(settings.gateway_url, f"svc-{settings.service_name}", settings.resolved_client_secret())
    GatewaySync(client, orgdir, RevocationList(), settings.sync_interval).refresh_orgs()
    engine = make_engine(settings.database_url, pool_size=2)
    try:
        if args.at:
            clock.set_now(datetime.fromisoformat(args.at))
        for outcome in reminders.run_due_jobs(make_sessionmaker(engine), settings, orgdir):
            out = {"job": outcome.name, "ran": outcome.ran, "result": outcome.result, "error": outcome.error}
            print(json.dumps(out))
    finally:
        engine.dispose()


def _due_jobs_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--at", help="an aware ISO instant to run as (the clock frozen there)")


SERVICE = Service(
    name="plans",
    app="plans.main:create_app",
    settings=Settings,
    alembic_ini=ALEMBIC_INI,
    commands={
        "run-due-jobs": Command(
            help="run the reminder jobs that are due (issue #18)", run=_run_due_jobs, arguments=_due_jobs_arguments
        )
    },
)
main = SERVICE.main  # the console script sanquan-plans

if __name__ == "__main__":
    main()
