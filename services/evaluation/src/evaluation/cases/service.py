"""The typical-case library (Y3): the province writes, edits, publishes and removes cases (title, category
优秀案例 / 出彩后勤人, story, university, year) with photos through the kernel's attachments (owner
``typical_case``); the public reads the published ones (``evaluation.public``)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evaluation.attachments.models import Attachment
from evaluation.cases.models import TypicalCase
from evaluation.cases.schemas import CaseIn, CaseOut
from evaluation.deps import audit, edit
from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Forbidden, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role, Scope
from sanquan_kernel.storage import Attachments, Owner, OwnerAccess

KIND = "typical_case"
FIELDS = ("title", "category", "story", "university_id", "year", "published")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


def photos(session: Session, case_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(
                Attachment.owner_kind == KIND,
                Attachment.owner_id == case_id,
                Attachment.deleted_at.is_(None),
                Attachment.media_type.in_(IMAGE_TYPES),
            )
            .order_by(Attachment.id)
        )
    )


def photo_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(Attachment.owner_id, func.count())
        .where(Attachment.owner_kind == KIND, Attachment.deleted_at.is_(None), Attachment.media_type.in_(IMAGE_TYPES))
        .group_by(Attachment.owner_id)
    )
    return {int(o): int(n) for o, n in rows if o is not None}


def out(c: TypicalCase, orgdir: OrgDirectory, counts: dict[int, int]) -> CaseOut:
    o = CaseOut.model_validate(c)
    o.university_name = orgdir.name(c.university_id) or None
    o.photo_count = counts.get(c.id, 0)
    return o


def _check(body: CaseIn, orgdir: OrgDirectory) -> None:
    if not orgdir.is_university(body.university_id):
        raise Unprocessable(
            "Not a university", errors=[{"loc": ["body", "university_id"], "msg": "unknown university"}]
        )


def create(session: Session, principal: Principal, body: CaseIn, orgdir: OrgDirectory) -> TypicalCase:
    _check(body, orgdir)
    c = TypicalCase(**body.model_dump(), published_at=utcnow() if body.published else None, version=1)
    session.add(c)
    session.flush()
    audit(session, principal, "case.create", KIND, c.id, after=body.model_dump())
    return c


def update(
    session: Session, request: Request, principal: Principal, c: TypicalCase, body: CaseIn, orgdir: OrgDirectory
) -> TypicalCase:
    with edit(session, request, c, principal, "case.update", entity=KIND, fields=FIELDS) as e:
        _check(body, orgdir)
        if body.published and not c.published:
            e.set(published_at=utcnow())
        e.set(body.model_dump())
    return c


def delete(session: Session, request: Request, principal: Principal, c: TypicalCase) -> None:
    from evaluation.attachments.service import ATTACHMENTS

    with edit(session, request, c, principal, "case.delete", entity=KIND, fields=FIELDS) as e:
        ATTACHMENTS.detach_owned(session, KIND, [c.id])
        e.delete()


def _province_only(session: Session, principal: Principal, scope: Scope, case_id: int) -> OwnerAccess | None:
    if principal.role is not Role.PROVINCE_ADMIN:
        if principal.role in (Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.EXPERT, Role.STAFF):
            return None  # the library's drafts are the province's; the public reads published photos elsewhere
        raise Forbidden("Your role may not do this")
    c = session.get(TypicalCase, case_id)
    return None if c is None else OwnerAccess(c.university_id)


def register_photos(attachments: Attachments) -> None:
    """Make typical cases an owner of attachments (photos), changed and read by the province (idempotent)."""
    attachments.owners[KIND] = Owner(
        KIND, "cases", "case_id", _province_only, _province_only, "a typical case (its photos)"
    )
    attachments.uploaders = attachments.uploaders | {Role.PROVINCE_ADMIN}
