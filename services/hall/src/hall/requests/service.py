"""The life of a request (S1): reported → accepted → answered → closed (→ rated, or reopened within 7 days back
to accepted), or withdrawn while new; transferred between departments; timers in working minutes of the
category's promise. Anonymity: no staff-facing answer or event names the requester of an anonymous request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from fastapi import Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hall import vocabulary as v
from hall.attachments.service import ATTACHMENTS, REQUEST_OWNER
from hall.deps import audit, edit
from hall.places import service as places
from hall.places.models import Place
from hall.requests import repository as repo
from hall.requests.models import HallRequest, RequestEvent
from hall.requests.schemas import AnswerIn, AssignIn, InfoIn, RateIn, ReopenIn, RequestIn, TransferIn
from hall.requests.working import add_working_minutes
from hall.rules import service as rules
from sanquan_kernel import clock, outbox
from sanquan_kernel.accounts import AccountDirectory
from sanquan_kernel.errors import Conflict, Forbidden, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import HALL_ROLES, Principal, Role, Scope
from sanquan_kernel.storage.api import AttachBody

FIELDS = (
    "status",
    "department_id",
    "assignee_id",
    "answer",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "score",
    "resolve_due_at",
)


# -- answers ----------------------------------------------------------------------------------------------------
# Answers are plain data in the documented shapes (``RequestOut``, ``RequestDetail``), sent with the kernel's
# ``json_response`` (issue #20: building the models and FastAPI's validation of them cost more than the queries).
def fields(r: repo.Listed, principal: Principal, place_name: str | None, now: datetime) -> dict[str, Any]:
    """A request's answer (``RequestOut``)."""
    mine = principal.requester_id is not None and principal.requester_id == r.requester_id
    requester = None
    if mine or not r.anonymous:
        requester = {"id": r.requester_id, "kind": r.requester_kind, "name": r.requester_name}
    return {
        "id": r.id,
        "number": r.number or "",
        "university_id": r.university_id,
        "department_id": r.department_id,
        "category": r.category,
        "place_id": r.place_id,
        "place_name": place_name if r.place_id is not None else None,
        "description": r.description,
        "anonymous": r.anonymous,
        "requester": requester,
        "mine": mine,
        "status": r.status,
        "assignee_id": r.assignee_id,
        "answer": r.answer,
        "accept_due_at": r.accept_due_at,
        "resolve_due_at": r.resolve_due_at,
        "accepted_at": r.accepted_at,
        "resolved_at": r.resolved_at,
        "closed_at": r.closed_at,
        "breached": repo.is_breached(r, now),
        "escalation_level": max(r.resolve_escalation, 1 if r.accept_escalated else 0),
        "score": r.score,
        "rating_comment": r.rating_comment,
        "created_at": r.created_at,
        "version": r.version,
    }


def event_out(e: Any) -> dict[str, Any]:
    """A timeline entry's answer (``EventOut``): the requester by role only, staff by account id."""
    staff = e.actor.isdigit()
    return {
        "id": e.id,
        "kind": e.kind,
        "at": e.at,
        "actor": "staff" if staff else e.actor,
        "actor_id": int(e.actor) if staff else None,
        "actor_role": e.actor_role,
        "text": e.text,
        "data": e.data or {},
    }


def detail(
    session: Session,
    r: repo.Listed,
    principal: Principal,
    place_name: str | None,
    *,
    events: list[dict[str, Any]] | None = None,
    no_files: bool = False,
) -> dict[str, Any]:
    """A request with its timeline and files (``RequestDetail``). ``events``: the timeline when the caller has it
    (a request just created: its one entry); ``no_files``: the caller knows it has none (created without any)."""
    out = fields(r, principal, place_name, clock.now())
    out["events"] = [event_out(e) for e in repo.events(session, r.id)] if events is None else events
    out["attachments"] = [] if no_files else ATTACHMENTS.listing(session, REQUEST_OWNER.kind, r.id).items
    return out


def place_name(session: Session, r: HallRequest) -> str | None:
    """The name of an ORM request's place (a request read as a row carries it: ``repo.read``)."""
    if r.place_id is None:
        return None
    name: str | None = session.execute(_PLACE_NAME, {"place_id": r.place_id}).scalar()
    return name


_PLACE_NAME = select(Place.__table__.c.name).where(Place.__table__.c.id == bindparam("place_id"))


