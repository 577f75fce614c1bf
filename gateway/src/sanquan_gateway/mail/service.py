"""Sending (issue #18): the notifications of the people who opted in, by e-mail through the SMTP relay.

Two jobs on the gateway's durable schedule (``sanquan_kernel.schedule``, once across replicas): ``mail.immediate``
every minute mails each new notification of people in mode ``immediate``; ``mail.digest`` at 08:00 in the province
mails one digest of the unread new notifications of people in mode ``daily``. A notification mailed is recorded
(``mail_delivery``, its primary key) in the run's transaction: it is never mailed twice, and a failed send (the relay
away) rolls the run back, so it goes out on a later run. The sending itself is aiosmtplib (a maintained asyncio
client), one connection per run."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

import aiosmtplib
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sanquan_gateway.accounts.models import User
from sanquan_gateway.mail import templates
from sanquan_gateway.mail.models import MailDelivery, MailPreference
from sanquan_gateway.notifications.models import Notification
from sanquan_kernel import clock, schedule

BATCH = 500


@dataclass(frozen=True)
class Relay:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool | None  # None: when the server offers it
    tls: bool
    sender: str
    timeout: float

    @classmethod
    def from_settings(cls, settings: Any) -> Relay | None:
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            starttls=settings.smtp_starttls,
            tls=settings.smtp_tls,
            sender=settings.smtp_from,
            timeout=settings.smtp_timeout_seconds,
        )

    def send(self, messages: list[EmailMessage]) -> None:
        """Send every message over one connection; any failure raises (the caller's run rolls back)."""
        if not messages:
            return

        async def go() -> None:
            smtp = aiosmtplib.SMTP(
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls,
                start_tls=self.starttls,
                timeout=self.timeout,
            )
            async with smtp:
                for message in messages:
                    await smtp.send_message(message)

        asyncio.run(go())


def _message(relay: Relay, to: str, subject: str, body: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = relay.sender
    m["To"] = formataddr(("", to))
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="sanquan.local")
    m.set_content(body, charset="utf-8")
    return m


def _pending(session: Session, mode: str) -> list[tuple[Notification, MailPreference]]:
    stmt = (
        select(Notification, MailPreference)
        .join(MailPreference, MailPreference.user_id == Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .outerjoin(MailDelivery, MailDelivery.notification_id == Notification.id)
        .where(
            MailPreference.mode == mode,
            User.active,
            MailDelivery.notification_id.is_(None),
            Notification.created_at >= MailPreference.since,
        )
        .order_by(Notification.id)
        .limit(BATCH)
    )
    if mode == "daily":  # a digest leaves out what the person already read in the platform
        stmt = stmt.where(Notification.read_at.is_(None))
    return [(n, p) for n, p in session.execute(stmt).tuples()]


def _record(session: Session, rows: list[tuple[Notification, MailPreference]], mode: str) -> None:
    now = clock.now()
    session.execute(
        insert(MailDelivery),
        [{"notification_id": n.id, "user_id": n.user_id, "mode": mode, "sent_at": now} for n, _ in rows],
    )


def send_immediate(session: Session, relay: Relay, public_url: str) -> int:
    rows = _pending(session, "immediate")
    if not rows:
        return 0
    _record(session, rows, "immediate")
    messages = []
    for n, pref in rows:
        subject, body = templates.single(n.kind, n.params, public_url + n.link, pref.language)
        messages.append(_message(relay, pref.email, subject, body))
    relay.send(messages)
    return len(messages)


def send_digests(session: Session, relay: Relay, public_url: str) -> int:
    rows = _pending(session, "daily")
    if not rows:
        return 0
    _record(session, rows, "daily")
    by_person: dict[int, list[tuple[Notification, MailPreference]]] = defaultdict(list)
    for n, pref in rows:
        by_person[pref.user_id].append((n, pref))  # the same person: the preference is joined on the user
    messages = []
    for items in by_person.values():
        pref = items[0][1]
        subject, body = templates.digest([(n.kind, n.params, public_url + n.link) for n, _ in items], pref.language)
        messages.append(_message(relay, pref.email, subject, body))
    relay.send(messages)
    return len(messages)


#: The digest goes out at 08:00 in the province.
DIGEST_ANCHOR = datetime(2026, 1, 1, 8, 0, tzinfo=clock.PROVINCE_TZ)


def jobs(settings: Any) -> list[schedule.Job]:
    """The gateway's mail jobs (none when no relay is configured)."""
    relay = Relay.from_settings(settings)
    if relay is None:
        return []
    public_url = settings.public_url.rstrip("/")
    immediate = timedelta(seconds=settings.mail_immediate_seconds)
    return [
        schedule.Job("mail.immediate", immediate, lambda s, _now: send_immediate(s, relay, public_url)),
        schedule.Job(
            "mail.digest",
            timedelta(days=1),
            lambda s, _now: send_digests(s, relay, public_url),
            anchor=DIGEST_ANCHOR,
            at_once=False,
        ),
    ]
