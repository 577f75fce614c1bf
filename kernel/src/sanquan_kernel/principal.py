"""Who is calling, and what they may see.

``Principal`` is built from verified token claims. ``scope_for`` is the one function that turns a principal into
a ``Scope`` (A1–A3); a ``Scope`` cannot be built anywhere else. Repositories turn a ``Scope`` into SQLAlchemy
expressions for their own tables with ``Scope.where``; anything unknown is ``false()`` (default deny).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, bindparam, false, true


class Role(enum.StrEnum):
    PROVINCE_ADMIN = "province_admin"
    EXPERT = "expert"
    UNIVERSITY_ADMIN = "university_admin"
    DEPARTMENT_MANAGER = "department_manager"
    STAFF = "staff"
    INTEGRATION = "integration"
    SERVICE = "service"
    #: 督导 (issue #19): reads what the province reads, writes nothing but supervision.
    INSPECTOR = "inspector"
    #: The service hall's users (S1, issue #20): students and teachers signed in with their campus identity (or a
    #: roster activation). Their subject is ``hall:<identity id>``; they see their own hall requests and nothing
    #: else anywhere (``ScopeKind.REQUESTER``).
    STUDENT = "student"
    TEACHER = "teacher"


#: Rank for "nobody creates an account above their own level".
ROLE_LEVEL: dict[Role, int] = {
    Role.PROVINCE_ADMIN: 3,
    Role.EXPERT: 1,
    Role.UNIVERSITY_ADMIN: 2,
    Role.DEPARTMENT_MANAGER: 1,
    Role.STAFF: 0,
    Role.INTEGRATION: 0,
    Role.SERVICE: 4,
    Role.INSPECTOR: 3,
    Role.STUDENT: 0,
    Role.TEACHER: 0,
}

PERSON_ROLES = frozenset(
    {Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.EXPERT, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.STAFF}
)
#: The province-level people: the administrator and the inspector (督导, read-only but for supervision).
PROVINCE_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.INSPECTOR})
#: The service hall's requesters (S1).
HALL_ROLES = frozenset({Role.STUDENT, Role.TEACHER})
HALL_SUBJECT_PREFIX = "hall:"


@dataclass(frozen=True)
class Principal:
    """The caller, as the access token describes it."""

    subject: str
    role: Role
    org_id: int | None
    university_id: int | None
    department_id: int | None
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str = ""
    issued_at: int = 0
    expires_at: int = 0
    username: str | None = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        def _int(v: Any) -> int | None:
            return int(v) if v is not None else None

        scope = claims.get("scope") or ""
        return cls(
            subject=str(claims["sub"]),
            role=Role(claims["role"]),
            org_id=_int(claims.get("org_id")),
            university_id=_int(claims.get("university_id")),
            department_id=_int(claims.get("department_id")),
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(scope),
            token_id=str(claims.get("jti", "")),
            issued_at=int(claims.get("iat", 0)),
            expires_at=int(claims.get("exp", 0)),
            username=claims.get("preferred_username"),
        )

    @property
    def user_id(self) -> int | None:
        """The account id for people; None for integration and service clients."""
        return int(self.subject) if self.role in PERSON_ROLES and self.subject.isdigit() else None

    @property
    def requester_id(self) -> int | None:
        """The service-hall identity id of a student or teacher (subject ``hall:<id>``); None for everyone else."""
        if self.role in HALL_ROLES and self.subject.startswith(HALL_SUBJECT_PREFIX):
            rest = self.subject.removeprefix(HALL_SUBJECT_PREFIX)
            return int(rest) if rest.isdigit() else None
        return None

    @property
    def org_ids(self) -> tuple[int, ...]:
        """The organisations the token was issued to a member of (its org, university and department): a
        deactivated one revokes it (``sanquan_kernel.revocation``)."""
        return tuple(i for i in (self.org_id, self.university_id, self.department_id) if i is not None)

    @property
    def client_id(self) -> str | None:
        return self.subject.removeprefix("client:") if self.subject.startswith("client:") else None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def is_role(self, *roles: Role) -> bool:
        return self.role in roles


class ScopeKind(enum.Enum):
    ALL = "all"
    UNIVERSITY = "university"
    DEPARTMENT = "department"
    SELF = "self"
    ASSIGNED = "assigned"
    #: A service-hall student or teacher: the rows whose requester column is their hall identity (S1).
    REQUESTER = "requester"
    NONE = "none"


_TOKEN = object()


@dataclass(frozen=True)
class Scope:
    """What part of the province a principal can see. Build it only with ``scope_for``."""

    kind: ScopeKind
    university_id: int | None = None
    department_id: int | None = None
    user_id: int | None = None
    _guard: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._guard is not _TOKEN:
            raise TypeError("Scope is produced by scope_for() only")

    # -- helpers for repositories -------------------------------------------------------------
    def where(
        self,
        *,
        university: ColumnElement[Any] | Any | None = None,
        department: ColumnElement[Any] | Any | None = None,
        owner: ColumnElement[Any] | Any | None = None,
        assigned: ColumnElement[Any] | None = None,
        requester: ColumnElement[Any] | Any | None = None,
    ) -> ColumnElement[bool]:
        """A ``where`` clause for a table with these columns; a column the table lacks is passed as None.

        - ALL: everything. UNIVERSITY: ``university == u``. DEPARTMENT: ``department == d`` (and the university).
        - SELF: ``owner == user_id`` (the account id stored on the row), within the university where the table has
          one. ASSIGNED: the ``assigned`` expression the caller built for the expert (e.g. an EXISTS on
          assignments). REQUESTER: ``requester == user_id`` (the hall identity id) within the university; only the
          service hall's tables pass ``requester``. A level the table cannot express is denied.
        """
        if self.kind is ScopeKind.REQUESTER:
            if requester is None or university is None:
                return false()
            return cast(ColumnElement[bool], (requester == self.user_id) & (university == self.university_id))
        return self._clause(
            self.university_id, self.department_id, self.user_id, university, department, owner, assigned
        )

    def bound(
        self,
        *,
        university: ColumnElement[Any] | None = None,
        department: ColumnElement[Any] | None = None,
        owner: ColumnElement[Any] | None = None,
        requester: ColumnElement[Any] | None = None,
    ) -> ColumnElement[bool]:
        """``where`` with bound parameters in place of this scope's ids (``params`` gives their values): the same
        clause for every principal of this kind, so that a hot statement is built once per kind and not per request
        (building a statement and its cache key costs SQLAlchemy more than executing it). ``requester``: as in
        ``where``, the service hall's requester column (REQUESTER: its own rows in its university)."""
        uni, dept, user = (
            bindparam(f"scope_{n}", type_=Integer) for n in ("university_id", "department_id", "user_id")
        )
        if self.kind is ScopeKind.REQUESTER:
            if requester is None or university is None:
                return false()
            return cast(ColumnElement[bool], (requester == user) & (university == uni))
        return self._clause(uni, dept, user, university, department, owner, None)

    @property
    def params(self) -> dict[str, int | None]:
        """The values of the parameters in a ``bound`` clause."""
        return {
            "scope_university_id": self.university_id,
            "scope_department_id": self.department_id,
            "scope_user_id": self.user_id,
        }

    def _clause(
        self,
        university_id: Any,
        department_id: Any,
        user_id: Any,
        university: Any,
        department: Any,
        owner: Any,
        assigned: ColumnElement[bool] | None,
    ) -> ColumnElement[bool]:
        k = self.kind
        if k is ScopeKind.ALL:
            return true()
        if k is ScopeKind.UNIVERSITY and university is not None:
            return cast(ColumnElement[bool], university == university_id)
        if k is ScopeKind.DEPARTMENT and department is not None:
            cond = department == department_id
            if university is not None:
                cond = cond & (university == university_id)
            return cast(ColumnElement[bool], cond)
        if k is ScopeKind.SELF and owner is not None:
            # the account id stored on a row is data another university's admin could have written: a staff
            # member's own rows are also in their own university (A1)
            mine = owner == user_id
            return cast(ColumnElement[bool], mine & (university == university_id) if university is not None else mine)
        if k is ScopeKind.ASSIGNED and assigned is not None:
            return assigned
        return false()

    def covers_org(self, university_id: int | None, department_id: int | None = None) -> bool:
        """Whether an object of this university/department is visible at the org level (no SELF/ASSIGNED)."""
        k = self.kind
        if k is ScopeKind.ALL:
            return True
        if k is ScopeKind.UNIVERSITY:
            return university_id is not None and university_id == self.university_id
        if k is ScopeKind.DEPARTMENT:
            return (
                department_id is not None
                and department_id == self.department_id
                and university_id == self.university_id
            )
        return False

    @property
    def is_all(self) -> bool:
        return self.kind is ScopeKind.ALL


