"""Who is told of an event, and where their notification leads (issue #18).

Recipients: the accounts the service named (``data['recipients']``: an assigned expert, the staff member whose
self-report was decided) — each only if active and, for an event of a university, of that university — plus the
accounts the type's rule names by role and organisation (``RULES``). Events for campus systems only (records,
imports of a system) tell nobody here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from sanquan_gateway.accounts.models import User
from sanquan_gateway.events import Event, subscribe
from sanquan_gateway.notifications.models import Notification
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
    # a broken promise the manager, then the university's administrators. The requester is a student, not an
    # account here: the answered/closed events are for their own list, not this centre.
    "hall.request.created": (D_OR_U,),
    "hall.request.escalated": (AUDIENCE,),
    "hall.request.answered": (),
    "hall.request.closed": (),
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
}


def link_for(kind: str, role: str, params: dict[str, Any]) -> str:
    for who, pattern in LINKS.get(kind, ()):
        if who in ("*", role):
            try:
                return pattern.format(**params)
            except (KeyError, IndexError):
                return ""
    return ""


def _by_role(event: Event, role: str) -> ColumnElement[bool]:
    if role == D_OR_U:
        return _by_role(event, D if event.department_id is not None else U)
    if role == AUDIENCE:
        named = (event.data or {}).get("audience")
        return _by_role(event, named) if named in (D, U) else false()
    if role == P:
        return User.role == P
    if role == D:
        if event.department_id is None:
            return false()  # no department named: no manager told
        return and_(User.role == D, User.department_id == event.department_id)
    at = User.university_id == event.university_id if event.university_id is not None else true()
    return and_(User.role == role, at)


def recipients(session: Session, event: Event) -> list[tuple[int, str]]:
    """(account id, role) of everyone told, each once."""
    named = [int(x) for x in (event.data or {}).get("recipients") or [] if isinstance(x, int)]
    conditions: list[ColumnElement[bool]] = [_by_role(event, role) for role in RULES.get(event.type, ())]
    if named:
        mine: ColumnElement[bool] = User.id.in_(named)
        if event.university_id is not None:  # a service names people of the event's university only
            mine = and_(mine, User.university_id == event.university_id)
        conditions.append(mine)
    if not conditions:
        return []
    rows = session.execute(select(User.id, User.role).where(User.active, or_(*conditions)).order_by(User.id))
    return [(int(i), str(r)) for i, r in rows]


@subscribe
def notify(session: Session, event: Event) -> None:
    """The intake's subscriber: the notifications of a new event, in the intake's transaction."""
    people = recipients(session, event)
    if not people:
        return
    params = {k: v for k, v in (event.data or {}).items() if k != "recipients"}
    session.add_all(
        Notification(
            user_id=user_id,
            event_id=event.id,
            kind=event.type,
            params=params,
            link=link_for(event.type, role, params),
        )
        for user_id, role in people
    )
