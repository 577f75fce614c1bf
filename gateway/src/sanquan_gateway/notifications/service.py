"""Who is told of an event, and where their notification leads (issue #18).

Recipients: the accounts the service named (``data['recipients']``: an assigned expert, the staff member whose
self-report was decided) — each only if active and, for an event of a university, of that university — plus the
accounts the type's rule names by role and organisation (``RULES``). Events for campus systems only (records,
imports of a system) tell nobody here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select
from sqlalchemy.orm import Session

from sanquan_gateway.accounts.models import User
from sanquan_gateway.events import Event, subscribe_batch
from sanquan_gateway.hall_identity.models import HallIdentity
from sanquan_gateway.notifications.models import Notification
from sanquan_kernel.db import utcnow
from sanquan_kernel.principal import Role

P, U, D = Role.PROVINCE_ADMIN.value, Role.UNIVERSITY_ADMIN.value, Role.DEPARTMENT_MANAGER.value
#: The department's managers, or the university's administrators when the event names no department (a service-hall
#: request no routing rule sent anywhere lands in the university admin's inbox).
D_OR_U = "department_or_university"
#: The role the event names in ``data['audience']`` (a service-hall escalation: the manager, then the admin).
AUDIENCE = "audience"

#: By type: the roles told. A university role means of the event's university (every university when the event
#: has none: the province's notice, a campaign); the department manager means of the event's department.
RULES: dict[str, tuple[str, ...]] = {
    "plan.submitted": (P,),
    "plan.returned": (U,),
    "plan.approved": (U,),
    "change_request.decided": (U,),
    "letter.to_sign": (D,),  # a department's letter: its managers; a person's: data['recipients']
    "milestone.due_soon": (U,),
    "milestone.overdue": (U, D),
    "milestone.escalated": (P, U),
    "plan.not_submitted": (U,),
    "deadline.soon": (U,),
    "self_report.submitted": (U, D),
    "self_report.decided": (),
    "import.finished": (),
    "nomination.phase_opened": (U,),
    "nomination.phase_closing": (U,),
    "expert.assigned": (),
    "objection.received": (P,),
    "results.published": (U,),
    "notice.issued": (U,),
    "webhook.endpoint_disabled": (U,),
    "rectification.assigned": (U, D),  # a finding naming a department: its managers read it too (#19)
    "rectification.overdue": (P, U),  # escalated like an overdue milestone
    "annual_summary.submitted": (P,),  # #19: the province reviews the university's annual summary
    "annual_summary.returned": (U,),
    "annual_summary.accepted": (U,),
    # the service hall (S1, #20): a new (or transferred, or reopened) request reaches its department's managers;
    # a broken promise the manager, then the university's administrators. The requester is a service-hall
    # identity, not an account: the events of their own request name them (``data['requester']``) and
    # ``hall_recipients`` tells them.
    "hall.request.created": (D_OR_U,),
    "hall.request.escalated": (AUDIENCE,),
    "hall.request.accepted": (),
    "hall.request.assigned": (),
    "hall.request.answered": (),
    "hall.request.closed": (),
    # events (E4, #19): a province event tells every university's administrators, a university's its own
    "event.scheduled": (U,),
    "event.held": (),
    "event.cancelled": (U,),
    "event.training_declared": (U,),
}

#: Where each kind leads, by the reader's role (the first match; ``*`` any role). ``{x}`` from the params.
LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "plan.submitted": ((P, "/plans/review/{plan_id}"),),
    "plan.returned": (("*", "/plans/mine"),),
    "plan.approved": (("*", "/plans/mine"),),
    "change_request.decided": (("*", "/plans/change-requests"),),
    "letter.to_sign": (("*", "/plans/letters"),),
    "milestone.due_soon": (("*", "/plans/progress"),),
    "milestone.overdue": (("*", "/plans/progress"),),
    "milestone.escalated": (("*", "/plans/progress"),),
    "plan.not_submitted": (("*", "/plans/mine"),),
    "deadline.soon": (("*", "/plans/notices"),),
    "self_report.submitted": (("*", "/training/approvals"),),
    "self_report.decided": (("*", "/my/ledger"),),
    "import.finished": (("*", "/training/import"),),
    "nomination.phase_opened": (("*", "/evaluation/campaigns/{campaign_id}"),),
    "nomination.phase_closing": (("*", "/evaluation/campaigns/{campaign_id}"),),
    "expert.assigned": (("*", "/evaluation/reviews"),),
    "objection.received": (("*", "/evaluation/campaigns/{campaign_id}"),),
    "results.published": (("*", "/evaluation/campaigns/{campaign_id}"),),
    "notice.issued": (("*", "/plans/notices"),),
    "webhook.endpoint_disabled": (("*", "/clients"),),
    "rectification.assigned": (("*", "/supervision/rectifications"),),
    "rectification.overdue": (("*", "/supervision/rectifications"),),
    "annual_summary.submitted": (("*", "/evaluation/annual"),),
    "annual_summary.returned": (("*", "/evaluation/annual"),),
    "annual_summary.accepted": (("*", "/evaluation/annual"),),
    "hall.request.created": (("*", "/service-hall/requests/{request_id}"),),
    "hall.request.escalated": (("*", "/service-hall/requests/{request_id}"),),
    "event.scheduled": (("*", "/evaluation/events/{event_id}"),),
    "event.cancelled": (("*", "/evaluation/events/{event_id}"),),
    "event.training_declared": (("*", "/evaluation/events/{event_id}"),),
}


#: The requester's own page of their request (the hall's student pages).
HALL_LINK = "/hall/requests/{request_id}"
#: What a notification's parameters never carry: the recipients and the requester's identity (an anonymous
#: request's staff must not link it to them).
PRIVATE = frozenset({"recipients", "requester"})


def hall_recipients(session: Session, batch: Sequence[Event]) -> list[int | None]:
    """For each event of ``batch``: the service-hall identity it tells of their own request (``data['requester']``
    = ``hall:<id>``, a ``hall.*`` event of the hall service) when that identity is of the event's university and
    not disabled; else None. One query for the batch."""
    named: list[int | None] = []
    for event in batch:
        who = (event.data or {}).get("requester") if event.type.startswith("hall.") and event.source == "hall" else None
        rest = who.removeprefix("hall:") if isinstance(who, str) and who.startswith("hall:") else ""
        named.append(int(rest) if rest.isdigit() and len(rest) < 10 else None)
    wanted = {i for i in named if i is not None}
    if not wanted:
        return [None] * len(batch)
    rows = session.execute(
        select(HallIdentity.id, HallIdentity.university_id).where(
            HallIdentity.id.in_(wanted), HallIdentity.disabled.is_(False)
        )
    ).all()
    university_of = {int(i): int(u) for i, u in rows}
    return [
        i if i is not None and university_of.get(i) == event.university_id else None
        for i, event in zip(named, batch, strict=True)
    ]


def link_for(kind: str, role: str, params: dict[str, Any]) -> str:
    for who, pattern in LINKS.get(kind, ()):
        if who in ("*", role):
            try:
                return pattern.format(**params)
            except (KeyError, IndexError):
                return ""
    return ""


#: Who a rule names: (role, university id, department id), ``None`` for any.
Who = tuple[str, int | None, int | None]


def _who(event: Event, role: str) -> list[Who]:
    if role == D_OR_U:
        return _who(event, D if event.department_id is not None else U)
    if role == AUDIENCE:
        named = (event.data or {}).get("audience")
        return _who(event, named) if named in (D, U) else []
    if role == P:
        return [(P, None, None)]
    if role == D:
        if event.department_id is None:
            return []  # no department named: no manager told
        return [(D, None, event.department_id)]
    return [(role, event.university_id, None)]  # of the event's university; of every one when it has none


def _wanted(event: Event) -> tuple[list[Who], set[int]]:
    """The rule's people of ``event`` and the accounts its service named."""
    who = [w for role in RULES.get(event.type, ()) for w in _who(event, role)]
    named = {int(x) for x in (event.data or {}).get("recipients") or [] if isinstance(x, int)}
    return who, named