# -- helpers ----------------------------------------------------------------------------------------------------
def _actor(principal: Principal | None) -> tuple[str, str]:
    """A timeline entry's actor and role: ``requester`` (never their identity: staff read the timeline), the staff
    account id as text, or ``system``."""
    if principal is None:
        return "system", "system"
    if principal.role in HALL_ROLES:
        return "requester", principal.role.value
    return str(principal.user_id or principal.subject), principal.role.value


def _event(
    session: Session, r: HallRequest, principal: Principal | None, kind: str, text: str | None = None, **data: Any
) -> None:
    actor, role = _actor(principal)
    session.add(
        RequestEvent(request_id=r.id, kind=kind, actor=actor, actor_role=role, text=text, data=data, at=clock.now())
    )


#: The events that tell the requester of their own request's change (the gateway's notifications, issue #20):
#: accepted, assigned, transferred (``created`` with ``transferred_from``), answered, closed (asked to rate),
#: escalated (``timers``). Not the requester's own doings (reported, reopened, withdrawn, rated, information).
FOR_REQUESTER = frozenset(
    {"hall.request.accepted", "hall.request.assigned", "hall.request.answered", "hall.request.closed"}
)


def _emit(session: Session, r: repo.Listed, kind: str, *, tell_requester: bool = False, **data: Any) -> None:
    """Events for the gateway (notifications, webhooks). Staff's notifications never carry the requester (the
    gateway drops ``requester`` from every notification's parameters, and the webhooks' allow-list has no such
    field); the events that tell the requester carry their hall subject."""
    payload: dict[str, Any] = {
        "request_id": r.id,
        "number": r.number,
        "category": r.category,
        "department_id": r.department_id,
        "anonymous": r.anonymous,
        **data,
    }
    if kind in FOR_REQUESTER or tell_requester:
        payload["requester"] = f"hall:{r.requester_id}"
    outbox.emit(
        session,
        kind,
        subject=f"hall_request:{r.id}",
        university_id=r.university_id,
        department_id=r.department_id,
        data=payload,
    )


def _state(r: HallRequest, *allowed: str) -> None:
    if r.status not in allowed:
        raise Conflict(f"A {r.status} request cannot do this", code="request_state")


def _handler_may_work(principal: Principal, r: HallRequest) -> None:
    """Staff work on their department's requests assigned to them or to nobody."""
    if principal.role is Role.STAFF and r.assignee_id is not None and r.assignee_id != principal.user_id:
        raise Forbidden("This request is assigned to someone else")


def _requester_only(principal: Principal, r: HallRequest) -> None:
    # visibility already limits a requester to their own; this is for the logistics side (403, they see it)
    if principal.requester_id is None or principal.requester_id != r.requester_id:
        raise Forbidden("Only the person who reported it may do this")


def _attach(session: Session, principal: Principal, scope: Scope, request_id: int, ids: list[int]) -> None:
    if ids:
        ATTACHMENTS.attach(session, principal, scope, REQUEST_OWNER, request_id, AttachBody(attachment_ids=ids))


def _due(session: Session, university_id: int, category: str, start: datetime) -> tuple[datetime, datetime, datetime]:
    """The accept and resolve promises from ``start`` in working minutes of the category's promise, and when a
    resolve breach goes on to the university (S1: to the department manager, then after the same time again)."""
    accept_minutes, resolve_minutes, wh = rules.promise_of(session, university_id, category)
    resolve_due = add_working_minutes(start, resolve_minutes, wh)
    return (
        add_working_minutes(start, accept_minutes, wh),
        resolve_due,
        add_working_minutes(resolve_due, resolve_minutes, wh),
    )


def _timers(session: Session, r: HallRequest, start: datetime, *, accept: bool = True) -> None:
    accept_due, r.resolve_due_at, r.escalate_again_at = _due(session, r.university_id, r.category, start)
    if accept:
        r.accept_due_at = accept_due


# -- reporting --------------------------------------------------------------------------------------------------
@dataclass
class Created:
    """What ``create`` answers: the request's id; for one stored just now, its answer's data as well (its row,
    its place's name and its one timeline entry: nothing is read back)."""

    id: int
    created: bool
    row: SimpleNamespace | None = None
    place_name: str | None = None
    events: list[dict[str, Any]] | None = None


