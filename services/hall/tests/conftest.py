"""Fixtures: the hall app on a fresh, migrated database — SQLite and PostgreSQL — with tokens from the kernel's
test key and the sample org tree (two universities). ``database_url``, ``shared_app``, ``app`` and ``client`` come
from the kernel's test plugin (``sanquan_kernel.testing_plugin``); this file says which service they are of.
Students and teachers get tokens like the gateway's (role student|teacher, subject ``hall:<identity id>``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hall.config import Settings
from hall.main import ALEMBIC_INI, create_app
from hall.models import Base
from sanquan_kernel.testing_plugin import ServiceUnderTest


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.standard("hall", ALEMBIC_INI, Base.metadata, create_app, Settings)


sys.path.insert(0, str(Path(__file__).parent))
