"""The gateway's declarative base; each domain package declares its tables on it."""

from sqlalchemy.orm import DeclarativeBase

from sanquan_kernel.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def load_all_models() -> None:
    from gateway.accounts import models as _accounts  # noqa: F401
    from gateway.audit import models as _audit  # noqa: F401
    from gateway.auth import models as _auth  # noqa: F401
    from gateway.orgs import models as _orgs  # noqa: F401