def create(
    session: Session, principal: Principal, scope: Scope, body: RequestIn, idempotency_key: str | None
) -> Created:
    """S1: a student or teacher reports; the routing rules name the department. Idempotency-Key: the same key of
    the same requester answers the request stored the first time (also when the two posts race). The request,
    its timeline entry and its number are plain statements (issue #20: no ORM objects, no SAVEPOINT)."""
    requester_id, university_id = principal.requester_id, principal.university_id
    assert requester_id is not None and university_id is not None
    if idempotency_key is not None:
        found = repo.id_by_idempotency_key(session, requester_id, idempotency_key)
        if found is not None:
            return Created(found, False)
    if body.anonymous and body.category not in v.ANONYMOUS_CATEGORIES:
        raise Unprocessable(
            "Only suggestions and complaints may be anonymous",
            errors=[{"loc": ["body", "anonymous"], "msg": "suggestion or complaint only", "type": "value"}],
        )
    name = None
    if body.place_id is not None:
        place = places.get(session, scope, body.place_id)
        if place is None:
            raise Unprocessable(
                "No such place in your university",
                errors=[{"loc": ["body", "place_id"], "msg": "no such place", "type": "value"}],
            )
        name = place.name
    now = clock.now()
    accept_due, resolve_due, again = _due(session, university_id, body.category, now)
    row = repo.store(
        session,
        {
            "university_id": university_id,
            "department_id": rules.route(session, university_id, body.category, body.place_id),
            "requester_id": requester_id,
            "requester_kind": principal.role.value,
            "requester_name": principal.username,
            "anonymous": body.anonymous,
            "idempotency_key": idempotency_key,
            "category": body.category,
            "place_id": body.place_id,
            "description": body.description,
            "status": "new",
            "accept_due_at": accept_due,
            "resolve_due_at": resolve_due,
            "escalate_again_at": again,
            "created_at": now,
            "updated_at": now,
        },
    )
    if row is None:  # the same key stored by a post that raced this one
        assert idempotency_key is not None
        found = repo.id_by_idempotency_key(session, requester_id, idempotency_key)
        if found is None:
            raise Conflict("The request with this key is being stored; try again", code="request_state")
        return Created(found, False)
    row["number"] = f"BX{clock.today().year}-{row['id']:06d}"
    actor, role = _actor(principal)
    data = {"department_id": row["department_id"]}
    event_id = repo.number_and_log(session, row["id"], row["number"], actor, role, now, data)
    r = SimpleNamespace(**row)
    if body.attachment_ids:
        _attach(session, principal, scope, r.id, body.attachment_ids)
    audit(
        session,
        principal,
        "hall_request.create",
        "hall_request",
        r.id,
        university_id=university_id,
        after={"category": r.category, "place_id": r.place_id, "department_id": r.department_id},
        now=True,
    )
    _emit(session, r, "hall.request.created")
    created = {"id": event_id, "kind": "created", "at": now, "actor": actor, "actor_role": role, "text": None}
    return Created(r.id, True, r, name, [event_out(SimpleNamespace(**created, data=data))])


# -- the logistics side -----------------------------------------------------------------------------------------
def accept(session: Session, request: Request, principal: Principal, r: HallRequest) -> None:
    with edit(session, request, r, principal, "hall_request.accept", fields=FIELDS) as e:
        _state(r, "new")
        _handler_may_work(principal, r)
        now = clock.now()
        e.set(status="accepted", accepted_at=r.accepted_at or now)
        if principal.role is Role.STAFF and r.assignee_id is None:
            e.set(assignee_id=principal.user_id)
        _event(session, r, principal, "accepted")
        _emit(session, r, "hall.request.accepted")


def assign(
    session: Session, request: Request, principal: Principal, accounts: AccountDirectory, r: HallRequest, body: AssignIn
) -> None:
    if principal.role not in (Role.DEPARTMENT_MANAGER, Role.UNIVERSITY_ADMIN):
        raise Forbidden("Only the department's manager or the university assigns")
    with edit(session, request, r, principal, "hall_request.assign", fields=FIELDS) as e:
        _state(r, "new", "accepted")
        if r.department_id is None:
            raise Conflict("Route the request to a department first (transfer)", code="request_state")
        account = accounts.lookup([body.user_id]).get(body.user_id)
        if (
            account is None
            or not account.active
            or account.department_id != r.department_id
            or account.role not in ("staff", "department_manager")
        ):
            raise Unprocessable(
                "Not a worker of the request's department",
                errors=[{"loc": ["body", "user_id"], "msg": "not in the department", "type": "value"}],
            )
        now = clock.now()
        e.set(assignee_id=body.user_id, status="accepted", accepted_at=r.accepted_at or now)
        _event(session, r, principal, "assigned", user_id=body.user_id)
        _emit(session, r, "hall.request.assigned")


