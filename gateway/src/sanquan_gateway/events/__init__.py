"""The gateway's event intake (issue #18, docs/webhooks.md): services relay their outbox to ``POST
/internal/events``; each new event is stored once in ``events`` and handed, in the same transaction, to every
handler registered with :func:`subscribe` (the notification centre, the webhook deliveries).

A handler is ``handler(session, event)`` with the :class:`~sanquan_gateway.events.models.Event` row; it adds rows
to the session and never commits. An exception in a handler fails the whole intake (the relay sends again later),
so nothing is stored without its notifications and deliveries."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from sanquan_gateway.events.models import Event

Handler = Callable[[Session, Event], None]
_handlers: list[Handler] = []


def subscribe(handler: Handler) -> Handler:
    """Registers ``handler`` for every new event (idempotent; usable as a decorator)."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def handlers() -> tuple[Handler, ...]:
    return tuple(_handlers)


def dispatch(session: Session, event: Event) -> None:
    for handler in tuple(_handlers):
        handler(session, event)


__all__ = ["Event", "Handler", "dispatch", "handlers", "subscribe"]
