"""What of a plan a caller sees, beyond the kernel's scope rule: a department manager reads the plan of their
university (read-only), and a university named in a query must be one the caller may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam

from sanquan_kernel.errors import NotFound
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Scope, ScopeKind


def plan_visible(scope: Scope, university_col: ColumnElement[Any] | Any, *, bound: bool = False) -> ColumnElement[bool]:
    """Plan-level rows (plans, funding, work-study, submissions): a department manager reads the plan of their
    university (read-only); every other level is the kernel's university rule. ``bound``: with the scope's ids as
    parameters (``scope.params``), for a statement built once per scope kind."""
    if scope.kind is ScopeKind.DEPARTMENT:
        return university_col == (bindparam("scope_university_id", type_=Integer) if bound else scope.university_id)
    return scope.bound(university=university_col) if bound else scope.where(university=university_col)


def plan_covers(scope: Scope, university_id: int) -> bool:
    if scope.kind is ScopeKind.DEPARTMENT:
        return scope.university_id == university_id
    return scope.covers_org(university_id)


def require_university(orgdir: OrgDirectory, scope: Scope, university_id: int | None) -> None:
    """A university named in a query is one that exists and the caller may see: 404 otherwise, the same answer
    for unknown and out-of-scope ones (never an empty page that looks like "nothing yet")."""
    if university_id is not None and (not orgdir.is_university(university_id) or not plan_covers(scope, university_id)):
        raise NotFound("No such university")