def transfer(
    session: Session, request: Request, principal: Principal, orgs: OrgDirectory, r: HallRequest, body: TransferIn
) -> None:
    if principal.role not in (Role.DEPARTMENT_MANAGER, Role.UNIVERSITY_ADMIN):
        raise Forbidden("Only the department's manager or the university transfers")
    with edit(session, request, r, principal, "hall_request.transfer", fields=FIELDS) as e:
        _state(r, "new", "accepted")
        if not orgs.is_department_of(body.department_id, r.university_id) or body.department_id == r.department_id:
            raise Unprocessable(
                "Another department of the request's university",
                errors=[{"loc": ["body", "department_id"], "msg": "not another department", "type": "value"}],
            )
        before = r.department_id
        e.set(department_id=body.department_id, assignee_id=None, status="new")
        _event(session, r, principal, "transferred", body.reason, **{"from": before, "to": body.department_id})
        _emit(session, r, "hall.request.created", tell_requester=True, transferred_from=before)


def answer(
    session: Session, request: Request, principal: Principal, scope: Scope, r: HallRequest, body: AnswerIn
) -> None:
    with edit(session, request, r, principal, "hall_request.answer", fields=FIELDS) as e:
        _state(r, "new", "accepted")
        _handler_may_work(principal, r)
        now = clock.now()
        e.set(status="answered", answer=body.text, accepted_at=r.accepted_at or now, resolved_at=now)
        if principal.role is Role.STAFF and r.assignee_id is None:
            e.set(assignee_id=principal.user_id)
        _event(session, r, principal, "answered", body.text, attachment_ids=sorted(body.attachment_ids))
        _attach(session, principal, scope, r.id, body.attachment_ids)
        _emit(session, r, "hall.request.answered")


def close(session: Session, request: Request, principal: Principal, r: HallRequest) -> None:
    with edit(session, request, r, principal, "hall_request.close", fields=FIELDS) as e:
        _state(r, "accepted", "answered")
        _handler_may_work(principal, r)
        now = clock.now()
        e.set(status="closed", closed_at=now, resolved_at=r.resolved_at or now)
        _event(session, r, principal, "closed")
        _emit(session, r, "hall.request.closed")


# -- the requester ----------------------------------------------------------------------------------------------
def add_info(
    session: Session, request: Request, principal: Principal, scope: Scope, r: HallRequest, body: InfoIn
) -> None:
    _requester_only(principal, r)
    with edit(session, request, r, principal, "hall_request.info", fields=FIELDS) as e:
        _state(r, "new", "accepted", "answered")
        e.touch()
        _event(session, r, principal, "info_added", body.text, attachment_ids=sorted(body.attachment_ids))
        _attach(session, principal, scope, r.id, body.attachment_ids)


def rate(session: Session, request: Request, principal: Principal, r: HallRequest, body: RateIn) -> None:
    _requester_only(principal, r)
    with edit(session, request, r, principal, "hall_request.rate", fields=FIELDS) as e:
        _state(r, "closed")
        if r.score is not None:
            raise Conflict("This request is rated already", code="already_rated")
        e.set(score=body.score, rating_comment=body.comment, rated_at=clock.now())
        _event(session, r, principal, "rated", body.comment, score=body.score)


def reopen(
    session: Session, request: Request, principal: Principal, r: HallRequest, body: ReopenIn, within_days: int
) -> None:
    _requester_only(principal, r)
    with edit(session, request, r, principal, "hall_request.reopen", fields=FIELDS) as e:
        _state(r, "closed")
        now = clock.now()
        if r.closed_at is None or now - r.closed_at > timedelta(days=within_days):
            raise Conflict(f"A request reopens within {within_days} days of closing", code="reopen_too_late")
        e.set(status="accepted", closed_at=None, resolved_at=None)
        _timers(session, r, now, accept=False)  # a new resolve promise from now
        r.resolve_escalation = 0
        _event(session, r, principal, "reopened", body.reason)
        _emit(session, r, "hall.request.created", reopened=True)


def withdraw(session: Session, request: Request, principal: Principal, r: HallRequest) -> None:
    _requester_only(principal, r)
    with edit(session, request, r, principal, "hall_request.withdraw", fields=FIELDS) as e:
        _state(r, "new")
        e.set(status="withdrawn", closed_at=clock.now())
        _event(session, r, principal, "withdrawn")
