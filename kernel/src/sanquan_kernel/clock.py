"""The one clock every process reads: the instant (``now``, aware UTC) and the province's calendar day (``today``).

Dates a person reads — "today" for "not in the future", "overdue", a phase window, a publicity period — are days
of the province (Asia/Shanghai), not of the server. Nothing else in the tree calls ``datetime.now`` or
``date.today``: timestamps come from ``now()`` (``sanquan_kernel.db.utcnow`` is it), days from ``today()``, so a
test can move time for the whole process::

    with clock.frozen(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)):   # 00:30 on 1 January in the province
        assert clock.today() == date(2027, 1, 1)

The frozen instant is process-wide (not a context variable): the requests a ``TestClient`` sends run in another
thread and must see it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

#: The province's time zone: what "today" means for every rule about days.
PROVINCE_TZ = ZoneInfo("Asia/Shanghai")

_fixed: datetime | None = None


def now() -> datetime:
    """The current instant, aware, in UTC (the frozen one in a test that set it)."""
    fixed = _fixed
    return datetime.now(UTC) if fixed is None else fixed


def today() -> date:
    """The province's calendar day at this instant."""
    return now().astimezone(PROVINCE_TZ).date()


def local_date(at: datetime | None) -> date | None:
    """The province's calendar day of an instant (``None`` stays ``None``); a naive instant is taken as UTC."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(PROVINCE_TZ).date()


def _aware(at: datetime | date) -> datetime:
    if not isinstance(at, datetime):
        # A day alone means noon of that day in the province: the same day in UTC and in the province.
        return datetime(at.year, at.month, at.day, 12, tzinfo=PROVINCE_TZ).astimezone(UTC)
    if at.tzinfo is None:
        raise ValueError("a frozen instant must be aware (say which zone it is in)")
    return at.astimezone(UTC)


def set_now(at: datetime | date | None) -> None:
    """Freeze the clock at ``at`` (an aware instant, or a day: its noon in the province); ``None`` lets it run."""
    global _fixed
    _fixed = None if at is None else _aware(at)


def advance(by: timedelta) -> None:
    """Move a frozen clock forward (or back, with a negative ``by``)."""
    if _fixed is None:
        raise RuntimeError("the clock is not frozen")
    set_now(_fixed + by)


@contextmanager
def frozen(at: datetime | date) -> Iterator[None]:
    """The clock stands at ``at`` inside the block and runs again after it (even when the block raises)."""
    before = _fixed
    set_now(at)
    try:
        yield
    finally:
        set_now(before)
