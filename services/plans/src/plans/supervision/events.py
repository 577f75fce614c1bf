"""The seam for notifications, e-mail and webhooks of rectifications (issue #19): ``rectification.assigned`` when a
finding asks a university to rectify, ``rectification.overdue`` when one passes its deadline unclosed (once, like
an overdue milestone's escalation). Published inside the transaction of the change, so a subscriber that writes
rows (the outbox) writes them in it and nothing is told of a change that did not commit.

Both go to the kernel's outbox (issue #18): the gateway tells the university's administrators (and a named
department's managers; the province too when one is overdue) and the university's webhook endpoints.
``subscribe`` stays for in-process listeners (tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from sanquan_kernel.outbox import emit


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
    emit(
        session,
        event.kind,
        subject=f"rectification:{event.rectification_id}",
        university_id=event.university_id,
        department_id=event.department_id,
        data={
            "rectification_id": event.rectification_id,
            "finding_id": event.finding_id,
            "due_on": event.due_on,
            "severity": event.severity,
        },
    )
