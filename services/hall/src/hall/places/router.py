"""``/api/hall/places``: a university's places. Its administrator changes them; everyone of the university (and
the province) reads them; another university's place is 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response
from sqlalchemy import select

from hall.deps import Configurer, HallUser, edit
from hall.places import service
from hall.places.models import Place
from hall.places.schemas import PlaceIn, PlaceList, PlaceOut, PlacePatch
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound, Unprocessable
from sanquan_kernel.etag import set_etag
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["places"])
FIELDS = ("kind", "name", "code", "parent_id")


def load_place(place_id: int, session: SessionDep, scope: CurrentScope) -> Place:
    place = service.get(session, scope, place_id)
    if place is None:
        raise NotFound("No such place")
    return place


PlaceDep = Annotated[Place, Depends(load_place)]


@router.get("/places")
def list_places(
    principal: HallUser,
    session: SessionDep,
    scope: CurrentScope,
    university_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    parent_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
) -> PlaceList:
    """The places of the caller's university (the province names one with ``university_id``), by name."""
    stmt = select(Place).where(service.visible(scope))  # type: ignore[arg-type]
    if university_id is not None:
        stmt = stmt.where(Place.university_id == university_id)
    elif scope.is_all:
        raise Unprocessable(
            "Name the university", errors=[{"loc": ["query", "university_id"], "msg": "required", "type": "missing"}]
        )
    if parent_id is not None:
        stmt = stmt.where(Place.parent_id == parent_id)
    if kind is not None:
        stmt = stmt.where(Place.kind == kind)
    rows = session.scalars(stmt.order_by(Place.name, Place.id).limit(5000)).all()
    return PlaceList(items=[PlaceOut.model_validate(r) for r in rows], total=len(rows))


@router.post("/places", status_code=201)
def create_place(
    principal: Configurer,
    body: PlaceIn,
    session: SessionDep,
    request: Request,
    response: Response,
) -> PlaceOut:
    from hall.deps import audit

    assert principal.university_id is not None
    service.check_parent(session, principal.university_id, body.parent_id)
    place = Place(university_id=principal.university_id, **body.model_dump())
    session.add(place)
    session.flush()
    audit(
        session,
        principal,
        "place.create",
        "place",
        place.id,
        university_id=place.university_id,
        after=body.model_dump(),
    )
    set_etag(response, place.version)
    return PlaceOut.model_validate(place)


@router.get("/places/{place_id}")
def get_place(
    principal: HallUser,
    place: PlaceDep,
    response: Response,
) -> PlaceOut:
    set_etag(response, place.version)
    return PlaceOut.model_validate(place)


@router.patch("/places/{place_id}")
def update_place(
    principal: Configurer,
    body: PlacePatch,
    place: PlaceDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> PlaceOut:
    changes = body.model_dump(exclude_unset=True)
    if ("kind" in changes and changes["kind"] is None) or ("name" in changes and changes["name"] is None):
        raise Unprocessable("kind and name cannot be emptied")
    with edit(session, request, place, principal, "place.update", fields=FIELDS) as e:
        if "parent_id" in changes:
            service.check_parent(session, place.university_id, changes["parent_id"], place.id)
        e.set(changes)
    set_etag(response, place.version)
    return PlaceOut.model_validate(place)


@router.delete("/places/{place_id}", status_code=204)
def delete_place(
    principal: Configurer,
    place: PlaceDep,
    session: SessionDep,
    request: Request,
) -> Response:
    with edit(session, request, place, principal, "place.delete", fields=FIELDS) as e:
        service.ensure_deletable(session, place)
        e.delete()
    return Response(status_code=204)
