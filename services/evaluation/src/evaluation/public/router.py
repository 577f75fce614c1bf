"""Public routes, served at ``/api/public`` (the gateway forwards that prefix here without a token and with no
identity): the publicity, final results, pilots and the typical-case library, and objections from the public.

Reads are cacheable: a strong ETag of the body, ``Cache-Control: public, max-age=30,
stale-while-revalidate=300`` (nginx in compose caches them too), 304 on a matching ``If-None-Match``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

from evaluation.attachments.models import Attachment
from evaluation.campaigns.models import Campaign
from evaluation.cases.models import TypicalCase
from evaluation.deps import Orgs, ProvinceAdmin, edit
from evaluation.public import service
from evaluation.public.schemas import (
    PublicCampaigns,
    PublicCases,
    PublicFieldsIn,
    PublicFieldsOut,
    PublicObjectionIn,
    PublicObjectionOut,
    PublicPilots,
)
from sanquan_kernel.clock import today
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound, PayloadTooLarge
from sanquan_kernel.etag import set_etag
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(prefix="/api/public", tags=["public"])

CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=300"
#: An objection is a few lines of text: anything larger is refused before it is parsed.
MAX_OBJECTION_BYTES = 16 * 1024


def cached(request: Request, model: BaseModel) -> Response:
    """The body (without the fields left out, e.g. a candidate's undeclared ones) with a strong ETag of its bytes;
    304 when the client (or nginx) holds the same."""
    body = json.dumps(jsonable_encoder(model, exclude_unset=True), ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    match = request.headers.get("if-none-match", "")
    if etag in [t.strip().removeprefix("W/") for t in match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model}, 304: {"description": "Not modified (If-None-Match)"}}


@router.get("/publicity", response_class=Response, responses=_responses(PublicCampaigns))
def publicity(request: Request, session: SessionDep, orgdir: Orgs) -> Response:
    """Campaigns in their publicity period (公示) with their awarded candidates (only the public fields) and the
    period's end."""
    return cached(request, PublicCampaigns(items=service.campaigns(session, orgdir, "publicity", today())))


@router.get("/results", response_class=Response, responses=_responses(PublicCampaigns))
def results(request: Request, session: SessionDep, orgdir: Orgs, year: int | None = None) -> Response:
    """Final results of the campaigns whose publicity is over."""
    return cached(request, PublicCampaigns(items=service.campaigns(session, orgdir, "final", today(), year)))


@router.get("/pilots", response_class=Response, responses=_responses(PublicPilots))
def pilots(request: Request, session: SessionDep, orgdir: Orgs) -> Response:
    """Pilot universities (E1) by year."""
    return cached(request, PublicPilots(items=service.pilots(session, orgdir)))


@router.get("/cases", response_class=Response, responses=_responses(PublicCases))
def cases(request: Request, session: SessionDep, orgdir: Orgs) -> Response:
    """The typical-case library: 优秀案例 and 出彩后勤人 stories the province published."""
    from evaluation.cases.service import photo_counts

    return cached(request, PublicCases(items=service.cases(session, orgdir, photo_counts(session))))


@router.get("/cases/{case_id}/photos/{n}", response_class=Response)
def case_photo(case_id: int, n: int, request: Request, session: SessionDep) -> Response:
    """The n-th photo (from 1) of a published case."""
    from evaluation.attachments.service import ATTACHMENTS
    from evaluation.cases.service import photos

    case = session.get(TypicalCase, case_id)
    rows: list[Attachment] = photos(session, case_id) if case is not None and case.published else []
    if not 1 <= n <= len(rows):
        raise NotFound("No such photo")
    response = ATTACHMENTS.content(request, rows[n - 1], blind=False, inline=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@router.post("/campaigns/{campaign_id}/objections", response_model=PublicObjectionOut, status_code=201)
def lodge_objection(campaign_id: int, body: PublicObjectionIn, request: Request, session: SessionDep) -> Any:
    """An objection from the public (name, contact, reason) to the candidate numbered ``no`` on the campaign's
    publicity list; it reaches the province's objection queue. At most a few per address an hour (429)."""
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_OBJECTION_BYTES:
        raise PayloadTooLarge(f"An objection is at most {MAX_OBJECTION_BYTES} bytes")
    c = service.lodge(session, campaign_id, body, client_address(request), today())
    assert c.publicity_ends_on is not None
    return PublicObjectionOut(campaign_title=c.title, publicity_ends_on=c.publicity_ends_on)


def client_address(request: Request) -> str:
    """The visitor's address: the gateway (the only way in) puts it first in X-Forwarded-For."""
    fwd = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    return fwd[:64] or (request.client.host if request.client else "unknown")


# -- the province declares which candidate fields a campaign publishes (under /api/evaluation) --------------------
settings = ServiceRouter(tags=["public"])


@settings.get("/campaigns/{campaign_id}/public-fields", response_model=PublicFieldsOut)
def get_public_fields(campaign_id: int, session: SessionDep, _: ProvinceAdmin, response: Response) -> PublicFieldsOut:
    c = _campaign(session, campaign_id)
    set_etag(response, c.version)
    return PublicFieldsOut(campaign_id=c.id, fields=service.fields_of(c), version=c.version)


@settings.put("/campaigns/{campaign_id}/public-fields", response_model=PublicFieldsOut)
def put_public_fields(
    campaign_id: int,
    body: PublicFieldsIn,
    session: SessionDep,
    principal: ProvinceAdmin,
    request: Request,
    response: Response,
) -> PublicFieldsOut:
    """Which candidate fields the public publicity page shows (name, title, university, category, rank, score;
    default name, university, category). If-Match: the campaign's ETag."""
    c = _campaign(session, campaign_id)
    with edit(
        session, request, c, principal, "campaign.public_fields", entity="campaign", fields=("public_fields",)
    ) as e:
        e.set(public_fields=list(dict.fromkeys(body.fields)))
    set_etag(response, c.version)
    return PublicFieldsOut(campaign_id=c.id, fields=service.fields_of(c), version=c.version)


def _campaign(session: SessionDep, campaign_id: int) -> Campaign:
    c = session.get(Campaign, campaign_id)
    if c is None:
        raise NotFound("No such campaign")
    return c
