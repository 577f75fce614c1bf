"""The staff register (T3): upsert by employee number, moves between departments that keep the ledger whole."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sanquan_kernel.errors import NotFound, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role, Scope
from training.deps import audit, edit
from training.staff import repository
from training.staff.models import Staff
from training.staff.schemas import StaffOut, StaffUpsert


def to_out(staff: Staff, orgdir: OrgDirectory) -> StaffOut:
    out = StaffOut.model_validate(staff)
    out.department_name = orgdir.name(staff.department_id)
    return out


def target_university(principal: Principal, requested: int | None) -> int:
    """The university a write lands in: the caller's own; a province admin names it."""
    if principal.role is Role.PROVINCE_ADMIN:
        if requested is None:
            raise Unprocessable(
                "A province admin names the university",
                errors=[{"loc": ["body", "university_id"], "msg": "required for province admins"}],
            )
        return requested
    assert principal.university_id is not None
    if requested is not None and requested != principal.university_id:
        raise Unprocessable(
            "You can only write in your own university",
            errors=[{"loc": ["body", "university_id"], "msg": "not your university"}],
        )
    return principal.university_id


def get_or_404(session: Session, scope: Scope, staff_id: int) -> Staff:
    staff = repository.get(session, scope, staff_id)
    if staff is None:
        raise NotFound("Staff member not found")
    return staff


def _apply(staff: Staff, body: StaffUpsert) -> None:
    staff.name = body.name
    staff.department_id = body.department_id
    staff.position = body.position
    staff.employment_type = body.employment_type.value
    staff.active = body.active
    for optional in ("joined_on", "left_on", "account_id"):
        if optional in body.model_fields_set:
            setattr(staff, optional, getattr(body, optional))


def upsert(
    session: Session, request: Request, principal: Principal, orgdir: OrgDirectory, employee_no: str, body: StaffUpsert
) -> tuple[Staff, bool]:
    """Create or replace the staff member with ``employee_no`` in the caller's university. A concurrent create of
    the same number meets the unique constraint and turns into a replace."""
    university_id = target_university(principal, body.university_id)
    if not orgdir.is_department_of(body.department_id, university_id):
        raise Unprocessable(
            "The department is not a department of the university",
            errors=[{"loc": ["body", "department_id"], "msg": "unknown department"}],
        )
    employee_no = employee_no.strip()
    if not employee_no or len(employee_no) > 64:
        raise Unprocessable(
            "The employee number is empty or too long",
            errors=[{"loc": ["path", "employee_no"], "msg": "1 to 64 characters"}],
        )
    existing = repository.find_in_university(session, university_id, employee_no)
    if existing is None:
        staff = Staff(university_id=university_id, employee_no=employee_no, version=1)
        _apply(staff, body)
        try:
            with session.begin_nested():
                session.add(staff)
        except IntegrityError:
            existing = repository.find_in_university(session, university_id, employee_no)
            if existing is None:
                raise
        else:
            audit(
                session,
                principal,
                "staff.create",
                "staff",
                staff.id,
                university_id=university_id,
                after=repository.snapshot(staff),
            )
            return staff, True
    fields = repository.snapshot
    with edit(session, request, existing, principal, None, fields=fields, university_id=university_id) as e:
        _apply(existing, body)
        after = fields(existing)
        if e.before is not None and after != e.before:
            e.touch()
            # A move keeps the ledger whole: records keep the department they were made in (history) and reports
            # attribute the person's whole year to their current department (docs/decisions.md, "Training service").
            e.action = "staff.move" if e.before["department_id"] != after["department_id"] else "staff.update"
    session.flush()
    return existing, False
