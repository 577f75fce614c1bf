"""The plans service's commands (``migrate``, ``serve``, ``run-due-jobs``): ``python -m sanquan_kernel.cli --service
plans …``, the same entrypoint as the container's (``SANQUAN_SERVICE=plans``); see ``sanquan_kernel.cli``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from plans.config import Settings
from plans.main import ALEMBIC_INI
from sanquan_kernel.cli import Service, due_jobs_command


def _due_jobs(sessions: Any, settings: Settings) -> Iterable[Any]:
    """The reminder jobs, with the org directory read from the gateway first."""
    from plans.reminders import service as reminders
    from sanquan_kernel.app import GatewaySync
    from sanquan_kernel.orgdir import OrgDirectory
    from sanquan_kernel.revocation import RevocationList
    from sanquan_kernel.service_client import ServiceClient

    orgdir = OrgDirectory()
    client = ServiceClient(settings.gateway_url, f"svc-{settings.service_name}", settings.resolved_client_secret())
    GatewaySync(client, orgdir, RevocationList(), settings.sync_interval).refresh_orgs()
    return reminders.run_due_jobs(sessions, settings, orgdir)


SERVICE = Service(
    name="plans",
    app="plans.main:create_app",
    settings=Settings,
    alembic_ini=ALEMBIC_INI,
    commands={"run-due-jobs": due_jobs_command("run the reminder jobs that are due (issue #18)", _due_jobs)},
)
main = SERVICE.main  # the console script sanquan-plans

if __name__ == "__main__":
    main()
