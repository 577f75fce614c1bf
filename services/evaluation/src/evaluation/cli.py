"""The evaluation service's commands (``migrate``, ``serve``): ``python -m sanquan_kernel.cli --service evaluation …``,
the same entrypoint as the container's (``SANQUAN_SERVICE=evaluation``); see ``sanquan_kernel.cli``."""

from __future__ import annotations

from evaluation.config import Settings
from evaluation.main import ALEMBIC_INI
from sanquan_kernel.cli import Service

SERVICE = Service(name="evaluation", app="evaluation.main:create_app", settings=Settings, alembic_ini=ALEMBIC_INI)
main = SERVICE.main  # the console script sanquan-evaluation

if __name__ == "__main__":
    main()
