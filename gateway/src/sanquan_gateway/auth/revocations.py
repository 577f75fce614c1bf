"""The deny list in the gateway's database, and the poller that keeps every process's copy fresh."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, bindparam, delete, event, func, literal, null, or_, select, union_all, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.accounts.models import User
from sanquan_gateway.auth.models import RefreshToken, Revocation
from sanquan_gateway.orgs.models import Organisation
from sanquan_kernel.db import utcnow
from sanquan_kernel.revocation import EVERY_TOKEN, RevocationList, org_subject

log = logging.getLogger("gateway.revocations")
#: Set on a session that changed the deny list, so that this process reloads it right after the commit.
CHANGED = "revocations_changed"


def revoke_subject(session: Session, subject: str, access_ttl: int) -> None:
    """Every access token of ``subject`` issued until now stops working (a disabled account)."""
    session.info[CHANGED] = True
    session.add(
        Revocation(
            subject=subject, revoked_before=int(time.time()), expires_at=utcnow() + timedelta(seconds=access_ttl + 60)
        )
    )


def clear_subject(session: Session, subject: str) -> None:
    """A re-enabled account: new tokens work again (old ones have expired or stay refused by their age)."""
    session.info[CHANGED] = True
    session.execute(delete(Revocation).where(Revocation.subject == subject))


def revoke_jti(session: Session, jti: str, expires_at_epoch: int) -> None:
    session.info[CHANGED] = True
    session.add(Revocation(jti=jti, expires_at=datetime.fromtimestamp(expires_at_epoch + 60, UTC)))


def revoke_refresh_tokens_of_user(session: Session, user_id: int) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def deactivate_org(session: Session, org_id: int) -> None:
    """A deactivated university or department: every token of its members stops working (``active_entries`` lists
    it while it is inactive) and every sign-in (refresh token family) of its people ends."""
    session.info[CHANGED] = True
    session.execute(delete(Revocation).where(Revocation.subject == org_subject(org_id)))
    members = select(User.id).where(
        or_(User.org_id == org_id, User.university_id == org_id, User.department_id == org_id)
    )
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id.in_(members), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def reactivate_org(session: Session, org_id: int, access_ttl: int) -> None:
    """A reactivated organisation: tokens issued from now on work; those issued before (while it was active before,
    or racing the deactivation) stay refused until they have expired."""
    session.info[CHANGED] = True
    session.add(
        Revocation(
            subject=org_subject(org_id),
            revoked_before=int(time.time()),
            expires_at=utcnow() + timedelta(seconds=access_ttl + 60),
        )
    )


def org_subjects(*org_ids: int | None) -> list[str]:
    """The deny-list subjects of these organisations (for waiting past a reactivation's cutoff when issuing)."""
    return [org_subject(i) for i in dict.fromkeys(org_ids) if i is not None]


def active_entries(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(Revocation).where(Revocation.expires_at > utcnow()).order_by(Revocation.id))
    entries: list[dict[str, Any]] = [
        {"subject": r.subject, "jti": r.jti, "revoked_before": r.revoked_before, "expires_at": r.expires_at.isoformat()}
        for r in rows
    ]
    # Deactivated organisations, from the organisations themselves (so the list cannot drift from them): every
    # token of their members, for as long as they stay inactive.
    inactive = session.scalars(select(Organisation.id).where(Organisation.active.is_(False)).order_by(Organisation.id))
    entries += [
        {"subject": org_subject(i), "jti": None, "revoked_before": EVERY_TOKEN, "expires_at": None} for i in inactive
    ]
    return entries


def entries_etag(entries: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256(repr([(e["subject"], e["jti"], e["revoked_before"]) for e in entries]).encode())
    return f'"{digest.hexdigest()[:32]}"'


def purge_expired(session: Session) -> None:
    session.execute(delete(Revocation).where(Revocation.expires_at <= utcnow()))


def _snapshot_statement() -> Any:
    """The poller's one statement: the deny list's rows (revocations not expired, then the inactive organisations)
    and the organisation table's fingerprint (count, last update, sum of versions: ``/internal/orgs``' ETag), as
    plain rows on one connection — no ORM objects. Built once; ``now`` is bound."""
    now = bindparam("now", type_=Revocation.expires_at.type)
    null_int = null().cast(Integer)
    null_str = null().cast(String)
    rows = select(
        literal(0).label("kind"),
        Revocation.id.label("key"),
        Revocation.subject.label("subject"),
        Revocation.jti.label("jti"),
        Revocation.revoked_before.label("revoked_before"),
        Revocation.expires_at.label("expires_at"),
    ).where(Revocation.expires_at > now)
    inactive = select(
        literal(1), Organisation.id, null_str, null_str, null_int, null().cast(Revocation.expires_at.type)
    ).where(Organisation.active.is_(False))
    orgs = select(
        literal(2),
        func.count(Organisation.id),
        null_str,
        null_str,
        func.coalesce(func.sum(Organisation.version), 0),
        func.max(Organisation.updated_at),
    )
    union = union_all(rows, inactive, orgs).subquery()
    return select(union).order_by(union.c.kind, union.c.key)


_SNAPSHOT = _snapshot_statement()


def orgs_etag(count: int, last: datetime | None, versions: int) -> str:
    """``/internal/orgs``' ETag: the organisations' count, last update and sum of versions."""
    return '"' + hashlib.sha256(f"{count}:{last}:{versions}".encode()).hexdigest()[:32] + '"'


class RevocationPoller:
    """The gateway's own in-memory copy, refreshed from the database (so every replica agrees within ``interval``),
    and what ``/internal/revocations`` and ``/internal/orgs`` answer an unchanged poll from (their ETags).

    An idle poll is one statement returning a handful of plain rows, compared with the previous poll's: nothing is
    rebuilt, hashed or replaced unless they differ."""

    def __init__(self, factory: sessionmaker[Session], revocations: RevocationList, interval: float) -> None:
        self.factory = factory
        self.engine: Engine = factory.kw["bind"]
        self.revocations = revocations
        self.interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._rows: tuple[Any, ...] | None = None
        #: the deny list's entries and ETag (as ``/internal/revocations`` answers them) and ``/internal/orgs``' ETag,
        #: replaced together (a reader takes the tuple once)
        self.snapshot: tuple[list[dict[str, Any]], str, str] = ([], entries_etag([]), orgs_etag(0, None, 0))
        #: ``time.monotonic()`` of the last poll that succeeded
        self.checked_at = float("-inf")
        self._applied = float("-inf")

    def refresh(self, *, force: bool = False) -> None:
        started = time.monotonic()
        with self.engine.connect() as conn:  # a plain connection: no session, no ORM
            rows = tuple(tuple(r) for r in conn.execute(_SNAPSHOT, {"now": utcnow()}))
        with self._lock:
            if started < self._applied:
                return  # a refresh that began later (after a commit) has already answered
            self._applied = started
            if force or rows != self._rows:
                entries: list[dict[str, Any]] = []
                orgs_tag = orgs_etag(0, None, 0)
                for kind, key, subject, jti, revoked_before, expires_at in rows:
                    if kind == 0:
                        entries.append(
                            {
                                "subject": subject,
                                "jti": jti,
                                "revoked_before": revoked_before,
                                "expires_at": expires_at.isoformat(),
                            }
                        )
                    elif kind == 1:
                        # Deactivated organisations, from the organisations themselves (so the list cannot drift
                        # from them): every token of their members, for as long as they stay inactive.
                        entries.append(
                            {
                                "subject": org_subject(key),
                                "jti": None,
                                "revoked_before": EVERY_TOKEN,
                                "expires_at": None,
                            }
                        )
                    else:
                        orgs_tag = orgs_etag(key, expires_at, revoked_before)
                etag = entries_etag(entries)
                self.revocations.replace(entries, etag)
                self.snapshot, self._rows = (entries, etag, orgs_tag), rows
            self.checked_at = started

    def fresh(self, max_age: float) -> bool:
        """Whether the last successful poll began less than ``max_age`` seconds ago."""
        return time.monotonic() - self.checked_at < max_age

    def install(self) -> None:
        """Reload this process's copy right after any commit that changed the deny list (other replicas within
        ``interval``)."""

        def _after_commit(session: Session) -> None:
            if session.info.pop(CHANGED, False):
                try:
                    self.refresh(force=True)
                except Exception as exc:  # noqa: BLE001
                    log.warning("revocation refresh failed: %s", exc)

        event.listen(self.factory, "after_commit", _after_commit)

    def start(self) -> None:
        try:
            self.refresh()
        except Exception as exc:  # noqa: BLE001
            log.warning("revocation refresh failed: %s", exc)
        threading.Thread(target=self._run, name="revocations", daemon=True).start()

    def _run(self) -> None:
        last_purge = 0.0
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
                if time.monotonic() - last_purge > 300:
                    with self.factory.begin() as session:
                        purge_expired(session)
                    last_purge = time.monotonic()
            except Exception as exc:  # noqa: BLE001
                log.warning("revocation refresh failed: %s", exc)

    def stop(self) -> None:
        self._stop.set()
