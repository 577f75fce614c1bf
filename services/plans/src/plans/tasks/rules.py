"""What a task, its milestones and the accounts they name must satisfy (P2, P4), on create, update and change
requests alike (docs/decisions.md, "Correctness of plans, evaluation and the org directory").

- Dates: a plan of year Y holds work due from 1 January Y to 31 December Y + ``task_years_after_plan`` (one
  year by default: work may end early in the next year); work may start from 1 January Y − 1 (preparation
  before the year). A milestone falls within its task: not after the task's due date, not before its start.
- People: the responsible person is an active account of the plan's university (a university admin, department
  manager or staff member); a department manager or staff member must be of the task's department.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from sanquan_kernel.accounts import DEPARTMENT_PEOPLE, UNIVERSITY_PEOPLE, AccountDirectory
from sanquan_kernel.errors import Unprocessable
from sanquan_kernel.orgdir import OrgDirectory

Loc = Sequence[str | int]


@dataclass(frozen=True)
class TaskRules:
    orgdir: OrgDirectory
    accounts: AccountDirectory
    years_after: int = 1

    # -- dates ------------------------------------------------------------------------------------------------
    def window(self, year: int) -> tuple[date, date, date]:
        """(earliest start, earliest due date, latest date) of the work of a plan of ``year``."""
        return date(year - 1, 1, 1), date(year, 1, 1), date(year + self.years_after, 12, 31)

    def date_errors(
        self,
        year: int,
        start_on: date | None,
        due_on: date,
        milestones: Iterable[tuple[Loc, date]] = (),
        *,
        loc: Loc = ("body",),
    ) -> list[dict[str, Any]]:
        """The task's start and due dates against the plan's window and each other, and each milestone (its
        ``loc`` and due date) against the task."""
        first_start, first_due, last = self.window(year)
        errors: list[dict[str, Any]] = []
        if start_on is not None and not first_start <= start_on <= last:
            errors.append(
                {
                    "loc": [*loc, "start_on"],
                    "msg": f"outside the plan's years: between {first_start} and {last} (plan of {year})",
                }
            )
        if not first_due <= due_on <= last:
            errors.append(
                {
                    "loc": [*loc, "due_on"],
                    "msg": f"outside the plan's years: between {first_due} and {last} (plan of {year})",
                }
            )
        if start_on is not None and start_on > due_on:
            errors.append({"loc": [*loc, "start_on"], "msg": "after due_on"})
        for m_loc, m_due in milestones:
            if m_due > due_on:
                errors.append({"loc": [*m_loc], "msg": f"after the task's due date ({due_on})"})
            elif start_on is not None and m_due < start_on:
                errors.append({"loc": [*m_loc], "msg": f"before the task's start ({start_on})"})
            elif start_on is None and m_due < first_start:
                errors.append({"loc": [*m_loc], "msg": f"outside the plan's years: not before {first_start}"})
        return errors

    # -- people -----------------------------------------------------------------------------------------------
    def person_errors(
        self, account_id: int | None, university_id: int, department_id: int, *, loc: Loc
    ) -> list[dict[str, Any]]:
        """An account named as responsible: of the plan's university, and of the task's department when the
        account is bound to a department. (503 when the gateway cannot be asked.)"""
        if account_id is None:
            return []
        account = self.accounts.get(account_id)
        if account is None:
            return [{"loc": [*loc], "msg": "no such account"}]
        if not account.active:
            return [{"loc": [*loc], "msg": "the account is deactivated"}]
        if account.role not in UNIVERSITY_PEOPLE or account.university_id != university_id:
            return [{"loc": [*loc], "msg": "not an account of the plan's university"}]
        if account.role in DEPARTMENT_PEOPLE and account.department_id != department_id:
            return [{"loc": [*loc], "msg": "an account of another department than the task's"}]
        return []

    def department_errors(self, department_id: int, university_id: int, *, loc: Loc) -> list[dict[str, Any]]:
        if self.orgdir.is_department_of(department_id, university_id):
            return []
        return [{"loc": [*loc], "msg": "not a department of the plan's university"}]


def raise_if(errors: list[dict[str, Any]], detail: str = "The task is not valid") -> None:
    if errors:
        raise Unprocessable(f"{detail}: " + "; ".join(f"{e['loc'][-1]} {e['msg']}" for e in errors), errors=errors)


async def task_rules(request: Request) -> TaskRules:
    k = request.app.state.kernel
    return TaskRules(k.orgdir, k.accounts, int(getattr(k.settings, "task_years_after_plan", 1)))


Rules = Annotated[TaskRules, Depends(task_rules)]