def recipients_of(session: Session, batch: Sequence[Event]) -> list[list[tuple[int, str]]]:
    """For each event of ``batch``: (account id, role) of everyone told, each once, by account id. One query for
    the whole batch (the union of what the events ask), each event's people then picked from its answer."""
    wanted = [_wanted(event) for event in batch]
    by_role: dict[str, list[Who]] = defaultdict(list)
    named_ids: set[int] = set()
    for who, named in wanted:
        for w in who:
            by_role[w[0]].append(w)
        named_ids |= named
    conditions: list[ColumnElement[bool]] = []
    for role, whos in by_role.items():
        parts: list[ColumnElement[bool]] = [User.role == role]
        universities = {w[1] for w in whos}
        departments = {w[2] for w in whos}
        if None not in universities:
            parts.append(User.university_id.in_(universities))
        if None not in departments:
            parts.append(User.department_id.in_(departments))
        conditions.append(and_(*parts))
    if named_ids:
        conditions.append(User.id.in_(named_ids))
    if not conditions:
        return [[] for _ in batch]
    rows = session.execute(
        select(User.id, User.role, User.university_id, User.department_id).where(User.active, or_(*conditions))
    ).all()
    people = [(int(i), str(r), u, d) for i, r, u, d in rows]
    of_role: dict[str, list[tuple[int, str, int | None, int | None]]] = defaultdict(list)
    for person in people:
        of_role[person[1]].append(person)
    by_id = {p[0]: p for p in people}
    out: list[list[tuple[int, str]]] = []
    for event, (who, named) in zip(batch, wanted, strict=True):
        told: dict[int, str] = {}
        for role, university_id, department_id in who:
            for i, r, u, d in of_role.get(role, ()):
                if (university_id is None or u == university_id) and (department_id is None or d == department_id):
                    told[i] = r
        for i in named:
            found = by_id.get(i)
            # a service names people of the event's university only
            if found is not None and (event.university_id is None or found[2] == event.university_id):
                told[i] = found[1]
        out.append(sorted(told.items()))
    return out


