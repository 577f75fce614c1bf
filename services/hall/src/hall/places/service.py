"""Places (S1): each university's buildings, rooms and areas, the university administrator's to keep."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hall.places.models import Place
from sanquan_kernel.errors import Conflict, Unprocessable
from sanquan_kernel.principal import Scope


def visible(scope: Scope) -> object:
    """Places are read by everyone of their university (a student: of their own university)."""
    if scope.university_id is not None and not scope.is_all:
        return Place.university_id == scope.university_id
    return scope.where(university=Place.university_id)


def get(session: Session, scope: Scope, place_id: int) -> Place | None:
    return session.scalar(select(Place).where(Place.id == place_id, visible(scope)))  # type: ignore[arg-type]


def check_parent(session: Session, university_id: int, parent_id: int | None, place_id: int | None = None) -> None:
    """A parent is a place of the same university, and never the place itself or one inside it (no cycles)."""
    if parent_id is None:
        return
    seen: set[int] = set()
    current: int | None = parent_id
    while current is not None:
        if current == place_id or current in seen:
            raise Unprocessable(
                "A place cannot lie inside itself",
                errors=[{"loc": ["body", "parent_id"], "msg": "a cycle", "type": "value"}],
            )
        seen.add(current)
        row = session.get(Place, current)
        if row is None or row.university_id != university_id:
            raise Unprocessable(
                "The parent is not a place of this university",
                errors=[{"loc": ["body", "parent_id"], "msg": "no such place", "type": "value"}],
            )
        current = row.parent_id


def ancestors(session: Session, place_id: int | None) -> list[int]:
    """The place and the places it lies in, nearest first."""
    out: list[int] = []
    current = place_id
    while current is not None and current not in out:
        out.append(current)
        current = session.scalar(select(Place.parent_id).where(Place.id == current))
    return out


def ensure_deletable(session: Session, place: Place) -> None:
    from hall.requests.models import HallRequest

    if session.scalar(select(exists().where(Place.parent_id == place.id))):
        raise Conflict("Places lie inside this one; delete or move them first", code="place_in_use")
    if session.scalar(select(exists().where(HallRequest.place_id == place.id))):
        raise Conflict("Requests name this place; it stays for their history", code="place_in_use")
