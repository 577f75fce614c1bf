"""``/api/notifications``: the signed-in person's own notifications (list, unread count, mark read) — an account's,
or a service-hall student's or teacher's (their own requests' changes, issue #20). Another person's notification
is 404 like one that does not exist; nobody — not the province — reads someone else's."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy import ColumnElement, func, select, update

from sanquan_gateway.notifications.models import Notification
from sanquan_gateway.notifications.schemas import MarkedRead, NotificationOut, UnreadCount
from sanquan_kernel.db import SessionDep, utcnow
from sanquan_kernel.deps import require
from sanquan_kernel.errors import NotFound
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.principal import HALL_ROLES, PERSON_ROLES, Principal

router = APIRouter(prefix="/notifications", tags=["notifications"])

#: People with an account, and the service hall's students and teachers (machine clients: 403).
Reader = Annotated[Principal, require(*PERSON_ROLES, *HALL_ROLES)]


def _mine(principal: Principal) -> tuple[ColumnElement[bool], str]:
    """The caller's own rows (and the key of their unread count's ETag)."""
    if principal.user_id is not None:
        return Notification.user_id == principal.user_id, f"u{principal.user_id}"
    if principal.requester_id is not None:
        return Notification.hall_identity_id == principal.requester_id, f"h{principal.requester_id}"
    raise NotFound("No notifications")


@router.get("", response_model=Page[NotificationOut])
def list_notifications(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    unread: Annotated[bool, Query(description="Only the unread ones")] = False,
) -> Page[NotificationOut]:
    stmt = select(Notification).where(_mine(principal)[0])
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    items, total = paginate(session, stmt.order_by(Notification.id.desc()), page)
    return Page[NotificationOut](
        items=[NotificationOut.model_validate(n) for n in items], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/unread-count", response_model=UnreadCount, responses={304: {"description": "Unchanged"}})
def unread_count(
    request: Request, response: Response, session: SessionDep, principal: Reader
) -> UnreadCount | Response:
    """The bell's poll: cheap, and 304 with the same ETag while nothing changed (new or read)."""
    mine, who = _mine(principal)
    count, newest = session.execute(
        select(func.count(Notification.id), func.max(Notification.id)).where(mine, Notification.read_at.is_(None))
    ).one()
    etag = '"' + hashlib.sha256(f"{who}:{count}:{newest}".encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    response.headers.update(headers)
    return UnreadCount(unread=int(count))


@router.post("/{notification_id}/read", status_code=status.HTTP_204_NO_CONTENT)
def mark_read(notification_id: int, session: SessionDep, principal: Reader) -> Response:
    n = session.scalar(select(Notification).where(Notification.id == notification_id, _mine(principal)[0]))
    if n is None:
        raise NotFound("No such notification")
    if n.read_at is None:
        n.read_at = utcnow()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/read-all", response_model=MarkedRead)
def mark_all_read(session: SessionDep, principal: Reader) -> MarkedRead:
    result = session.execute(
        update(Notification).where(_mine(principal)[0], Notification.read_at.is_(None)).values(read_at=utcnow())
    )
    return MarkedRead(marked=int(result.rowcount or 0))  # type: ignore[attr-defined]
