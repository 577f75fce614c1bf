"""Events (E4, issue #19): who reads and who organises them, their states, the campaigns they are organised
around, their materials, and the training an event is declared.

- **Organisers.** The province's administrator organises the province's and the logistics association's events; a
  university's administrator their own university's. Nobody else writes; the inspector reads.
- **Readers.** The province and its inspector read every event; a university's people (administrator, department
  managers, staff, experts of it) read the province's and the association's events, their own university's and
  another university's that invites theirs. Anything else is 404 (A3). Students and integration clients: 403.
- **States.** planned → held (on or after its first day), planned → cancelled (with a reason); every change with
  If-Match (``deps.edit``), audited, and an outbox event.
- **Declared a training.** The training service makes one course per event (``source_ref`` ``evaluation:event:<id>``,
  a retry answers the same course) over HTTP with this service's own token; unreachable: 503
  ``training_unavailable`` and nothing changes here. Enrolment and attendance are then the course's own pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx
from fastapi import Request
from sqlalchemy import ColumnElement, Select, delete, func, or_, select, true
from sqlalchemy.orm import Session

from evaluation.attachments.models import Attachment
from evaluation.campaigns import repository as campaign_repo
from evaluation.campaigns.models import Campaign
from evaluation.deps import audit, edit
from evaluation.events.models import Event, EventCampaign, EventUniversity
from evaluation.events.schemas import (
    CampaignRef,
    ConferenceRef,
    LogisticsEventFields,
    LogisticsEventIn,
    LogisticsEventOut,
    TrainingIn,
    TrainingOut,
    UniversityRef,
)
from evaluation.sources import NotInSource, SourceUnavailable, get_json
from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.outbox import emit
from sanquan_kernel.principal import Principal, Role, Scope
from sanquan_kernel.service_client import ServiceClient
from sanquan_kernel.storage import Attachments, Owner, OwnerAccess

KIND = "event"
FIELDS = (
    "kind",
    "organiser",
    "university_id",
    "title",
    "starts_on",
    "ends_on",
    "place",
    "agenda",
    "status",
    "expected_participants",
    "participants",
    "cancel_reason",
    "course_id",
)
READERS = frozenset(
    {Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.EXPERT, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.STAFF}
)
ORGANISERS = frozenset({Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN})
PROVINCE_ORGANISERS = ("province", "association")


# -- who reads -----------------------------------------------------------------------------------------------------
def visible(scope: Scope) -> ColumnElement[bool]:
    if scope.is_all:
        return true()
    province_wide = Event.organiser.in_(PROVINCE_ORGANISERS)
    uid = scope.university_id
    if uid is None:
        return province_wide
    invited = select(EventUniversity.event_id).where(EventUniversity.university_id == uid)
    return or_(province_wide, Event.university_id == uid, Event.id.in_(invited))


def get(session: Session, scope: Scope, event_id: int) -> Event | None:
    return session.scalar(select(Event).where(Event.id == event_id, visible(scope)))


def load(session: Session, scope: Scope, event_id: int) -> Event:
    e = get(session, scope, event_id)
    if e is None:
        raise NotFound("No such event")
    return e


def list_stmt(
    scope: Scope,
    *,
    year: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    campaign_id: int | None = None,
) -> Select[tuple[Event]]:
    stmt = select(Event).where(visible(scope))
    if year is not None:
        stmt = stmt.where(Event.starts_on.between(date(year, 1, 1), date(year, 12, 31)))
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    if status is not None:
        stmt = stmt.where(Event.status == status)
    if campaign_id is not None:
        stmt = stmt.where(Event.id.in_(select(EventCampaign.event_id).where(EventCampaign.campaign_id == campaign_id)))
    return stmt.order_by(Event.starts_on.desc(), Event.id.desc())


# -- who organises -------------------------------------------------------------------------------------------------
def may_manage(principal: Principal, e: Event) -> bool:
    if principal.role is Role.PROVINCE_ADMIN:
        return e.organiser in PROVINCE_ORGANISERS
    if principal.role is Role.UNIVERSITY_ADMIN:
        return e.organiser == "university" and e.university_id == principal.university_id
    return False


def require_manager(principal: Principal, e: Event) -> None:
    """403 for an event the caller reads but does not organise (the province's for a university, a university's for
    the province: each organises its own)."""
    if not may_manage(principal, e):
        raise Forbidden("Only the event's organiser changes it")


def _state(e: Event, *allowed: str, action: str) -> None:
    if e.status not in allowed:
        raise Conflict(f"A {e.status} event cannot be {action}", code="event_state", status_of=e.status)


# -- out -------------------------------------------------------------------------------------------------------------
def _invited(session: Session, ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    if ids:
        for eid, uid in session.execute(
            select(EventUniversity.event_id, EventUniversity.university_id)
            .where(EventUniversity.event_id.in_(ids))
            .order_by(EventUniversity.university_id)
        ):
            out[eid].append(uid)
    return out


def _campaigns(session: Session, ids: Sequence[int]) -> dict[int, list[Campaign]]:
    out: dict[int, list[Campaign]] = defaultdict(list)
    if ids:
        for eid, c in session.execute(
            select(EventCampaign.event_id, Campaign)
            .join(Campaign, Campaign.id == EventCampaign.campaign_id)
            .where(EventCampaign.event_id.in_(ids))
            .order_by(Campaign.year.desc(), Campaign.id)
        ):
            out[eid].append(c)
    return out


def _material_counts(session: Session, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(Attachment.owner_id, func.count())
        .where(Attachment.owner_kind == KIND, Attachment.owner_id.in_(ids), Attachment.deleted_at.is_(None))
        .group_by(Attachment.owner_id)
    )
    return {int(o): int(n) for o, n in rows if o is not None}


def to_out(
    session: Session,
    events: Sequence[Event],
    orgdir: OrgDirectory,
    counts: dict[int, tuple[int | None, int | None, str | None]] | None = None,
) -> list[LogisticsEventOut]:
    """``counts``: event id → (enrolled, attended, why missing) from the training service (the detail only)."""
    ids = [e.id for e in events]
    invited, campaigns, materials = _invited(session, ids), _campaigns(session, ids), _material_counts(session, ids)
    out = []
    for e in events:
        training = None
        if e.course_id is not None and e.declared_at is not None:
            enrolled, attended, why = (counts or {}).get(e.id, (None, None, None))
            training = TrainingOut(
                hours=float(e.training_hours or 0),
                days=float(e.training_days or 0),
                themes=list(e.training_themes or []),
                course_id=e.course_id,
                declared_at=e.declared_at,
                enrolled=enrolled,
                attended=attended,
                unavailable=why,
            )
        out.append(
            LogisticsEventOut(
                id=e.id,
                kind=e.kind,
                organiser=e.organiser,
                university_id=e.university_id,
                university_name=orgdir.name(e.university_id) or None if e.university_id else None,
                title=e.title,
                starts_on=e.starts_on,
                ends_on=e.ends_on,
                place=e.place,
                agenda=e.agenda,
                status=e.status,
                expected_participants=e.expected_participants,
                participants=e.participants,
                cancel_reason=e.cancel_reason,
                invited_universities=[UniversityRef(id=u, name=orgdir.name(u) or None) for u in invited[e.id]],
                campaigns=[CampaignRef(id=c.id, title=c.title, year=c.year, phase=c.phase) for c in campaigns[e.id]],
                training=training,
                material_count=materials.get(e.id, 0),
                created_at=e.created_at,
                updated_at=e.updated_at,
                version=e.version,
            )
        )
    return out


def course_counts(
    client: ServiceClient | None, training_url: str, timeout: float, e: Event
) -> dict[int, tuple[int | None, int | None, str | None]]:
    """The declared training's enrolled and attended counts, asked of the training service (its course)."""
    if e.course_id is None:
        return {}
    try:
        course = get_json(
            client, "training", f"{training_url.rstrip('/')}/api/training/courses/{e.course_id}", timeout=timeout
        )
    except NotInSource:
        return {e.id: (None, None, "the training service has no such course")}
    except SourceUnavailable as exc:
        return {e.id: (None, None, exc.reason)}
    return {e.id: (int(course.get("enrolled") or 0), int(course.get("attended") or 0), None)}


