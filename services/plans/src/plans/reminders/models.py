"""The plans service's durable schedule (``sanquan_kernel.schedule``): one row per job."""

from __future__ import annotations

from plans.models import Base
from sanquan_kernel.schedule import ScheduledJobMixin


class ScheduledJob(ScheduledJobMixin, Base):
    __tablename__ = "scheduled_job"