def recipients(session: Session, event: Event) -> list[tuple[int, str]]:
    """(account id, role) of everyone told, each once."""
    return recipients_of(session, (event,))[0]


@subscribe_batch
def notify(session: Session, batch: Sequence[Event]) -> None:
    """The intake's subscriber: the notifications of a batch of new events, in the intake's transaction (one
    recipients query, one INSERT)."""
    rows: list[dict[str, Any]] = []
    now = utcnow()
    people_of = recipients_of(session, batch)
    requester_of = hall_recipients(session, batch)
    for event, people, requester in zip(batch, people_of, requester_of, strict=True):
        if not people and requester is None:
            continue
        params = {k: v for k, v in (event.data or {}).items() if k not in PRIVATE}
        rows.extend(
            {
                "user_id": user_id,
                "hall_identity_id": None,
                "event_id": event.id,
                "kind": event.type,
                "params": params,
                "link": link_for(event.type, role, params),
                "created_at": now,
            }
            for user_id, role in people
        )
        if requester is not None:
            try:
                link = HALL_LINK.format(**params)
            except (KeyError, IndexError):
                link = "/hall"
            rows.append(
                {
                    "user_id": None,
                    "hall_identity_id": requester,
                    "event_id": event.id,
                    "kind": event.type,
                    "params": params,
                    "link": link,
                    "created_at": now,
                }
            )
    if rows:
        session.execute(insert(Notification), rows)
