"""The province's alert list (issue #18)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class EscalatedMilestone(BaseModel):
    """An open milestone overdue more than the escalation threshold."""

    milestone_id: int
    title: str
    due_on: date
    days_overdue: int
    status: str
    percent: int
    university_id: int
    university_name: str
    department_id: int
    department_name: str
    task_id: int
    task_title: str
    responsible_name: str
    plan_id: int
    year: int


class LatePlan(BaseModel):
    """A university whose plan was not submitted by its deadline (the notice's, or its extension)."""

    university_id: int
    university_name: str
    due_on: date
    days_overdue: int
    extended: bool
    plan_id: int | None
    plan_status: str | None


class LatePlans(BaseModel):
    year: int
    notice_issued: bool
    items: list[LatePlan]