def _make(kind: ScopeKind, **kw: Any) -> Scope:
    return Scope(kind, _guard=_TOKEN, **kw)


def scope_for(p: Principal) -> Scope:
    """A1–A3: province (its administrator and its inspector) sees all; a university user their university; a
    department manager their department; a staff member their own records; an expert what is assigned to them; an
    integration client its university; a service client everything (endpoints still check its narrow scopes); a
    service-hall student or teacher their own hall requests (REQUESTER).
    Anything else sees nothing."""
    match p.role:
        case Role.PROVINCE_ADMIN | Role.INSPECTOR | Role.SERVICE:
            return _make(ScopeKind.ALL)
        case Role.UNIVERSITY_ADMIN | Role.INTEGRATION if p.university_id is not None:
            return _make(ScopeKind.UNIVERSITY, university_id=p.university_id)
        case Role.DEPARTMENT_MANAGER if p.university_id is not None and p.department_id is not None:
            return _make(ScopeKind.DEPARTMENT, university_id=p.university_id, department_id=p.department_id)
        case Role.STAFF if p.user_id is not None:
            return _make(
                ScopeKind.SELF, university_id=p.university_id, department_id=p.department_id, user_id=p.user_id
            )
        case Role.EXPERT if p.user_id is not None:
            return _make(ScopeKind.ASSIGNED, university_id=p.university_id, user_id=p.user_id)
        case Role.STUDENT | Role.TEACHER if p.requester_id is not None and p.university_id is not None:
            return _make(ScopeKind.REQUESTER, university_id=p.university_id, user_id=p.requester_id)
    return _make(ScopeKind.NONE)
