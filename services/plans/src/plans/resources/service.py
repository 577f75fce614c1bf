"""P5 funding lines and P6 work-study posts: university-entered yearly records, editable at any plan status
(spending is recorded through the year)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.deps import audit, edit
from plans.resources import repository as repo
from plans.resources.models import FundingLine, WorkStudyPosts
from plans.resources.schemas import FundingCreate, FundingOut, FundingUpdate, WorkStudyOut, WorkStudyPut
from sanquan_kernel.errors import Conflict
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal

#: what a PUT of work-study posts sets (the rest of its body is the path's or the server's)
WORK_STUDY_FIELDS = {"total_posts", "work_study_posts", "note"}


def work_study_ok(total_posts: int, work_study_posts: int) -> bool:
    """P6: work-study posts are at least 10% of all posts — exactly 10% passes (integer arithmetic, no rounding)."""
    return total_posts > 0 and work_study_posts * 10 >= total_posts


def work_study_ratio(total_posts: int, work_study_posts: int) -> float:
    return round(work_study_posts / total_posts, 4) if total_posts else 0.0


def funding_out(f: FundingLine) -> FundingOut:
    return FundingOut(
        id=f.id,
        university_id=f.university_id,
        year=f.year,
        kind=f.kind,
        title=f.title,
        planned_amount=float(f.planned_amount),
        spent_amount=float(f.spent_amount),
        note=f.note,
        version=f.version,
    )


def work_study_out(w: WorkStudyPosts, orgdir: OrgDirectory) -> WorkStudyOut:
    return WorkStudyOut(
        university_id=w.university_id,
        university_name=orgdir.name(w.university_id),
        year=w.year,
        total_posts=w.total_posts,
        work_study_posts=w.work_study_posts,
        ratio=work_study_ratio(w.total_posts, w.work_study_posts),
        ok=work_study_ok(w.total_posts, w.work_study_posts),
        note=w.note,
        version=w.version,
    )


def _fields(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}


FUNDING_FIELDS = ("year", "kind", "title", "planned_amount", "spent_amount", "note")


def create_funding(session: Session, principal: Principal, university_id: int, body: FundingCreate) -> FundingLine:
    line = FundingLine(university_id=university_id, **body.model_dump())
    line.kind = body.kind.value
    session.add(line)
    session.flush()
    audit(
        session,
        principal,
        "funding.create",
        "funding_line",
        line.id,
        university_id=university_id,
        after=_fields(line, FUNDING_FIELDS),
    )
    return line


def update_funding(
    session: Session, request: Request, principal: Principal, line: FundingLine, body: FundingUpdate
) -> None:
    with edit(session, request, line, principal, "funding.update", entity="funding_line", fields=FUNDING_FIELDS) as e:
        changes = body.model_dump(exclude_unset=True, exclude_none=True)
        e.set({k: v.value if k == "kind" else v for k, v in changes.items()})


def delete_funding(session: Session, request: Request, principal: Principal, line: FundingLine) -> None:
    with edit(session, request, line, principal, "funding.delete", entity="funding_line", fields=FUNDING_FIELDS) as e:
        e.delete()


def put_work_study(
    session: Session, request: Request, principal: Principal, university_id: int, year: int, body: WorkStudyPut
) -> tuple[WorkStudyPosts, bool]:
    """Create or replace the year's figures (If-Match guards a replace)."""
    row = repo.find_work_study(session, university_id, year)
    names = ("total_posts", "work_study_posts", "note")
    if row is None:
        row = WorkStudyPosts(university_id=university_id, year=year, **body.model_dump(include=WORK_STUDY_FIELDS))
        session.add(row)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            raise Conflict("The figures of this year were just created by someone else; reload") from None
        audit(
            session,
            principal,
            "work_study.create",
            "work_study_posts",
            row.id,
            university_id=university_id,
            after=_fields(row, names),
        )
        return row, True
    with edit(
        session,
        request,
        row,
        principal,
        "work_study.update",
        entity="work_study_posts",
        fields=names,
        university_id=university_id,
    ) as e:
        e.set(body.model_dump(include=WORK_STUDY_FIELDS))
    return row, False
