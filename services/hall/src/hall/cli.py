"""The service hall's commands (``migrate``, ``serve``, ``run-due-jobs``): ``python -m sanquan_kernel.cli --service
hall …``, the same entrypoint as the container's (``SANQUAN_SERVICE=hall``); see ``sanquan_kernel.cli``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hall.config import Settings
from hall.main import ALEMBIC_INI
from sanquan_kernel.cli import Service, due_jobs_command


def _due_jobs(sessions: Any, settings: Settings) -> Iterable[Any]:
    from hall.models import load_all_models
    from hall.requests import timers

    load_all_models()  # a request's place, rules…: the mapper needs every table (no app was built in this process)
    return timers.run_due_jobs(sessions, settings)


SERVICE = Service(
    name="hall",
    app="hall.main:create_app",
    settings=Settings,
    alembic_ini=ALEMBIC_INI,
    commands={"run-due-jobs": due_jobs_command("run the promise-timer job if it is due (S1)", _due_jobs)},
)
main = SERVICE.main  # the console script sanquan-hall

if __name__ == "__main__":
    main()
