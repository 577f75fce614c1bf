"""The gateway's event intake (issue #18, docs/webhooks.md): services relay their outbox to ``POST
/internal/events``; each new event is stored once in ``events`` and handed, in the same transaction, to every
handler registered with :func:`subscribe` (the notification centre, the webhook deliveries).

A handler is ``handler(session, event)`` with the :class:`~sanquan_gateway.events.models.Event` row; it adds rows
to the session and never commits. An exception in a handler fails the whole intake (the relay sends again later),
so nothing is stored without its notifications and deliveries.

A batch handler (:func:`subscribe_batch`) is ``handler(session, events)`` with the new events of one intake in
their order of arrival: it asks its queries once per batch and writes its rows with one statement (the intake of
a relay's 200 events is then a few statements, not a few per event). Batch handlers run first, then the
per-event ones event by event."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from sanquan_gateway.events.models import Event

Handler = Callable[[Session, Event], None]
BatchHandler = Callable[[Session, Sequence[Event]], None]
_handlers: list[Handler] = []
_batch_handlers: list[BatchHandler] = []


def subscribe(handler: Handler) -> Handler:
    """Registers ``handler`` for every new event (idempotent; usable as a decorator)."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def subscribe_batch(handler: BatchHandler) -> BatchHandler:
    """Registers ``handler`` for every batch of new events (idempotent; usable as a decorator)."""
    if handler not in _batch_handlers:
        _batch_handlers.append(handler)
    return handler


def handlers() -> tuple[Handler, ...]:
    return tuple(_handlers)


def dispatch_all(session: Session, events: Sequence[Event]) -> None:
    """Hands the new events of one intake (in their order of arrival) to every handler."""
    if not events:
        return
    for batch_handler in tuple(_batch_handlers):
        batch_handler(session, events)
    for event in events:
        for handler in tuple(_handlers):
            handler(session, event)


def dispatch(session: Session, event: Event) -> None:
    dispatch_all(session, (event,))


__all__ = ["BatchHandler", "Event", "Handler", "dispatch", "dispatch_all", "handlers", "subscribe", "subscribe_batch"]
