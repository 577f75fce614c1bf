"""The plans service's commands (``migrate``, ``serve``): ``python -m sanquan_kernel.cli --service plans …``,
the same entrypoint as the container's (``SANQUAN_SERVICE=plans``); see ``sanquan_kernel.cli``."""

from __future__ import annotations

from plans.config import Settings
from plans.main import ALEMBIC_INI
from sanquan_kernel.cli import Service

SERVICE = Service(name="plans", app="plans.main:create_app", settings=Settings, alembic_ini=ALEMBIC_INI)
main = SERVICE.main  # the console script sanquan-plans

if __name__ == "__main__":
    main()
