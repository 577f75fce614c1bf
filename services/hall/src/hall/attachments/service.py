"""Photos of a request (F1): the requester's (reported, information added) and the department's (the answer).

The kernel's attachments are uploaded by accounts (``uploaded_by`` is an account id). A student or teacher has no
account, only a hall identity, so their uploads are stored under ``HALL_UPLOADER_BASE + identity id`` — a number
no account id reaches — and only they may attach them. Read by whoever reads the request; changed (attached to)
by the requester while it is open and by the logistics side that may work on it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session

from hall.attachments.models import Attachment
from hall.models import AuditEntry
from sanquan_kernel.errors import Conflict, Forbidden, NotFound
from sanquan_kernel.principal import HALL_ROLES, Principal, Role, Scope
from sanquan_kernel.storage import Attachments, Owner, OwnerAccess
from sanquan_kernel.storage.api import AttachmentOut

#: Uploads of hall identities: ``uploaded_by`` = this + the identity's id (account ids stay far below it).
HALL_UPLOADER_BASE = 1_000_000_000
HANDLERS = frozenset({Role.STAFF, Role.DEPARTMENT_MANAGER, Role.UNIVERSITY_ADMIN})
READERS = HANDLERS | HALL_ROLES | {Role.PROVINCE_ADMIN, Role.INSPECTOR}


def uploader_key(principal: Principal) -> int | None:
    if principal.role in HALL_ROLES:
        rid = principal.requester_id
        return None if rid is None else HALL_UPLOADER_BASE + rid
    return principal.user_id


class HallAttachments(Attachments):
    """The kernel's attachments with hall identities as uploaders too."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.uploaders = kw["uploaders"]

    @staticmethod
    def _uploader(principal: Principal, row: Any) -> bool:
        key = uploader_key(principal)
        return key is not None and row.uploaded_by == key and row.university_id == principal.university_id

    def remove(self, request: Any, session: Session, principal: Principal, scope: Scope, attachment_id: int) -> None:
        """A request's file is removed only by whoever uploaded it: a student's photo of the problem is their
        evidence, the department's photo of its answer is its own (the handling department could otherwise delete
        what it was shown). Visible but not theirs: 403; not visible: 404."""
        row = self._row(session, attachment_id)
        if row.owner_id is not None and not self._uploader(principal, row):
            if self._owner(row).read(session, principal, scope, row.owner_id) is None:
                raise NotFound("No such attachment")
            raise Forbidden("Only whoever uploaded a file removes it")
        super().remove(request, session, principal, scope, attachment_id)

    async def upload(self, request: Any, principal: Principal, filename: str | None) -> AttachmentOut:
        if principal.role in HALL_ROLES and principal.requester_id is not None:
            # stored as if by the account HALL_UPLOADER_BASE + identity id, of the requester's university
            principal = dataclasses.replace(
                principal, role=Role.STAFF, subject=str(HALL_UPLOADER_BASE + principal.requester_id)
            )
        return await super().upload(request, principal, filename)


def read_request(session: Session, principal: Principal, scope: Scope, request_id: int) -> OwnerAccess | None:
    from hall.requests import repository

    if principal.role not in READERS:
        raise Forbidden("Your role may not read this request's files")
    r = repository.get(session, scope, request_id)
    return None if r is None else OwnerAccess(r.university_id, r.department_id)


def edit_request(session: Session, principal: Principal, scope: Scope, request_id: int) -> OwnerAccess | None:
    from hall.requests import repository

    # role first (403), then scope (404), as every other operation of the hall answers
    if principal.role not in HANDLERS | HALL_ROLES:
        raise Forbidden("Your role may not change this request's files")
    r = repository.get(session, scope, request_id)
    if r is None:
        return None
    if r.status in ("closed", "withdrawn"):
        raise Conflict(f"A {r.status} request's files no longer change", code="request_state")
    return OwnerAccess(r.university_id, r.department_id)


REQUEST_OWNER = Owner(
    "request",
    "requests",
    "request_id",
    read_request,
    edit_request,
    "a service-hall request (photos of the problem, of the answer)",
)

ATTACHMENTS = HallAttachments(
    service="hall",
    api_prefix="/api/hall",
    model=Attachment,
    audit_model=AuditEntry,
    owners=[REQUEST_OWNER],
    uploaders=HANDLERS | HALL_ROLES,
)
