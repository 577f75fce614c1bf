"""Every query on responsibility letters, filtered through ``Scope`` (and the responsible person's own letters)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from plans.letters.models import LetterSignature, LetterVersion, ResponsibilityLetter
from sanquan_kernel.principal import Principal, Scope

L = ResponsibilityLetter


def letter_visible(scope: Scope, principal: Principal) -> ColumnElement[bool]:
    """Province all, a university its own, a department manager their department's letters; and anyone the
    letters that name them as the responsible person (SELF for staff; the owner test for the others)."""
    cond = scope.where(university=L.university_id, department=L.department_id, owner=L.responsible_user_id)
    if principal.user_id is not None and principal.university_id is not None:
        cond = or_(cond, (L.responsible_user_id == principal.user_id) & (L.university_id == principal.university_id))
    return cond


def get_letter(session: Session, scope: Scope, principal: Principal, letter_id: int) -> ResponsibilityLetter | None:
    return session.scalar(select(L).where(L.id == letter_id, letter_visible(scope, principal)))


def list_stmt(
    scope: Scope, principal: Principal, *, plan_id: int | None, status: str | None
) -> Select[tuple[ResponsibilityLetter]]:
    stmt = select(L).where(letter_visible(scope, principal))
    if plan_id is not None:
        stmt = stmt.where(L.plan_id == plan_id)
    if status is not None:
        stmt = stmt.where(L.status == status)
    return stmt.order_by(L.plan_id, L.target, L.department_id, L.responsible_user_id)


def letters_of_plan(session: Session, plan_id: int) -> list[ResponsibilityLetter]:
    """For keeping letters in step with the tasks (the caller has just changed a task of this plan)."""
    return list(session.scalars(select(L).where(L.plan_id == plan_id)))


def find(
    session: Session, plan_id: int, target: str, department_id: int, responsible_user_id: int
) -> ResponsibilityLetter | None:
    return session.scalar(
        select(L).where(
            L.plan_id == plan_id,
            L.target == target,
            L.department_id == department_id,
            L.responsible_user_id == responsible_user_id,
        )
    )


def versions(session: Session, letter_id: int) -> list[LetterVersion]:
    return list(
        session.scalars(
            select(LetterVersion).where(LetterVersion.letter_id == letter_id).order_by(LetterVersion.version)
        )
    )


def version(session: Session, letter_id: int, number: int) -> LetterVersion | None:
    return session.scalar(
        select(LetterVersion).where(LetterVersion.letter_id == letter_id, LetterVersion.version == number)
    )


def signatures(session: Session, letter_id: int) -> list[LetterSignature]:
    return list(
        session.scalars(
            select(LetterSignature).where(LetterSignature.letter_id == letter_id).order_by(LetterSignature.id)
        )
    )
