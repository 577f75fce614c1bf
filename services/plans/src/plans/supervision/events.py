"""The seam for notifications, e-mail and webhooks of rectifications (issue #19): ``rectification.assigned`` when a
finding asks a university to rectify, ``rectification.overdue`` when one passes its deadline unclosed (once, like
an overdue milestone's escalation). Published inside the transaction of the change, so a subscriber that writes
rows (the outbox) writes them in it and nothing is told of a change that did not commit.

The kernel's outbox was not on main when this was written; it subscribes here (``subscribe``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class RectificationEvent:
    kind: str  # rectification.assigned | rectification.overdue
    rectification_id: int
    finding_id: int
    university_id: int
    department_id: int | None
    due_on: date
    severity: str


Subscriber = Callable[[Session, RectificationEvent], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Add a subscriber; returns the function that removes it (tests)."""
    _subscribers.append(subscriber)
    return lambda: _subscribers.remove(subscriber)


def publish(session: Session, event: RectificationEvent) -> None:
    for subscriber in list(_subscribers):
        subscriber(session, event)
