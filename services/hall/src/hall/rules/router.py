"""``/api/hall/routing`` and ``/api/hall/promises``: the university administrator's configuration (S1). Read by
the university's logistics side and the province (which names the university)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from hall.deps import ConfigReader, Configurer, Orgs, audit
from hall.rules import service
from hall.rules.schemas import PromisesIn, PromisesOut, RoutingIn, RoutingOut, RoutingRuleOut
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Scope
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["configuration"])
UniversityQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def _university(scope: Scope, orgs: OrgDirectory, university_id: int | None) -> int:
    """The caller's own university; the province names one (another university than one's own: 404)."""
    if scope.is_all:
        if university_id is None:
            raise Unprocessable(
                "Name the university",
                errors=[{"loc": ["query", "university_id"], "msg": "required", "type": "missing"}],
            )
        if not orgs.is_university(university_id):
            raise NotFound("No such university")
        return university_id
    if scope.university_id is None or (university_id is not None and university_id != scope.university_id):
        raise NotFound("No such university")
    return scope.university_id


@router.get("/routing")
def get_routing(
    principal: ConfigReader, session: SessionDep, scope: CurrentScope, orgs: Orgs, university_id: UniversityQuery = None
) -> RoutingOut:
    uni = _university(scope, orgs, university_id)
    return RoutingOut(university_id=uni, rules=[RoutingRuleOut.model_validate(r) for r in service.rules(session, uni)])


@router.put("/routing")
def put_routing(body: RoutingIn, principal: Configurer, session: SessionDep, orgs: Orgs) -> RoutingOut:
    uni = principal.university_id
    assert uni is not None
    before = [RoutingRuleOut.model_validate(r).model_dump() for r in service.rules(session, uni)]
    service.replace_rules(session, orgs, uni, body.rules)
    audit(
        session,
        principal,
        "routing.replace",
        "routing",
        uni,
        university_id=uni,
        before={"rules": before},
        after={"rules": [r.model_dump() for r in body.rules]},
    )
    return RoutingOut(university_id=uni, rules=[RoutingRuleOut.model_validate(r) for r in service.rules(session, uni)])


@router.get("/promises")
def get_promises(
    principal: ConfigReader, session: SessionDep, scope: CurrentScope, orgs: Orgs, university_id: UniversityQuery = None
) -> PromisesOut:
    uni = _university(scope, orgs, university_id)
    return PromisesOut(university_id=uni, promises=service.promises(session, uni))


@router.put("/promises")
def put_promises(body: PromisesIn, principal: Configurer, session: SessionDep) -> PromisesOut:
    uni = principal.university_id
    assert uni is not None
    service.put_promises(session, uni, body.promises)
    audit(
        session,
        principal,
        "promises.update",
        "promise",
        uni,
        university_id=uni,
        after={"promises": [p.model_dump() for p in body.promises]},
    )
    return PromisesOut(university_id=uni, promises=service.promises(session, uni))
