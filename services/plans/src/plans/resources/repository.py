"""Every query on funding lines and work-study posts, filtered through ``Scope``."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from plans.resources.models import FundingLine, WorkStudyPosts
from plans.visibility import plan_visible
from sanquan_kernel.principal import Scope


def funding_stmt(
    scope: Scope, *, year: int | None, university_id: int | None, kind: str | None
) -> Select[tuple[FundingLine]]:
    stmt = select(FundingLine).where(plan_visible(scope, FundingLine.university_id))
    if year is not None:
        stmt = stmt.where(FundingLine.year == year)
    if university_id is not None:
        stmt = stmt.where(FundingLine.university_id == university_id)
    if kind is not None:
        stmt = stmt.where(FundingLine.kind == kind)
    return stmt.order_by(FundingLine.year.desc(), FundingLine.university_id, FundingLine.kind, FundingLine.id)


def get_funding(session: Session, scope: Scope, line_id: int) -> FundingLine | None:
    return session.scalar(
        select(FundingLine).where(FundingLine.id == line_id, plan_visible(scope, FundingLine.university_id))
    )


def work_study_stmt(
    scope: Scope, *, year: int | None, university_id: int | None, below_minimum: bool = False
) -> Select[tuple[WorkStudyPosts]]:
    stmt = select(WorkStudyPosts).where(plan_visible(scope, WorkStudyPosts.university_id))
    if year is not None:
        stmt = stmt.where(WorkStudyPosts.year == year)
    if university_id is not None:
        stmt = stmt.where(WorkStudyPosts.university_id == university_id)
    if below_minimum:
        # P6, in integers: fewer than one work-study post per ten posts
        stmt = stmt.where(
            or_(WorkStudyPosts.work_study_posts * 10 < WorkStudyPosts.total_posts, WorkStudyPosts.total_posts == 0)
        )
    return stmt.order_by(WorkStudyPosts.year.desc(), WorkStudyPosts.university_id)


def find_work_study(session: Session, university_id: int, year: int) -> WorkStudyPosts | None:
    """The natural key, for the writer's own university."""
    return session.scalar(
        select(WorkStudyPosts).where(WorkStudyPosts.university_id == university_id, WorkStudyPosts.year == year)
    )
