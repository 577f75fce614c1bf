"""Lists: ``limit`` (default 50, at most 500) and ``offset``; answers ``{items, total, limit, offset}``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(_page_params)]


def paginate(session: Session, stmt: Select[tuple[T]], page: PageParams) -> tuple[list[T], int]:
    """Run ``stmt`` for one page and count all of its rows. A page shorter than the limit is the last one, so its
    rows tell the total: the separate COUNT runs only for a full page or an empty page past the start."""
    items = list(session.scalars(stmt.limit(page.limit).offset(page.offset)))
    if len(items) < page.limit and (items or page.offset == 0):
        return items, page.offset + len(items)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return items, total
