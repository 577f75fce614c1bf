"""A university or department named in a query: one that exists and lies in the caller's organisation."""

from __future__ import annotations

from sanquan_kernel.errors import NotFound
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Scope, ScopeKind


def require_orgs(
    orgdir: OrgDirectory, scope: Scope | None, university_id: int | None, department_id: int | None = None
) -> None:
    """A university or department named in a query exists and lies in the caller's organisation (a university's
    or a department's people): 404 otherwise, the same answer for both."""
    dept = orgdir.get(department_id) if department_id is not None else None
    unknown = (university_id is not None and not orgdir.is_university(university_id)) or (
        department_id is not None
        and (dept is None or dept.level != "department" or university_id not in (None, dept.university_id))
    )
    outside = False
    if scope is not None and scope.kind in (ScopeKind.UNIVERSITY, ScopeKind.DEPARTMENT):
        outside = university_id not in (None, scope.university_id) or (
            dept is not None and dept.university_id != scope.university_id
        )
        if scope.kind is ScopeKind.DEPARTMENT:
            outside = outside or department_id not in (None, scope.department_id)
    if unknown or outside:
        raise NotFound("No such university or department")