# -- changes ---------------------------------------------------------------------------------------------------------
def _check(
    session: Session, scope: Scope, orgdir: OrgDirectory, organiser: str, body: LogisticsEventFields, e: Event | None
) -> None:
    errors: list[dict[str, Any]] = []
    for i, uid in enumerate(body.invited_university_ids or []):
        if not orgdir.is_university(uid):
            errors.append({"loc": ["body", "invited_university_ids", i], "msg": "unknown university"})
    if body.invited_university_ids and len(set(body.invited_university_ids)) != len(body.invited_university_ids):
        errors.append({"loc": ["body", "invited_university_ids"], "msg": "a university is listed twice"})
    if body.campaign_ids:
        if organiser not in PROVINCE_ORGANISERS:
            errors.append(
                {
                    "loc": ["body", "campaign_ids"],
                    "msg": "only the province's and the association's events link campaigns",
                }
            )
        for i, cid in enumerate(body.campaign_ids):
            if campaign_repo.get(session, scope, cid) is None:
                errors.append({"loc": ["body", "campaign_ids", i], "msg": "unknown campaign"})
        if len(set(body.campaign_ids)) != len(body.campaign_ids):
            errors.append({"loc": ["body", "campaign_ids"], "msg": "a campaign is listed twice"})
    starts = body.starts_on or (e.starts_on if e else None)
    ends = body.ends_on or (e.ends_on if e else None)
    if starts and ends and ends < starts:
        errors.append({"loc": ["body", "ends_on"], "msg": "ends_on is before starts_on"})
    if errors:
        raise Unprocessable("The event is inconsistent", errors=errors)


