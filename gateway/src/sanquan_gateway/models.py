"""The gateway's declarative base; each domain package declares its tables on it."""

from sqlalchemy.orm import DeclarativeBase

from sanquan_kernel.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


def load_all_models() -> None:
    from sanquan_gateway.accounts import models as _accounts  # noqa: F401
    from sanquan_gateway.audit import models as _audit  # noqa: F401
    from sanquan_gateway.auth import models as _auth  # noqa: F401
    from sanquan_gateway.events import models as _events  # noqa: F401
    from sanquan_gateway.hall_identity import models as _hall_identity  # noqa: F401
    from sanquan_gateway.mail import models as _mail  # noqa: F401
    from sanquan_gateway.notifications import models as _notifications  # noqa: F401
    from sanquan_gateway.orgs import models as _orgs  # noqa: F401
    from sanquan_gateway.webhooks import models as _webhooks  # noqa: F401
