"""Courses (T3): organised by the province, a university or a department; staff are enrolled, and a department
manager ticks who attended — which makes their ledger records, all in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from sanquan_kernel.clock import today
from sanquan_kernel.errors import Conflict, NotFound, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role, Scope
from training.courses import repository
from training.courses.models import Course, Enrolment
from training.courses.schemas import AttendanceResult, CourseCreate, CourseOut, DeclaredCourseIn, EnrolmentOut
from training.deps import audit
from training.records import repository as records_repository
from training.records import service as records_service
from training.staff.models import Staff
from training.vocabulary import OrganizerLevel, Source, q2, themes_from_db, themes_to_db


def to_out(course: Course, orgdir: OrgDirectory, enrolled: int, attended: int = 0) -> CourseOut:
    return CourseOut(
        id=course.id,
        title=course.title,
        organizer_level=course.organizer_level,
        organizer_org_id=course.organizer_org_id,
        organizer_name=orgdir.name(course.organizer_org_id),
        university_id=course.university_id,
        department_id=course.department_id,
        themes=themes_from_db(course.themes),
        starts_on=course.starts_on,
        ends_on=course.ends_on,
        hours=float(q2(course.hours)),
        days=float(q2(course.days)),
        capacity=course.capacity,
        enrolled=enrolled,
        attended=attended,
        source_ref=course.source_ref,
        created_at=course.created_at,
        version=course.version,
    )


def enrolment_outs(session: Session, items: Sequence[Enrolment]) -> list[EnrolmentOut]:
    names = records_repository.staff_names(session, (e.staff_id for e in items))
    return [
        EnrolmentOut(
            id=e.id,
            course_id=e.course_id,
            staff_id=e.staff_id,
            employee_no=names.get(e.staff_id, (None, None))[0],
            staff_name=names.get(e.staff_id, (None, None))[1],
            attended=e.attended,
            record_id=e.record_id,
            enrolled_at=e.enrolled_at,
        )
        for e in items
    ]


def create(session: Session, principal: Principal, orgdir: OrgDirectory, body: CourseCreate) -> Course:
    if principal.role is Role.PROVINCE_ADMIN:
        province = orgdir.province()
        level, org_id, uni, dept = (
            OrganizerLevel.PROVINCE,
            principal.org_id or (province.id if province else 0),
            None,
            None,
        )
    elif principal.role is Role.UNIVERSITY_ADMIN:
        assert principal.university_id is not None
        level, org_id, uni, dept = OrganizerLevel.UNIVERSITY, principal.university_id, principal.university_id, None
    else:
        assert principal.university_id is not None and principal.department_id is not None
        level, org_id, uni, dept = (
            OrganizerLevel.DEPARTMENT,
            principal.department_id,
            principal.university_id,
            principal.department_id,
        )
    return _store(
        session,
        principal,
        "course.create",
        body,
        organizer_level=level.value,
        organizer_org_id=org_id,
        university_id=uni,
        department_id=dept,
        capacity=body.capacity,
    )


def declare(session: Session, principal: Principal, body: DeclaredCourseIn) -> tuple[Course, bool]:
    """The course of ``body.source_ref``: the one made before (False), or a new one (True). Concurrent first calls
    are serialised by the unique ``source_ref`` (the loser's transaction fails and its retry finds the course)."""
    existing = repository.by_source(session, body.source_ref)
    if existing is not None:
        return existing, False
    course = _store(
        session,
        principal,
        "course.declare",
        body,
        organizer_level=body.organizer_level,
        organizer_org_id=body.organizer_org_id,
        university_id=body.university_id,
        department_id=None,
        capacity=None,
        source_ref=body.source_ref,
    )
    return course, True


def _store(
    session: Session, principal: Principal, action: str, body: CourseCreate | DeclaredCourseIn, **organiser: Any
) -> Course:
    """A new course from the body's title, themes, dates and hours and the organiser's columns, audited as
    ``action`` (its source, when another service declared it)."""
    course = Course(
        title=body.title.strip(),
        themes=themes_to_db(body.themes),
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        hours=q2(body.hours),
        days=q2(body.days),
        created_by=principal.subject,
        version=1,
        **organiser,
    )
    session.add(course)
    session.flush()
    after = {"title": course.title, "starts_on": body.starts_on.isoformat()}
    if course.source_ref is not None:
        after["source_ref"] = course.source_ref
    audit(session, principal, action, "course", course.id, university_id=course.university_id, after=after)
    return course


def get_or_404(session: Session, scope: Scope, course_id: int) -> Course:
    course = repository.get(session, scope, course_id)
    if course is None:
        raise NotFound("Course not found")
    return course


def _visible_staff(session: Session, scope: Scope, staff_ids: Sequence[int]) -> dict[int, Staff]:
    wanted = sorted(set(staff_ids))
    found = {s.id: s for s in repository.visible_staff(session, scope, wanted)}
    missing = [sid for sid in wanted if sid not in found]
    if missing:
        raise Unprocessable(
            "Unknown staff members",
            errors=[{"loc": ["body", "staff_ids"], "msg": f"unknown staff ids: {missing[:20]}"}],
        )
    return found


def enrol(
    session: Session, principal: Principal, scope: Scope, course_id: int, staff_ids: Sequence[int]
) -> list[Enrolment]:
    course = get_or_404(session, scope, course_id)
    staff = _visible_staff(session, scope, staff_ids)
    already = {e.staff_id for e in repository.enrolments(session, scope, course_id, list(staff))}
    new_ids = [sid for sid in staff if sid not in already]
    if course.capacity is not None:
        taken = repository.enrolled_counts(session, [course_id]).get(course_id, 0)
        if taken + len(new_ids) > course.capacity:
            raise Conflict(f"The course has {course.capacity - taken} places left")
    for sid in new_ids:
        session.add(
            Enrolment(course_id=course_id, staff_id=sid, university_id=staff[sid].university_id, attended=False)
        )
    session.flush()
    if new_ids:
        audit(
            session,
            principal,
            "course.enrol",
            "course",
            course_id,
            university_id=principal.university_id,
            after={"staff_ids": new_ids},
        )
    return repository.enrolments(session, scope, course_id, list(staff))


def attend(
    session: Session, principal: Principal, scope: Scope, course_id: int, staff_ids: Sequence[int]
) -> AttendanceResult:
    """Tick who attended: each new attendance makes one ledger record (source ``course``) and updates the totals,
    all in this transaction. Ticking the same person again changes nothing."""
    course = get_or_404(session, scope, course_id)
    if course.ends_on > today():
        raise Conflict("Attendance is recorded once the course has ended")
    enrolments = {e.staff_id: e for e in repository.enrolments(session, scope, course_id, staff_ids)}
    missing = sorted(set(staff_ids) - set(enrolments))
    if missing:
        raise Unprocessable(
            "Not enrolled", errors=[{"loc": ["body", "staff_ids"], "msg": f"not enrolled or unknown: {missing[:20]}"}]
        )
    marked = created = 0
    for sid, enrolment in enrolments.items():
        if enrolment.attended:
            continue
        staff = session.get(Staff, sid)
        assert staff is not None
        record, is_new = records_service.store(
            session,
            records_service.NewRecord(
                staff=staff,
                title=course.title,
                taken_on=course.ends_on,
                hours=course.hours,
                days=course.days,
                themes=course.themes,
                organizer_level=course.organizer_level,
                source=Source.COURSE.value,
                created_by=principal.subject,
                external_id=f"course:{course.id}:{sid}",
                course_id=course.id,
            ),
        )
        enrolment.attended, enrolment.record_id = True, record.id
        marked += 1
        created += int(is_new)
    session.flush()
    if marked:
        audit(
            session,
            principal,
            "course.attendance",
            "course",
            course_id,
            university_id=principal.university_id,
            after={"attended": marked, "records": created},
        )
    items = repository.enrolments(session, scope, course_id, list(enrolments))
    return AttendanceResult(attended=marked, records_created=created, items=enrolment_outs(session, items))
