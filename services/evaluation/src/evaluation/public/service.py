"""Public publicity (公示, Y3): what anyone reads without signing in, and objections from the public.

- Campaigns in publicity (and, after the period, final) show their awarded entries with only the fields the
  campaign declares public (default: name, university, category); never a record's id, phone or staff number.
- A visitor objects to a candidate by its place on the list with a name, a contact and a reason; the objection
  lands in the campaign's objection queue (the province's), marked public. Per client address at most
  ``OBJECTIONS_PER_HOUR`` in an hour, counted in the database (every replica sees the same count) by a keyed hash
  of the address — the address itself is not stored.
- The typical-case library shows the cases the province published.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evaluation.campaigns import repository as campaign_repo
from evaluation.campaigns.models import Campaign
from evaluation.campaigns.service import BUILTIN_TYPES
from evaluation.cases.models import TypicalCase
from evaluation.deps import audit
from evaluation.events.service import conferences
from evaluation.public.schemas import (
    DEFAULT_PUBLIC_FIELDS,
    PublicCampaign,
    PublicCandidate,
    PublicCase,
    PublicConference,
    PublicObjectionIn,
    PublicPilot,
)
from evaluation.results import repository as results_repo
from evaluation.results.models import Objection, PilotUniversity, ResultEntry
from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Conflict, NotFound, TooManyRequests
from sanquan_kernel.orgdir import OrgDirectory

OBJECTIONS_PER_HOUR = 5
#: The key of the address hash: the hash only has to tell addresses apart for an hour, not be reversible.
_ADDRESS_KEY = b"sanquan-public-objection"


def fields_of(campaign: Campaign) -> list[Any]:
    return list(campaign.public_fields or DEFAULT_PUBLIC_FIELDS)


def _awarded(session: Session, campaign_id: int) -> list[ResultEntry]:
    return [
        e
        for e in results_repo.entries(session, campaign_id)
        if e.awarded  # ordered by rank, then nomination: a stable list
    ]


def _type_name(session: Session, code: str) -> str:
    builtin = BUILTIN_TYPES.get(code)
    if builtin is not None:
        return builtin.name
    custom = campaign_repo.custom_type(session, code)
    return custom.name if custom is not None else code


def campaign_out(session: Session, c: Campaign, orgdir: OrgDirectory, today: date) -> PublicCampaign:
    fields = fields_of(c)
    noms = results_repo.submitted_nominations(session, c.id)
    categories = {x.code: x.name for x in campaign_repo.categories(session, [c.id])[c.id]}
    candidates = []
    for n, e in enumerate(sorted(_awarded(session, c.id), key=lambda e: (e.rank, e.nomination_id)), start=1):
        nom = noms.get(e.nomination_id)
        values: dict[str, Any] = {
            "name": (nom.subject_name or nom.title) if nom else None,
            "title": nom.title if nom else None,
            "university": orgdir.name(e.university_id) or None,
            "category": categories.get(nom.category, nom.category) if nom and nom.category else None,
            "rank": e.rank,
            "score": e.score,
        }
        candidates.append(PublicCandidate(no=n, **{f: values[f] for f in fields}))
    open_ = bool(
        c.phase == "publicity"
        and c.publicity_starts_on is not None
        and c.publicity_ends_on is not None
        and c.publicity_starts_on <= today <= c.publicity_ends_on
    )
    return PublicCampaign(
        id=c.id,
        type=c.type_code,
        type_name=_type_name(session, c.type_code),
        year=c.year,
        title=c.title,
        phase="final" if c.phase == "final" else "publicity",
        publicity_starts_on=c.publicity_starts_on,
        publicity_ends_on=c.publicity_ends_on,
        open_for_objections=open_,
        fields=fields,
        candidates=candidates,
        conferences=[
            PublicConference(title=x.title, starts_on=x.starts_on, ends_on=x.ends_on, place=x.place)
            for x in conferences(session, [c.id])[c.id]
        ],
    )


def campaigns(
    session: Session, orgdir: OrgDirectory, phase: str, today: date, year: int | None = None
) -> list[PublicCampaign]:
    stmt = select(Campaign).where(Campaign.phase == phase)
    if year is not None:
        stmt = stmt.where(Campaign.year == year)
    stmt = stmt.order_by(Campaign.year.desc(), Campaign.publicity_ends_on.desc(), Campaign.id.desc())
    return [campaign_out(session, c, orgdir, today) for c in session.scalars(stmt)]


def pilots(session: Session, orgdir: OrgDirectory) -> list[PublicPilot]:
    rows = session.scalars(select(PilotUniversity).order_by(PilotUniversity.year.desc(), PilotUniversity.university_id))
    return [PublicPilot(university=orgdir.name(p.university_id), year=p.year) for p in rows]


def cases(session: Session, orgdir: OrgDirectory, photos: dict[int, int]) -> list[PublicCase]:
    rows = session.scalars(
        select(TypicalCase)
        .where(TypicalCase.published.is_(True))
        .order_by(TypicalCase.year.desc(), TypicalCase.published_at.desc(), TypicalCase.id.desc())
    )
    return [
        PublicCase(
            id=c.id,
            title=c.title,
            category=c.category,
            story=c.story,
            university=orgdir.name(c.university_id),
            year=c.year,
            photos=[f"/api/public/cases/{c.id}/photos/{n}" for n in range(1, photos.get(c.id, 0) + 1)],
        )
        for c in rows
    ]


def address_key(address: str) -> str:
    return hmac.new(_ADDRESS_KEY, address.encode(), hashlib.sha256).hexdigest()


def lodge(session: Session, campaign_id: int, body: PublicObjectionIn, address: str, today: date) -> Campaign:
    """A visitor's objection, into the campaign's queue (E2's objections, answered by the province)."""
    c = session.get(Campaign, campaign_id)
    if c is None or c.phase != "publicity":
        raise NotFound("No campaign in publicity with this id")
    assert c.publicity_starts_on is not None and c.publicity_ends_on is not None
    if not c.publicity_starts_on <= today <= c.publicity_ends_on:
        raise Conflict(f"Objections are accepted from {c.publicity_starts_on} to {c.publicity_ends_on}")
    key = address_key(address)
    since = utcnow() - timedelta(hours=1)
    recent = session.scalar(
        select(func.count()).select_from(Objection).where(Objection.client_key == key, Objection.lodged_at >= since)
    )
    if (recent or 0) >= OBJECTIONS_PER_HOUR:
        raise TooManyRequests(
            "Too many objections from this address; try again in an hour", headers={"Retry-After": "3600"}
        )
    awarded = sorted(_awarded(session, c.id), key=lambda e: (e.rank, e.nomination_id))
    if body.no > len(awarded):
        raise NotFound("No candidate with this number on the list")
    entry = awarded[body.no - 1]
    o = Objection(
        campaign_id=c.id,
        nomination_id=entry.nomination_id,
        university_id=None,
        public=True,
        contact_name=body.name,
        contact=body.contact,
        client_key=key,
        text=body.reason,
        lodged_by="public",
        status="open",
        version=1,
    )
    session.add(o)
    session.flush()
    audit(
        session,
        None,
        "objection.lodge_public",
        "objection",
        o.id,
        after={"nomination_id": o.nomination_id, "text": o.text, "public": True},
    )
    return c
