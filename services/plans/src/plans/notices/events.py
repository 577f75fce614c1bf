"""The seam for notifications, e-mail and webhooks (issue #18, later parts): what happened to a notice, told to
whoever subscribed, inside the transaction that made the change — a subscriber that writes rows (an outbox, a
notification) writes them in that transaction, so nothing is told of a change that did not commit.

The kinds the platform's events contract names (``notice.issued``) also go to the service's outbox
(``sanquan_kernel.outbox.emit``, same transaction), from which the gateway's notification centre and webhooks are
fed; the other kinds stay local to the subscribers here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from sanquan_kernel.outbox import emit


@dataclass(frozen=True)
class NoticeEvent:
    kind: str  # notice.issued | notice.corrected | notice.extension_granted | notice.acknowledged
    notice_id: int
    year: int
    university_id: int | None = None  # the university concerned (extension, acknowledgement); None: every one
    plan_due_on: date | None = None


Subscriber = Callable[[Session, NoticeEvent], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Add a subscriber; returns the function that removes it (tests)."""
    _subscribers.append(subscriber)
    return lambda: _subscribers.remove(subscriber)


#: The kinds relayed to the gateway (issue #18's event types).
RELAYED = frozenset({"notice.issued"})


def publish(session: Session, event: NoticeEvent) -> None:
    for subscriber in list(_subscribers):
        subscriber(session, event)
    if event.kind in RELAYED:
        emit(
            session,
            event.kind,
            subject=f"notice:{event.notice_id}",
            university_id=event.university_id,
            data={"notice_id": event.notice_id, "year": event.year, "plan_due_on": event.plan_due_on},
        )
