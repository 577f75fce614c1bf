"""Routes whose request session commits in the endpoint's own worker thread.

A synchronous endpoint runs in a worker thread; the request session's dependency ends it only after the endpoint
has returned to the event loop, which on a busy process means waiting for the loop and for another thread. Every
row lock the endpoint took (a staff member's totals, a task's progress) was held for that whole wait, and
concurrent writers queued behind it in the database while holding their own threads and connections — the
convoy that made the platform collapse under load (docs/benchmarks.md). ``TransactionalRoute`` commits the
request session right where the endpoint returns, in the same thread; the dependency's own commit then finds
nothing to do (or ends a read begun while the response was being serialised). The guarantee is unchanged: the
commit happens before the response is sent, and an error in it is the request's error.

Such an endpoint that returns an instance of exactly its ``response_model`` is also answered with that model's JSON
serialised in the same thread: FastAPI would validate the returned model again in a second worker thread (for an
instance of the model itself a no-op that returns it unchanged) and then serialise it with the model's own
serialiser (``by_alias``) — the same bytes, one thread hop (~60 µs of CPU) later.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
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


_UNDECIDED = object()


def _serialise_here(route: APIRoute, endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint``, answering an instance of exactly the route's response model as FastAPI would (the model's JSON
    by alias, the route's status code, ``application/json``) but in the endpoint's own thread. Only for routes
    where FastAPI's answer is nothing more than that: the default response class, no include/exclude options,
    no ``Response`` or background tasks parameter (their headers, status and tasks are FastAPI's to merge)."""
    plan: Any = _UNDECIDED

    def decide() -> type[BaseModel] | None:
        model = route.response_model
        dependant = route.dependant
        plain = (
            isinstance(model, type)
            and issubclass(model, BaseModel)
            and isinstance(route.response_class, DefaultPlaceholder)
            and route.response_model_include is None
            and route.response_model_exclude is None
            and route.response_model_by_alias
            and not route.response_model_exclude_unset
            and not route.response_model_exclude_defaults
            and not route.response_model_exclude_none
            and dependant.response_param_name is None
            and dependant.background_tasks_param_name is None
            and (route.status_code is None or (200 <= route.status_code < 300 and route.status_code != 204))
        )
        return model if plain else None

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        nonlocal plan
        result = endpoint(*args, **kwargs)
        if plan is _UNDECIDED:
            plan = decide()
        if plan is not None and type(result) is plan:
            return Response(
                result.model_dump_json(by_alias=True),
                status_code=route.status_code or 200,
                media_type="application/json",
            )
        return result

    return run


class TransactionalRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _serialise_here(self, _commit_when_done(endpoint))
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
