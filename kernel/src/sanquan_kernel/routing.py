"""Routes whose request session commits in the endpoint's own worker thread.

A synchronous endpoint runs in a worker thread; the request session's dependency ends it only after the endpoint
has returned to the event loop, which on a busy process means waiting for the loop and for another thread. Every
row lock the endpoint took (a staff member's totals, a task's progress) was held for that whole wait, and
concurrent writers queued behind it in the database while holding their own threads and connections — the
convoy that made the platform collapse under load (docs/benchmarks.md). ``TransactionalRoute`` commits the
request session right where the endpoint returns, in the same thread; the dependency's own commit then finds
nothing to do (or ends a read begun while the response was being serialised). The guarantee is unchanged: the
commit happens before the response is sent, and an error in it is the request's error.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


def _commit_when_done(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for value in kwargs.values():
            if isinstance(value, Session) and value.in_transaction():
                value.commit()
        return result

    return run


class TransactionalRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _commit_when_done(endpoint)
        super().__init__(path, endpoint, **kwargs)


def ServiceRouter(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` whose routes commit in the endpoint's thread (every service router is one)."""
    return APIRouter(route_class=TransactionalRoute, **kwargs)


def check_transactional(routers: Iterable[APIRouter]) -> None:
    """Refuse to build a service with a route that would commit late (a router made with plain ``APIRouter``)."""
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and not isinstance(route, TransactionalRoute):
                raise TypeError(f"{route.path} is not a TransactionalRoute: make its router with ServiceRouter()")