def _replace_links(session: Session, e: Event, body: LogisticsEventFields) -> None:
    if body.invited_university_ids is not None:
        session.execute(delete(EventUniversity).where(EventUniversity.event_id == e.id))
        session.add_all([EventUniversity(event_id=e.id, university_id=u) for u in body.invited_university_ids])
    if body.campaign_ids is not None:
        session.execute(delete(EventCampaign).where(EventCampaign.event_id == e.id))
        session.add_all([EventCampaign(event_id=e.id, campaign_id=c) for c in body.campaign_ids])
    session.flush()


def _links(session: Session, e: Event) -> dict[str, Any]:
    return {
        "invited_university_ids": _invited(session, [e.id])[e.id],
        "campaign_ids": [c.id for c in _campaigns(session, [e.id])[e.id]],
    }


def _emit(session: Session, type_: str, e: Event, **data: Any) -> None:
    emit(
        session,
        type_,
        subject=f"event:{e.id}",
        university_id=e.university_id,
        data={"event_id": e.id, "title": e.title, "kind": e.kind, "starts_on": e.starts_on.isoformat(), **data},
    )


def create(session: Session, principal: Principal, scope: Scope, orgdir: OrgDirectory, body: LogisticsEventIn) -> Event:
    if principal.role is Role.PROVINCE_ADMIN:
        if body.organiser not in PROVINCE_ORGANISERS:
            raise Unprocessable(
                "The province organises the province's and the association's events; a university its own",
                errors=[{"loc": ["body", "organiser"], "msg": "province or association"}],
            )
        university_id = None
    else:
        if body.organiser != "university" or principal.university_id is None:
            raise Unprocessable(
                "A university organises its own events",
                errors=[{"loc": ["body", "organiser"], "msg": "university"}],
            )
        university_id = principal.university_id
    _check(session, scope, orgdir, body.organiser, body, None)
    e = Event(
        kind=body.kind,
        organiser=body.organiser,
        university_id=university_id,
        title=body.title.strip(),
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        place=(body.place or "").strip(),
        agenda=body.agenda or "",
        status="planned",
        expected_participants=body.expected_participants,
        created_by=principal.subject,
        version=1,
    )
    session.add(e)
    session.flush()
    _replace_links(session, e, body)
    after = {f: getattr(e, f) for f in FIELDS} | _links(session, e)
    audit(session, principal, "event.create", KIND, e.id, university_id=university_id, after=_jsonable(after))
    _emit(session, "event.scheduled", e)
    return e


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}


