"""The attachments API of a service (issue #16, docs/attachments-api.md), built from what the service says about
the things files are attached to (its ``Owner``s), so that the three services share the logic and each keeps its
own table, its own storage namespace and its own rules of who reads and who edits what.

- ``POST {prefix}/attachments?filename=…``: the raw body is the file, streamed to a temporary file and checked
  (``aintake``) before the database is touched; the row is an *unattached upload* that only its uploader sees.
- ``POST {prefix}/<collection>/{id}/attachments`` attaches the caller's own uploads to an owner the caller may
  edit; ``GET`` lists them to whoever may read the owner.
- ``GET {prefix}/attachments/{id}`` (metadata), ``/content`` (download, ``?disposition=inline``), ``/thumbnail``,
  ``DELETE`` (a soft delete: the row keeps naming the object until the retention period has passed).

An attachment is readable exactly when its owner is (404 otherwise, the same answer as an unknown id): every path
asks the owner's ``read`` with the caller's scope. Downloads of owners marked ``audited`` are written to the
audit trail; an owner's ``read`` may answer ``blind``, and the caller then receives documents without their
author and organisation properties (``strip_metadata``).

Not written in this module with ``from __future__ import annotations``: the routes are made per owner at run time,
and FastAPI reads their parameters' annotations from the functions themselves.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Annotated, Any, Literal

import anyio.to_thread
from fastapi import Body, FastAPI, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from sanquan_kernel.audit import record_audit
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep, utcnow
from sanquan_kernel.errors import Forbidden, NotFound, Unprocessable
from sanquan_kernel.etag import check_if_match, set_etag
from sanquan_kernel.principal import PERSON_ROLES, Principal, Role, Scope
from sanquan_kernel.routing import ServiceRouter
from sanquan_kernel.storage.backends import Storage, make_storage
from sanquan_kernel.storage.checks import IMAGES, KINDS, IntakePolicy, aintake, thumbnail
from sanquan_kernel.storage.metadata import strip_metadata
from sanquan_kernel.storage.models import AttachmentMixin, cleanup_orphans
from sanquan_kernel.storage.names import download_headers

log = logging.getLogger("sanquan.attachments")

#: Kind of a stored file from its media type (the type was decided from the bytes at intake).
KIND_OF_MEDIA = {k.media_type: k.name for k in KINDS.values()}
#: The most ids one attach call takes, and the most live attachments one owner holds.
MAX_PER_CALL = 50
MAX_PER_OWNER = 200


@dataclass(frozen=True)
class OwnerAccess:
    """What the service's look-up says about one owner for one caller: where it belongs (the attachments take its
    university and department, for the scope of exports), and whether this caller reads it blind."""

    university_id: int | None
    department_id: int | None = None
    blind: bool = False


#: ``(session, principal, scope, owner_id) -> OwnerAccess | None``: None when the caller may not read it (404);
#: an edit look-up raises ``Forbidden`` or ``Conflict`` for an owner the caller reads but may not change.
OwnerLookup = Callable[[Session, Principal, Scope, int], OwnerAccess | None]


@dataclass(frozen=True)
class Owner:
    kind: str  # stored in ``owner_kind``
    collection: str  # the URL segment: /<collection>/{param}/attachments
    param: str  # the path parameter's name (``record_id``), as the service's other routes name it
    read: OwnerLookup
    edit: OwnerLookup
    what: str  # for the API docs: "a training record"
    audited: bool = False  # downloads of its files go to the audit trail
    purposes: tuple[str, ...] = ()  # values the optional ``purpose`` of an attach call may take


class AttachmentOwnerOut(BaseModel):
    kind: str
    id: int


class AttachmentOut(BaseModel):
    """An uploaded file. Never names who uploaded it nor their university (blind review)."""

    id: int
    name: str
    size: int
    media_type: str
    sha256: str
    kind: str
    created_at: datetime
    content_url: str
    thumbnail_url: str | None
    owner: AttachmentOwnerOut | None
    purpose: str | None = None


class AttachmentList(BaseModel):
    items: list[AttachmentOut]


#: An attachment's id as a request names it; a body that carries ids to attach (the hall's request, answer and
#: information) declares them with this, so that what ``AttachBody`` would refuse is refused as the request's 422.
AttachmentRef = Annotated[int, Field(ge=1, le=2**31 - 1)]


class AttachBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attachment_ids: list[AttachmentRef] = Field(min_length=1, max_length=MAX_PER_CALL)
    purpose: str | None = Field(default=None, max_length=40)


class Attachments:
    """The attachments of one service: its table (``model``, with ``AttachmentMixin``), its audit table, its
    owners and its URL prefix. ``install(app)`` adds the routes and the periodic cleanup."""

    def __init__(
        self,
        *,
        service: str,
        api_prefix: str,
        model: type[AttachmentMixin],
        audit_model: type[Any],
        owners: Sequence[Owner],
        uploaders: frozenset[Role],
        tag: str = "attachments",
    ) -> None:
        self.service = service
        self.prefix = api_prefix
        self.model: Any = model
        self.audit_model = audit_model
        self.owners = {o.kind: o for o in owners}
        self.uploaders = uploaders & PERSON_ROLES  # an unattached upload belongs to an account
        self.tag = tag
        self.has_purpose = hasattr(model, "purpose")

    # -- storage and settings --------------------------------------------------------------------------------------
    @staticmethod
    def storage(app: Any) -> Storage:
        """The service's storage (``make_storage`` from the environment on first use; tests set their own in
        ``app.state.kernel.extras["storage"]``)."""
        extras: dict[str, Any] = app.state.kernel.extras
        st = extras.get("storage")
        if st is None:
            st = extras["storage"] = make_storage(app.state.kernel.settings.service_name)
        assert isinstance(st, Storage)
        return st

    @staticmethod
    def policy(app: Any) -> IntakePolicy:
        extras: dict[str, Any] = app.state.kernel.extras
        policy = extras.get("intake_policy")
        if policy is None:
            policy = extras["intake_policy"] = IntakePolicy.from_settings()
        assert isinstance(policy, IntakePolicy)
        return policy

    # -- shapes ----------------------------------------------------------------------------------------------------
    @staticmethod
    def shown_name(row: Any, *, blind: bool) -> str:
        """The name a reader sees: the uploader's, or (blind review: a name can say who wrote it) a neutral one."""
        if not blind:
            return str(row.original_name)
        kind = KINDS.get(KIND_OF_MEDIA.get(row.media_type, ""))
        return f"material-{row.id}{kind.extensions[0] if kind else ''}"

    def out(self, row: Any, *, blind: bool = False) -> AttachmentOut:
        kind = KIND_OF_MEDIA.get(row.media_type, "file")
        base = f"{self.prefix}/attachments/{row.id}"
        owner = AttachmentOwnerOut(kind=row.owner_kind, id=row.owner_id) if row.owner_id is not None else None
        return AttachmentOut(
            id=row.id,
            name=self.shown_name(row, blind=blind),
            size=row.size,
            media_type=row.media_type,
            sha256=row.sha256,
            kind=kind,
            created_at=row.created_at,
            content_url=f"{base}/content",
            thumbnail_url=f"{base}/thumbnail" if kind in IMAGES else None,
            owner=owner,
            purpose=getattr(row, "purpose", None),
        )

    # -- access ----------------------------------------------------------------------------------------------------
    def _row(self, session: Session, attachment_id: int, *, for_update: bool = False) -> Any:
        m = self.model
        stmt = select(m).where(m.id == attachment_id, m.deleted_at.is_(None))
        if for_update:
            stmt = stmt.with_for_update()
        row = session.scalar(stmt)
        if row is None:
            raise NotFound("No such attachment")
        return row

    @staticmethod
    def _uploader(principal: Principal, row: Any) -> bool:
        return (
            principal.user_id is not None
            and row.uploaded_by == principal.user_id
            and row.university_id == principal.university_id
        )

    def _owner(self, row: Any) -> Owner:
        owner = self.owners.get(row.owner_kind)
        if owner is None:  # a kind this version does not know: nobody reads it
            raise NotFound("No such attachment")
        return owner

    def readable(self, session: Session, principal: Principal, scope: Scope, attachment_id: int) -> tuple[Any, bool]:
        """The live row and whether the caller reads it blind; 404 unless the caller may read its owner (an
        unattached upload: unless the caller uploaded it)."""
        row = self._row(session, attachment_id)
        if row.owner_id is None:
            if not self._uploader(principal, row):
                raise NotFound("No such attachment")
            return row, False
        access = self._owner(row).read(session, principal, scope, row.owner_id)
        if access is None:
            raise NotFound("No such attachment")
        return row, access.blind

    def _audit_download(self, request: Request, session: Session, principal: Principal, row: Any, what: str) -> None:
        """The audit entry of a download, committed before the file is sent. A GET's session reads (deferred on
        SQLite, where a read that turns into a write fails when another writer is busy): it is ended first and the
        entry written by a writer session, so one connection at a time."""
        owner = self.owners.get(row.owner_kind) if row.owner_kind else None
        if owner is None or not owner.audited:
            return
        session.commit()
        with request.app.state.kernel.sessionmaker() as writer:
            record_audit(
                writer,
                self.audit_model,
                principal,
                f"attachment.{what}",
                "attachment",
                row.id,
                university_id=row.university_id,
                after={"owner_kind": row.owner_kind, "owner_id": row.owner_id, "name": row.original_name},
            )
            writer.commit()

    # -- writing ---------------------------------------------------------------------------------------------------
    async def upload(self, request: Request, principal: Principal, filename: str | None) -> AttachmentOut:
        if principal.role not in self.uploaders or principal.user_id is None:
            raise Forbidden("Your role may not upload files here")
        declared: int | None = None
        raw = request.headers.get("content-length")
        if raw is not None:
            try:
                declared = int(raw)
            except ValueError:
                raise Unprocessable("Content-Length is not a number", code="bad_size") from None
        app = request.app
        storage = self.storage(app)
        with await aintake(
            storage, request.stream(), filename=filename, policy=self.policy(app), declared_size=declared
        ) as accepted:
            await storage.acommit(accepted.file)
            values = {
                "sha256": accepted.sha256,
                "size": accepted.size,
                "media_type": accepted.media_type,
                "original_name": accepted.filename,
                "university_id": principal.university_id,
                "department_id": principal.department_id,
                "uploaded_by": principal.user_id,
            }

        def store() -> AttachmentOut:
            with app.state.kernel.sessionmaker() as session:
                row = self.model(**values)
                session.add(row)
                session.commit()
                return self.out(row)

        return await anyio.to_thread.run_sync(store)

    def attach(
        self,
        session: Session,
        principal: Principal,
        scope: Scope,
        owner: Owner,
        owner_id: int,
        body: AttachBody,
    ) -> AttachmentList:
        access = owner.edit(session, principal, scope, owner_id)
        if access is None:
            raise NotFound("No such record")
        if body.purpose is not None and body.purpose not in owner.purposes:
            allowed = ", ".join(owner.purposes) or "none"
            raise Unprocessable(
                f"purpose must be one of: {allowed}",
                errors=[{"loc": ["body", "purpose"], "msg": f"one of: {allowed}", "type": "enum"}],
            )
        m = self.model
        ids = sorted(set(body.attachment_ids))
        rows = session.scalars(select(m).where(m.id.in_(ids), m.deleted_at.is_(None)).with_for_update()).all()
        usable = {
            r.id: r
            for r in rows
            if (r.owner_id is None and self._uploader(principal, r))
            or (r.owner_kind == owner.kind and r.owner_id == owner_id)
        }
        refused = [i for i in ids if i not in usable]
        if refused:
            raise Unprocessable(
                "Only your own uploads not attached elsewhere can be attached",
                errors=[{"loc": ["body", "attachment_ids"], "msg": f"not attachable: {refused}", "type": "value"}],
                code="not_attachable",
            )
        new = [r for r in usable.values() if r.owner_id is None]
        if new and self._count(session, owner.kind, owner_id) + len(new) > MAX_PER_OWNER:
            raise Unprocessable(f"A record holds at most {MAX_PER_OWNER} files", code="too_many_files")
        for r in usable.values():
            r.owner_kind, r.owner_id = owner.kind, owner_id
            r.university_id, r.department_id = access.university_id, access.department_id
            if self.has_purpose and body.purpose is not None:
                r.purpose = body.purpose
        session.flush()
        if new:
            record_audit(
                session,
                self.audit_model,
                principal,
                "attachment.attach",
                owner.kind,
                owner_id,
                university_id=access.university_id,
                after={"attachment_ids": sorted(r.id for r in new), "purpose": body.purpose},
            )
        return self.listing(session, owner.kind, owner_id, blind=access.blind)

    def _count(self, session: Session, kind: str, owner_id: int) -> int:
        from sqlalchemy import func

        m = self.model
        n = session.scalar(
            select(func.count()).where(m.owner_kind == kind, m.owner_id == owner_id, m.deleted_at.is_(None))
        )
        return int(n or 0)

    def listing(self, session: Session, kind: str, owner_id: int, *, blind: bool = False) -> AttachmentList:
        m = self.model
        rows = session.scalars(
            select(m).where(m.owner_kind == kind, m.owner_id == owner_id, m.deleted_at.is_(None)).order_by(m.id)
        ).all()
        return AttachmentList(items=[self.out(r, blind=blind) for r in rows])

    def remove(
        self, request: Request, session: Session, principal: Principal, scope: Scope, attachment_id: int
    ) -> None:
        """Detach and soft-delete: the caller's own unattached upload, or a file of an owner the caller may edit.
        An attachment never changes, so its ETag is ``W/"1"``; a stale ``If-Match`` is 412."""
        row = self._row(session, attachment_id, for_update=True)
        if row.owner_id is None:
            if not self._uploader(principal, row):
                raise NotFound("No such attachment")
        else:
            owner = self._owner(row)
            if owner.read(session, principal, scope, row.owner_id) is None:
                raise NotFound("No such attachment")
            if owner.edit(session, principal, scope, row.owner_id) is None:
                raise NotFound("No such attachment")
        check_if_match(request, 1)
        row.deleted_at = utcnow()
        record_audit(
            session,
            self.audit_model,
            principal,
            "attachment.delete",
            "attachment",
            row.id,
            university_id=row.university_id,
            before={"owner_kind": row.owner_kind, "owner_id": row.owner_id, "name": row.original_name},
        )

    # -- reading ---------------------------------------------------------------------------------------------------
    def content(self, request: Request, row: Any, *, blind: bool, inline: bool) -> Response:
        storage = self.storage(request.app)
        kind = KIND_OF_MEDIA.get(row.media_type, "")
        inline = inline and (kind == "pdf" or kind in IMAGES)
        name = self.shown_name(row, blind=blind)
        if blind and kind in ("pdf", "docx", "xlsx", "pptx"):
            with storage.open(row.sha256) as src:
                cleaned = strip_metadata(src, kind)
            headers = download_headers(name, inline=inline, media_type=row.media_type)
            return StreamingResponse(_chunks(cleaned), media_type=row.media_type, headers=headers)
        return storage.download(row.sha256, filename=name, media_type=row.media_type, inline=inline, size=row.size)

    def thumbnail(self, request: Request, row: Any) -> Response:
        if KIND_OF_MEDIA.get(row.media_type) not in IMAGES:
            raise NotFound("Only images have thumbnails")
        storage = self.storage(request.app)
        with storage.open(row.sha256) as f:
            data = thumbnail(f, max_pixels=self.policy(request.app).max_image_pixels)
        return Response(
            data,
            media_type="image/jpeg",
            headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    # -- owners going away, retention, cleanup ---------------------------------------------------------------------
    def detach_owned(self, session: Session, kind: str, owner_ids: Sequence[int]) -> int:
        """Soft-delete the attachments of owners being deleted (call it in the same transaction); their objects
        stay while the rows name them, i.e. for the retention period."""
        if not owner_ids:
            return 0
        m = self.model
        result = session.execute(
            update(m)
            .where(m.owner_kind == kind, m.owner_id.in_(list(owner_ids)), m.deleted_at.is_(None))
            .values(deleted_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def sweep(self, session: Session, storage: Storage, *, retention: timedelta, now: datetime | None = None) -> None:
        """Orphan cleanup (uploads never attached, after a day) and the end of retention (rows soft-deleted longer
        than ``retention`` ago are removed, then each object no row names any more). Safe to run on every replica at
        once: rows go by id, an object only when no row names it and nobody stored it again since the cutoff."""
        cleanup_orphans(session, self.model, storage, now=now)
        m = self.model
        cutoff = (now or utcnow()) - retention
        while True:
            found = session.execute(
                select(m.id, m.sha256).where(m.deleted_at.is_not(None), m.deleted_at < cutoff).order_by(m.id).limit(500)
            ).all()
            if not found:
                return
            session.execute(delete(m).where(m.id.in_([r.id for r in found])))
            session.commit()
            for sha256 in sorted({r.sha256 for r in found}):
                if session.scalar(select(exists().where(m.sha256 == sha256))):
                    continue
                stat = storage.stat(sha256)
                if stat is not None and stat[1] < cutoff:
                    storage.delete(sha256)
            session.commit()
            log.info("attachments past retention removed: %d rows", len(found))

    def install(self, app: FastAPI, settings: Any = None) -> None:
        """Add the routes and, when ``STORAGE_CLEANUP_INTERVAL`` > 0, the cleanup every that many seconds (first
        run after a random part of it, so that replicas do not run together), with ``STORAGE_RETENTION_DAYS``."""
        from sanquan_kernel.settings import StorageSettings

        s = settings or StorageSettings()
        interval = float(s.storage_cleanup_interval)
        retention = timedelta(days=s.storage_retention_days)
        app.include_router(self.router(), prefix=self.prefix)
        if interval <= 0:
            return
        inner = app.router.lifespan_context

        def run_once() -> None:
            with app.state.kernel.sessionmaker() as session:
                self.sweep(session, self.storage(app), retention=retention)

        async def periodic() -> None:
            await asyncio.sleep(random.uniform(0.1, 1.0) * interval)
            while True:
                try:
                    await anyio.to_thread.run_sync(run_once)
                except Exception:
                    log.exception("attachment cleanup failed; retried at the next interval")
                await asyncio.sleep(interval)

        @contextlib.asynccontextmanager
        async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
            async with inner(a) as state:
                task = asyncio.create_task(periodic())
                try:
                    yield state
                finally:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

        app.router.lifespan_context = lifespan

    # -- the routes ------------------------------------------------------------------------------------------------
    def router(self) -> Any:
        router = ServiceRouter(tags=[self.tag])
        api = self
        AttachmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]

        @router.post(
            "/attachments",
            response_model=AttachmentOut,
            status_code=201,
            summary="Upload a file (the raw request body); attach it to a record within a day",
            openapi_extra={
                "requestBody": {
                    "required": True,
                    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                }
            },
        )
        async def upload_attachment(
            request: Request,
            principal: CurrentPrincipal,
            filename: Annotated[str | None, Query(max_length=1000)] = None,
        ) -> AttachmentOut:
            return await api.upload(request, principal, filename)

        @router.get("/attachments/{attachment_id}", response_model=AttachmentOut, summary="An attachment's metadata")
        def get_attachment(
            attachment_id: AttachmentId,
            response: Response,
            session: SessionDep,
            principal: CurrentPrincipal,
            scope: CurrentScope,
        ) -> AttachmentOut:
            row, blind = api.readable(session, principal, scope, attachment_id)
            set_etag(response, 1)  # an attachment never changes; DELETE takes If-Match
            return api.out(row, blind=blind)

        @router.get(
            "/attachments/{attachment_id}/content",
            response_class=Response,
            summary="Download an attachment (?disposition=inline to view a PDF or image in the browser)",
            responses={
                200: {
                    "content": {
                        media: {"schema": {"type": "string", "format": "binary"}}
                        for media in sorted({k.media_type for k in KINDS.values()})
                    },
                    "description": "The file with the type decided at upload (X-Accel-Redirect behind nginx)",
                },
                307: {"description": "Follow Location: a presigned URL of the S3 store"},
            },
        )
        def download_attachment(
            attachment_id: AttachmentId,
            request: Request,
            session: SessionDep,
            principal: CurrentPrincipal,
            scope: CurrentScope,
            disposition: Literal["attachment", "inline"] = "attachment",
        ) -> Response:
            row, blind = api.readable(session, principal, scope, attachment_id)
            api._audit_download(request, session, principal, row, "download")
            return api.content(request, row, blind=blind, inline=disposition == "inline")

        @router.get(
            "/attachments/{attachment_id}/thumbnail",
            response_class=Response,
            summary="A JPEG thumbnail of an image attachment",
            responses={
                200: {
                    "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                    "description": "A JPEG of at most 320 pixels a side",
                }
            },
        )
        def attachment_thumbnail(
            attachment_id: AttachmentId,
            request: Request,
            session: SessionDep,
            principal: CurrentPrincipal,
            scope: CurrentScope,
        ) -> Response:
            row, _ = api.readable(session, principal, scope, attachment_id)
            return api.thumbnail(request, row)

        @router.delete(
            "/attachments/{attachment_id}",
            status_code=204,
            response_class=Response,
            summary="Detach and delete an attachment (the file is kept for the retention period)",
        )
        def delete_attachment(
            attachment_id: AttachmentId,
            request: Request,
            session: SessionDep,
            principal: CurrentPrincipal,
            scope: CurrentScope,
        ) -> Response:
            api.remove(request, session, principal, scope, attachment_id)
            return Response(status_code=204)

        for owner in self.owners.values():
            self._owner_routes(router, owner)
        return router

    def _owner_routes(self, router: Any, owner: Owner) -> None:
        api = self
        OwnerId = Annotated[int, Path(alias=owner.param, ge=1, le=2**31 - 1)]
        path = f"/{owner.collection}/{{{owner.param}}}/attachments"
        name = owner.kind

        def list_owner_attachments(
            owner_id: OwnerId, session: SessionDep, principal: CurrentPrincipal, scope: CurrentScope
        ) -> AttachmentList:
            access = owner.read(session, principal, scope, owner_id)
            if access is None:
                raise NotFound("No such record")
            return api.listing(session, owner.kind, owner_id, blind=access.blind)

        def attach_to_owner(
            owner_id: OwnerId,
            body: Annotated[AttachBody, Body()],
            session: SessionDep,
            principal: CurrentPrincipal,
            scope: CurrentScope,
        ) -> AttachmentList:
            return api.attach(session, principal, scope, owner, owner_id, body)

        list_owner_attachments.__name__ = f"list_{name}_attachments"
        attach_to_owner.__name__ = f"attach_to_{name}"
        router.add_api_route(
            path,
            list_owner_attachments,
            methods=["GET"],
            response_model=AttachmentList,
            summary=f"The files attached to {owner.what}",
        )
        router.add_api_route(
            path,
            attach_to_owner,
            methods=["POST"],
            response_model=AttachmentList,
            summary=f"Attach your uploads to {owner.what}",
        )


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    try:
        while data := f.read(1 << 20):
            yield data
    finally:
        f.close()
