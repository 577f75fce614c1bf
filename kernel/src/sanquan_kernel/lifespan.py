"""A service's background threads, run with its app (the outbox relay, the schedule).

``run_in_background(app, start)`` chains onto the app's lifespan: once the kernel's own lifespan is up, and only
when the service has a client of its own towards the gateway (not in tests that build the app alone), ``start``
builds and starts the worker; it is stopped when the app stops."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol


class Stoppable(Protocol):
    def stop(self) -> None: ...


def run_in_background(app: Any, start: Callable[[Any], Stoppable]) -> None:
    """Start ``start(state)``'s worker with the app (a service's ``create_app``), stop it with the app."""
    state = app.state.kernel
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        async with kernel_lifespan(a) as inner:
            worker = start(state) if state.service_client is not None else None
            try:
                yield inner
            finally:
                if worker is not None:
                    worker.stop()

    app.router.lifespan_context = lifespan