def update(
    session: Session,
    request: Request,
    principal: Principal,
    scope: Scope,
    orgdir: OrgDirectory,
    e: Event,
    body: LogisticsEventFields,
) -> Event:
    require_manager(principal, e)
    changes = body.model_dump(exclude_unset=True, exclude={"invited_university_ids", "campaign_ids"})
    with edit(session, request, e, principal, "event.update", entity=KIND, fields=FIELDS) as ed:
        _state(e, "planned", "held", action="changed")
        if e.course_id is not None and any(k in changes for k in ("title", "starts_on", "ends_on")):
            raise Conflict(
                "The event was declared a training: its title and dates are its course's now", code="event_state"
            )
        _check(session, scope, orgdir, e.organiser, body, e)
        before_links = _links(session, e)
        if "title" in changes and changes["title"] is not None:
            changes["title"] = changes["title"].strip()
        for key in ("title", "starts_on", "ends_on"):  # required fields: null means "leave it"
            if changes.get(key, 1) is None:
                changes.pop(key)
        for key in ("place", "agenda"):
            if key in changes and changes[key] is None:
                changes[key] = ""
        ed.set(changes)
        if body.invited_university_ids is not None or body.campaign_ids is not None:
            _replace_links(session, e, body)
            after_links = _links(session, e)
            if after_links != before_links:
                ed.touch()
    return e


def hold(
    session: Session, request: Request, principal: Principal, e: Event, participants: int | None, today: date
) -> Event:
    require_manager(principal, e)
    with edit(session, request, e, principal, "event.hold", entity=KIND, fields=FIELDS) as ed:
        _state(e, "planned", action="held")
        if e.starts_on > today:
            raise Conflict("An event is held on or after its first day", code="event_state", status_of=e.status)
        ed.set(status="held", participants=participants if participants is not None else e.participants)
        _emit(session, "event.held", e, participants=participants)
    return e


def cancel(session: Session, request: Request, principal: Principal, e: Event, reason: str) -> Event:
    require_manager(principal, e)
    with edit(session, request, e, principal, "event.cancel", entity=KIND, fields=FIELDS) as ed:
        _state(e, "planned", action="cancelled")
        ed.set(status="cancelled", cancel_reason=reason.strip())
        _emit(session, "event.cancelled", e)
    return e


def source_ref(e: Event) -> str:
    return f"evaluation:event:{e.id}"


def _course_body(e: Event, body: TrainingIn, orgdir: OrgDirectory, invited: list[int]) -> dict[str, Any]:
    if e.organiser in PROVINCE_ORGANISERS:
        province = orgdir.province()
        level, org_id, uni = "province", province.id if province else 1, None
    else:
        assert e.university_id is not None
        # a university's event that invites other universities: their staff attend too (a course open to all)
        others = [u for u in invited if u != e.university_id]
        level, org_id, uni = "university", e.university_id, None if others else e.university_id
    return {
        "source_ref": source_ref(e),
        "title": e.title,
        "organizer_level": level,
        "organizer_org_id": org_id,
        "university_id": uni,
        "themes": list(body.themes),
        "starts_on": e.starts_on.isoformat(),
        "ends_on": e.ends_on.isoformat(),
        "hours": str(body.hours),
        "days": str(body.days),
    }


