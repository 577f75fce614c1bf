"""The seam for notifications, e-mail and webhooks (issue #18, later parts): what happened to a notice, told to
whoever subscribed, inside the transaction that made the change — a subscriber that writes rows (an outbox, a
notification) writes them in that transaction, so nothing is told of a change that did not commit.

Nothing subscribes yet; ``subscribe`` is how the notification centre and the webhook outbox will hook in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session


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


def publish(session: Session, event: NoticeEvent) -> None:
    for subscriber in list(_subscribers):
        subscriber(session, event)
