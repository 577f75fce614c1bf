"""A person's e-mail preference, and which notifications went out by e-mail (each once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_gateway.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow
from sanquan_kernel.schedule import ScheduledJobMixin


class MailPreference(Base):
    """Opt-in: without a row (or with mode ``off``) nothing is mailed."""

    __tablename__ = "mail_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    mode: Mapped[str] = mapped_column(String(16), default="off")  # off | immediate | daily
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")  # zh-CN | en
    #: Notifications created from this instant on are mailed (switching on does not mail the backlog).
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MailDelivery(Base):
    """A notification sent by e-mail (its own mail or in a digest): never sent twice."""

    __tablename__ = "mail_delivery"

    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    mode: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduledJob(ScheduledJobMixin, Base):
    """The gateway's durable schedule (``sanquan_kernel.schedule``): the mail jobs."""

    __tablename__ = "scheduled_job"