def _declare_course(client: ServiceClient | None, training_url: str, timeout: float, payload: dict[str, Any]) -> int:
    """The course's id from the training service (made, or made before for this event); 503 when it cannot."""
    if client is None:
        raise ServiceUnavailable(
            "The training service cannot be asked now: the evaluation service has no service credentials",
            code="training_unavailable",
        )
    url = f"{training_url.rstrip('/')}/api/training/courses/declared"
    try:
        r = client.request("POST", url, json=payload, timeout=timeout)
    except httpx.TimeoutException:
        raise ServiceUnavailable(
            f"The training service did not answer within {timeout:g} s; nothing was declared",
            code="training_unavailable",
        ) from None
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(
            f"The training service is unreachable ({type(exc).__name__}); nothing was declared",
            code="training_unavailable",
        ) from None
    if r.status_code not in (200, 201):
        raise ServiceUnavailable(
            f"The training service answered HTTP {r.status_code}; nothing was declared", code="training_unavailable"
        )
    try:
        return int(r.json()["id"])
    except (ValueError, KeyError, TypeError):
        raise ServiceUnavailable(
            "The training service answered something unexpected; nothing was declared", code="training_unavailable"
        ) from None


def declare_training(
    session: Session,
    request: Request,
    principal: Principal,
    orgdir: OrgDirectory,
    e: Event,
    body: TrainingIn,
    *,
    client: ServiceClient | None,
    training_url: str,
    timeout: float,
) -> Event:
    require_manager(principal, e)
    with edit(session, request, e, principal, "event.training", entity=KIND, fields=FIELDS) as ed:
        _state(e, "planned", "held", action="declared a training")
        if e.course_id is not None:
            raise Conflict("The event is a declared training already", code="event_state", status_of=e.status)
        payload = _course_body(e, body, orgdir, _invited(session, [e.id])[e.id])
        course_id = _declare_course(client, training_url, timeout, payload)
        ed.set(
            training_hours=body.hours,
            training_days=body.days,
            training_themes=list(body.themes),
            course_id=course_id,
            declared_at=utcnow(),
        )
        _emit(
            session, "event.training_declared", e, course_id=course_id, hours=float(body.hours), days=float(body.days)
        )
    return e


# -- commendation conferences of a campaign -------------------------------------------------------------------------
def conferences(session: Session, campaign_ids: Sequence[int]) -> dict[int, list[ConferenceRef]]:
    """campaign → the commendation conferences (the province's or the association's, not cancelled) that link it."""
    out: dict[int, list[ConferenceRef]] = defaultdict(list)
    if not campaign_ids:
        return out
    rows = session.execute(
        select(EventCampaign.campaign_id, Event)
        .join(Event, Event.id == EventCampaign.event_id)
        .where(
            EventCampaign.campaign_id.in_(campaign_ids),
            Event.kind == "commendation_conference",
            Event.organiser.in_(PROVINCE_ORGANISERS),
            Event.status != "cancelled",
        )
        .order_by(Event.starts_on, Event.id)
    )
    for cid, e in rows:
        out[cid].append(
            ConferenceRef(
                id=e.id, title=e.title, starts_on=e.starts_on, ends_on=e.ends_on, place=e.place, status=e.status
            )
        )
    return out


# -- materials (kernel attachments) ---------------------------------------------------------------------------------
def _read(session: Session, principal: Principal, scope: Scope, event_id: int) -> OwnerAccess | None:
    if principal.role not in READERS:
        raise Forbidden("Your role may not do this")
    e = get(session, scope, event_id)
    return None if e is None else OwnerAccess(e.university_id)


def _edit(session: Session, principal: Principal, scope: Scope, event_id: int) -> OwnerAccess | None:
    if principal.role not in ORGANISERS:
        raise Forbidden("Your role may not do this")
    e = get(session, scope, event_id)
    if e is None:
        return None
    require_manager(principal, e)
    if e.status == "cancelled":
        raise Conflict("A cancelled event's materials no longer change", code="event_state")
    return OwnerAccess(e.university_id)


def register_materials(attachments: Attachments) -> None:
    """Make events an owner of attachments (agendas, slides, minutes), changed by their organiser (idempotent)."""
    attachments.owners[KIND] = Owner(KIND, "events", "event_id", _read, _edit, "an event (its materials)")
    attachments.uploaders = attachments.uploaders | ORGANISERS
