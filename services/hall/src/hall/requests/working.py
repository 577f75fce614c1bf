"""Working minutes (S1): a promise counts the minutes of its working hours in the province's calendar
(``sanquan_kernel.clock.PROVINCE_TZ``); no working hours = round the clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sanquan_kernel.clock import PROVINCE_TZ


def _hhmm(s: str) -> time:
    h, m = s.split(":")
    return time(int(h), int(m))


def add_working_minutes(start: datetime, minutes: int, working_hours: dict[str, Any] | None) -> datetime:
    """The instant at which ``minutes`` working minutes have passed since ``start``."""
    if not working_hours:
        return start + timedelta(minutes=minutes)
    days = set(working_hours.get("days") or [])
    if not days:
        return start + timedelta(minutes=minutes)
    open_at, close_at = _hhmm(working_hours["start"]), _hhmm(working_hours["end"])
    local = start.astimezone(PROVINCE_TZ)
    left = timedelta(minutes=minutes)
    day = local.date()
    for _ in range(800):  # at most two years of calendar: a promise is at most 90 days of minutes
        if day.isoweekday() in days:
            begin = datetime.combine(day, open_at, PROVINCE_TZ)
            end = datetime.combine(day, close_at, PROVINCE_TZ)
            cur = max(begin, local)
            if cur < end:
                available = end - cur
                if left <= available:
                    return (cur + left).astimezone(start.tzinfo)
                left -= available
        day += timedelta(days=1)
    raise ValueError("working hours too sparse for this promise")
