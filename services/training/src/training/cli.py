"""The training service's commands (``migrate``, ``serve``): ``python -m sanquan_kernel.cli --service training …``,
the same entrypoint as the container's (``SANQUAN_SERVICE=training``); see ``sanquan_kernel.cli``."""

from __future__ import annotations

from sanquan_kernel.cli import Service
from training.config import Settings
from training.main import ALEMBIC_INI

SERVICE = Service(name="training", app="training.main:create_app", settings=Settings, alembic_ini=ALEMBIC_INI)
main = SERVICE.main  # the console script sanquan-training

if __name__ == "__main__":
    main()
