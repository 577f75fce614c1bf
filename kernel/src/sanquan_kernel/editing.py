"""Versioned edits: the one way a service changes (or deletes) a row that clients name by its ETag.

Every mutable row has a ``version`` (``ETag: W/"<version>"``, sanquan_kernel.etag). Changing one takes the same
steps everywhere, in this order::

    with edit(session, request, plan, principal, "plan.update", entity="plan", fields=PLAN_FIELDS) as e:
        ensure_editable(plan)             # the service's own rules, on the row as it is now (409, 422 …)
        e.set(body.model_dump(exclude_unset=True))

1. the row is read again under ``SELECT … FOR UPDATE`` (``lock``): of two writers holding the same ETag, the
   second waits for the first and then sees its version. On SQLite, which has no row locks, the request's write
   transaction began with ``BEGIN IMMEDIATE`` (sanquan_kernel.db), so writers are serialised already;
2. ``If-Match`` is checked against that version (``check_if_match``: 412 when it names another one; absent, or
   ``*``, passes — the public contract has no 428). ``request=None``: no check (a change the service makes on its
   own, e.g. a change request being applied);
3. the block runs: the service's checks, then ``e.set(...)`` (a setattr per field) or changes made otherwise and
   declared with ``e.touch()``;
4. the first change counts the version up (``version += 1``, sent with the change's own UPDATE); when the block
   ends without an exception and something changed: a flush, and one audit entry with ``before`` (the ``fields``
   as the row was when the edit began) and ``after`` (as the edit leaves them), or with what the block put in
   ``e.before`` / ``e.after``. Nothing changed (an empty PATCH): no new version, no
   entry. An exception: nothing of the edit's is written (the request's session rolls back).

``e.delete()`` deletes the row instead, after an audit entry with its ``before``.

Why not SQLAlchemy's ``version_id_col`` (docs/decisions.md, issue #15): it compares the version the *session*
read, not the one the client sent in ``If-Match``; it bumps on every flushed UPDATE of the row, so the rows the
services change without a new ETag today (a letter's hash, a task's figures set in SQL) would change it; it does
nothing for the audit entry; and after the ``FOR UPDATE`` re-read its ``WHERE version = …`` can never fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from fastapi import Request
from sqlalchemy.orm import Session

from sanquan_kernel.etag import check_if_match
from sanquan_kernel.principal import Principal

T = TypeVar("T")

#: What an edit audits of its row: field names (read with getattr), or a function of the row giving the dict.
Fields = Iterable[str] | Callable[[Any], dict[str, Any]]


class AuditSink(Protocol):
    """Writes one audit entry in the session's transaction (a service's bound auditor, or ``record_audit`` with
    the service's entry model given)."""

    def __call__(
        self,
        session: Session,
        principal: Principal | None,
        action: str,
        entity: str,
        entity_id: Any,
        *,
        university_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None: ...


def lock(session: Session, obj: Any) -> None:
    """Re-read ``obj``'s row under ``SELECT … FOR UPDATE`` (SQLite: a plain re-read; its writers are serialised by
    ``BEGIN IMMEDIATE``), so that a version check or a state change sees the row as the last writer left it and
    no other writer can pass the same check until this transaction ends."""
    session.refresh(obj, with_for_update=True)


class _Own:
    """The default university of an audit entry: the row's own ``university_id`` (None when it has none)."""


OWN_UNIVERSITY: Any = _Own()


def _snapshot(obj: Any, fields: Fields | None) -> dict[str, Any] | None:
    if fields is None:
        return None
    if callable(fields):
        return fields(obj)
    return {f: getattr(obj, f) for f in fields}


class Edit(Generic[T]):
    """One versioned change of a row, open within ``with``; see the module's docstring."""

    def __init__(
        self,
        audit: AuditSink | None,
        session: Session,
        request: Request | None,
        obj: T,
        principal: Principal | None,
        action: str | None,
        *,
        entity: str | None = None,
        entity_id: Any = None,
        fields: Fields | None = None,
        university_id: int | None = OWN_UNIVERSITY,
        lock: bool = True,
    ) -> None:
        self.obj = obj
        self.session = session
        self.principal = principal
        #: The audit entry's action; None writes no entry. The block may change it (e.g. by the outcome).
        self.action = action
        self.entity = entity or type(obj).__tablename__  # type: ignore[attr-defined]
        self.entity_id = entity_id
        self.fields = fields
        #: True once the block changed the row (and counted its version up): audited when the block ends.
        self.changed = False
        #: The audit entry's before and after; ``after`` None: the fields as the edit leaves the row.
        self.before: dict[str, Any] | None = None
        self.after: dict[str, Any] | None = None
        self._audit = audit
        self._request = request
        self._university_id = university_id
        self._lock = lock
        self._done = False

    def __enter__(self) -> Edit[T]:
        if self._lock:
            lock(self.session, self.obj)
        if self._request is not None:
            check_if_match(self._request, self.version)
        self.before = _snapshot(self.obj, self.fields)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None and self.changed and not self._done:
            self.commit()

    @property
    def version(self) -> int:
        version: int = self._row.version
        return version

    @property
    def _row(self) -> Any:
        return self.obj

    def set(self, changes: Mapping[str, Any] | None = None, /, **values: Any) -> bool:
        """Set the given attributes of the row (``changes``, then ``values``); answers whether there were any.
        Giving none changes nothing (no new version, no audit entry)."""
        given = {**(changes or {}), **values}
        for name, value in given.items():
            setattr(self.obj, name, value)
        if given:
            self.touch()
        return bool(given)

    def touch(self) -> None:
        """Declare a change (made otherwise: a child row, an SQL statement, attributes set directly); the first
        one counts the version up."""
        if not self.changed:
            self.changed = True
            self._row.version += 1

    def commit(self) -> None:
        """Flush and audit now (the end of the ``with`` block does it otherwise)."""
        if self._done:
            raise RuntimeError("The edit is already written")
        self._done = True
        self.touch()
        self.session.flush()
        after = self.after if self.after is not None else _snapshot(self.obj, self.fields)
        self._write_audit(self.before, after)

    def delete(self) -> None:
        """Delete the row, after an audit entry with its ``before``."""
        if self._done:
            raise RuntimeError("The edit is already written")
        self._done = True
        self._write_audit(self.before, self.after)
        self.session.delete(self.obj)
        self.session.flush()

    def _write_audit(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        if self._audit is None or self.action is None:
            return
        university_id = self._university_id
        if isinstance(university_id, _Own):
            university_id = getattr(self.obj, "university_id", None)
        self._audit(
            self.session,
            self.principal,
            self.action,
            self.entity,
            self._row.id if self.entity_id is None else self.entity_id,
            university_id=university_id,
            before=before,
            after=after,
        )


class Editor:
    """A service's ``edit``, bound once to its auditor: ``edit = Editor(audit)``, then
    ``with edit(session, request, row, principal, "row.update", fields=ROW_FIELDS) as e: ...``."""

    def __init__(self, audit: AuditSink | None) -> None:
        self.audit = audit

    def __call__(
        self,
        session: Session,
        request: Request | None,
        obj: T,
        principal: Principal | None,
        action: str | None,
        *,
        entity: str | None = None,
        entity_id: Any = None,
        fields: Fields | None = None,
        university_id: int | None = OWN_UNIVERSITY,
        lock: bool = True,
    ) -> Edit[T]:
        """The edit of ``obj`` (see the module's docstring): ``request`` None checks no ``If-Match``; the audit
        entry's ``entity`` defaults to the row's table name, ``entity_id`` to its id, ``university_id`` to its own;
        ``lock=False`` only for a row this transaction locked already."""
        return Edit(
            self.audit,
            session,
            request,
            obj,
            principal,
            action,
            entity=entity,
            entity_id=entity_id,
            fields=fields,
            university_id=university_id,
            lock=lock,
        )
